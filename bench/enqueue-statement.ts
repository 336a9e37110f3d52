// The async acknowledgement's INSERT, alone: the CPU one group commit of 16 queued requests (100
// bench activities each) costs the PostgreSQL backend and this process, for the statement shapes
// the queue could use, on a scratch copy of ingest_queue in a bench database (`--keep-db`), per
// column storage (default, external, lz4). Same run, same payloads: the ratios are what count.
//
//   node dist-bench/enqueue-statement.js --db bench_... [--rounds 40]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuSeconds } from './proc.js';
import { BodyMaker, DEFAULT_MIX } from './workload.js';

const { values: opt } = parseArgs({
  options: { db: { type: 'string' }, 'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' }, rounds: { type: 'string', default: '40' } },
});
if (!opt.db || !/^bench_[0-9a-z_]+$/.test(opt.db)) throw new Error('--db must name a bench_... database (kept with --keep-db)');
const c = new pg.Client({ connectionString: `${opt['pg-url'].replace(/\/$/, '')}/${opt.db}` });
await c.connect();
const pid = (await c.query<{ p: number }>('select pg_backend_pid() as p')).rows[0]!.p;
const maker = new BodyMaker({ ...DEFAULT_MIX, subject: 'person', existing: 20000, prefix: 'enq', async: true }, 11);
const rows = Array.from({ length: 16 }, () => {
  const body = JSON.parse(maker.next().body) as { activities: unknown[] };
  return {
    merge_by: ['str::email'], merge_strategy: 2, received_at: new Date().toISOString(), request_id: 'req-1',
    items: body.activities.map((activity, index) => ({ index, event_id: '0123456789abcdef01234567', activity })),
  };
});
const shapes: Record<string, () => Promise<unknown>> = {
  'json array (before)': () => c.query({
    name: 'a', values: [JSON.stringify(rows.map((p) => ({ instance_id: 'i', kind: 'person', payload: p })))],
    text: `insert into q_exp (instance_id, kind, payload) select t.e ->> 'instance_id', t.e ->> 'kind', t.e -> 'payload'
             from json_array_elements($1::json) with ordinality as t(e, n) order by t.n`,
  }),
  'unnest text[]': () => c.query({
    name: 'b', values: [rows.map(() => 'i'), rows.map(() => 'person'), rows.map((p) => JSON.stringify(p))],
    text: 'insert into q_exp (instance_id, kind, payload) select i, k, p::json from unnest($1::text[], $2::text[], $3::text[]) with ordinality as t(i, k, p, n) order by t.n',
  }),
  'VALUES rows (after)': () => c.query({
    name: 'c', values: rows.flatMap((p) => ['i', 'person', JSON.stringify(p)]),
    text: 'insert into q_exp (instance_id, kind, payload) values ' + rows.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3}::json)`).join(', '),
  }),
  'VALUES rows, text column': () => c.query({
    name: 'd', values: rows.flatMap((p) => ['i', 'person', JSON.stringify(p)]),
    text: 'insert into q_exp (instance_id, kind, payload_text) values ' + rows.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`).join(', '),
  }),
};
const rounds = Number(opt.rounds);
for (const storage of ['', 'alter table q_exp alter column payload set storage external', 'alter table q_exp alter column payload set compression lz4']) {
  for (const [name, run] of Object.entries(shapes)) {
    await c.query('drop table if exists q_exp');
    await c.query('create table q_exp (like ingest_queue including all)');
    // The text column beside (payload is then null): what the json input check costs.
    await c.query('alter table q_exp alter column payload drop not null, add column payload_text text');
    if (storage) await c.query(storage.replaceAll('payload', name.includes('text column') ? 'payload_text' : 'payload'));
    await run();
    const pg0 = cpuSeconds(pid)!;
    const node0 = process.cpuUsage();
    for (let i = 0; i < rounds; i++) await run();
    const acts = rounds * rows.length * 100;
    const node = process.cpuUsage(node0);
    console.log(`${(storage.split(' ').slice(-2).join(' ') || 'default storage').padEnd(22)} ${name.padEnd(20)} PostgreSQL ${((cpuSeconds(pid)! - pg0) * 1e6 / acts).toFixed(1)} µs/activity, this process ${((node.user + node.system) / acts).toFixed(1)} µs/activity`);
  }
}
await c.query('drop table if exists q_exp');
await c.end();
