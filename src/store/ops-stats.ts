// Counts for operators (the /metrics endpoint): queue depth, age and lag by kind, and dead letters.
// Totals over every instance, never per instance. A few aggregate reads, run when scraped.
import type { Sql } from './db.js';

export interface QueueStats {
  kind: string;
  depth: number;
  /** Seconds since the oldest queued row was acknowledged. */
  oldestAgeSeconds: number;
  /** Seconds the oldest row that is due (not backing off) has waited past its due time. */
  lagSeconds: number;
}

export async function queueStats(sql: Sql): Promise<QueueStats[]> {
  const rows = await sql.query<{ kind: string; depth: number; oldest: number | null; lag: number | null }>(
    `select kind, count(*)::integer as depth,
            extract(epoch from now() - min(enqueued_at))::float8 as oldest,
            extract(epoch from now() - min(case when not_before <= now() then not_before end))::float8 as lag
       from ingest_queue group by kind`,
  );
  return rows.map((r) => ({ kind: r.kind, depth: r.depth, oldestAgeSeconds: Math.max(0, r.oldest ?? 0), lagSeconds: Math.max(0, r.lag ?? 0) }));
}

export async function deadLetterCounts(sql: Sql): Promise<Array<{ kind: string; status: string; count: number }>> {
  return sql.query<{ kind: string; status: string; count: number }>(
    'select kind, status, count(*)::integer as count from ingest_dead_letters group by kind, status',
  );
}
