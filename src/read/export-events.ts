// The export (this project's extension; Ortto has none): an instance's person or account events
// as NDJSON, in id order, read a chunk at a time by keyset so that memory holds one chunk however
// large the export. One answer carries at most `limit` events and ends with a line
// {"next_cursor": ...}; passing that cursor back continues after the last event sent. A stream cut
// short has no such last line, so a reader can tell a whole answer from a broken one.
import { definitionNameOf, type Definition } from '../domain/definitions.js';
import { isId } from '../domain/ids.js';
import { renderCommands } from '../domain/render.js';
import type { Kind, Subject } from '../domain/subjects.js';
import { badRequest, notFound } from '../errors.js';
import type { Sql } from '../store/db.js';
import { listDefinitions } from '../store/definitions.js';
import { exportEventsAfter, type ExportFilter } from '../store/event-export.js';
import { recordExists } from '../store/records.js';

export const DEFAULT_EXPORT_LIMIT = 10_000;
export const MAX_EXPORT_LIMIT = 100_000;
/** Events read per statement: bounds the memory one export holds. */
export const EXPORT_CHUNK = 1_000;

export interface ExportRequest {
  cursor?: string;
  limit?: number;
  activities?: string[];
  person_id?: string;
  account_id?: string;
}

interface Cursor {
  /** The kind of events it pages through. */
  k: Kind;
  /** The id of the last event sent. */
  a: string;
}

export function encodeCursor(kind: Kind, afterId: string): string {
  return Buffer.from(JSON.stringify({ k: kind, a: afterId } satisfies Cursor)).toString('base64url');
}

/** The id to continue after, or a 400 naming what is wrong with the cursor. */
export function decodeCursor(kind: Kind, cursor: string): string {
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]+$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  const c = parsed as Partial<Cursor> | undefined;
  if (!c || typeof c !== 'object' || (c.k !== 'person' && c.k !== 'account') || !isId(c.a)) {
    throw badRequest('cursor is not one this endpoint gave: pass the next_cursor of the last line of a previous answer');
  }
  if (c.k !== kind) throw badRequest(`cursor pages through ${c.k} events, not ${kind} events`);
  return c.a;
}

export interface PreparedExport {
  /** NDJSON text, a chunk of events at a time, ending with the next_cursor line. */
  chunks: AsyncGenerator<string>;
}

/**
 * Checks the request and reads the first chunk before anything is sent, so that bad input and a
 * database fault at the start are ordinary error answers; later chunks are read as the client
 * takes them.
 */
export async function prepareExport(sql: Sql, instanceId: string, subject: Subject, body: ExportRequest): Promise<PreparedExport> {
  const limit = body.limit ?? DEFAULT_EXPORT_LIMIT;
  let after = body.cursor !== undefined ? decodeCursor(subject.kind, body.cursor) : '';
  const filter: ExportFilter = {};
  if (body.activities !== undefined && body.activities.length > 0) {
    filter.definitions = body.activities.map((a, i) => {
      const name = definitionNameOf(a);
      if (!name) throw badRequest(`activities[${i}] "${a}" must look like act:cm:<name>`);
      return name;
    });
  }
  const recordId = subject.kind === 'person' ? body.person_id : body.account_id;
  if (recordId !== undefined) {
    if (!isId(recordId)) throw badRequest(`${subject.idKey} "${recordId}" is not ${subject.aLabel} id (24 hex characters)`);
    if (!(await recordExists(sql, instanceId, subject.kind, recordId))) throw notFound(`${subject.label} ${recordId} not found`);
    filter.recordId = recordId;
  }

  let definitions = new Map<string, Definition>();
  const loadDefinitions = async () => {
    definitions = new Map((await listDefinitions(sql, instanceId)).map((d) => [d.name, d]));
  };
  await loadDefinitions();
  // One event more than the room left tells whether the answer ends at its limit or at the end.
  const read = (sent: number) => exportEventsAfter(sql, instanceId, subject.kind, after, Math.min(EXPORT_CHUNK, limit - sent + 1), filter);
  const first = await read(0);

  async function* chunks(): AsyncGenerator<string> {
    let page = first;
    let sent = 0;
    for (;;) {
      const wanted = Math.min(EXPORT_CHUNK, limit - sent + 1);
      const overLimit = page.length > limit - sent;
      const events = overLimit ? page.slice(0, limit - sent) : page;
      if (events.some((e) => !definitions.has(e.definition))) await loadDefinitions();
      let text = '';
      for (const e of events) {
        const def = definitions.get(e.definition);
        text += JSON.stringify({
          [subject.idKey]: e.recordId,
          id: e.id,
          field_id: `act:cm:${e.definition}`,
          attr: e.attributes,
          created_at: e.createdAt.toISOString(),
          ...(e.location !== null && e.location !== undefined ? { location: e.location } : {}),
          ...(e.key !== null ? { key: e.key } : {}),
          render_cmds: def ? renderCommands(def, e.attributes) : [],
        }) + '\n';
      }
      sent += events.length;
      if (events.length > 0) after = events[events.length - 1]!.id;
      if (overLimit || page.length < wanted) {
        const next = overLimit ? encodeCursor(subject.kind, after) : null;
        yield text + JSON.stringify({ next_cursor: next, exported: sent }) + '\n';
        return;
      }
      if (text) yield text;
      page = await read(sent);
    }
  }
  return { chunks: chunks() };
}
