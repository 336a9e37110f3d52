// The migrated schema has the shape a sharded store (Citus, distributed by instance_id) needs, on
// every store: each table is a tenant table (it has instance_id) or on the reference list; each
// primary key and unique index of a tenant table holds instance_id (the primary key leads with it);
// each foreign key points at a reference table or pairs instance_id with instance_id. On Citus the
// tables are also checked to be placed that way.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { citusInstalled, citusTableKinds, REFERENCE_TABLES } from '../src/store/citus.js';
import type { Sql } from '../src/store/db.js';
import { openTestDb, type TestDb } from './helpers/store.js';

interface Catalog {
  tables: Array<{ name: string; columns: string[] }>;
  keys: Array<{ table: string; index: string; primary: boolean; columns: string[] }>;
  foreignKeys: Array<{ table: string; name: string; references: string; pairs: Array<[string, string]> }>;
}

async function readCatalog(sql: Sql): Promise<Catalog> {
  const tables = await sql.query<{ name: string; columns: string[] }>(
    `select c.relname::text as name,
            array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
      order by 1`,
  );
  const keys = await sql.query<{ table: string; index: string; primary: boolean; columns: string[] }>(
    `select t.relname::text as table, x.relname::text as index, i.indisprimary as primary,
            array(select coalesce(a.attname::text, '(expression)')
                    from unnest(i.indkey::int2[]) with ordinality as k(attnum, n)
                    left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                   order by k.n) as columns
       from pg_index i
       join pg_class t on t.oid = i.indrelid
       join pg_class x on x.oid = i.indexrelid
       join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and i.indisunique
      order by 1, 2`,
  );
  const fks = await sql.query<{ table: string; name: string; references: string; from_cols: string[]; to_cols: string[] }>(
    `select t.relname::text as table, c.conname::text as name, r.relname::text as references,
            array(select a.attname::text from unnest(c.conkey) with ordinality k(attnum, n)
                    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.n) as from_cols,
            array(select a.attname::text from unnest(c.confkey) with ordinality k(attnum, n)
                    join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum order by k.n) as to_cols
       from pg_constraint c
       join pg_class t on t.oid = c.conrelid
       join pg_class r on r.oid = c.confrelid
       join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and c.contype = 'f'
      order by 1, 2`,
  );
  return {
    tables,
    keys,
    foreignKeys: fks.map((f) => ({ table: f.table, name: f.name, references: f.references, pairs: f.from_cols.map((c, i) => [c, f.to_cols[i]!] as [string, string]) })),
  };
}

/** Every way the catalog breaks the sharding rules, as readable sentences (none = fine). */
function shapeProblems(catalog: Catalog, reference: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const tenant = new Set(catalog.tables.filter((t) => !reference.has(t.name)).map((t) => t.name));
  for (const t of catalog.tables) {
    if (!reference.has(t.name) && !t.columns.includes('instance_id')) {
      problems.push(`table ${t.name} has no instance_id column and is not a reference table`);
    }
  }
  for (const k of catalog.keys) {
    if (!tenant.has(k.table)) continue;
    if (!k.columns.includes('instance_id')) problems.push(`${k.primary ? 'primary key' : 'unique index'} ${k.index} of ${k.table} (${k.columns.join(', ')}) lacks instance_id`);
    else if (k.primary && k.columns[0] !== 'instance_id') problems.push(`primary key ${k.index} of ${k.table} (${k.columns.join(', ')}) does not lead with instance_id`);
  }
  for (const f of catalog.foreignKeys) {
    if (reference.has(f.references)) continue;
    if (reference.has(f.table)) {
      problems.push(`foreign key ${f.name}: reference table ${f.table} points at tenant table ${f.references}`);
      continue;
    }
    const paired = f.pairs.some(([a, b]) => a === 'instance_id' && b === 'instance_id');
    const crossed = f.pairs.filter(([a, b]) => (a === 'instance_id') !== (b === 'instance_id'));
    if (!paired || crossed.length > 0) {
      problems.push(`foreign key ${f.name} of ${f.table} -> ${f.references} pairs (${f.pairs.map(([a, b]) => `${a}=${b}`).join(', ')}), not instance_id with instance_id`);
    }
  }
  return problems;
}

let testDb: TestDb;
before(async () => {
  testDb = await openTestDb();
});
after(async () => {
  await testDb?.drop();
});

const REFERENCE = new Set<string>(REFERENCE_TABLES);

it('every migrated table is a tenant table keyed by instance_id or a reference table', async () => {
  const catalog = await readCatalog(testDb.db);
  assert.ok(catalog.tables.some((t) => t.name === 'activity_events'), 'the catalog read found the schema');
  assert.ok(catalog.keys.length >= 10, 'the catalog read found the keys');
  assert.ok(catalog.foreignKeys.length >= 3, 'the catalog read found the foreign keys');
  assert.deepEqual(shapeProblems(catalog, REFERENCE), []);
});

it('the shape check names a table without instance_id, a key without it, and a foreign key pairing other columns', async () => {
  // On a scratch schema in this file's own database, in one transaction (search_path is local to it).
  const catalog = await testDb.db.transaction(async (tx) => {
    await tx.exec(`
    create schema shape_probe;
    set local search_path = shape_probe;
    create table instances (id text primary key);
    create table loose (id integer primary key);
    create table tenant_a (instance_id text not null, id text not null, email text not null, primary key (instance_id, id));
    create unique index tenant_a_email on tenant_a (email);
    create table tenant_b (instance_id text not null, a_id text not null, primary key (a_id, instance_id),
      foreign key (instance_id, a_id) references tenant_a (id, instance_id));
    create table tenant_c (instance_id text not null references instances (id), a_id text not null, id text not null, primary key (instance_id, id),
      foreign key (instance_id, a_id) references tenant_a (instance_id, id));`);
    const read = await readCatalog(tx);
    await tx.exec('drop schema shape_probe cascade');
    return read;
  });
  {
    const problems = shapeProblems(catalog, REFERENCE);
    assert.deepEqual(problems.sort(), [
      'foreign key tenant_b_instance_id_a_id_fkey of tenant_b -> tenant_a pairs (instance_id=id, a_id=instance_id), not instance_id with instance_id',
      'primary key loose_pkey of loose (id) lacks instance_id',
      'primary key tenant_b_pkey of tenant_b (a_id, instance_id) does not lead with instance_id',
      'table loose has no instance_id column and is not a reference table',
      'unique index tenant_a_email of tenant_a (email) lacks instance_id',
    ]);
  }
});

it('on Citus, tenant tables are distributed and the reference list is made of reference tables', async (t) => {
  if (!(await citusInstalled(testDb.db))) {
    t.skip('the citus extension is not installed in this store');
    return;
  }
  const kinds = await citusTableKinds(testDb.db);
  for (const { table, kind } of kinds) {
    assert.equal(kind, REFERENCE.has(table) ? 'reference' : 'distributed', `${table} is ${kind}`);
  }
  const columns = await testDb.db.query<{ table: string; column: string; colocation: number }>(
    `select logicalrelid::regclass::text as table, column_to_column_name(logicalrelid, partkey) as column, colocationid as colocation
       from pg_dist_partition where partmethod = 'h'`,
  );
  assert.ok(columns.length > 0);
  for (const c of columns) assert.equal(c.column, 'instance_id', `${c.table} is distributed by ${c.column}`);
  assert.equal(new Set(columns.map((c) => c.colocation)).size, 1, 'all tenant tables are colocated');
});
