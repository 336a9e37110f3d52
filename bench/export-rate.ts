// `node dist-bench/export-rate.js`: how fast `activity-cdp export` writes every person's events,
// streamed from the export endpoint against walked person by person through the read-back
// endpoints (--walk, what it must do against Ortto), on a server seeded through the API. Beside
// them, the same run's sync ingest rate of the seed, which the export should at least match.
//   npm run bench -- --help is the main bench; this one: node dist-bench/export-rate.js --help
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { startServer, type ServerHandle } from './server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');

const HELP = `node dist-bench/export-rate.js [options]   (build first: npm run build && npx tsc -p bench/tsconfig.json)

  --store pglite|postgres   the server's store (default pglite)
  --persons N               persons seeded (default 4003, as in issue 13)
  --events N                events seeded, spread over the persons (default 20000)
  --runs N                  exports of each kind, best kept (default 2)
  --no-walk                 skip the per-person walk (slow on large seeds)
  --pg-url URL              PostgreSQL server (default postgres://postgres@127.0.0.1:5432)`;

const { values: opt } = parseArgs({
  options: {
    store: { type: 'string', default: 'pglite' },
    persons: { type: 'string', default: '4003' },
    events: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '2' },
    'no-walk': { type: 'boolean', default: false },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}
const persons = Number(opt.persons);
const events = Number(opt.events);
const runs = Number(opt.runs);
if (![persons, events, runs].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--persons, --events and --runs are whole numbers > 0');
if (opt.store !== 'pglite' && opt.store !== 'postgres') throw new Error('--store must be pglite or postgres');

const log = (...a: unknown[]) => console.log(`[export ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function post(server: ServerHandle, apiKey: string, p: string, body: unknown): Promise<any> {
  const res = await fetch(server.baseUrl + p, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${p}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

function exportOnce(server: ServerHandle, apiKey: string, walk: boolean): Promise<{ seconds: number; events: number; stderr: string }> {
  const out = path.join(os.tmpdir(), `acdp-export-${process.pid}.ndjson`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [MAIN, 'export', '--base-url', server.baseUrl, '--out', out, ...(walk ? ['--walk'] : [])],
      { env: { PATH: process.env['PATH'] ?? '', ACTIVITY_CDP_API_KEY: apiKey }, maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
        const seconds = (performance.now() - t0) / 1000;
        if (error) return reject(new Error(`export failed: ${stderr}`));
        const m = /exported (\d+) event/.exec(stderr);
        fs.rmSync(out, { force: true });
        resolve({ seconds, events: m ? Number(m[1]) : NaN, stderr: stderr.trim() });
      });
  });
}

const apiKey = `bench-export-${randomBytes(12).toString('hex')}`;
const env: Record<string, string> = { LOG_LEVEL: 'warn', BOOTSTRAP_API_KEYS: apiKey, ACTIVITY_DAILY_LIMIT: '0', WORKER_ENABLED: 'false' };
let db: BenchDatabase | undefined;
let dataDir: string | undefined;
if (opt.store === 'postgres') {
  db = await createBenchDatabase(opt['pg-url'], 'test');
  env['DATABASE_URL'] = db.url;
} else {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-export-bench-'));
  env['DATA_DIR'] = dataDir;
}
const server = await startServer({ script: MAIN, args: ['serve'], env, apiKey });
try {
  await post(server, apiKey, '/v1/definitions/activity/create', {
    name: 'bench-export', icon_id: 'cart-icon', track_conversion_value: true, touch: true, filterable: true, visible_in_feeds: true,
    display_style: { type: 'activity_attribute', attribute: 'item' },
    attributes: [{ name: 'item', display_type: 'text' }, { name: 'n', display_type: 'integer' }],
  });
  // Seed: every person gets events; requests of 100, 4 in flight.
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      if (start >= events) return;
      next += 100;
      const activities = Array.from({ length: Math.min(100, events - start) }, (_, j) => {
        const i = start + j;
        return { activity_id: 'act:cm:bench-export', attributes: { 'str:cm:item': `item ${i}`, 'int:cm:n': i, 'int::v': i * 10 }, fields: { 'str::email': `p${i % persons}@example.com` } };
      });
      await post(server, apiKey, '/v1/activities/create', { activities });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const seedSeconds = (performance.now() - t0) / 1000;
  log(`${opt.store}: seeded ${events} events of ${Math.min(persons, events)} persons in ${seedSeconds.toFixed(1)} s (${Math.round(events / seedSeconds)} act/s sync ingest, 4 in flight)`);

  const rows: string[] = [];
  for (const walk of opt['no-walk'] ? [false] : [false, true]) {
    let best: { seconds: number; events: number } | undefined;
    for (let r = 0; r < runs; r++) {
      const e = await exportOnce(server, apiKey, walk);
      log(`${walk ? 'walk  ' : 'stream'} run ${r + 1}: ${e.events} events in ${e.seconds.toFixed(2)} s = ${Math.round(e.events / e.seconds)} events/s (${e.stderr})`);
      if (e.events !== events) throw new Error(`exported ${e.events} events, seeded ${events}`);
      if (!best || e.seconds < best.seconds) best = e;
    }
    rows.push(`| ${walk ? 'per person (--walk, as against Ortto)' : 'streamed (POST /v1/activities/export)'} | ${best!.events} | ${best!.seconds.toFixed(2)} | ${Math.round(best!.events / best!.seconds).toLocaleString('en-US')} | ${(best!.events / best!.seconds / (events / seedSeconds)).toFixed(1)}× |`);
  }
  console.log(`\n${opt.store}, ${Math.min(persons, events)} persons, ${events} events, best of ${runs}; the seed's sync ingest: ${Math.round(events / seedSeconds).toLocaleString('en-US')} act/s; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  console.log('| export | events | seconds | events/s | vs sync ingest |\n| --- | --- | --- | --- | --- |');
  console.log(rows.join('\n'));
} finally {
  await server.stop();
  await db?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
