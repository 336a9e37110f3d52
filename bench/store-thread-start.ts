// The embedded store's thread alone at start, two builds in one run
// (`node dist-bench/store-thread-start.js --base OTHER [--runs N]`, OTHER a build's root folder):
// each run a new process that opens an in-memory store from that build's image (openPglite, as
// the emulator does), then runs two first statements on the new backend. It prints the ms from
// the process's start to the store's ready answer and to the statements' answers, and the
// process's CPU (both threads) then, as medians over alternating runs. Without the HTTP app
// beside it the thread's own changes show through a shared machine's noise.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [mode, rootArg] = process.argv.slice(2);
if (mode === 'child') {
  interface Store { query(text: string, params?: unknown[]): Promise<unknown[]>; close(): Promise<void> }
  const { openPglite } = (await import(pathToFileURL(path.join(rootArg!, 'dist/src/store/pglite.js')).href)) as { openPglite(dir: undefined, image: { imageFile: string }): Promise<Store> };
  const db = await openPglite(undefined, { imageFile: path.join(rootArg!, 'build/store-image.bin') });
  const ready = performance.now();
  await db.query('select count(*) from instances i join api_keys k on true');
  await db.query('select count(*) from records r join record_identities ri on ri.record_id = r.id where r.instance_id = $1', ['00000000-0000-0000-0000-000000000000']);
  const first = performance.now();
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ ready, first, cpu: (cpu.user + cpu.system) / 1000 }));
  await db.close();
  process.exit(0);
}
const { values } = parseArgs({ options: { base: { type: 'string' }, runs: { type: 'string', default: '10' } } });
if (!values.base) throw new Error('--base PATH: the other build\'s root folder (holding dist/ and build/)');
const roots: Record<string, string> = { base: path.resolve(values.base), this: path.resolve(HERE, '..') };
const samples: Record<string, { ready: number; first: number; cpu: number }[]> = { base: [], this: [] };
for (let i = 0; i < Number(values.runs); i++) {
  for (const [build, root] of Object.entries(roots)) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'child', root], { encoding: 'utf8' });
    samples[build]!.push(JSON.parse(out.trim().split('\n').pop()!));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`store thread start, this checkout vs ${values.base}, ${values.runs} alternating runs, load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| build | ready ms | first statements ms | CPU ms |\n| --- | --- | --- | --- |');
for (const [build, xs] of Object.entries(samples)) {
  console.log(`| ${build} | ${median(xs.map((x) => x.ready)).toFixed(0)} | ${median(xs.map((x) => x.first)).toFixed(0)} | ${median(xs.map((x) => x.cpu)).toFixed(0)} |`);
}
