// `node dist-bench/pglite-start.js`: what the embedded store's thread costs at start. Each
// measurement is a new process (as a server start is: nothing compiled yet), timed from the
// process's start to the first answer of `select 1`: openPglite on a pre-migrated image
// (openPglite(undefined, blob), as a packaged server loads one) and on an existing data folder,
// against PGlite opened on the calling thread as before (PGlite.create), alternating, 5 each.
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

import { execFileSync } from 'node:child_process';

const runs = 5;
// Child mode: open one way, print ms since this process started, exit.
const [mode, where, imageArg] = process.argv.slice(2);
if (mode) {
  const image = imageArg ? new Blob([fs.readFileSync(imageArg)]) : undefined;
  const db = mode === 'worker' ? await openPglite(where === 'memory' ? undefined : where, image)
    : await PGlite.create(where === 'memory' ? 'memory://' : where!, image ? { loadDataDir: image } : {});
  await db.query('select 1');
  console.log(performance.now().toFixed(0));
  await db.close();
  process.exit(0);
}
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

const imageFile = path.join(folder, 'image.tar');
fs.writeFileSync(imageFile, Buffer.from(await image.arrayBuffer()));
const self = fileURLToPath(import.meta.url);
const child = (...args: string[]) => Number(execFileSync(process.execPath, [self, ...args], { encoding: 'utf8' }).trim().split('\n').pop());
const times: Record<string, number[]> = { 'image, worker thread': [], 'image, calling thread': [], 'folder, worker thread': [], 'folder, calling thread': [] };
for (let i = 0; i < runs; i++) {
  times['image, worker thread']!.push(child('worker', 'memory', imageFile));
  times['image, calling thread']!.push(child('main', 'memory', imageFile));
  times['folder, worker thread']!.push(child('worker', path.join(folder, 'pgdata')));
  times['folder, calling thread']!.push(child('main', path.join(folder, 'pgdata')));
}
fs.rmSync(folder, { recursive: true, force: true });
console.log(`process start → first answer (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(24)} ${stats(v)}`);
