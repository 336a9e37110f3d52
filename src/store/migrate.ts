// Forward-only numbered SQL migrations (src/store/migrations/NNNN_name.sql), each applied in its
// own transaction under an advisory lock, so nodes that start at once apply each exactly once.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { assertNotCitusWorker, citusInstalled, distributeTables } from './citus.js';
import type { Db, Sql } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Arbitrary constant: the advisory lock key that serializes migrations across processes. */
const MIGRATION_LOCK_KEY = 7_272_031_001;

export function migrationsDir(): string {
  return path.join(packageRoot(), 'src', 'store', 'migrations');
}

export function loadMigrations(dir = migrationsDir()): Migration[] {
  const files = fs.readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  // Numbers only ever grow, and each is used once. A gap is allowed: parallel branches reserve
  // numbers ahead (one may land before the one below it), and a store that applied the later one
  // first still applies the earlier when it arrives (migrate applies every version not recorded).
  let previous = 0;
  return files.map((file) => {
    const version = Number(file.slice(0, 4));
    if (version <= previous) throw new Error(`migration ${file} is out of sequence: its number must be above ${String(previous).padStart(4, '0')}`);
    previous = version;
    return { version, name: file.replace(/\.sql$/, ''), sql: fs.readFileSync(path.join(dir, file), 'utf8') };
  });
}

/** Versions already applied, or none when the table does not exist yet. One statement. */
async function appliedVersions(db: Db): Promise<Set<number>> {
  const exists = await db.query<{ t: string | null }>("select to_regclass('schema_migrations')::text as t");
  if (!exists[0]?.t) return new Set();
  const rows = await db.query<{ version: number }>('select version from schema_migrations');
  return new Set(rows.map((r) => r.version));
}

/** How many migrations the store has applied (readiness); fails when it holds no schema yet. */
export async function appliedMigrationCount(db: Sql): Promise<number> {
  const rows = await db.query<{ n: number }>('select count(*)::integer as n from schema_migrations');
  return rows[0]?.n ?? 0;
}

export async function migrate(db: Db, migrations = loadMigrations()): Promise<number> {
  // DDL on a Citus worker is refused (or worse, diverges from the coordinator): say so first.
  await assertNotCitusWorker(db);
  // The common start (nothing to apply) costs two quick reads, not a locked transaction per migration.
  const done = await appliedVersions(db);
  const pending = migrations.filter((m) => !done.has(m.version));
  let applied = 0;
  const citus = pending.length > 0 && (await citusInstalled(db));
  for (const migration of pending) {
    const done = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      // On Citus, DDL on distributed tables and writes to reference tables in one transaction
      // need one connection per node, not parallel ones (else Citus refuses the later statement).
      if (citus) await tx.exec("set local citus.multi_shard_modify_mode to 'sequential'");
      await tx.exec(`create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now())`);
      const rows = await tx.query('select 1 from schema_migrations where version = $1', [migration.version]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (done) applied++;
  }
  // With the citus extension: distribute what is not distributed yet (a new store, new tables, or
  // a store that gained Citus later). Outside the migration transactions: Citus moves data here.
  await distributeTables(db);
  return applied;
}
