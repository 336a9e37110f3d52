// Start-time bench (`npm run bench:start`): from spawn to the first answered authenticated request,
// for `serve` on an existing embedded folder, on a new embedded folder, on PostgreSQL, and for
// `emulator` (in-memory store) when the build has that command, each beside a bare Fastify server
// started in the same round, so the ratio holds on a shared machine. Rounds interleave the cases;
// the report gives medians.
//
//   node dist-bench/start.js [--runs N] [--script PATH] [--pg postgres://...] [--json]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { startServer } from './server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist-bench/
const ROOT = path.resolve(HERE, '..');
const KEY = 'bench-start-key-0123456789abcdef';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    script: { type: 'string', default: path.join(ROOT, 'bin/activity-cdp.js') },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Math.max(1, Number(values.runs));
const script = path.resolve(values.script!);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

async function pgReachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function timeStart(args: string[], env: Record<string, string>): Promise<number> {
  const server = await startServer({ script, args, env: { LOG_LEVEL: 'warn', BOOTSTRAP_API_KEYS: KEY, ...env }, apiKey: KEY });
  await server.stop();
  return server.readyMs;
}

async function timeBare(): Promise<number> {
  const server = await startServer({ script: path.join(HERE, 'fastify-empty.js'), args: [], env: {}, apiKey: KEY });
  await server.stop();
  return server.readyMs;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-start-'));
const existingDir = path.join(tmp, 'existing');
const hasEmulator = spawnSync(process.execPath, [script, 'emulator', '--help'], { stdio: 'ignore' }).status === 0;
let database: BenchDatabase | undefined;
if (await pgReachable(values.pg!)) database = await createBenchDatabase(values.pg!, 'test');

const samples: Record<string, number[]> = { 'bare fastify': [] };
try {
  // The existing folder and the PostgreSQL schema are made (and migrated) once before timing.
  await timeStart(['serve'], { DATA_DIR: existingDir });
  if (database) await timeStart(['serve'], { DATABASE_URL: database.url });
  for (let i = 0; i < runs; i++) {
    const round: [string, () => Promise<number>][] = [
      ['bare fastify', timeBare],
      ['serve, existing embedded folder', () => timeStart(['serve'], { DATA_DIR: existingDir })],
      ['serve, new embedded folder', () => timeStart(['serve'], { DATA_DIR: path.join(tmp, `new-${i}`) })],
    ];
    if (database) round.push(['serve, PostgreSQL', () => timeStart(['serve'], { DATABASE_URL: database!.url })]);
    if (hasEmulator) round.push(['emulator (in memory)', () => timeStart(['emulator', '--key', KEY], {})]);
    for (const [name, run] of round) (samples[name] ??= []).push(await run());
  }
} finally {
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

const bare = median(samples['bare fastify']!);
const rows = Object.entries(samples).map(([name, xs]) => ({ case: name, median_ms: median(xs), ratio_to_bare: Number((median(xs) / bare).toFixed(2)), runs_ms: xs }));
const header = `first answer after spawn, ${runs} rounds, ${path.relative(ROOT, script)}, load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores, shared)`;
const table = [
  '| case | median ms | × bare Fastify | goal (< 1 s, ≤ 3×) | runs ms |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const goal = r.case === 'bare fastify' ? '' : r.median_ms < 1000 && r.ratio_to_bare <= 3 ? 'met' : 'not met';
    return `| ${r.case} | ${r.median_ms} | ${r.ratio_to_bare} | ${goal} | ${r.runs_ms.join(', ')} |`;
  }),
];
if (!hasEmulator) table.push('', '(no `emulator` command in this build: its row is absent)');
const stamp = new Date().toISOString().slice(0, 16).replace(/:/g, '').replace('T', '-');
const results = path.join(ROOT, 'bench', 'results');
fs.mkdirSync(results, { recursive: true });
fs.writeFileSync(path.join(results, `start-${stamp}.json`), JSON.stringify({ script: path.relative(ROOT, script), runs, load_avg: os.loadavg(), rows }, null, 2) + '\n');
fs.writeFileSync(path.join(results, `start-${stamp}.md`), `# Start time\n\n${header}\n\n${table.join('\n')}\n\nReproduce: \`npm run bench:start -- --runs ${runs}\`\n`);
if (values.json) console.log(JSON.stringify({ script: path.relative(ROOT, script), runs, load_avg: os.loadavg(), rows }));
else console.log([header, ...table].join('\n'));
