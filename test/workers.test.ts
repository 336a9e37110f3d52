// `activity-cdp worker`: separate worker processes drain the queue; on PostgreSQL several run at
// once (rows claimed with for update skip locked) and each queued request is applied exactly once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Client } from './helpers/app.js';
import { definition } from './helpers/fixtures.js';
import { runCli, startServer } from './helpers/process.js';
import { STORE_KIND, openTestDb } from './helpers/store.js';

const KEY = 'test-key-workers-0123456789abc';

describe('worker processes', () => {
  it('on PostgreSQL, two worker processes beside an API node without a worker apply every queued request once', { skip: STORE_KIND !== 'postgres' && 'several processes need PostgreSQL' }, async () => {
    const testDb = await openTestDb();
    const env = { DATABASE_URL: testDb.url!, BOOTSTRAP_API_KEYS: KEY, LOG_LEVEL: 'warn', ACTIVITY_DAILY_LIMIT: '0', WORKER_POLL_MS: '20' };
    const api = await startServer({ ...env, WORKER_ENABLED: 'false' });
    const workers: Awaited<ReturnType<typeof startServer>>[] = [];
    try {
      const client = new Client(api.baseUrl, KEY);
      assert.equal((await client.post('/v1/definitions/activity/create', definition('tick', [{ name: 'seq', display_type: 'text' }], { track_conversion_value: false }))).status, 200);
      const acknowledged: string[] = [];
      for (let r = 0; r < 30; r++) {
        const res = await client.post('/v1/activities/create', {
          async: true,
          activities: Array.from({ length: 20 }, (_, i) => ({ activity_id: 'act:cm:tick', attributes: { 'str:cm:seq': `${r}-${i}` }, fields: { 'str::email': `w${(r * 20 + i) % 13}@example.com` } })),
        });
        assert.equal(res.status, 200);
        acknowledged.push(...res.body.activities.map((a: any) => a.activity_id));
      }
      assert.equal((await client.post('/v1/activities/dead-letters/get', {})).body.queued_requests, 30, 'nothing is applied without a worker');
      workers.push(await startServer({ ...env, WORKER_CONCURRENCY: '2' }, 30_000, 'worker'));
      workers.push(await startServer({ ...env, WORKER_CONCURRENCY: '2' }, 30_000, 'worker'));
      let queued = -1;
      for (let i = 0; i < 300 && queued !== 0; i++) {
        queued = (await client.post('/v1/activities/dead-letters/get', {})).body.queued_requests;
        if (queued !== 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(queued, 0);
      const seen: string[] = [];
      const persons = await client.post('/v1/person/get', { limit: 500 });
      assert.equal(persons.body.contacts.length, 13, 'concurrent workers created each person once');
      for (const c of persons.body.contacts) {
        for (let offset = 0; ; offset += 40) {
          const ev = await client.post('/v1/person/get/activities', { person_id: c.id, limit: 40, offset });
          seen.push(...(ev.body.activities ?? []).map((e: any) => e.id));
          if (!ev.body.meta.has_more) break;
        }
      }
      assert.equal(seen.length, 600);
      assert.deepEqual([...seen].sort(), [...acknowledged].sort());
      for (const w of workers) assert.equal(await w.stop(), 0);
    } finally {
      for (const w of workers) await w.stop();
      await api.stop();
      await testDb.drop();
    }
  });

  it('on the embedded store, the worker command refuses while a server holds the data folder', { skip: STORE_KIND === 'postgres' && 'embedded-store behaviour' }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-worker-'));
    const DATA_DIR = path.join(tmp, 'data');
    const server = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: KEY });
    try {
      const res = await runCli(['worker'], { DATA_DIR });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /is in use by process \d+ \(serve/);
    } finally {
      await server.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
