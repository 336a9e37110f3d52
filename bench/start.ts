// Start-time bench (`npm run bench:start`): from spawn to the first answered authenticated request,
// for `serve` on an existing embedded folder, on a new embedded folder, on PostgreSQL, and for
// `emulator` (in-memory store) when the build has that command, each beside a bare Fastify server
// started in the same round, so the ratio holds on a shared machine. Rounds interleave the cases;
// the report gives medians.
//
// With --idle S (default 10; 0 = skip) it then starts the emulator once more, lets it settle, and
// reports its CPU over S idle seconds (utime + stime from /proc/<pid>/stat, both threads) and its
// RSS (VmRSS from /proc/<pid>/status) after them. --trace prints one start's timeline
// (ACTIVITY_CDP_START_TRACE=1: the marks of the main thread and the store's thread).
//
//   node dist-bench/start.js [--runs N] [--idle S] [--trace] [--script PATH] [--pg postgres://...] [--json]
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
    idle: { type: 'string', default: '10' },
    trace: { type: 'boolean', default: false },
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

const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuMs(pid: number): number {
  // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** The idle emulator: CPU share of one core over `seconds` after a settle, and RSS after them. */
async function idleEmulator(seconds: number): Promise<{ start_ms: number; start_cpu_ms: number; cpu_percent: number; cpu_ms: number; rss_mb: number }> {
  const server = await startServer({ script, args: ['emulator', '--key', KEY], env: { LOG_LEVEL: 'warn' }, apiKey: KEY });
  // CPU of both threads until the first answer: what a start costs, whatever the machine's load.
  const startCpu = cpuMs(server.pid);
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const before = cpuMs(server.pid);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu = cpuMs(server.pid) - before;
    return { start_ms: server.readyMs, start_cpu_ms: startCpu, cpu_percent: Number(((cpu / (seconds * 1000)) * 100).toFixed(2)), cpu_ms: cpu, rss_mb: rssMb(server.pid) };
  } finally {
    await server.stop();
  }
}

async function traceEmulator(): Promise<string> {
  const server = await startServer({ script, args: ['emulator', '--key', KEY], env: { LOG_LEVEL: 'warn', ACTIVITY_CDP_START_TRACE: '1' }, apiKey: KEY });
  await server.stop();
  const marks = server.output().split('\n').filter((l) => l.startsWith('start-trace '));
  return [...marks, `first answer after spawn ${server.readyMs} ms (the marks count from the process's own start)`].join('\n');
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

const idleSeconds = Number(values.idle);
const idle = hasEmulator && idleSeconds > 0 ? await idleEmulator(idleSeconds) : undefined;
const trace = hasEmulator && values.trace ? await traceEmulator() : undefined;

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
if (idle) {
  table.push('', `emulator (in memory) once more: first answer ${idle.start_ms} ms after spawn, ${idle.start_cpu_ms} ms of CPU (both threads) until then; ` +
    `idle ${idleSeconds} s after a 3 s settle: ${idle.cpu_percent} % of one core (${idle.cpu_ms} ms CPU), RSS ${idle.rss_mb} MB`);
}
if (trace) table.push('', 'one emulator start (ms since the process started):', '```', trace, '```');
const results = path.join(ROOT, 'bench', 'results');
fs.mkdirSync(results, { recursive: true });
const minute = new Date().toISOString().slice(0, 16).replace(/:/g, '').replace('T', '-');
let stamp = minute; // a second run in the same minute gets -2, -3, ... instead of overwriting the first's files
for (let n = 2; fs.existsSync(path.join(results, `start-${stamp}.json`)); n++) stamp = `${minute}-${n}`;
fs.writeFileSync(path.join(results, `start-${stamp}.json`), JSON.stringify({ script: path.relative(ROOT, script), runs, load_avg: os.loadavg(), rows, idle }, null, 2) + '\n');
fs.writeFileSync(path.join(results, `start-${stamp}.md`), `# Start time\n\n${header}\n\n${table.join('\n')}\n\nReproduce: \`npm run bench:start -- --runs ${runs} --idle ${idleSeconds}\`\n`);
if (values.json) console.log(JSON.stringify({ script: path.relative(ROOT, script), runs, load_avg: os.loadavg(), rows, idle }));
else console.log([header, ...table].join('\n'));
