// Kill the server process (SIGKILL) while sync and async requests are in flight, restart it, and
// prove that every acknowledged activity is there after the queue drains, and none twice.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from './helpers/app.js';
import { definition } from './helpers/fixtures.js';
import { startServer, type Server } from './helpers/process.js';
import { STORE_KIND, openTestDb, type TestDb } from './helpers/store.js';

const KEY = 'test-key-crash-0123456789abcdef';
let tmp: string | undefined;
let testDb: TestDb | undefined;
after(async () => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  await testDb?.drop();
});

async function env(): Promise<Record<string, string>> {
  if (STORE_KIND === 'postgres') {
    testDb = await openTestDb();
    return { DATABASE_URL: testDb.url!, BOOTSTRAP_API_KEYS: KEY, LOG_LEVEL: 'warn', ACTIVITY_DAILY_LIMIT: '0', WORKER_POLL_MS: '20' };
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-crash-'));
  return { DATA_DIR: path.join(tmp, 'data'), BOOTSTRAP_API_KEYS: KEY, LOG_LEVEL: 'warn', ACTIVITY_DAILY_LIMIT: '0', WORKER_POLL_MS: '20' };
}

describe(`crash safety on the ${STORE_KIND} store`, () => {
  it('after kill -9 under load, every acknowledged activity exists exactly once', async () => {
    const settings = await env();
    let server: Server = await startServer(settings);
    let api = new Client(server.baseUrl, KEY);
    const def = await api.post('/v1/definitions/activity/create', definition('tick', [{ name: 'seq', display_type: 'text' }], { track_conversion_value: false }));
    assert.equal(def.status, 200, def.text);

    const acknowledged = new Map<string, string>(); // seq → activity_id
    const ackedBy = { ingested: 0, queued: 0 };
    let seq = 0;
    let stop = false;
    const client = async (n: number) => {
      while (!stop) {
        const isAsync = n % 2 === 1;
        const activities = Array.from({ length: 20 }, () => {
          const s = `s${seq++}`;
          return { activity_id: 'act:cm:tick', attributes: { 'str:cm:seq': s }, fields: { 'str::email': `c${seq % 7}@example.com` } };
        });
        try {
          const res = await api.post('/v1/activities/create', { activities, async: isAsync });
          if (res.status !== 200) continue;
          res.body.activities.forEach((a: any, i: number) => {
            assert.ok(a.status === 'ingested' || a.status === 'queued', JSON.stringify(a));
            acknowledged.set(activities[i]!.attributes['str:cm:seq'], a.activity_id);
            ackedBy[a.status as 'ingested' | 'queued']++;
          });
        } catch {
          // The connection died with the server: this request was not acknowledged.
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    await new Promise((r) => setTimeout(r, 1500));
    await server.stop('SIGKILL');
    stop = true;
    await Promise.all(clients);
    assert.ok(ackedBy.ingested > 0 && ackedBy.queued > 0, `sync and async requests were acknowledged before the kill: ${JSON.stringify(ackedBy)}`);

    server = await startServer(settings);
    api = new Client(server.baseUrl, KEY);
    try {
      // The restarted server's worker drains what was queued before the kill.
      let queued = -1;
      for (let i = 0; i < 200 && queued !== 0; i++) {
        queued = (await api.post('/v1/activities/dead-letters/get', {})).body.queued_requests;
        if (queued !== 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(queued, 0, 'the queue drained');
      const dead = await api.post('/v1/activities/dead-letters/get', {});
      assert.equal(dead.body.total, 0, JSON.stringify(dead.body.dead_letters.slice(0, 3)));

      const seen = new Map<string, string[]>(); // seq → event ids
      let offset = 0;
      for (;;) {
        const page = await api.post('/v1/person/get', { limit: 500, offset });
        for (const contact of page.body.contacts) {
          for (let eventOffset = 0; ; eventOffset += 40) {
            const ev = await api.post('/v1/person/get/activities', { person_id: contact.id, limit: 40, offset: eventOffset });
            for (const e of ev.body.activities ?? []) {
              const s = e.attr['str:cm:seq'];
              seen.set(s, [...(seen.get(s) ?? []), e.id]);
            }
            if (!ev.body.meta.has_more) break;
          }
        }
        if (!page.body.has_more) break;
        offset = page.body.next_offset;
      }
      for (const [s, ids] of seen) assert.equal(ids.length, 1, `activity ${s} was applied ${ids.length} times`);
      for (const [s, id] of acknowledged) {
        assert.deepEqual(seen.get(s), [id], `acknowledged activity ${s} (${id}) is stored once with its id`);
      }
    } catch (error) {
      console.error('server output after restart:\n' + server.output().slice(-4000));
      throw error;
    } finally {
      await server.stop();
    }
  });
});
