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
/** The stored events of a (record, definition) the daily limit reads: created in (from, to), ms. */
export interface LimitRead {
  recordId: string;
  definition: string;
  from: number;
  to: number;
}

export async function storedEventTimes(
  sql: Sql, instanceId: string, kind: Kind, probes: LimitRead[],
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (probes.length === 0) return out;
  // Times as epoch ms (float8 arrives as a number from both drivers; no date parsing per row).
  const rows = await sql.query<{ record_id: string; definition: string; t: number }>(
    `select p.record_id, p.definition, (extract(epoch from e.created_at) * 1000)::float8 as t
       from unnest($3::text[], $4::text[], $5::text[], $6::text[]) as p(record_id, definition, lo, hi)
       join activity_events e
         on e.instance_id = $1 and e.kind = $2 and e.record_id = p.record_id
        and e.created_at > p.lo::timestamptz and e.created_at < p.hi::timestamptz and e.definition = p.definition`,
    [
      instanceId, kind, probes.map((p) => p.recordId), probes.map((p) => p.definition),
      probes.map((p) => new Date(p.from).toISOString()), probes.map((p) => new Date(p.to).toISOString()),
    ],
    'stored_event_times',
  );
  for (const r of rows) addTime(out, r.record_id, r.definition, r.t);
  return out;
}

/** Adds a stored event's created time (ms, as the statement gives it) to its pair's list. */
export function addTime(out: Map<string, number[]>, recordId: string, definition: string, t: number): void {
  const k = limitPairKey(recordId, definition);
  const list = out.get(k);
  const ms = Math.round(Number(t));
  if (list) list.push(ms);
  else out.set(k, [ms]);
}
