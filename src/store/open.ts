// Opens the store the configuration names and brings its schema up to date.
import path from 'node:path';
import type { Config } from '../config.js';
import type { Db } from './db.js';
import { lockDataDir } from './data-dir-lock.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { NoStoreError, holdsStore, storeImage } from './store-image.js';
import { startMark } from '../start-trace.js';

export interface OpenedStore {
  db: Db;
  /**
   * For reads that may be heavy (read-back): on PostgreSQL its statements run on their own small
   * pool with a statement timeout, so they never take the writes' connections; its transactions
   * are the writes' pool's. On the embedded store, db itself.
   */
  readDb: Db;
  /** Closes the database and releases the data folder. */
  close(): Promise<void>;
}

type StoreConfig = Pick<Config, 'databaseUrl' | 'dataDir' | 'pgPoolSize'>
  & Partial<Pick<Config, 'databaseStartTimeoutMs' | 'pgReadPoolSize' | 'readStatementTimeoutMs' | 'pgNamedStatements'>>;

/** mustExist: refuse (NoStoreError) instead of creating an embedded store (CLI commands). */
export async function openStore(config: StoreConfig, purpose: string, options: { mustExist?: boolean } = {}): Promise<OpenedStore> {
  if (config.databaseUrl) {
    // Loaded only for PostgreSQL: an embedded start (and the emulator) does not pay for pg.
    const { openPostgres } = await import('./postgres.js');
    const namedStatements = config.pgNamedStatements ?? true;
    const db = await openPostgres(config.databaseUrl, config.pgPoolSize, { startTimeoutMs: config.databaseStartTimeoutMs ?? 0, namedStatements });
    let reads: Db | undefined;
    try {
      await migrate(db);
      // The read timeout is a startup parameter, which a transaction pooler (pgbouncer, the reason
      // to turn named statements off) refuses: there it is the read role's own setting (README).
      const statementTimeoutMs = namedStatements ? config.readStatementTimeoutMs ?? 0 : 0;
      reads = await openPostgres(config.databaseUrl, config.pgReadPoolSize ?? 3, { statementTimeoutMs, namedStatements });
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
    const readDb: Db = { kind: 'postgres', query: reads.query, exec: reads.exec, transaction: db.transaction, close: reads.close };
    return {
      db,
      readDb,
      async close() {
        await Promise.allSettled([db.close(), readDb.close()]);
      },
    };
  }
  const pgdata = path.join(config.dataDir, 'pgdata');
  if (options.mustExist && !holdsStore(pgdata)) throw new NoStoreError(config.dataDir);
  const release = lockDataDir(config.dataDir, purpose);
  try {
    // A new folder starts as a copy of the pre-migrated image (when the build made one).
    const image = holdsStore(pgdata) ? undefined : storeImage();
    const db = await openPglite(pgdata, image);
    // A store just made from an image that holds every migration has none to apply (and, embedded,
    // no Citus to check): the check's cold reads were ~25 ms of a first start.
    if (!image?.complete) await migrate(db);
    return {
      db,
      readDb: db,
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
  // From the pre-migrated image when the build made one (no initdb).
  const image = storeImage();
  const db = await openPglite(undefined, image);
  startMark('store opened');
  if (!image?.complete) await migrate(db);
  return { db, readDb: db, close: () => db.close() };
}
