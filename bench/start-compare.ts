// Same-run start comparison of two builds (`node dist-bench/start-compare.js --base OTHER/bin/activity-cdp.js`):
// the emulator, `serve` on an existing embedded folder and on PostgreSQL, each started from this
// checkout and from the other build in alternating order, round after round, with the wall time
// from spawn to the first answered authenticated request and the process's CPU (both threads,
// /proc/<pid>/stat) at that moment. On a shared machine the CPU figure holds where the wall time
// moves with everyone else's load.
//
//   node dist-bench/start-compare.js --base PATH [--runs N] [--pg postgres://.../db]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KEY = 'bench-start-key-0123456789abcdef';
const { values } = parseArgs({ options: { base: { type: 'string' }, runs: { type: 'string', default: '6' }, pg: { type: 'string' } } });
if (!values.base) throw new Error('--base PATH: the other build\'s bin/activity-cdp.js');
const scripts: Record<string, string> = { this: path.resolve(HERE, '../bin/activity-cdp.js'), base: path.resolve(values.base) };

function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-start-compare-'));
const cases: Record<string, (build: string) => { args: string[]; env: Record<string, string> }> = {
  'emulator (in memory)': () => ({ args: ['emulator', '--key', KEY], env: {} }),
  'serve, existing embedded folder': (build) => ({ args: ['serve'], env: { DATA_DIR: path.join(tmp, build), BOOTSTRAP_API_KEYS: KEY } }),
  ...(values.pg ? { 'serve, PostgreSQL': () => ({ args: ['serve'], env: { DATABASE_URL: values.pg!, BOOTSTRAP_API_KEYS: KEY } }) } : {}),
};
const samples: Record<string, [number, number][]> = {};
try {
  // The folders and the schema exist before timing.
  for (const [build, script] of Object.entries(scripts)) for (const make of Object.values(cases)) {
    const { args, env } = make(build);
    await (await startServer({ script, args, env: { LOG_LEVEL: 'warn', ...env }, apiKey: KEY })).stop();
  }
  for (let i = 0; i < Number(values.runs); i++) {
    for (const [name, make] of Object.entries(cases)) {
      const order = i % 2 ? Object.entries(scripts) : Object.entries(scripts).reverse();
      for (const [build, script] of order) {
        const { args, env } = make(build);
        const server = await startServer({ script, args, env: { LOG_LEVEL: 'warn', ...env }, apiKey: KEY });
        const cpu = cpuMs(server.pid);
        await server.stop();
        (samples[`${name} | ${build}`] ??= []).push([server.readyMs, cpu]);
      }
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`start, this checkout vs ${values.base}, ${values.runs} alternating rounds, load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| case | build | wall median ms | CPU median ms | runs (wall/CPU) |\n| --- | --- | --- | --- | --- |');
for (const [key, xs] of Object.entries(samples)) {
  const [name, build] = key.split(' | ');
  console.log(`| ${name} | ${build} | ${median(xs.map((x) => x[0]))} | ${median(xs.map((x) => x[1]))} | ${xs.map((x) => x.join('/')).join(', ')} |`);
}
