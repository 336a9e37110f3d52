// A fresh, migrated database per test file, on the store the environment selects:
// DATABASE_URL set → a new PostgreSQL database cloned from a migrated template (milliseconds);
// unset → an in-memory PGlite loaded from a migrated snapshot (no initdb per file).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../src/package-root.js';
import type { Db } from '../../src/store/db.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';

export const STORE_KIND: 'postgres' | 'pglite' = process.env['DATABASE_URL'] ? 'postgres' : 'pglite';

export interface TestDb {
  db: Db;
  /** For PostgreSQL: the URL of this file's own database (for processes the test starts). */
  url?: string;
  drop(): Promise<void>;
}

function migrationsHash(): string {
  const h = createHash('sha256');
  for (const m of loadMigrations()) h.update(m.name).update(m.sql);
  return h.digest('hex').slice(0, 12);
}

async function pgliteSnapshot(): Promise<Blob> {
  const dir = path.join(packageRoot(), '.cache');
  const file = path.join(dir, `pglite-migrated-${migrationsHash()}.tar`);
  if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
  const db = await openPglite(undefined);
  await migrate(db);
  const blob = await db.dump();
  await db.close();
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
  fs.renameSync(tmp, file);
  return blob;
}

/** Destructive helpers refuse a server database whose name does not say "test". */
function baseUrl(): URL {
  const url = new URL(process.env['DATABASE_URL']!);
  if (!/test/i.test(url.pathname)) throw new Error(`refusing to run tests against ${url.pathname}: its name must contain "test"`);
  return url;
}

function withDatabase(url: URL, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

const TEMPLATE_LOCK = 7_272_031_002;

async function postgresDb(): Promise<TestDb> {
  const base = baseUrl();
  const template = `test_acdp_tpl_${migrationsHash()}`;
  const name = `test_acdp_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
    if (exists.rowCount === 0) {
      await admin.query(`create database ${template}`);
      const tdb = await openPostgres(withDatabase(base, template), 1);
      await migrate(tdb);
      await tdb.close();
    }
    await admin.query(`create database ${name} template ${template}`);
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  const db = await openPostgres(url, 8);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function openTestDb(): Promise<TestDb> {
  if (STORE_KIND === 'postgres') return postgresDb();
  const db = await openPglite(undefined, await pgliteSnapshot());
  return { db, drop: () => db.close() };
}
