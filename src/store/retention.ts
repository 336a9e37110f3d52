// Event retention: per instance, events whose `created` is older than event_retention_days are
// deleted in bounded batches. Each batch is one short statement that skips rows other
// transactions hold, so the sweep never waits on ingestion (nor makes it wait long).
import type { Sql } from './db.js';

/** null keeps events forever (the default). */
export async function setEventRetention(sql: Sql, instanceId: string, days: number | null): Promise<boolean> {
  const rows = await sql.query('update instances set event_retention_days = $2 where id = $1 returning id', [instanceId, days]);
  return rows.length > 0;
}

export async function instancesWithRetention(sql: Sql): Promise<Array<{ id: string; days: number }>> {
  return sql.query<{ id: string; days: number }>(
    'select id, event_retention_days as days from instances where event_retention_days is not null order by id',
  );
}

/** Deletes up to `limit` of the instance's events created before `cutoff`, oldest first; returns how many. */
export async function deleteEventsBefore(sql: Sql, instanceId: string, cutoff: Date, limit: number): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `with doomed as (
       select id from activity_events
        where instance_id = $1 and created_at < $2
        order by created_at limit $3
        for update skip locked),
     gone as (
       delete from activity_events e using doomed d
        where e.instance_id = $1 and e.id = d.id
       returning 1)
     select count(*)::integer as n from gone`,
    [instanceId, cutoff, limit],
  );
  return rows[0]?.n ?? 0;
}
