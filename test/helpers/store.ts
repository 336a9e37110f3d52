// A fresh, migrated database per test file, on the store the environment selects:
// DATABASE_URL set → a new PostgreSQL database cloned from a migrated template (milliseconds);
// unset → an in-memory PGlite loaded from a migrated snapshot (no initdb per file).
// TEST_ADMIN_DATABASE_URL (default DATABASE_URL) is where databases are created and dropped: set it
// to PostgreSQL itself when DATABASE_URL goes through a pooler (pgbouncer), which must not do that.
// When the base database has the citus extension, each file's database is made on every node
// (create database + create extension citus on each worker; on the coordinator the same, its host
// and every worker added) and migrated, which distributes its tables; templates do not work there.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../src/package-root.js';
import type { Db } from '../../src/store/db.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import { loadConfig } from '../../src/config.js';

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
function checked(raw: string): URL {
  const url = new URL(raw);
  if (!/test/i.test(url.pathname)) throw new Error(`refusing to run tests against ${url.pathname}: its name must contain "test"`);
  return url;
}

function baseUrl(): URL {
  return checked(process.env['DATABASE_URL']!);
}

/** Where databases are created and dropped (PostgreSQL itself, never a pooler). */
export function adminUrl(): URL {
  return checked(process.env['TEST_ADMIN_DATABASE_URL'] || process.env['DATABASE_URL']!);
}

/** PG_NAMED_STATEMENTS as the server reads it: off behind pgbouncer < 1.21. */
function pgOptions() {
  return { namedStatements: loadConfig({ PG_NAMED_STATEMENTS: process.env['PG_NAMED_STATEMENTS'] }).pgNamedStatements };
}

function withDatabase(url: URL, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

const TEMPLATE_LOCK = 7_272_031_002;

async function postgresDb(): Promise<TestDb> {
  const base = baseUrl();
  const adminBase = adminUrl();
  const template = `test_acdp_tpl_${migrationsHash()}`;
  const name = `test_acdp_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminBase.toString() });
  await admin.connect();
  const citus = (await admin.query("select 1 from pg_extension where extname = 'citus'")).rowCount! > 0;
  if (citus) {
    await admin.end();
    return citusDb(base, adminBase, name);
  }
  try {
    await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
    if (exists.rowCount === 0) {
      await admin.query(`create database ${template}`);
      const tdb = await openPostgres(withDatabase(adminBase, template), 1);
      await migrate(tdb);
      await tdb.close();
    }
    await admin.query(`create database ${name} template ${template}`);
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  const db = await openPostgres(url, 8, pgOptions());
  return {
    db,
    url,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: adminBase.toString() });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function onDatabase<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * On a Citus coordinator: the workers are the ones registered in the base database
 * (pg_dist_node), reached with the base URL's user at their node name and port.
 */
async function citusDb(base: URL, adminBase: URL, name: string): Promise<TestDb> {
  const nodes = await onDatabase(adminBase.toString(), async (c) => (await c.query<{ host: string; port: number; group: number }>(
    `select nodename as host, nodeport as port, groupid as "group" from pg_dist_node
      where noderole = 'primary' and isactive order by groupid, nodeid`,
  )).rows);
  const workers = nodes.filter((n) => n.group !== 0);
  const coordinator = nodes.find((n) => n.group === 0) ?? { host: adminBase.hostname, port: Number(adminBase.port || 5432) };
  if (workers.length === 0) throw new Error('the base database has the citus extension but no worker nodes (citus_add_node them first)');
  // The coordinator reaches the workers by their node names; this process may not (a cluster in
  // containers): TEST_CITUS_WORKER_HOSTS maps "nodename:port=host:port,…" to where it reaches them.
  const reach = new Map((process.env['TEST_CITUS_WORKER_HOSTS'] ?? '').split(',').filter(Boolean).map((pair) => {
    const [node, to] = pair.split('=');
    if (!node || !to) throw new Error(`TEST_CITUS_WORKER_HOSTS: "${pair}" is not nodename:port=host:port`);
    return [node.trim(), to.trim()] as const;
  }));
  const workerUrl = (w: { host: string; port: number }) => {
    const u = new URL(adminBase);
    const to = reach.get(`${w.host}:${w.port}`);
    const [host, port] = to ? [to.slice(0, to.lastIndexOf(':')), to.slice(to.lastIndexOf(':') + 1)] : [w.host, String(w.port)];
    u.hostname = host;
    u.port = port;
    return u;
  };
  const dropEverywhere = async () => {
    for (const node of [adminBase, ...workers.map(workerUrl)]) {
      await onDatabase(node.toString(), (c) => c.query(`drop database if exists ${name} with (force)`));
    }
  };
  try {
    for (const w of workers) {
      const u = workerUrl(w);
      await onDatabase(u.toString(), (c) => c.query(`create database ${name}`));
      await onDatabase(withDatabase(u, name), (c) => c.query('create extension citus'));
    }
    await onDatabase(adminBase.toString(), async (c) => {
      await c.query(`create database ${name}`);
      // Fewer shards than Citus's 32 per table: each test database is laid out in seconds, and
      // instances still spread over every worker. TEST_CITUS_SHARD_COUNT overrides it.
      const shards = Number(process.env['TEST_CITUS_SHARD_COUNT'] || 4);
      if (!Number.isInteger(shards) || shards < 1) throw new Error(`TEST_CITUS_SHARD_COUNT must be a positive integer, not ${process.env['TEST_CITUS_SHARD_COUNT']}`);
      await c.query(`alter database ${name} set citus.shard_count = ${shards}`);
    });
    await onDatabase(withDatabase(adminBase, name), async (c) => {
      await c.query('create extension citus');
      await c.query('select citus_set_coordinator_host($1, $2)', [coordinator.host, coordinator.port]);
      for (const w of workers) await c.query('select citus_add_node($1, $2)', [w.host, w.port]);
    });
    const migrator = await openPostgres(withDatabase(adminBase, name), 1);
    try {
      await migrate(migrator);
    } finally {
      await migrator.close();
    }
  } catch (error) {
    await dropEverywhere().catch(() => {});
    throw error;
  }
  const url = withDatabase(base, name);
  const db = await openPostgres(url, 8, pgOptions());
  return {
    db,
    url,
    async drop() {
      await db.close();
      await dropEverywhere();
    },
  };
}

export async function openTestDb(): Promise<TestDb> {
  if (STORE_KIND === 'postgres') return postgresDb();
  const db = await openPglite(undefined, await pgliteSnapshot());
  return { db, drop: () => db.close() };
}
