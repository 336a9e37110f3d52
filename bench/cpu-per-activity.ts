// CPU per activity of the server and of its PostgreSQL backends: the figure that stays put on a
// busy shared machine, where throughput does not (a process waiting for a core costs no CPU).
// Runs the built server (dist/src/cli/main.js) on an existing bench database (`npm run bench --
// --keep-db ...`), adds an API key to its instance, sends N bench requests of 100 activities at
// CONC connections after a warm-up, and reads utime + stime from /proc before and after.
//
//   node dist-bench/cpu-per-activity.js --db bench_... [--requests 200] [--connections 4]
//        [--server-env ACTIVITY_DAILY_LIMIT=0] [--existing 20000] [--cpu-prof DIR] [--drain]
//        [--server OTHER/dist/src/cli/main.js]
//
// --activities N: activities per request (default 100; fewer tells the per-request share apart).
// --server: another build's main.js (e.g. a copy of main's dist/, with package.json,
// src/store/migrations and a node_modules link beside it), to alternate two builds in one run.
//
// --drain: the requests are sent async (the server's worker off), then a `worker` process (with
// the same --server-env, e.g. WORKER_BATCH_ROWS=1) drains them: its CPU and its backends' per
// activity, from its start to the empty queue.
// --ack: the requests are sent async (the server's worker off) and the CPU measured is what the
// acknowledgement costs (parse, check, group commit into the queue); the queue is emptied after.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuSeconds, cpuSplit } from './proc.js';
import { freePort } from './server.js';
import { BodyMaker, DEFAULT_MIX } from './workload.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    db: { type: 'string' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    requests: { type: 'string', default: '200' },
    connections: { type: 'string', default: '4' },
    existing: { type: 'string', default: '20000' },
    'server-env': { type: 'string', multiple: true, default: [] },
    'cpu-prof': { type: 'string' },
    label: { type: 'string', default: '' },
    drain: { type: 'boolean', default: false },
    ack: { type: 'boolean', default: false },
    server: { type: 'string' },
    activities: { type: 'string', default: '100' },
  },
});
if (!opt.db || !/^bench_[0-9a-z_]+$/.test(opt.db)) throw new Error('--db must name a bench_... database (kept with --keep-db)');
const url = `${opt['pg-url'].replace(/\/$/, '')}/${opt.db}`;
const requests = Number(opt.requests);
const connections = Number(opt.connections);

// The server's own key code, from its build (bench/ compiles apart from src/).
type Sql = { query(text: string, params?: readonly unknown[]): Promise<unknown[]>; exec(text: string): Promise<void> };
const { addApiKey, generateKey } = (await import(path.join(ROOT, 'dist/src/store/instances.js'))) as {
  addApiKey(sql: Sql, instanceId: string, key: string): Promise<string>;
  generateKey(): string;
};
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const instanceId = (await admin.query<{ id: string }>('select id from instances order by created_at limit 1')).rows[0]!.id;
const key = generateKey();
await addApiKey({ query: async (t: string, p?: readonly unknown[]) => (await admin.query(t, p as unknown[])).rows, exec: async () => {} }, instanceId, key);

const extraEnv = Object.fromEntries(opt['server-env'].map((s) => {
  const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(s);
  if (!m) throw new Error(`--server-env NAME=VALUE, got ${s}`);
  return [m[1]!, m[2]!];
}));
const port = await freePort();
const child = spawn(process.execPath, [...(opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${opt['cpu-prof']}`] : []), opt.server ?? path.join(ROOT, 'dist/src/cli/main.js'), 'serve'], {
  env: {
    PATH: process.env['PATH'] ?? '', DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WORKER_ENABLED: 'false',
    PG_POOL_SIZE: String(connections), ...extraEnv,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    await fetch(base + '/');
    break;
  } catch {
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}
const perRequest = Number(opt.activities);
const maker = new BodyMaker({ ...DEFAULT_MIX, activitiesPerRequest: perRequest, subject: 'person', existing: Number(opt.existing), prefix: `cpu${Date.now().toString(36)}`, async: opt.drain || opt.ack }, 11);
const send = async () => {
  const res = await fetch(base + '/v1/activities/create', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: maker.next().body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${res.status} ${text.slice(0, 200)}`);
};
const run = async (n: number) => {
  let left = n;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (left-- > 0) await send();
  }));
};
try {
  if (opt.drain) {
    await run(requests);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const depth = async () => Number((await admin.query<{ n: string }>('select count(*) as n from ingest_queue')).rows[0]!.n);
    const queued = await depth();
    const worker = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), 'worker'], {
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: url, LOG_LEVEL: 'warn', PG_POOL_SIZE: String(connections), WORKER_POLL_MS: '20', ...extraEnv },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const t0 = performance.now();
    const backendsNow = async () => (await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [opt.db])).rows.map((r) => r.pid);
    const seen = new Map<number, number>();
    let workerCpu = 0;
    while ((await depth()) > 0) {
      for (const pid of await backendsNow()) seen.set(pid, cpuSeconds(pid) ?? seen.get(pid) ?? 0);
      workerCpu = cpuSeconds(worker.pid!) ?? workerCpu;
      if (performance.now() - t0 > 600_000) throw new Error('the queue did not drain in 10 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const pid of seen.keys()) seen.set(pid, cpuSeconds(pid) ?? seen.get(pid)!);
    workerCpu = cpuSeconds(worker.pid!) ?? workerCpu;
    const seconds = (performance.now() - t0) / 1000;
    worker.kill('SIGTERM');
    const acts = queued * perRequest;
    const pgCpu = [...seen.values()].reduce((a, b) => a + b, 0);
    // The worker's CPU includes its start (module loading, about 0.3-0.5 s): reported as is.
    console.log(`${opt.label ? opt.label + ': ' : ''}drain of ${queued} queued requests: worker ${((workerCpu * 1e6) / acts).toFixed(1)} µs/activity (start included), ` +
      `PostgreSQL ${((pgCpu * 1e6) / acts).toFixed(1)} µs/activity (${seen.size} backends, whole life), ${Math.round(acts / seconds)} act/s wall on this machine now`);
    process.exit(0);
  }
  await run(10 * connections); // warm-up: every pool connection open, statements prepared
  // Backends are sampled during the run: the pool may open connections after the warm-up (or close
  // idle ones), e.g. when requests share transactions and fewer connections are busy. Each
  // backend's CPU counts from the start (or its birth) to its last sample.
  const backendsNow = async () => (await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [opt.db])).rows.map((r) => r.pid);
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (const pid of await backendsNow()) {
    const c = cpuSeconds(pid);
    if (c !== undefined) first.set(pid, c);
  }
  const sample = async () => {
    for (const pid of await backendsNow()) {
      const c = cpuSeconds(pid);
      if (c === undefined) continue;
      if (!first.has(pid)) first.set(pid, 0);
      last.set(pid, c);
    }
  };
  const backends = first;
  const s0 = cpuSeconds(child.pid!)!;
  const split0 = cpuSplit(child.pid!)!;
  const t0 = performance.now();
  let running = true;
  const sampler = (async () => {
    while (running) {
      await sample();
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await run(requests);
  running = false;
  await sampler;
  await sample();
  const s1 = cpuSeconds(child.pid!)!;
  const split1 = cpuSplit(child.pid!)!;
  let p1 = 0;
  let p0 = 0;
  for (const [pid, c] of last) {
    p1 += c;
    p0 += first.get(pid) ?? 0;
  }
  const acts = requests * perRequest;
  // Requests per shared sync transaction (group commit), when the server counts them.
  const metrics = await (await fetch(base + '/metrics')).text().catch(() => '');
  const figure = (name: string) => Number(/^(\S+) (\S+)$/m.exec(metrics.split('\n').filter((l) => l.startsWith(name + ' ')).join('\n'))?.[2] ?? NaN);
  const grouped = figure('activity_cdp_sync_batch_requests_sum') / figure('activity_cdp_sync_batch_requests_count');
  if (opt.ack) await admin.query('delete from ingest_queue');
  console.log(`${opt.label ? opt.label + ': ' : ''}${opt.ack ? 'acknowledge: ' : ''}server ${((s1 - s0) * 1e6 / acts).toFixed(1)} µs/activity ` +
    `(user ${((split1.user - split0.user) * 1e6 / acts).toFixed(1)}, system ${((split1.system - split0.system) * 1e6 / acts).toFixed(1)}), PostgreSQL ${((p1 - p0) * 1e6 / acts).toFixed(1)} µs/activity ` +
    `(${backends.size} backends; ${acts} activities at ${connections} connections, ${Math.round(acts / ((performance.now() - t0) / 1000))} act/s wall on this machine now)` +
    (Number.isFinite(grouped) ? `, ${grouped.toFixed(1)} sync requests per transaction (warm-up included)` : ''));
} finally {
  child.kill('SIGTERM');
  await admin.end();
}
