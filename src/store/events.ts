// Activity events: de-duplication look-ups, the rolling 24-hour counts, and the writes.
import type { StoredEvent } from '../domain/batch-plan.js';
import { dedupeKey, limitPairKey } from '../domain/batch-plan.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';

/** What makes a keyed event one event: its definition, key and created. */
export interface EventPair {
  definition: string;
  key: string;
  created: Date;
}

export async function findStoredEvents(
  sql: Sql, instanceId: string, kind: Kind, pairs: EventPair[],
): Promise<Map<string, StoredEvent>> {
  if (pairs.length === 0) return new Map();
  const rows = await sql.query<{ id: string; record_id: string; definition: string; key: string; created_at: Date; attributes: Record<string, unknown> }>(
    `select e.id, e.record_id, e.definition, e.key, e.created_at, e.attributes
       from jsonb_to_recordset($3::jsonb) as p(definition text, key text, created_at timestamptz)
       cross join lateral (
         select id, record_id, definition, key, created_at, attributes from activity_events
          where instance_id = $1 and kind = $2 and definition = p.definition and key = p.key and created_at = p.created_at
          limit 1) e`,
    [instanceId, kind, JSON.stringify(pairs.map((p) => ({ definition: p.definition, key: p.key, created_at: p.created.toISOString() })))],
    'find_stored_events',
  );
  return new Map(rows.map((r) => [dedupeKey(r.definition, r.key, r.created_at), { id: r.id, recordId: r.record_id, attributes: r.attributes }]));
}

/**
 * Created times (ms) of the stored events of each (record, definition) with created in (from, to),
 * by limitPairKey: what the daily limit decides on. One statement; one index range scan per pair.
 */
/** The stored events of a (record, definition) the daily limit reads: created in (from, to), ms; to may be Infinity. */
export interface LimitRead {
  recordId: string;
  definition: string;
  from: number;
  to: number;
}

/** A read's bound as a timestamptz parameter: Infinity is PostgreSQL's 'infinity'. */
export function timeParam(ms: number): string {
  return ms === Infinity ? 'infinity' : new Date(ms).toISOString();
}

export async function storedEventTimes(
  sql: Sql, instanceId: string, kind: Kind, probes: LimitRead[],
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (probes.length === 0) return out;
  const rows = await sql.query<{ record_id: string; definition: string; times: string }>(
    `select p.record_id, p.definition, ${EVENT_TIMES_SQL} as times
       from unnest($3::text[], $4::text[], $5::text[], $6::text[]) as p(record_id, definition, lo, hi)
       join activity_events e
         on e.instance_id = $1 and e.kind = $2 and e.record_id = p.record_id
        and e.created_at > p.lo::timestamptz and e.created_at < p.hi::timestamptz and e.definition = p.definition
      group by p.record_id, p.definition`,
    [
      instanceId, kind, probes.map((p) => p.recordId), probes.map((p) => p.definition),
      probes.map((p) => timeParam(p.from)), probes.map((p) => timeParam(p.to)),
    ],
    'stored_event_times',
  );
  for (const r of rows) addTimes(out, r.record_id, r.definition, r.times);
  return out;
}

/**
 * The created times of a (record, definition)'s events (e) as one text column: epoch ms, comma
 * separated. One row per pair instead of one per event: a record with many events of an activity
 * a day cost a result row each (both drivers parse rows one at a time), and a string is parsed
 * the same way by both.
 */
export const EVENT_TIMES_SQL = `string_agg(round(extract(epoch from e.created_at) * 1000)::bigint::text, ',')`;

/** Adds a pair's stored created times (EVENT_TIMES_SQL's text) to its list. */
export function addTimes(out: Map<string, number[]>, recordId: string, definition: string, times: string): void {
  const k = limitPairKey(recordId, definition);
  let list = out.get(k);
  if (!list) out.set(k, (list = []));
  for (const t of times.split(',')) list.push(Number(t));
}
