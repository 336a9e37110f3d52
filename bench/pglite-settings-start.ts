// PostgreSQL's own start in PGlite under different start settings, alternating in one process
// (`node dist-bench/pglite-settings-start.js [--runs N] SETTINGS...`, each SETTINGS one string of
// name=value pairs, '' = the store's defaults): each run a new PGlite in memory from the build's
// image, with the WebAssembly compiled once and PGlite's JavaScript already compiled, so what
// differs is what the settings change (shared memory to zero-fill, lock tables, ...). Prints the
// process's CPU (PGlite.create, and to the answers of two first statements) and the shared memory
// size per variant, as medians. Run after `npm run build` (it reads build/store-image.bin).
//
//   node dist-bench/pglite-settings-start.js --runs 20 'shared_buffers=32MB' 'shared_buffers=16MB'
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MemoryFS, PGlite } from '@electric-sql/pglite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { readImage } = (await import(pathToFileURL(path.join(ROOT, 'dist/src/store/image-file.js')).href)) as {
  readImage(file: string): { dirs: string[]; files: { path: string; bytes: Uint8Array }[] };
};
const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '12' } }, allowPositionals: true });
const variants = positionals.length > 0 ? positionals : [''];
const image = readImage(path.join(ROOT, 'build/store-image.bin'));
/** Node's WebAssembly global (this project's TypeScript libraries do not declare it). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;
const wasm = await wasmApi.compile(fs.readFileSync(createRequire(import.meta.url).resolve('@electric-sql/pglite/pglite.wasm')));

class ImageFs extends MemoryFS {
  override async initialSyncFs(): Promise<void> {
    const FS = this.pg!.Module.FS;
    FS.mkdirTree('/pglite/data');
    for (const dir of image.dirs) FS.mkdir(`/pglite/data/${dir}`);
    for (const file of image.files) FS.writeFile(`/pglite/data/${file.path}`, file.bytes.slice());
  }
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
const samples = new Map<string, { create: number; first: number }[]>();
const shared = new Map<string, string>();
// Round 0 warms PGlite's JavaScript and is not counted.
for (let round = 0; round <= Number(values.runs); round++) {
  for (const v of variants) {
    const params = v.split(/\s+/).filter(Boolean).flatMap((p) => ['-c', p]);
    const start = process.cpuUsage();
    const pg = await PGlite.create({ pgliteWasmModule: wasm as never, fs: new ImageFs(), startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', ...params] });
    const create = cpuMs(start);
    await pg.query('select count(*) from instances i join api_keys k on true');
    await pg.query('select count(*) from records r join record_identities ri on ri.record_id = r.id where r.instance_id = $1', ['00000000-0000-0000-0000-000000000000']);
    const first = cpuMs(start);
    if (round === 0) shared.set(v, (await pg.query<{ s: string }>("select current_setting('shared_memory_size') as s")).rows[0]!.s);
    await pg.close();
    if (round > 0) (samples.get(v) ?? samples.set(v, []).get(v)!).push({ create, first });
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
console.log(`PostgreSQL's start in PGlite (in memory, from the image), ${values.runs} alternating runs; the store's shared_buffers=16MB unless a variant sets it`);
console.log('| settings | shared memory | PGlite.create CPU ms | to first answers CPU ms |\n| --- | --- | --- | --- |');
for (const [v, xs] of samples) console.log(`| ${v || '(defaults)'} | ${shared.get(v)} | ${median(xs.map((x) => x.create))} | ${median(xs.map((x) => x.first))} |`);
