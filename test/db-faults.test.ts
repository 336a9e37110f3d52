// Database faults (issue 12 item 2), on PostgreSQL: backends terminated under load never end the
// process; requests in flight either succeed (retried inside when safe) or get a retryable 503 in
// Ortto's shape; the pool recovers; nothing acknowledged is lost; start-up waits for the database.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { Client } from './helpers/app.js';
import { definition } from './helpers/fixtures.js';
import { startServer } from './helpers/process.js';
import { STORE_KIND, openTestDb } from './helpers/store.js';

const KEY = 'test-key-db-faults-0123456789abc';
const skip = STORE_KIND !== 'postgres' && 'terminating backends needs PostgreSQL';

describe('database faults', () => {
  it('backends terminated under sync and async load: the server keeps serving and loses nothing acknowledged', { skip }, async () => {
    const testDb = await openTestDb();
    const dbName = new URL(testDb.url!).pathname.slice(1);
    const env = { DATABASE_URL: testDb.url!, BOOTSTRAP_API_KEYS: KEY, LOG_LEVEL: 'warn', ACTIVITY_DAILY_LIMIT: '0', WORKER_POLL_MS: '20', PG_POOL_SIZE: '6' };
    const server = await startServer(env);
    const admin = new pg.Client({ connectionString: testDb.url! });
    await admin.connect();
    try {
      const client = new Client(server.baseUrl, KEY);
      assert.equal((await client.post('/v1/definitions/activity/create', definition('tick', [{ name: 'seq', display_type: 'text' }], { track_conversion_value: false }))).status, 200);

      const acknowledged = new Set<string>();
      const statuses = new Map<number, number>();
      const bad: string[] = [];
      let stop = false;
      let n = 0;
      const load = async (loop: number) => {
        while (!stop) {
          const seq = `${loop}-${n++}`;
          const async = n % 2 === 0;
          const created = new Date().toISOString();
          const activities = Array.from({ length: 10 }, (_, i) => ({
            activity_id: 'act:cm:tick', key: `${seq}-${i}`, created,
            attributes: { 'str:cm:seq': `${seq}-${i}` }, fields: { 'str::email': `p${(loop * 7 + i) % 23}@example.com` },
          }));
          let res;
          try {
            res = await client.post('/v1/activities/create', { async, activities });
          } catch (error) {
            bad.push(`no answer: ${String(error)}`);
            continue;
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) {
            for (const a of res.body.activities) {
              if (a.status !== (async ? 'queued' : 'ingested')) bad.push(res.text);
            }
            for (const a of activities) acknowledged.add(a.key);
          } else if (res.status === 503) {
            if (res.body?.code !== 503 || typeof res.body.request_id !== 'string' || res.headers.get('retry-after') === null) bad.push(res.text);
          } else {
            bad.push(`${res.status} ${res.text}`);
          }
        }
      };
      const loops = [0, 1, 2, 3].map(load);
      let terminated = 0;
      for (let round = 0; round < 10; round++) {
        await new Promise((r) => setTimeout(r, 250));
        const rows = await admin.query<{ ok: boolean }>(
          'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
        terminated += rows.rows.filter((r) => r.ok).length;
      }
      stop = true;
      await Promise.all(loops);

      assert.ok(terminated > 0, 'backends were terminated');
      assert.deepEqual(bad, [], 'every answer was a 200 or a retryable 503 in Ortto shape');
      assert.equal(server.child.exitCode, null, `the server is still running:\n${server.output().slice(-2000)}`);
      assert.ok((statuses.get(200) ?? 0) > 0);

      // The pool recovered: a new request is served, and the worker drains what was acknowledged.
      const after = await client.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:tick', attributes: { 'str:cm:seq': 'after' }, fields: { 'str::email': 'after@example.com' } }] });
      assert.equal(after.status, 200, after.text);
      let queued = -1;
      for (let i = 0; i < 300 && queued !== 0; i++) {
        const res = await client.post('/v1/activities/dead-letters/get', {});
        queued = res.status === 200 ? res.body.queued_requests : -1;
        if (queued !== 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(queued, 0, 'the queue drained');
      const dead = await client.post('/v1/activities/dead-letters/get', {});
      assert.equal(dead.body.total, 0, JSON.stringify(dead.body.dead_letters?.slice(0, 3)));
      const stored = await admin.query<{ key: string }>("select key from activity_events where key is not null");
      const keys = new Set(stored.rows.map((r) => r.key));
      const lost = [...acknowledged].filter((k) => !keys.has(k));
      assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${acknowledged.size} acknowledged activities are missing`);
      assert.equal(await server.stop(), 0);
    } finally {
      await admin.end();
      await server.stop();
      await testDb.drop();
    }
  });

  it('start-up waits for a database that is not reachable yet, and gives up after DATABASE_START_TIMEOUT_MS', { skip }, async () => {
    const testDb = await openTestDb();
    const target = new URL(testDb.url!);
    // A TCP proxy to PostgreSQL that starts listening only after a while.
    const proxy = net.createServer((socket) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const viaProxy = new URL(testDb.url!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(port);
    try {
      const gaveUp = startServer({ DATABASE_URL: viaProxy.toString(), BOOTSTRAP_API_KEYS: KEY, DATABASE_START_TIMEOUT_MS: '300' });
      await assert.rejects(gaveUp, /exited with 1/);

      const started = Date.now();
      const waiting = startServer({ DATABASE_URL: viaProxy.toString(), BOOTSTRAP_API_KEYS: KEY, DATABASE_START_TIMEOUT_MS: '20000' });
      await new Promise((r) => setTimeout(r, 1500));
      proxy.listen(port, '127.0.0.1');
      const server = await waiting;
      try {
        assert.ok(Date.now() - started >= 1500);
        const res = await new Client(server.baseUrl, KEY).post('/v1/instance-schema/get', { namespaces: [] });
        assert.equal(res.status, 200, res.text);
      } finally {
        await server.stop();
      }
    } finally {
      proxy.close();
      await testDb.drop();
    }
  });
});
