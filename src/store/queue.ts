// The durable queue of acknowledged asynchronous work, and the dead letters of queued activities
// that turned out invalid. The queue is SQL: a row is claimed with `for update skip locked` and
// deleted in the transaction that applies it, so a crash at any moment loses nothing and applies
// nothing twice.
import type { Kind } from '../domain/subjects.js';
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

export interface QueueRow {
  id: number;
  instance_id: string;
  kind: Kind;
  payload: QueuedRequest;
  enqueued_at: Date;
  attempts: number;
}

export async function enqueue(sql: Sql, instanceId: string, kind: Kind, payload: QueuedRequest): Promise<void> {
  await sql.query(
    'insert into ingest_queue (instance_id, kind, payload) values ($1, $2, $3::json)',
    [instanceId, kind, JSON.stringify(payload)],
    'enqueue',
  );
}

/** Several acknowledged requests in one statement (one commit), in the given order. */
export async function enqueueMany(sql: Sql, rows: Array<{ instanceId: string; kind: Kind; payload: QueuedRequest }>): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `insert into ingest_queue (instance_id, kind, payload)
     select t.e ->> 'instance_id', t.e ->> 'kind', t.e -> 'payload'
       from json_array_elements($1::json) with ordinality as t(e, n)
      order by t.n`,
    [JSON.stringify(rows.map((r) => ({ instance_id: r.instanceId, kind: r.kind, payload: r.payload })))],
    'enqueue_many',
  );
}

/** Takes the oldest due row for this transaction (others skip it); deleting it commits with the work. */
export async function claimNext(sql: Sql): Promise<QueueRow | undefined> {
  const rows = await sql.query<QueueRow>(
    `delete from ingest_queue where id = (
       select id from ingest_queue where not_before <= now() order by id limit 1 for update skip locked)
     returning id, instance_id, kind, payload, enqueued_at, attempts`,
    [],
    'claim_next',
  );
  return rows[0];
}

/** After a failed attempt (the claim was rolled back): count it and back off. */
export async function recordAttemptFailure(sql: Sql, id: number, error: string, delayMs: number): Promise<void> {
  await sql.query(
    `update ingest_queue set attempts = attempts + 1, last_error = $2,
            not_before = now() + ($3::integer * interval '1 millisecond')
      where id = $1`,
    [id, error.slice(0, 1000), delayMs],
  );
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
  await sql.query(
    `insert into ingest_dead_letters (instance_id, kind, activity_index, event_id, activity, status, error, enqueued_at)
     select $1, $2, d.activity_index, d.event_id, d.activity, d.status, d.error, $4
       from jsonb_to_recordset($3::jsonb) as d(activity_index integer, event_id text, activity jsonb, status text, error text)`,
    [instanceId, kind, JSON.stringify(letters.map((l) => ({
      activity_index: l.index, event_id: l.eventId, activity: l.activity ?? null, status: l.status, error: l.error,
    }))), enqueuedAt],
  );
}

export interface DeadLetterRow {
  /** int8 as text: on Citus an identity may come from a node's range (2^48 × group + n). */
  id: string;
  kind: Kind;
  activity_index: number;
  event_id: string | null;
  activity: unknown;
  status: string;
  error: string;
  enqueued_at: Date;
  failed_at: Date;
}

export async function listDeadLetters(sql: Sql, instanceId: string, limit: number, offset: number): Promise<{ rows: DeadLetterRow[]; total: number }> {
  const rows = await sql.query<DeadLetterRow>(
    `select id::text as id, kind, activity_index, event_id, activity, status, error, enqueued_at, failed_at
       from ingest_dead_letters where instance_id = $1 order by id desc limit $2 offset $3`,
    [instanceId, limit, offset],
  );
  const total = await sql.query<{ n: number }>('select count(*)::integer as n from ingest_dead_letters where instance_id = $1', [instanceId]);
  return { rows, total: total[0]?.n ?? 0 };
}

export async function queueDepth(sql: Sql, instanceId?: string): Promise<number> {
  const rows = instanceId
    ? await sql.query<{ n: number }>('select count(*)::integer as n from ingest_queue where instance_id = $1', [instanceId])
    : await sql.query<{ n: number }>('select count(*)::integer as n from ingest_queue');
  return rows[0]?.n ?? 0;
}
