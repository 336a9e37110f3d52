// The embedded store: PGlite (PostgreSQL compiled to WebAssembly) in a data folder. It is one
// session behind a lock, so concurrent callers queue; transactions go through its transaction()
// API, never a manual BEGIN, which would capture other callers' statements.
import { PGlite } from '@electric-sql/pglite';
import type { Db, Sql } from './db.js';

interface PGliteLike {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(text: string): Promise<unknown>;
}

function wrap(conn: PGliteLike): Sql {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<R[]> {
      const result = await conn.query<R>(text, params as unknown[] | undefined);
      return result.rows;
    },
    async exec(text: string): Promise<void> {
      await conn.exec(text);
    },
  };
}

/** dataDir undefined = in memory (tests). loadDataDir = a tarball made by dumpDataDir (test templates). */
export async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<Db & { dump(): Promise<Blob> }> {
  const pg = await PGlite.create(dataDir ?? 'memory://', loadDataDir ? { loadDataDir } : {});
  const base = wrap(pg);
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(wrap(tx)));
    },
    async close() {
      await pg.close();
    },
    async dump() {
      return pg.dumpDataDir('none');
    },
  };
}
