// One interface over the two drivers (PGlite embedded, PostgreSQL through `pg`). Everything above
// the store speaks PostgreSQL's SQL through it; nothing above it knows which driver runs.

export interface Sql {
  /**
   * Runs one statement. `name` makes it a prepared statement on PostgreSQL (planned once per
   * connection), for hot statements of constant shape; PGlite ignores it.
   */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], name?: string): Promise<R[]>;
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Db extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs fn in a transaction. On a serialization failure or deadlock (40001 / 40P01), or when fn
   * throws RetryTransaction (sqlstate.ts), the whole transaction is retried, so fn must have no
   * effects outside the database.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * The embedded store only: runs a procedure the ingest layer names (ingest/procedures.ts
   * runProcedure) in one transaction in the store's own thread, args and outcome as
   * structured-clone data, retried as transaction() retries. Absent: run it through transaction().
   */
  procedure?(name: string, args: unknown): Promise<unknown>;
  close(): Promise<void>;
  /** Connection pool use (PostgreSQL), for the metrics; PGlite has no pool. */
  poolStats?(): { total: number; idle: number; waiting: number };
}
