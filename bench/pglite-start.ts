// `node dist-bench/pglite-start.js [folder]`: what the embedded store's thread costs at start.
// Times openPglite → first answer of `select 1` on a pre-migrated image (openPglite(undefined,
// blob), as a packaged server loads one) and on an existing data folder, against PGlite opened on
// the calling thread as before (PGlite.create + select 1), alternating, best and median of 5.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

// The built server (npm run build), as bench/ builds apart from it.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
interface Store { query(text: string): Promise<unknown[]>; close(): Promise<void>; dump(): Promise<Blob> }
const { openPglite } = (await import(pathToFileURL(path.join(ROOT, 'dist/src/store/pglite.js')).href)) as { openPglite(dir: string | undefined, image?: Blob): Promise<Store> };
const { migrate } = (await import(pathToFileURL(path.join(ROOT, 'dist/src/store/migrate.js')).href)) as { migrate(db: Store): Promise<void> };

const runs = 5;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `best ${s[0]!.toFixed(0)} ms, median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms`;
};

const seed = await openPglite(undefined);
await migrate(seed);
const image = await seed.dump();
await seed.close();
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-start-'));
const disk = await openPglite(path.join(folder, 'pgdata'), image);
await disk.close();

const times: Record<string, number[]> = { 'image, worker thread': [], 'image, calling thread': [], 'folder, worker thread': [], 'folder, calling thread': [] };
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  const a = await openPglite(undefined, image);
  await a.query('select 1');
  times['image, worker thread']!.push(performance.now() - t);
  await a.close();
  t = performance.now();
  const b = await PGlite.create('memory://', { loadDataDir: image });
  await b.query('select 1');
  times['image, calling thread']!.push(performance.now() - t);
  await b.close();
  t = performance.now();
  const c = await openPglite(path.join(folder, 'pgdata'));
  await c.query('select 1');
  times['folder, worker thread']!.push(performance.now() - t);
  await c.close();
  t = performance.now();
  const d = await PGlite.create(path.join(folder, 'pgdata'));
  await d.query('select 1');
  times['folder, calling thread']!.push(performance.now() - t);
  await d.close();
}
fs.rmSync(folder, { recursive: true, force: true });
console.log(`open → first answer (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(24)} ${stats(v)}`);
