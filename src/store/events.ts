// Activity events: de-duplication look-ups, the rolling 24-hour counts, and the writes.
import type { StoredEvent } from '../domain/batch-plan.js';
import { dedupeKey } from '../domain/batch-plan.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';

export async function findStoredEvents(
  sql: Sql, instanceId: string, kind: Kind, pairs: Array<{ definition: string; key: string; created: Date }>,
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

/** For each probe: stored events of (record, definition) with created in (created − 24 h, created]. */
export async function recentCounts(
  sql: Sql, instanceId: string, kind: Kind, probes: Array<{ index: number; recordId: string; definition: string; created: Date }>, cap: number,
): Promise<Map<number, number>> {
  if (probes.length === 0) return new Map();
  const rows = await sql.query<{ n: number; count: number }>(
    `select p.n::integer as n, c.count::integer as count
       from jsonb_to_recordset($3::jsonb) as p(n integer, record_id text, definition text, created_at timestamptz)
       cross join lateral (
         select count(*) as count from (
           select 1 from activity_events e
            where e.instance_id = $1 and e.kind = $2 and e.record_id = p.record_id
              and e.created_at > p.created_at - interval '24 hours' and e.created_at <= p.created_at
              and e.definition = p.definition
            limit $4
         ) capped
       ) c`,
    [instanceId, kind, JSON.stringify(probes.map((p) => ({ n: p.index, record_id: p.recordId, definition: p.definition, created_at: p.created.toISOString() }))), cap],
    'recent_counts',
  );
  return new Map(rows.map((r) => [r.n, r.count]));
}

