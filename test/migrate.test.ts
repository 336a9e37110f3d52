// Migrations: nodes that start at once apply each migration exactly once; a second run applies none.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import pg from 'pg';
import { loadMigrations, migrate } from '../src/store/migrate.js';
import { openPglite } from '../src/store/pglite.js';
import { openPostgres } from '../src/store/postgres.js';
import { STORE_KIND } from './helpers/store.js';

it('three nodes migrating one new PostgreSQL database at once apply each migration once', { skip: STORE_KIND !== 'postgres' && 'needs PostgreSQL (several connections)' }, async () => {
  const base = new URL(process.env['DATABASE_URL']!);
  assert.match(base.pathname, /test/);
  const name = `test_acdp_mig_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(base);
  url.pathname = '/' + name;
  const nodes = await Promise.all([1, 2, 3].map(() => openPostgres(url.toString(), 2)));
  try {
    const applied = await Promise.all(nodes.map((db) => migrate(db)));
    assert.equal(applied.reduce((a, b) => a + b, 0), loadMigrations().length);
    const rows = await nodes[0]!.query<{ version: number }>('select version from schema_migrations order by version');
    assert.deepEqual(rows.map((r) => r.version), loadMigrations().map((m) => m.version));
    assert.equal(await migrate(nodes[1]!), 0);
  } finally {
    for (const db of nodes) await db.close();
    await admin.query(`drop database ${name} with (force)`);
    await admin.end();
  }
});

it('a new embedded store gets every migration, and opening it again applies none', { skip: STORE_KIND === 'postgres' && 'embedded-store behaviour' }, async () => {
  const db = await openPglite(undefined);
  try {
    assert.equal(await migrate(db), loadMigrations().length);
    assert.equal(await migrate(db), 0);
  } finally {
    await db.close();
  }
});
