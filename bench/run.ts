// `npm run bench`: the benchmark of issue 6. Starts the server as a child process on a fresh
// PostgreSQL database (and/or a fresh embedded data folder), creates the definitions, seeds the
// existing persons and accounts through the API (seed.ts), drives load from a separate process at
// fixed concurrency levels (loadgen.ts; async levels wait for the queue to drain, drain.ts),
// measures the machine's ceilings for the same rows in the same run, and writes
// bench/results/<date>.{json,md,svg} (report.ts). Run `npm run bench -- --help` for the options.
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { measureCopyCeiling } from './ceilings.js';
import { createBenchDatabase } from './database.js';
import type { LoadConfig, LoadResult } from './loadgen.js';
import { CORES, ProcSampler } from './proc.js';
import { BENCH_APPLICATION_NAME, describeStates, PgStateSampler } from './pg-states.js';
import { pgQueueWatch, waitDrain } from './drain.js';
import { addGoals, addRatios, errorCounts, writeResults, type Drain, type LevelResult, type Results, type Scenario, type StoreRun } from './report.js';
import { createDefinitions, seed } from './seed.js';
import { startServer, type ServerHandle } from './server.js';
import type { Subject } from './workload.js';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist-bench/
const ROOT = path.resolve(HERE, '..');
const SERVER_SCRIPT = path.join(ROOT, 'dist/src/cli/main.js');

const HELP = `npm run bench -- [options]

  --store postgres|pglite|both   store(s) to run the server on (default postgres)
  --persons N                    existing persons seeded before the load (default 100000)
  --accounts N                   existing accounts (default persons / 10)
  --duration S                   seconds per concurrency level (default 10)
  --warmup S                     unrecorded seconds at 4 connections before each scenario (default 2)
  --levels 1,4,16,64             concurrency levels (connections)
  --scenarios sync,account,async which measurements (default all three); the server runs at its
                                 default settings (daily limit on), as a user runs it
  --limit-off yes|no             also measure sync person events with ACTIVITY_DAILY_LIMIT=0 on a
                                 restarted server, beside the default figure (default yes)
  --worker-off yes|no            also measure async person events on a restarted server with
                                 WORKER_ENABLED=false (an API node of a scale-out deployment: the
                                 acknowledgement alone on the cores; nothing drains, and the queue
                                 is emptied between levels), beside the default figure, where the
                                 in-process worker drains on the same cores (PostgreSQL only;
                                 default yes)
  --pg-url URL                   PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
  --template NAME                database the bench database is cloned from (default test)
  --ceiling-rows N               rows for the COPY / INSERT ceilings (default 100000)
  --no-fastify                   skip the empty-handler Fastify ceiling
  --pool-size N                  PG_POOL_SIZE of the server (default: the server's)
  --drain-timeout S              how long to wait for the async queue to empty (default 180)
  --cpu-prof                     run the server with --cpu-prof (profiles under bench/results/tmp/)
  --db-setting NAME=VALUE        PostgreSQL: ALTER DATABASE <bench db> SET NAME = VALUE before the server
                                 starts (repeatable; e.g. synchronous_commit=off, log_min_duration_statement=0)
  --server-env NAME=VALUE        extra setting for the server (repeatable; e.g. WORKER_CONCURRENCY=4)
  --no-analyze                   PostgreSQL: do not ANALYZE after seeding and before each scenario
  --keep-db                      do not drop the bench database / data folder
  --smoke                        drive POST /v1/instance-schema/get only (tests the harness)
  --note TEXT                    a note to print in the results (repeatable)
  --compare FILE.json            an earlier result (e.g. with --persons 1000000) to compare sync throughput with
  --out DIR                      results folder (default bench/results; smoke runs: bench/results/tmp)`;

const { values: opt } = parseArgs({
  options: {
    store: { type: 'string', default: 'postgres' },
    persons: { type: 'string', default: '100000' },
    accounts: { type: 'string' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    levels: { type: 'string', default: '1,4,16,64' },
    scenarios: { type: 'string', default: 'sync,account,async' },
    'limit-off': { type: 'string', default: 'yes' },
    'worker-off': { type: 'string', default: 'yes' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    template: { type: 'string', default: 'test' },
    'ceiling-rows': { type: 'string', default: '100000' },
    'no-fastify': { type: 'boolean', default: false },
    'pool-size': { type: 'string' },
    'drain-timeout': { type: 'string', default: '180' },
    'cpu-prof': { type: 'boolean', default: false },
    'keep-db': { type: 'boolean', default: false },
    'no-analyze': { type: 'boolean', default: false },
    'db-setting': { type: 'string', multiple: true, default: [] },
    'server-env': { type: 'string', multiple: true, default: [] },
    smoke: { type: 'boolean', default: false },
    note: { type: 'string', multiple: true, default: [] },
    compare: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (opt.help) {
  console.log(HELP);
  process.exit(0);
}

function intOpt(name: string, v: string | undefined, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}

const persons = intOpt('persons', opt.persons);
const accounts = opt.accounts === undefined ? Math.floor(persons / 10) : intOpt('accounts', opt.accounts);
const durationMs = intOpt('duration', opt.duration, 1) * 1000;
const warmupMs = intOpt('warmup', opt.warmup) * 1000;
const levels = opt.levels.split(',').map((l) => intOpt('levels', l, 1));
const scenarioNames = opt.scenarios.split(',').map((s) => s.trim());
for (const s of scenarioNames) if (!['sync', 'account', 'async'].includes(s)) throw new Error(`unknown scenario ${s}`);
if (!['yes', 'no'].includes(opt['limit-off'])) throw new Error('--limit-off must be yes or no');
const limitOff = opt['limit-off'] === 'yes' && scenarioNames.includes('sync');
if (!['yes', 'no'].includes(opt['worker-off'])) throw new Error('--worker-off must be yes or no');
const workerOff = opt['worker-off'] === 'yes' && scenarioNames.includes('async');
const stores: Array<'postgres' | 'pglite'> = opt.store === 'both' ? ['postgres', 'pglite'] : [opt.store as 'postgres' | 'pglite'];
for (const s of stores) if (s !== 'postgres' && s !== 'pglite') throw new Error(`--store must be postgres, pglite or both`);
const pgUrl = opt['pg-url'];
if (!/^postgres(ql)?:\/\/[^/]*(127\.0\.0\.1|localhost)[:/]/.test(pgUrl + '/')) throw new Error('--pg-url must point at 127.0.0.1');
const ceilingRows = intOpt('ceiling-rows', opt['ceiling-rows'], 100);
const drainTimeoutMs = intOpt('drain-timeout', opt['drain-timeout'], 1) * 1000;
const outDir = path.resolve(opt.out ?? path.join(ROOT, opt.smoke ? 'bench/results/tmp' : 'bench/results'));
const tmpDir = path.join(ROOT, 'bench/results/tmp');

const log = (...a: unknown[]) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---- one level -----------------------------------------------------------------------------

let prefixCounter = 0;

async function runLevel(
  server: ServerHandle, apiKey: string, kind: LoadConfig['kind'], p: string, connections: number, ms: number,
  extra: {
    async?: boolean; existing?: number; reuseBodies?: number; prebuild?: number; pgPids: () => Promise<number[]>;
    /** The bench database: its transactions' states are sampled during the level (pg-states.ts). */
    pgStates?: { url: string; database: string };
  },
): Promise<LevelResult> {
  const child = fork(path.join(HERE, 'loadgen.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const config: LoadConfig = {
    baseUrl: server.baseUrl, path: p, apiKey, connections, durationMs: ms, kind, async: extra.async ?? false,
    existing: extra.existing ?? 0, prefix: `r${Date.now().toString(36)}x${prefixCounter++}`, seed: 1000 + prefixCounter,
    reuseBodies: extra.reuseBodies ?? 0, prebuild: extra.prebuild ?? 0,
  };
  const sampler = new ProcSampler(server.pid, () => child.pid, extra.pgPids);
  const states = extra.pgStates ? new PgStateSampler(extra.pgStates.url, extra.pgStates.database) : undefined;
  await states?.connect();
  const result = await new Promise<LoadResult>((resolve, reject) => {
    child.on('message', (m: { type: string; result?: LoadResult; error?: string }) => {
      if (m.type === 'started') {
        sampler.start();
        states?.begin();
      }
      else if (m.type === 'result') resolve(m.result!);
      else if (m.type === 'error') reject(new Error(m.error));
    });
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
    child.send({ cmd: 'run', config });
  }).catch(async (error: unknown) => {
    await states?.stop();
    throw error;
  });
  const usage = await sampler.stop(result.cpuSeconds);
  const pgStates = await states?.stop();
  return { connections, load: result, usage, ...(pgStates ? { pgStates } : {}) };
}

function levelLine(name: string, l: LevelResult): string {
  const e = errorCounts(l.load);
  return `  ${name} c=${l.connections}: ${l.load.activitiesPerSec} act/s, ${l.load.requestsPerSec} req/s, ` +
    `p50 ${l.load.latencyMs.p50} ms, p99 ${l.load.latencyMs.p99} ms, max ${l.load.latencyMs.max} ms, ` +
    `server ${l.usage.serverCpuPct}% / ${l.usage.serverRssMbMax} MB, pg ${l.usage.pgCpuPct}%, other ${l.usage.otherCpuPct}%, ` +
    `errors http ${e.http} invalid ${e.invalid} rate_limited ${e.rateLimited}` +
    (l.pgStates ? `, PG transactions: ${describeStates(l.pgStates)}` : '') +
    (l.load.errorSamples.length ? `\n    e.g. ${l.load.errorSamples.slice(0, 2).join('\n    e.g. ')}` : '');
}

// ---- one store -----------------------------------------------------------------------------

async function runStore(store: 'postgres' | 'pglite', results: Results): Promise<void> {
  const apiKey = `bench_${randomBytes(24).toString('hex')}`;
  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    BOOTSTRAP_API_KEYS: apiKey,
    // The daily limit stays at the server's default (what a user runs); the limit-off figure is
    // measured beside it on a restarted server (--limit-off).
    WORKER_ENABLED: 'true',
  };
  if (opt['pool-size']) env['PG_POOL_SIZE'] = opt['pool-size'];
  for (const setting of opt['server-env'] ?? []) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(setting);
    if (!m || ['DATABASE_URL', 'DATA_DIR', 'PORT', 'HOST', 'BOOTSTRAP_API_KEYS'].includes(m[1]!)) throw new Error(`--server-env: bad or reserved setting ${setting}`);
    env[m[1]!] = m[2]!;
  }
  let db: Awaited<ReturnType<typeof createBenchDatabase>> | undefined;
  let dataDir: string | undefined;
  if (store === 'postgres') {
    db = await createBenchDatabase(pgUrl, opt.template);
    env['DATABASE_URL'] = db.url;
    log(`database ${db.name} (from ${db.createdFrom})`);
    for (const setting of opt['db-setting'] ?? []) {
      const m = /^([a-z_.]+)=(.+)$/.exec(setting);
      if (!m) throw new Error(`--db-setting must be NAME=VALUE, got ${setting}`);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`alter database ${pg.escapeIdentifier(db.name)} set ${m[1]} = ${pg.escapeLiteral(m[2]!)}`);
      await c.end();
      results.notes.push(`PostgreSQL setting for the bench database: ${m[1]} = ${m[2]}`);
    }
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-bench-'));
    env['DATA_DIR'] = dataDir;
    log(`data folder ${dataDir}`);
  }
  const profDir = path.join(tmpDir, `prof-${store}-${Date.now()}`);
  const nodeFlags = opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];

  // PostgreSQL backends of the bench database (to measure their CPU); none for PGlite (in-process).
  const admin = db ? new pg.Client({ connectionString: db.url, application_name: BENCH_APPLICATION_NAME }) : undefined;
  await admin?.connect();
  const pgPids = async (): Promise<number[]> => {
    if (!admin || !db) return [];
    // The server's backends: not the harness's own connections (this one, the drain watch, the state samples).
    const r = await admin.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and application_name <> $2', [db.name, BENCH_APPLICATION_NAME],
    );
    return r.rows.map((x) => x.pid);
  };

  let server: ServerHandle | undefined;
  const run: StoreRun = {
    store,
    ...(db ? { database: db.name } : {}),
    serverReadyMs: 0,
    seed: { persons: 0, accounts: 0, seconds: 0, activitiesPerSec: 0, method: 'through the API', errors: 0 },
    scenarios: [],
    serverEnv: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, k === 'BOOTSTRAP_API_KEYS' ? '<bench key>' : k === 'DATABASE_URL' ? v.replace(/\/\/[^@]*@/, '//…@') : v])),
  };
  results.runs.push(run);
  try {
    server = await startServer({ script: SERVER_SCRIPT, args: ['serve'], env, apiKey, nodeFlags });
    run.serverReadyMs = server.readyMs;
    log(`${store} server pid ${server.pid} answered after ${server.readyMs} ms`);
    await createDefinitions(server, apiKey);

    if (opt.smoke) {
      const s: Scenario = { name: 'smoke', path: '/v1/instance-schema/get', description: 'POST /v1/instance-schema/get (harness test only).', levels: [] };
      run.scenarios.push(s);
      for (const c of levels) {
        const l = await runLevel(server, apiKey, 'schema', s.path, c, durationMs, { pgPids });
        log(levelLine(s.name, l));
        s.levels.push(l);
      }
    } else {
      const tSeed = performance.now();
      const sp = await seed(server, apiKey, 'person', persons, log);
      log(`seeded ${persons} persons in ${sp.seconds.toFixed(1)} s (${sp.errors} errors)${sp.samples.length ? ': ' + sp.samples.join(' | ') : ''}`);
      const sa = await seed(server, apiKey, 'account', accounts, log);
      log(`seeded ${accounts} accounts in ${sa.seconds.toFixed(1)} s (${sa.errors} errors)${sa.samples.length ? ': ' + sa.samples.join(' | ') : ''}`);
      const seconds = (performance.now() - tSeed) / 1000;
      run.seed = { persons, accounts, seconds, activitiesPerSec: Math.round((persons + accounts) / Math.max(seconds, 0.001)), method: 'through the API (100 new records a request, 4 in flight)', errors: sp.errors + sa.errors };
      if (sp.errors + sa.errors > 0) results.notes.push(`Seeding had ${sp.errors + sa.errors} errors: ${[...sp.samples, ...sa.samples].join(' | ')}`);

      // This machine's PostgreSQL runs with autovacuum = off (its CI configuration), so nothing
      // would ever gather statistics and the planner would plan for empty tables. A normal server's
      // autovacuum analyzes a table soon after it grows by 10 %; ANALYZE stands in for it.
      const analyze = async (when: string) => {
        if (!admin || opt['no-analyze']) return;
        const t = performance.now();
        await admin.query('analyze');
        log(`  analyze (${when}) in ${Math.round(performance.now() - t)} ms`);
      };
      await analyze('after seeding');
      const queue = db ? await pgQueueWatch(db.url) : undefined;
      if (queue) log(`async queue probe: ${queue.describe}`);
      try {
        // The limit-off figure: the same sync load on the same data, server restarted with
        // ACTIVITY_DAILY_LIMIT=0, after the standard scenarios.
        // The worker-off figure: the same async load on a server restarted with WORKER_ENABLED=false
        // (PostgreSQL, whose queue the harness can empty between levels).
        const plan = [...scenarioNames, ...(limitOff ? ['sync-limit-off'] : []), ...(workerOff && queue ? ['async-worker-off'] : [])];
        for (const entry of plan) {
          const offRun = entry === 'sync-limit-off';
          const noWorker = entry === 'async-worker-off';
          const name = offRun ? 'sync' : noWorker ? 'async' : entry;
          if (noWorker) {
            const code = await server.stop();
            if (code !== 0) results.notes.push(`${store} server exited with ${code} at the restart for the worker-off run`);
            server = await startServer({ script: SERVER_SCRIPT, args: ['serve'], env: { ...env, WORKER_ENABLED: 'false' }, apiKey, nodeFlags });
            log(`${store} server restarted with WORKER_ENABLED=false (pid ${server.pid})`);
          }
          if (offRun) {
            const code = await server.stop();
            if (code !== 0) results.notes.push(`${store} server exited with ${code} at the restart for the limit-off run`);
            server = await startServer({ script: SERVER_SCRIPT, args: ['serve'], env: { ...env, ACTIVITY_DAILY_LIMIT: '0' }, apiKey, nodeFlags });
            log(`${store} server restarted with ACTIVITY_DAILY_LIMIT=0 (pid ${server.pid})`);
          }
          const isAsync = name === 'async';
          const subject: Subject = name === 'account' ? 'account' : 'person';
          const p = subject === 'person' ? '/v1/activities/create' : '/v1/accounts/activities/create';
          const s: Scenario = {
            name: offRun ? 'sync person events, daily limit off' : noWorker ? 'async person events, worker off'
              : name === 'sync' ? 'sync person events' : name === 'async' ? 'async person events' : 'account events',
            path: p,
            description: noWorker
              ? 'The async person events again, on the server restarted with `WORKER_ENABLED=false` (an API node of a scale-out deployment, whose `activity-cdp worker` processes run elsewhere): the acknowledgement alone on the cores. Nothing drains: the harness empties the queue after each level.'
              : isAsync
              ? 'Same bodies as the sync person events with `"async": true`: activities/s here is the acknowledge rate (bodies for up to 120 000 activities/s made before each level starts); the drain columns say how fast the worker empties the queue. Each level waits for the queue to empty before the next.'
              : `Requests of 100 activities: 70 % existing ${subject}s (of ${subject === 'person' ? persons : accounts} seeded), 30 % new, ~10 % of slots repeating a ${subject} already in the request, half with key + created.`,
            levels: [],
          };
          run.scenarios.push(s);
          await analyze(`before ${s.name}`);
          const existing = subject === 'person' ? persons : accounts;
          if (warmupMs > 0) {
            await runLevel(server, apiKey, subject, p, 4, warmupMs, { async: isAsync, existing, pgPids });
            if (noWorker) await queue!.clear();
            else if (isAsync) await waitDrain(queue?.probe, server.pid, pgPids, queue ? 0 : undefined, drainTimeoutMs);
          }
          for (const c of levels) {
            const deadBefore = isAsync && queue ? await queue.deadLetters() : 0;
            // Async: distinct bodies for up to 120 000 activities/s made before the clock (≈ 37 kB each, at
            // most 12 000 of them), so the generator's CPU does not compete with the acknowledgements.
            const prebuild = isAsync ? Math.min(12_000, Math.ceil((durationMs / 1000) * 1200)) : 0;
            const l = await runLevel(server, apiKey, subject, p, c, durationMs, { async: isAsync, existing, pgPids, prebuild, ...(db ? { pgStates: { url: db.url, database: db.name } } : {}) });
            if (noWorker) {
              const backlog = await queue!.backlogActivities();
              await queue!.clear();
              log(`  queue: ${backlog} activities acknowledged and not drained (worker off), emptied`);
            } else if (isAsync) {
              const backlog = queue ? await queue.backlogActivities() : undefined;
              const d = await waitDrain(queue?.probe, server.pid, pgPids, backlog, drainTimeoutMs);
              // Timed out: the rate is what the worker did in the time given; the rest is left
              // in the queue and drains during the next level (noted in the results).
              const left = d.emptyAfterMs === undefined && queue ? await queue.backlogActivities() : 0;
              if (left > 0) results.notes.push(`async ${c} connections: the queue still held ${left} activities after ${drainTimeoutMs / 1000} s; they drained during the next level.`);
              const deadLetters = queue ? (await queue.deadLetters()) - deadBefore : undefined;
              const acked = l.load.activities;
              const drain: Drain = {
                backlogAtStop: backlog ?? NaN,
                emptyAfterMs: d.emptyAfterMs === undefined ? undefined : Math.round(d.emptyAfterMs),
                overallActivitiesPerSec: d.emptyAfterMs === undefined ? undefined : Math.round((acked * 1000) / (l.load.elapsedMs + d.emptyAfterMs)),
                afterStopActivitiesPerSec: backlog === undefined ? undefined
                  : d.emptyAfterMs === undefined ? Math.round(((backlog - left) * 1000) / drainTimeoutMs)
                  : d.emptyAfterMs < 1 ? undefined : Math.round((backlog * 1000) / d.emptyAfterMs),
                method: d.method,
                ...(deadLetters !== undefined ? { deadLetters } : {}),
              };
              l.drain = drain;
              log(`  drain: backlog ${backlog ?? '?'} at stop, ${deadLetters ?? '?'} dead letters, empty after ${d.emptyAfterMs === undefined ? 'timeout' : (d.emptyAfterMs / 1000).toFixed(1) + ' s'} (${d.method})`);
            }
            log(levelLine(s.name, l));
            s.levels.push(l);
          }
        }
      } finally {
        await queue?.close();
      }
    }
  } catch (error) {
    if (server) console.error(`server output:\n${server.output()}`);
    throw error;
  } finally {
    await admin?.end();
    if (server) {
      const code = await server.stop();
      if (code !== 0) results.notes.push(`${store} server exited with ${code} at stop`);
    }
  }

  // First request after a restart on the data just written (the embedded store's goal: < 1 s).
  try {
    const again = await startServer({ script: SERVER_SCRIPT, args: ['serve'], env, apiKey });
    run.restartReadyMs = again.readyMs;
    log(`${store} restarted: first answer after ${again.readyMs} ms`);
    await again.stop();
  } catch (error) {
    results.notes.push(`restart on the written data failed: ${String(error).slice(0, 300)}`);
  }
  if (opt['cpu-prof'] && fs.existsSync(profDir)) run.cpuProfiles = fs.readdirSync(profDir).map((f) => path.join(profDir, f));

  if (db) {
    try {
      log('ceilings: COPY and 100-row INSERT of the same rows');
      results.ceilings.copy = await measureCopyCeiling(db.url, { rows: ceilingRows });
      const c = results.ceilings.copy;
      log(`  COPY ${c.copyRowsPerSec} rows/s (trials ${c.copyTrialsRowsPerSec.join(', ')}), INSERT×100 ${c.insert100RowsPerSec} rows/s (1 conn), ${c.insert100Conn4RowsPerSec} rows/s (4 conns); rows from ${c.sourceTable}${c.synthetic ? ' (synthetic)' : ''}`);
    } finally {
      if (opt['keep-db']) log(`kept database ${db.name}`);
      else await db.drop();
    }
  }
  if (dataDir) {
    if (opt['keep-db']) log(`kept data folder ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function fastifyCeiling(results: Results): Promise<void> {
  const apiKey = 'unused-by-the-empty-handler';
  const server = await startServer({ script: path.join(HERE, 'fastify-empty.js'), args: [], env: {}, apiKey });
  try {
    const s: Scenario = {
      name: 'fastify empty handler',
      path: '/v1/activities/create',
      description: 'Fastify 5 with the same body limit, parsing the same bodies (200 made up front and cycled), answering {"activities":[]}.',
      levels: [],
    };
    await runLevel(server, apiKey, 'person', s.path, 4, Math.min(warmupMs, 2000), { existing: persons, reuseBodies: 200, pgPids: async () => [] });
    for (const c of levels) {
      const l = await runLevel(server, apiKey, 'person', s.path, c, durationMs, { existing: persons, reuseBodies: 200, pgPids: async () => [] });
      log(levelLine(s.name, l));
      s.levels.push(l);
    }
    results.ceilings.fastify = s;
  } finally {
    await server.stop();
  }
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: ROOT }).toString().trim();
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(SERVER_SCRIPT)) throw new Error(`${SERVER_SCRIPT} is missing: build the server first (npm run build)`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.mkdirSync(tmpDir, { recursive: true });
  let pgVersion = '?';
  try {
    const c = new pg.Client({ connectionString: pgUrl.replace(/\/?$/, '') + '/postgres' });
    await c.connect();
    pgVersion = (await c.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    await c.end();
  } catch (error) {
    if (stores.includes('postgres')) throw error;
  }
  const dirty = sh('git', ['status', '--porcelain', '--', 'src']) !== '';
  const results: Results = {
    version: 1,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    commit: sh('git', ['rev-parse', '--short', 'HEAD']) + (dirty ? ' (src/ has uncommitted changes)' : ''),
    machine: {
      cores: CORES,
      cpu: os.cpus()[0]?.model ?? '?',
      memoryMb: Math.round(os.totalmem() / 1048576),
      node: process.version,
      postgres: pgVersion,
      loadavgAtStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    },
    options: { stores, persons, accounts, durationS: durationMs / 1000, warmupS: warmupMs / 1000, levels, scenarios: scenarioNames, ceilingRows, poolSize: opt['pool-size'] ?? 'server default', smoke: opt.smoke, cpuProf: opt['cpu-prof'] },
    notes: [
      ...(stores.includes('postgres') ? [opt['no-analyze']
        ? 'PostgreSQL: no ANALYZE (--no-analyze) and autovacuum is off on this machine: the planner works from stale statistics.'
        : 'PostgreSQL on this machine runs with autovacuum = off (/etc/postgresql/15/main/conf.d/90-ci.conf), so the harness runs ANALYZE after seeding and before each scenario, standing in for autovacuum.'] : []),
      ...(stores.includes('pglite') ? ['PGlite runs no autovacuum; the harness cannot ANALYZE it from outside (one process per data folder), so the embedded figures are what a user gets.'] : []),
      'The machine has 2 cores shared with other developers\' work (tests, builds): figures taken while they run are noisy; the "other CPU %" column shows how much of the machine went elsewhere during each level.',
      'Server, PostgreSQL and the load generator share the same 2 cores, so the load generator\'s CPU is taken from the server\'s budget; its share is in the "loadgen CPU %" column.',
      ...(opt.note ?? []),
    ],
    runs: [],
    ceilings: {},
    goals: [],
  };
  for (const store of stores) await runStore(store, results);
  if (!opt['no-fastify']) {
    log('ceiling: Fastify with an empty handler');
    await fastifyCeiling(results);
  }
  addRatios(results);
  addGoals(results, persons, opt.compare);
  results.finishedAt = new Date().toISOString();
  results.machine['loadavgAtEnd'] = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  const { base, md } = writeResults(results, outDir, { smoke: opt.smoke, persons, scenarioNames, stores });
  console.log('\n' + md);
  log(`wrote ${base}.json, .md, .svg`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
