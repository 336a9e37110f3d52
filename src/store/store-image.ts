// The pre-migrated embedded store image made at build time (scripts/build.mjs, format in
// image-file.ts): a new embedded store, in a folder or in memory, starts as a copy of it instead
// of running initdb and every migration (seconds). Used only when it holds exactly the first
// migrations of this code, in order; migrate() then applies any that came later. Absent (a
// checkout built with tsc only): none. The store's thread reads the image itself, so the calling
// thread only checks the manifest.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { loadMigrations } from './migrate.js';
import type { ImageFile } from './pglite.js';

/** The image file, and whether it holds every migration of this code (a store made from it then has none to apply). */
export interface StoreImage extends ImageFile {
  complete: boolean;
}

let cached: StoreImage | null | undefined;

export function storeImage(): StoreImage | undefined {
  if (cached === undefined) cached = readImage();
  return cached ?? undefined;
}

function readImage(): StoreImage | null {
  const dir = path.join(packageRoot(), 'build');
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'store-image.json'), 'utf8')) as { migrations?: unknown };
    const holds = imageHolds(manifest.migrations, loadMigrations().map((m) => m.name));
    const imageFile = path.join(dir, 'store-image.bin');
    return holds !== 'unusable' && fs.existsSync(imageFile) ? { imageFile, complete: holds === 'every migration' } : null;
  } catch {
    return null;
  }
}

/**
 * What an image's manifest list of migrations (`held`) is to this code's (`names`, in order):
 * every migration, the first ones (migrate() applies the rest), or unusable (none, another order,
 * or one this code does not have).
 */
export function imageHolds(held: unknown, names: readonly string[]): 'every migration' | 'the first ones' | 'unusable' {
  if (!Array.isArray(held) || held.length === 0 || held.length > names.length || held.some((name, i) => name !== names[i])) return 'unusable';
  return held.length === names.length ? 'every migration' : 'the first ones';
}

/** True when a folder holds an embedded store (PostgreSQL's PG_VERSION file is written by initdb). */
export function holdsStore(pgdataDir: string): boolean {
  return fs.existsSync(path.join(pgdataDir, 'PG_VERSION'));
}

/** A CLI command pointed at a data folder that holds no store (it does not create one). */
export class NoStoreError extends Error {
  constructor(dataDir: string) {
    super(`no store in ${dataDir}: start "activity-cdp serve" once to create one there, or set DATA_DIR (or DATABASE_URL) to the store to use`);
    this.name = 'NoStoreError';
  }
}
