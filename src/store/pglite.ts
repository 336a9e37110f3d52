// The embedded store: PGlite (PostgreSQL compiled to WebAssembly) in a data folder, run by a
// worker thread that owns it (pglite-worker.ts), so the database's CPU work and the HTTP work
// run on two cores at once. PGlite is one session: the worker runs requests one at a time in
// arrival order, and a transaction is a session this handle holds, during which only that
// session's statements run (never a manual BEGIN, which would capture other callers' statements).
// A statement is acknowledged only after PGlite ran it, so a crash keeps what it kept before.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../package-root.js';
import { startMark } from '../start-trace.js';
import type { Db, Sql } from './db.js';
import { rowsOf } from './pglite-results.js';
import { fromWireError, type Answer, type OpenRequest, type Ready, type Request, type WireError } from './pglite-protocol.js';
import { retryAfter } from './sqlstate.js';

type Ok = Extract<Answer, { ok: true }>;

/** A close that takes longer (a checkpoint stuck on a vanished folder) ends the thread anyway; the next start recovers from the WAL. */
const CLOSE_WAIT_MS = 30_000;
type Unsent<R> = R extends unknown ? Omit<R, 'id'> : never;

class PgliteWorker {
  #nextId = 1;
  #waiting = new Map<number, { resolve: (a: Ok) => void; reject: (e: Error) => void }>();
  #dead: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (a: Answer) => {
      const w = this.#waiting.get(a.id);
      if (!w) return;
      this.#waiting.delete(a.id);
      // An idle store does not keep the process alive (as PGlite on the main thread did not).
      if (this.#waiting.size === 0) worker.unref();
      if (a.ok) w.resolve(a);
      else w.reject(fromWireError(a.error));
    });
  }

  /** The worker stopped (a fault, or closed): every waiting and later request fails with this. */
  stop(reason: Error): void {
    this.#dead ??= reason;
    for (const w of this.#waiting.values()) w.reject(this.#dead);
    this.#waiting.clear();
  }

  call(request: Unsent<Request>): Promise<Ok> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise<Ok>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (this.#waiting.size === 1) this.worker.ref();
      this.worker.postMessage({ ...request, id });
    });
  }
}

/** A transaction session as this handle sees it: whether fn may still use it, and whether its first statement (which begins it) was sent. */
interface Session {
  open: boolean;
  begun: boolean;
}

function sessionSql(conn: PgliteWorker, s: number, session: Session): Sql {
  const closed = () => Promise.reject(new Error('Transaction is closed'));
  // The first statement carries the BEGIN (one round trip fewer); s = 0 is autocommit.
  const begin = (): { begin?: true } => {
    if (s === 0 || session.begun) return {};
    session.begun = true;
    return { begin: true };
  };
  return {
    async query<R>(text: string, params?: readonly unknown[], name?: string): Promise<R[]> {
      if (!session.open) return closed();
      const a = await conn.call({ op: 'query', s, text, params: params as unknown[] | undefined, name, ...begin() });
      return (a.raw ? rowsOf(a.raw) : []) as R[];
    },
    async exec(text: string): Promise<void> {
      if (!session.open) return closed();
      await conn.call({ op: 'exec', s, text, ...begin() });
    },
  };
}

/**
 * The thread's script: beside this module in tsc's output; from a bundle (build/, where this code
 * sits in a chunk) the same file of the shipped dist/.
 */
function workerScript(): string {
  const beside = fileURLToPath(new URL('./pglite-boot.js', import.meta.url));
  return fs.existsSync(beside) ? beside : path.join(packageRoot(), 'dist', 'src', 'store', 'pglite-boot.js');
}

/** Where the build puts V8's code cache of PGlite's JavaScript (pglite-code.ts); absent in a checkout built with tsc only. */
export function pgliteCodeCacheFile(): string {
  return path.join(packageRoot(), 'build', 'pglite-code-cache.bin');
}

function spawn(request: OpenRequest): Promise<PgliteWorker> {
  const workerData: OpenRequest = { codeCache: { file: pgliteCodeCacheFile() }, ...request };
  const { loadDataDir } = workerData;
  startMark('store thread spawn');
  const worker = new Worker(workerScript(), {
    workerData,
    transferList: loadDataDir ? [loadDataDir] : [],
  });
  return new Promise((resolve, reject) => {
    let conn: PgliteWorker | undefined;
    worker.once('message', (ready: Ready) => {
      if (ready.error) {
        void worker.terminate();
        reject(fromWireError(ready.error as WireError));
        return;
      }
      startMark('store ready (main)');
      conn = new PgliteWorker(worker);
      worker.unref();
      resolve(conn);
    });
    worker.on('error', (error) => {
      if (conn) conn.stop(new Error(`the embedded store stopped: ${error.message}`, { cause: error }));
      else reject(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the embedded store stopped (its thread exited with code ${code})`);
      if (conn) conn.stop(error);
      else reject(error);
    });
  });
}

/** A pre-migrated image file (image-file.ts) a new store starts from; the thread reads it. */
export interface ImageFile {
  imageFile: string;
}

/**
 * dataDir undefined = in memory (tests, the emulator). load: a new store's contents, a tarball
 * made by dump() (test templates) or the build's image file. options.codeCache: another code
 * cache than the build's, or (write) the one the build makes, written when the store is closed.
 */
export async function openPglite(
  dataDir: string | undefined, load?: Blob | ImageFile, options: Pick<OpenRequest, 'codeCache'> = {},
): Promise<Db & { dump(): Promise<Blob> }> {
  const conn = await spawn({
    ...(load instanceof Blob ? { dataDir, loadDataDir: await load.arrayBuffer() } : load ? { dataDir, imageFile: load.imageFile } : { dataDir }),
    ...options,
  });
  let nextSession = 1;
  const base = sessionSql(conn, 0, { open: true, begun: false });
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const s = nextSession++;
        // Begun by its first statement: fn's work before that runs outside the transaction.
        const session: Session = { open: true, begun: false };
        try {
          const result = await fn(sessionSql(conn, s, session));
          session.open = false;
          if (session.begun) await conn.call({ op: 'end', s, commit: true });
          return result;
        } catch (error) {
          if (session.open) {
            session.open = false;
            // The worker rolls back; a failure here means it is gone, and the error that matters is fn's.
            if (session.begun) await conn.call({ op: 'end', s, commit: false }).catch(() => {});
          }
          if (await retryAfter(error, attempt)) continue;
          throw error;
        }
      }
    },
    async procedure(name: string, args: unknown): Promise<unknown> {
      return (await conn.call({ op: 'procedure', s: 0, name, args })).outcome;
    },
    async close() {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          conn.call({ op: 'close', s: 0 }),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`the embedded store did not close within ${CLOSE_WAIT_MS} ms`)), CLOSE_WAIT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
        conn.stop(new Error('the embedded store is closed'));
        await conn.worker.terminate();
      }
    },
    async dump() {
      const a = await conn.call({ op: 'dump', s: 0 });
      return new Blob([a.dump!]);
    },
  };
}
