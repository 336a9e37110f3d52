// Events per activity definition and the latest one's time, for the console's definitions page
// (reported by instance-schema/get as the extension fields event_count / last_event_at).
// One aggregate over the instance's events: fine for a stand-in and a modest store; a store with
// many millions of events would want counters kept at ingest instead.
import type { Sql } from './db.js';

export interface DefinitionStats {
  eventCount: number;
  lastEventAt: Date | null;
}

export async function definitionEventStats(sql: Sql, instanceId: string): Promise<Map<string, DefinitionStats>> {
  const rows = await sql.query<{ definition: string; n: number | string; last_at: Date | null }>(
    `select definition, count(*) as n, max(created_at) as last_at
       from activity_events where instance_id = $1 group by definition`,
    [instanceId],
    'definition-event-stats',
  );
  return new Map(rows.map((r) => [r.definition, { eventCount: Number(r.n), lastEventAt: r.last_at }]));
}
