// PostgreSQL through `pg`: a pool of connections, named statements for the hot path.
import pg from 'pg';
import type { Db, Sql } from './db.js';
import { MAX_TRANSACTION_ATTEMPTS, isRetryable, retryDelayMs } from './sqlstate.js';

// bigint (int8) as a JS number, as PGlite gives it: counts and sizes here stay far below 2^53.
// Checked: a value past 2^53 (e.g. an identity taken on a Citus worker, 2^48 * group + n) fails
// loudly instead of silently losing digits; ids are read as text (`id::text`) for that reason.
function parseInt8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${v} does not fit a JS number: read it as text`);
  return n;
}
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  /**
   * Named (server-side prepared) statements for the hot path. Off behind a pooler in transaction
   * mode that does not track them (pgbouncer before 1.21): each statement is then sent unnamed.
   */
  namedStatements?: boolean;
}

function wrap(client: pg.Pool | pg.PoolClient, named: boolean): Sql {
  return {
    async query<R>(text: string, params?: readonly unknown[], name?: string): Promise<R[]> {
      const config: pg.QueryConfig = { text, values: params as unknown[] | undefined };
      if (name && named) config.name = name;
      const result = await client.query(config);
      return result.rows as R[];
    },
    async exec(text: string): Promise<void> {
      await client.query(text);
    },
  };
}

export async function openPostgres(url: string, poolSize: number, options: PostgresOptions = {}): Promise<Db> {
  const named = options.namedStatements ?? true;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  // An idle client's connection error must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  await pool.query('select 1');
  const base = wrap(pool, named);
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query('begin');
          const result = await fn(wrap(client, named));
          await client.query('commit');
          return result;
        } catch (error) {
          try {
            await client.query('rollback');
          } catch {
            broken = true;
          }
          if (attempt < MAX_TRANSACTION_ATTEMPTS && isRetryable(error)) {
            await new Promise((r) => setTimeout(r, retryDelayMs(attempt)));
            continue;
          }
          throw error;
        } finally {
          client.release(broken);
        }
      }
    },
    async close() {
      await pool.end();
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}
