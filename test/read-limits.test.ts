// Reads never starve writes (issue 12 item 8), on PostgreSQL: read-back runs on its own pool with
// a statement timeout; a read past it is a 503 in Ortto's shape, and writes meanwhile are served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import type { Db } from '../src/store/db.js';
import { addApiKey, createInstance, generateKey } from '../src/store/instances.js';
import { openPostgres } from '../src/store/postgres.js';
import { Client } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';
import { STORE_KIND, openTestDb, type TestDb } from './helpers/store.js';

const skip = (STORE_KIND !== 'postgres' && 'the embedded store (PGlite) does not enforce statement_timeout')
  || (process.env['PG_NAMED_STATEMENTS'] === 'false'
    && 'behind a transaction pooler the read timeout is not a startup parameter (pgbouncer refuses it): it is the role\'s setting');

describe('read limits', { skip }, () => {
  let testDb: TestDb;
  let reads: Db;
  let app: FastifyInstance;
  let heavy: Client;
  let writer: Client;

  before(async () => {
    testDb = await openTestDb();
    reads = await openPostgres(testDb.url!, 2, { statementTimeoutMs: 30 });
    const readDb: Db = { ...reads, transaction: testDb.db.transaction };
    app = await buildApp({ db: testDb.db, readDb, config: loadConfig({ LOG_LEVEL: 'silent' }), logger: false });
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const make = async () => {
      const key = generateKey();
      const id = await createInstance(testDb.db, 'test');
      await addApiKey(testDb.db, id, key);
      return Object.assign(new Client(baseUrl, key), { instanceId: id });
    };
    const h = await make();
    heavy = h;
    writer = await make();
    // 200,000 persons on one instance: a filter that matches none scans them all.
    await testDb.db.query(
      `insert into records (instance_id, kind, id, fields)
       select $1, 'person', lpad(to_hex(g), 24, '0'), jsonb_build_object('str::email', 'p' || g || '@example.com', 'str::first', repeat('x', 40))
         from generate_series(1, 200000) as g`, [h.instanceId]);
  });
  after(async () => {
    await app?.close();
    await reads?.close();
    await testDb?.drop();
  });

  it('a read past READ_STATEMENT_TIMEOUT_MS is a 503 in Ortto shape; writes of another instance are served meanwhile', async () => {
    await define(writer, definition('w', [{ name: 'n', display_type: 'text' }], { track_conversion_value: false }));
    const slow = Promise.all(Array.from({ length: 4 }, () => heavy.post('/v1/person/get', {
      filter: { '$str::contains': { field_id: 'str::first', value: 'nobody-has-this' } }, limit: 10,
    })));
    const write = await writer.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:w', attributes: { 'str:cm:n': 'a' }, fields: { 'str::email': 'w@example.com' } }] });
    assert.equal(write.status, 200, write.text);
    for (const res of await slow) {
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.code, 503);
      assert.equal(typeof res.body.request_id, 'string');
      assert.match(res.body.error, /read timeout/);
      assert.equal(res.headers.get('retry-after'), '1');
    }
    // A cheap read on the same pool is served (on the small instance: person/get's meta counts
    // every record of an instance, which over 200,000 persons is past this test's 30 ms).
    const cheap = await writer.post('/v1/person/get', { limit: 5 });
    assert.equal(cheap.status, 200, cheap.text);
    assert.equal(cheap.body.contacts.length, 1);
  });
});
