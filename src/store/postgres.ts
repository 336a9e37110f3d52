// PostgreSQL through `pg`: a pool of connections, named statements for the hot path. A dropped
// connection never ends the process: every client has an 'error' listener while it is checked
// out (the pool has one for idle clients), broken clients are destroyed rather than reused, and
// a fault of the connection is a DatabaseUnavailableError (503, retryable) for the caller.
import pg from 'pg';
import type { Db, Sql } from './db.js';
import { textParser } from './pg-types.js';
import { DatabaseUnavailableError, MAX_TRANSACTION_ATTEMPTS, isConnectionSqlState, isRetryable, retryDelayMs, sqlStateOf } from './sqlstate.js';

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : textParser(oid)) as typeof pg.types.getTypeParser,
};

/** Faults of the connection (no SQLSTATE from the server, or a connection SQLSTATE) become DatabaseUnavailableError. */
export function classifyPgError(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError) return error;
  if (error instanceof pg.DatabaseError) return isConnectionSqlState(sqlStateOf(error)) ? new DatabaseUnavailableError(error) : error;
  if (error instanceof TypeError || error instanceof RangeError) return error;
  return new DatabaseUnavailableError(error);
}

function wrap(client: pg.Pool | pg.PoolClient, named: boolean): Sql {
  return {
    async query<R>(text: string, params?: readonly unknown[], name?: string): Promise<R[]> {
      const config: pg.QueryConfig = { text, values: params as unknown[] | undefined };
      if (name && named) config.name = name;
      try {
        const result = await client.query(config);
        return result.rows as R[];
      } catch (error) {
        throw classifyPgError(error);
      }
    },
    async exec(text: string): Promise<void> {
      try {
        await client.query(text);
      } catch (error) {
        throw classifyPgError(error);
      }
    },
  };
}

export interface PostgresOptions {
  /** Keep trying to reach the database at start for this long (it may still be starting). */
  startTimeoutMs?: number;
  /** statement_timeout of every statement on this pool (0 = none). */
  statementTimeoutMs?: number;
  /** Told about faults the pool absorbed (idle clients that lost their connection). */
  onPoolError?: (error: Error) => void;
  /**
   * Named (server-side prepared) statements for the hot path. Off behind a pooler in transaction
   * mode that does not track them (pgbouncer before 1.21): each statement is then sent unnamed.
   */
  namedStatements?: boolean;
}

async function waitForDatabase(pool: pg.Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await pool.query('select 1');
      return;
    } catch (error) {
      const fault = classifyPgError(error);
      if (!(fault instanceof DatabaseUnavailableError) || Date.now() >= deadline) throw error;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt, Math.max(0, deadline - Date.now()))));
    }
  }
}

export async function openPostgres(url: string, poolSize: number, options: PostgresOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url, max: poolSize, types,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // An idle client's connection error must not crash the process; the pool replaces it.
  pool.on('error', (error) => options.onPoolError?.(error));
  try {
    await waitForDatabase(pool, options.startTimeoutMs ?? 0);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const named = options.namedStatements ?? true;
  const base = wrap(pool, named);
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        // While checked out, the pool does not listen: a dropped connection must not be an
        // uncaught 'error' event. The client is then destroyed, not reused. The listener is added
        // in the pool's callback, not after an await: a client handed over inside another query's
        // answer can meet the server's FATAL message in the same read, before any await resumes.
        let broken = false;
        const onError = () => {
          broken = true;
        };
        let client: pg.PoolClient;
        try {
          client = await new Promise<pg.PoolClient>((resolve, reject) => {
            pool.connect((error, c) => {
              if (error || !c) return reject(error ?? new Error('no client'));
              c.on('error', onError);
              resolve(c);
            });
          });
        } catch (error) {
          throw classifyPgError(error);
        }
        let committing = false;
        const tx = wrap(client, named);
        try {
          await tx.exec('begin');
          const result = await fn(tx);
          committing = true;
          await tx.exec('commit');
          return result;
        } catch (error) {
          // (statements through tx are classified already; anything else is fn's own error)
          if (!broken) {
            try {
              await client.query('rollback');
            } catch {
              broken = true;
            }
          }
          // Retried: deadlocks and serialization failures, and a connection lost before commit
          // (the server rolled the transaction back; fn has no effects outside the database).
          // A connection lost during commit is ambiguous: the caller gets the fault.
          const lostBeforeCommit = error instanceof DatabaseUnavailableError && !committing;
          if (attempt < MAX_TRANSACTION_ATTEMPTS && (isRetryable(error) || lostBeforeCommit)) {
            await new Promise((r) => setTimeout(r, lostBeforeCommit ? 20 * attempt : retryDelayMs(attempt)));
            continue;
          }
          throw error;
        } finally {
          // A broken client keeps its listener: it may still report its end after release.
          if (!broken) client.removeListener('error', onError);
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
