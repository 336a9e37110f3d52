// The embedded store does autovacuum's work itself (PGlite runs none): a table that changed gets
// planner statistics, so key look-ups keep using their indexes as the tables grow. PGlite only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openPglite } from '../src/store/pglite.js';

const tuplesOf = async (db: Awaited<ReturnType<typeof openPglite>>) =>
  (await db.query<{ n: number }>(`select reltuples::integer as n from pg_class where relname = 'maint_probe'`))[0]!.n;

describe('embedded store maintenance', () => {
  it('a table that received rows is analyzed between requests, and its look-up then uses the index', async () => {
    const db = await openPglite(undefined);
    try {
      await db.exec('create table maint_probe (a integer not null, b integer not null); create index maint_probe_a on maint_probe (a)');
      await db.query('insert into maint_probe select g % 2000, g from generate_series(1, 20000) g');
      // PostgreSQL without statistics has never counted the rows.
      assert.equal(await tuplesOf(db), -1);
      // The check runs between requests, at most every 2 s.
      await new Promise((r) => setTimeout(r, 2_100));
      await db.query('select 1');
      assert.ok(await tuplesOf(db) > 15_000, 'analyzed: the row count is known');
      const plan = (await db.query<{ 'QUERY PLAN': string }>(
        'explain select b from unnest($1::integer[]) as p(a) join maint_probe m on m.a = p.a', [[1, 2, 3]],
      )).map((r) => r['QUERY PLAN']).join('\n');
      assert.match(plan, /Index Scan|Bitmap Index Scan/);
    } finally {
      await db.close();
    }
  });
});
