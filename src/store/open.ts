// Opens the store the configuration names and brings its schema up to date.
import path from 'node:path';
import type { Config } from '../config.js';
import type { Db } from './db.js';
import { lockDataDir } from './data-dir-lock.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenedStore {
  db: Db;
  /** Closes the database and releases the data folder. */
  close(): Promise<void>;
}

export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'pgPoolSize'>, purpose: string): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const db = await openPostgres(config.databaseUrl, config.pgPoolSize);
    await migrate(db);
    return { db, close: () => db.close() };
  }
  const release = lockDataDir(config.dataDir, purpose);
  try {
    const db = await openPglite(path.join(config.dataDir, 'pgdata'));
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

/** An embedded store in memory, migrated (the emulator's default): gone when it is closed. */
export async function openMemoryStore(): Promise<OpenedStore> {
  const db = await openPglite(undefined);
  await migrate(db);
  return { db, close: () => db.close() };
}
