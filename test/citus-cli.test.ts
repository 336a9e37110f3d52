// `activity-cdp citus distribute`: on a store without the citus extension it explains what is
// missing and exits 1; on Citus it lists each table's placement (checked when run on a cluster).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { citusInstalled, distributeTables } from '../src/store/citus.js';
import { runCli } from './helpers/process.js';
import { openTestDb, STORE_KIND, type TestDb } from './helpers/store.js';

let testDb: TestDb;
before(async () => {
  testDb = await openTestDb();
});
after(async () => {
  await testDb?.drop();
});

it('distributing is a no-op without the citus extension (plain PostgreSQL and PGlite are untouched)', async (t) => {
  if (await citusInstalled(testDb.db)) {
    t.skip('this store has the citus extension');
    return;
  }
  assert.deepEqual(await distributeTables(testDb.db), { reference: [], distributed: [] });
});

it('says what is missing: DATABASE_URL, or the extension', async () => {
  const noUrl = await runCli(['citus', 'distribute'], {});
  assert.equal(noUrl.code, 1);
  assert.match(noUrl.stderr, /citus distribute needs DATABASE_URL pointing at a Citus coordinator/);
  const help = await runCli(['citus'], {});
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: activity-cdp citus distribute/);
  const unknown = await runCli(['citus', 'spread'], {});
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /citus: unknown command "spread"/);
});

it('on PostgreSQL without Citus it refuses with a clear message; on Citus it prints the placement', { skip: STORE_KIND !== 'postgres' && 'needs a server database' }, async () => {
  const res = await runCli(['citus', 'distribute'], { DATABASE_URL: testDb.url!, LOG_LEVEL: 'silent' });
  if (await citusInstalled(testDb.db)) {
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^activity_events\tdistributed$/m);
    assert.match(res.stdout, /^api_keys\treference$/m);
  } else {
    assert.equal(res.code, 1, res.stdout);
    assert.match(res.stderr, /the citus extension is not installed in this database/);
  }
});
