// The messages between the embedded store's handle (pglite.ts, on the caller's thread) and the
// worker thread that owns PGlite (pglite-worker.ts). Kept compact: a request is an op, an id to
// answer, a session (0 = none) and the statement; an answer carries rows or an error.

export interface OpenRequest {
  dataDir: string | undefined;
  /** A data-folder tarball to load (transferred, not copied). */
  loadDataDir?: ArrayBuffer;
  /** The pre-migrated image file (image-file.ts) a new store starts from, read by the thread itself. */
  imageFile?: string;
  /**
   * V8's code cache of PGlite's JavaScript (pglite-code.ts): read when it exists; with write, the
   * thread writes it when the store is closed (the build makes it so).
   */
  codeCache?: { file: string; write?: boolean };
}

export type Request =
  /**
   * One statement; s = the transaction session it belongs to (0 = autocommit). The first
   * statement of a session carries `begin`: it opens the session (after every earlier request)
   * and runs first in it, so a transaction costs no round trip of its own to begin.
   */
  | { op: 'query'; id: number; s: number; text: string; params: unknown[] | undefined; name?: string | undefined; begin?: true }
  | { op: 'exec'; id: number; s: number; text: string; begin?: true }
  /** Ends session s: commit or roll back (a session whose BEGIN failed has nothing to roll back). */
  | { op: 'end'; id: number; s: number; commit: boolean }
  /** Runs an ingest procedure in one transaction of its own, here in the store's thread (Db.procedure). */
  | { op: 'procedure'; id: number; s: 0; name: string; args: unknown }
  | { op: 'dump'; id: number; s: 0 }
  | { op: 'close'; id: number; s: 0 };

/** An error as it crosses the thread: its message and its own fields (code, detail, ...). */
export interface WireError {
  message: string;
  name: string;
  fields: Record<string, unknown>;
}

export type Answer =
  /** raw: a query's backend messages, decoded by the caller (pglite-results.ts). */
  | { id: number; ok: true; raw?: ArrayBuffer; dump?: ArrayBuffer; outcome?: unknown }
  | { id: number; ok: false; error: WireError };

/** The first message of the worker: open (null error) or the reason it could not. */
export interface Ready {
  ready: true;
  error: WireError | null;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(error)) {
      // query parameters may hold personal data and are not needed above the store
      if (k === 'params' || k === 'queryOptions') continue;
      if (v === undefined || typeof v === 'function') continue;
      fields[k] = v;
    }
    return { message: error.message, name: error.name, fields };
  }
  return { message: String(error), name: 'Error', fields: {} };
}

export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  Object.assign(error, wire.fields);
  return error;
}

/**
 * A parameter as PostgreSQL text, the way `pg` sends it without knowing the type: null stays
 * null, a Date is ISO-8601, an array is an array literal, an object is JSON, anything else its
 * string form.
 */
export function encodeParam(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayLiteral(value);
  if (ArrayBuffer.isView(value)) return '\\x' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function arrayLiteral(items: unknown[]): string {
  return '{' + items.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return arrayLiteral(item);
    const text = encodeParam(item)!;
    return '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  }).join(',') + '}';
}
