// Opens the store the configuration names and brings its schema up to date.
import path from 'node:path';
import type { Config } from '../config.js';
import type { Db } from './db.js';
import { lockDataDir } from './data-dir-lock.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { NoStoreError, holdsStore, storeImage } from './store-image.js';

export interface OpenedStore {
  db: Db;
  /** Closes the database and releases the data folder. */
  close(): Promise<void>;
}

/** mustExist: refuse (NoStoreError) instead of creating an embedded store (CLI commands). */
export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'pgPoolSize'>, purpose: string, options: { mustExist?: boolean } = {}): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const db = await openPostgres(config.databaseUrl, config.pgPoolSize);
    await migrate(db);
    return { db, close: () => db.close() };
  }
  const pgdata = path.join(config.dataDir, 'pgdata');
  if (options.mustExist && !holdsStore(pgdata)) throw new NoStoreError(config.dataDir);
  const release = lockDataDir(config.dataDir, purpose);
  try {
    // A new folder starts as a copy of the pre-migrated image (when the build made one).
    const image = holdsStore(pgdata) ? undefined : storeImage();
    const db = await openPglite(pgdata, image);
    await migrate(db);
    return {
      db,
      async close() {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
