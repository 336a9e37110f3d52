// Watching the async queue drain: on PostgreSQL by counting the queue table's rows, else by
// waiting until the server and its backends are idle.
import pg from 'pg';
import { BENCH_APPLICATION_NAME } from './pg-states.js';
import { cpuSeconds } from './proc.js';

/** Counts what still waits in the async queue (rows), or undefined when it cannot be seen. */
export type QueueProbe = () => Promise<number | undefined>;

export interface QueueWatch {
  /** Rows waiting (cheap: no payload read); polled while draining. */
  probe: QueueProbe;
  /** Activities waiting (reads the payloads once, at the load's stop). */
  backlogActivities: () => Promise<number>;
  /** Activities set aside as dead letters so far (queued, then found invalid): errors. */
  deadLetters: () => Promise<number>;
  /** Empties the queue (the worker-off run, which nothing drains); the server must be idle. */
  clear: () => Promise<void>;
  close: () => Promise<void>;
  describe: string;
}

/** Finds the queue table (its name says queue) and the dead-letter table (says dead) of the server. */
export async function pgQueueWatch(databaseUrl: string): Promise<QueueWatch | undefined> {
  const c = new pg.Client({ connectionString: databaseUrl, application_name: BENCH_APPLICATION_NAME });
  await c.connect();
  const tables = (await c.query<{ relname: string }>(
    `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and relkind in ('r', 'p') order by relname`,
  )).rows.map((r) => r.relname);
  const table = tables.find((t) => /queue/.test(t));
  const dead = tables.find((t) => /dead/.test(t));
  if (!table) {
    await c.end();
    return undefined;
  }
  const cols = (await c.query<{ column_name: string; data_type: string }>(
    `select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = $1`, [table],
  )).rows;
  const has = (name: string, type?: string) => cols.some((x) => x.column_name === name && (!type || x.data_type === type));
  const t = pg.escapeIdentifier(table);
  // A row may hold one activity or a whole request: payload.items / activities arrays are counted
  // (a text payload holding the body as received lists its queued activities in `indexes`).
  // The column may be text (this server's, since 0009), json or jsonb: counting rows instead would give
  // requests, not activities, and the drain rate after the stop 100 times too low.
  const countExpr = has('payload', 'jsonb') ? "coalesce(sum(jsonb_array_length(payload->'items')), 0)"
    : has('payload', 'json') ? "coalesce(sum(json_array_length(payload->'items')), 0)"
    : has('payload', 'text') ? "coalesce(sum(coalesce(json_array_length(payload::json->'items'), json_array_length(payload::json->'indexes'))), 0)"
    : has('activities', 'jsonb') ? 'coalesce(sum(jsonb_array_length(activities)), 0)'
    : has('activities', 'json') ? 'coalesce(sum(json_array_length(activities)), 0)'
    : 'count(*)';
  const rowsSql = `select count(*) as n from ${t}`;
  const activitiesSql = `select ${countExpr}::bigint as n from ${t}`;
  const deadSql = dead ? `select count(*) as n from ${pg.escapeIdentifier(dead)}` : undefined;
  return {
    describe: `${rowsSql} / ${activitiesSql}${deadSql ? ` / ${deadSql}` : ''}`,
    probe: async () => Number((await c.query<{ n: string }>(rowsSql)).rows[0]!.n),
    backlogActivities: async () => Number((await c.query<{ n: string }>(activitiesSql)).rows[0]!.n),
    deadLetters: async () => (deadSql ? Number((await c.query<{ n: string }>(deadSql)).rows[0]!.n) : 0),
    clear: async () => void (await c.query(`truncate ${t}`)),
    close: () => c.end(),
  };
}

/**
 * Waits until the queue is empty (by the probe), or, without a probe, until the server and its
 * backends have been idle (< 5 % of a core) for a second: the worker has nothing left to do.
 */
export async function waitDrain(
  probe: QueueProbe | undefined, serverPid: number, pgPids: () => Promise<number[]>, backlogAtStop: number | undefined, drainTimeoutMs: number,
): Promise<{ emptyAfterMs: number | undefined; method: string }> {
  const t0 = performance.now();
  if (probe && backlogAtStop !== undefined) {
    while (performance.now() - t0 < drainTimeoutMs) {
      if ((await probe()) === 0) return { emptyAfterMs: performance.now() - t0, method: 'queue table rows counted every 100 ms' };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { emptyAfterMs: undefined, method: 'queue table rows counted every 100 ms' };
  }
  const busy = async () => {
    let s = cpuSeconds(serverPid) ?? 0;
    for (const p of await pgPids()) s += cpuSeconds(p) ?? 0;
    return s;
  };
  let idleSince: number | undefined;
  let prev = await busy();
  let prevT = performance.now();
  while (performance.now() - t0 < drainTimeoutMs) {
    await new Promise((r) => setTimeout(r, 250));
    const now = performance.now();
    const cur = await busy();
    const share = (cur - prev) / ((now - prevT) / 1000);
    prev = cur;
    prevT = now;
    if (share < 0.05) {
      idleSince ??= now - 250;
      if (now - idleSince >= 1000) return { emptyAfterMs: idleSince - t0, method: 'server + backends idle (< 5 % CPU) for 1 s' };
    } else {
      idleSince = undefined;
    }
  }
  return { emptyAfterMs: undefined, method: 'server + backends idle (< 5 % CPU) for 1 s' };
}
