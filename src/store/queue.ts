// The durable queue of acknowledged asynchronous work, and the dead letters of queued activities
// that turned out invalid. The queue is SQL: a row is claimed with `for update skip locked` and
// deleted in the transaction that applies it, so a crash at any moment loses nothing and applies
// nothing twice.
import type { Kind } from '../domain/subjects.js';
import { findJsonProblem } from '../domain/json-text.js';
import type { Sql } from './db.js';

export interface QueuedItem {
  index: number;
  event_id: string;
  activity: unknown;
}

export interface QueuedRequest {
  /** Request-level merge_by / merge_strategy (already checked), else the key's defaults. */
  merge_by: string[];
  merge_strategy: number;
  /** When the request was acknowledged: the `created` of activities that gave none, and "now" for age checks. */
  received_at: string;
  /** X-Request-Id of the request that queued it (for the journal and the live feed). */
  request_id?: string;
  items: QueuedItem[];
}

/**
 * An acknowledged request as the queue stores it when its body's JSON text is at hand: the
 * request's own fields, each queued activity's index and event id, and the body spliced in as it
 * was received (it parsed, so the whole is JSON), instead of every activity serialised again.
 * parsePayload reads it back as a QueuedRequest.
 */
export function queuedRequestText(head: Omit<QueuedRequest, 'items'>, items: ReadonlyArray<{ index: number; event_id: string }>, body: string): string {
  const meta = JSON.stringify({ ...head, event_ids: items.map((i) => i.event_id), indexes: items.map((i) => i.index) });
  return `${meta.slice(0, -1)},"body":${body}}`;
}

export interface QueueRow {
  id: number;
  instance_id: string;
  kind: Kind;
  /** The stored JSON text, parsed; the text itself when it is not JSON (the worker's readableRow refuses it). */
  payload: QueuedRequest;
  enqueued_at: Date;
  attempts: number;
}

/** A request to queue: the object, or its JSON text (queuedRequestText). */
export type QueuedPayload = QueuedRequest | string;

const payloadText = (p: QueuedPayload): string => (typeof p === 'string' ? p : JSON.stringify(p));

export async function enqueue(sql: Sql, instanceId: string, kind: Kind, payload: QueuedPayload): Promise<void> {
  await sql.query(
    'insert into ingest_queue (instance_id, kind, payload) values ($1, $2, $3)',
    [instanceId, kind, payloadText(payload)],
    'enqueue',
  );
}

/**
 * Several acknowledged requests in one statement (one commit), in the given order: one row of
 * VALUES per request, each payload its own text parameter, stored as given (a json array of them
 * was parsed again by each `->` on its elements: three times the CPU; a json column ran its input
 * check on each, 0009). One prepared statement per row count.
 */
export async function enqueueMany(sql: Sql, rows: Array<{ instanceId: string; kind: Kind; payload: QueuedPayload }>): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  let values = '';
  for (const r of rows) {
    const n = params.length;
    values += `${n === 0 ? '' : ', '}($${n + 1}, $${n + 2}, $${n + 3})`;
    params.push(r.instanceId, r.kind, payloadText(r.payload));
  }
  await sql.query(`insert into ingest_queue (instance_id, kind, payload) values ${values}`, params, `enqueue_many_${rows.length}`);
}

/**
 * The instances of the oldest due rows, oldest first (no lock: a hint of where to claim). The
 * worker claims from one instance at a time, so every `for update` names its instance (Citus
 * refuses a cross-tenant one) and one instance's rows never hold up another's.
 */
export async function dueInstances(sql: Sql, scan: number): Promise<string[]> {
  const rows = await sql.query<{ instance_id: string }>(
    `select instance_id from (
       select instance_id, id from ingest_queue where not_before <= now() order by id limit $1) as due
      group by instance_id order by min(id)`,
    [scan],
    'queue_due_instances',
  );
  return rows.map((r) => r.instance_id);
}

/**
 * Takes the instance's oldest due row and, when it has never failed, up to `maxRows − 1` more due
 * rows of the same instance and kind that have never failed either, in queue order (other workers
 * skip them all), so that the worker applies them in one transaction. A row that failed before
 * comes alone. Deleting them commits with the work; a rollback puts them back. Every `for update`
 * names the instance (Citus refuses a cross-tenant one).
 */
export async function claimBatch(sql: Sql, instanceId: string, maxRows: number): Promise<QueueRow[]> {
  const rows = await sql.query<QueueRow>(
    `with first as (
       select id, kind, attempts from ingest_queue
        where instance_id = $1 and not_before <= now() order by id limit 1 for update skip locked
     ), more as (
       select q.id from ingest_queue q, first f
        where q.instance_id = $1 and f.attempts = 0 and q.kind = f.kind and q.id > f.id
          and q.attempts = 0 and q.not_before <= now()
        order by q.id limit greatest($2::integer - 1, 0)
        for update of q skip locked
     )
     delete from ingest_queue where instance_id = $1 and id in (select id from first union all select id from more)
     returning id, instance_id, kind, payload, enqueued_at, attempts`,
    [instanceId, maxRows],
    'queue_claim_batch',
  );
  for (const r of rows) r.payload = parsePayload(r.payload as unknown);
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * The payload column is text (0009): parsed here, and a request queued with its body's text
 * (queuedRequestText) given its items. What is neither stays as it is (the text itself when it is
 * not JSON), for the worker to keep as a raw dead letter.
 */
export function parsePayload(stored: unknown): QueuedRequest {
  let value: unknown = stored;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored);
    } catch {
      return stored as unknown as QueuedRequest;
    }
  }
  const p = value as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null || Array.isArray(p) || p['items'] !== undefined) return value as QueuedRequest;
  const { event_ids: ids, indexes, body, ...head } = p;
  const activities = (body as Record<string, unknown> | null)?.['activities'];
  if (!Array.isArray(ids) || !Array.isArray(indexes) || ids.length !== indexes.length || !Array.isArray(activities)) return value as QueuedRequest;
  return {
    ...head,
    items: indexes.map((index: unknown, j) => ({ index, event_id: ids[j], activity: Number.isInteger(index) ? activities[index as number] : undefined })),
  } as QueuedRequest;
}

/** After a failed attempt (the claim was rolled back): count it and back off. */
export async function recordAttemptFailure(sql: Sql, instanceId: string, id: number, error: string, delayMs: number): Promise<void> {
  await sql.query(
    `update ingest_queue set attempts = attempts + 1, last_error = $3,
            not_before = now() + ($4::integer * interval '1 millisecond')
      where instance_id = $1 and id = $2`,
    [instanceId, id, error.slice(0, 1000), delayMs],
  );
}

/** Deletes a row outside a claim (it becomes dead letters); false when another worker took it. */
export async function removeQueued(sql: Sql, instanceId: string, id: number): Promise<boolean> {
  const rows = await sql.query('delete from ingest_queue where instance_id = $1 and id = $2 returning id', [instanceId, id]);
  return rows.length > 0;
}

export interface DeadLetter {
  index: number;
  eventId: string | null;
  activity: unknown;
  status: string;
  error: string;
}

export async function addDeadLetters(sql: Sql, instanceId: string, kind: Kind, enqueuedAt: Date, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  if (!jsonbCanHold(letters)) return addRawDeadLetters(sql, instanceId, kind, enqueuedAt, letters);
  await sql.query(
    `insert into ingest_dead_letters (instance_id, kind, activity_index, event_id, activity, status, error, enqueued_at)
     select $1, $2, d.activity_index, d.event_id, d.activity, d.status, d.error, $4
       from jsonb_to_recordset($3::jsonb) as d(activity_index integer, event_id text, activity jsonb, status text, error text)`,
    [instanceId, kind, JSON.stringify(letters.map((l) => ({
      activity_index: l.index, event_id: l.eventId, activity: l.activity ?? null, status: l.status, error: l.error,
    }))), enqueuedAt],
  );
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** jsonb refuses U+0000 and lone surrogates; everything JSON.parse made is otherwise storable. */
function jsonbCanHold(value: unknown): boolean {
  const problem = findJsonProblem(value, true, Number.MAX_SAFE_INTEGER);
  return problem === undefined;
}

/**
 * Dead letters that can always be written: each activity as its JSON text (JSON.stringify escapes
 * U+0000 and lone surrogates, so the text holds neither), error text cleaned the same way. The
 * last resort when an activity cannot be stored as jsonb, or a row cannot be read as a request.
 */
export async function addRawDeadLetters(sql: Sql, instanceId: string, kind: Kind, enqueuedAt: Date, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const clean = (s: string) => s.slice(0, 2000).replaceAll('\u0000', '\\u0000').replace(LONE_SURROGATE, '\ufffd');
  await sql.query(
    `insert into ingest_dead_letters (instance_id, kind, activity_index, event_id, activity, activity_text, status, error, enqueued_at)
     select $1, $2, d.activity_index, d.event_id, null, d.activity_text, d.status, d.error, $4
       from json_to_recordset($3::json) as d(activity_index integer, event_id text, activity_text text, status text, error text)`,
    [instanceId, kind, JSON.stringify(letters.map((l) => ({
      activity_index: l.index, event_id: l.eventId === null ? null : clean(l.eventId),
      activity_text: safeStringify(l.activity), status: clean(l.status), error: clean(l.error),
    }))), enqueuedAt],
  );
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value ?? null) ?? 'null';
  } catch (error) {
    return JSON.stringify(`(not serializable: ${error instanceof Error ? error.message : String(error)})`);
  }
}

export interface DeadLetterRow {
  /** int8 as text: on Citus an identity may come from a node's range (2^48 × group + n). */
  id: string;
  kind: Kind;
  activity_index: number;
  event_id: string | null;
  activity: unknown;
  /** The activity's JSON text, when its JSON could not be stored (then activity is null). */
  activity_text: string | null;
  status: string;
  error: string;
  enqueued_at: Date;
  failed_at: Date;
}

export async function listDeadLetters(sql: Sql, instanceId: string, limit: number, offset: number): Promise<{ rows: DeadLetterRow[]; total: number }> {
  const rows = await sql.query<DeadLetterRow>(
    `select id::text as id, kind, activity_index, event_id, activity, activity_text, status, error, enqueued_at, failed_at
       from ingest_dead_letters where instance_id = $1 order by id desc limit $2 offset $3`,
    [instanceId, limit, offset],
  );
  const total = await sql.query<{ n: number }>('select count(*)::integer as n from ingest_dead_letters where instance_id = $1', [instanceId]);
  return { rows, total: total[0]?.n ?? 0 };
}

/** Requests of the instance still queued. */
export async function queueDepth(sql: Sql, instanceId: string): Promise<number> {
  const rows = await sql.query<{ n: number }>('select count(*)::integer as n from ingest_queue where instance_id = $1', [instanceId]);
  return rows[0]?.n ?? 0;
}
