// The real server process: start, first key, bootstrap keys, the single-process guard on the
// embedded data folder, graceful shutdown, restart keeps everything, bad settings, the keys CLI.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from './helpers/app.js';
import { schemaActivities } from './helpers/fixtures.js';
import { runCli, startServer } from './helpers/process.js';
import { STORE_KIND, openTestDb } from './helpers/store.js';

const dirs: string[] = [];
function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-test-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const DEFINITION = {
  name: 'signed-up', icon_id: 'user-icon', track_conversion_value: false, touch: true, filterable: true,
  visible_in_feeds: true, display_style: { type: 'activity' }, attributes: [{ name: 'plan', display_type: 'text' }],
};

describe('embedded store process', { skip: STORE_KIND === 'postgres' && 'embedded-store behaviour: runs in the embedded pass' }, () => {
  it('creates a first instance and prints its key once with a curl example; the key works', async () => {
    const DATA_DIR = tempDataDir();
    const server = await startServer({ DATA_DIR });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const m = /\n {2}(acdp_[A-Za-z0-9_-]+)\n/.exec(server.output());
      assert.ok(m, server.output());
      const key = m[1]!;
      assert.match(server.output(), /curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/instance-schema\/get -H 'X-Api-Key: acdp_/);
      const logLines = server.output().split('\n').filter((l) => l.startsWith('{'));
      assert.ok(!logLines.some((l) => l.includes(key)), 'the key is not in the JSON log');
      const res = await new Client(server.baseUrl, key).post('/v1/instance-schema/get', { namespaces: ['cm'] });
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('refuses a second process on the same data folder, and the keys CLI says so too', async () => {
    const DATA_DIR = tempDataDir();
    const server = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: 'test-key-0123456789abcdef' });
    try {
      const second = await runCli(['serve'], { DATA_DIR, PORT: '0' });
      assert.equal(second.code, 1);
      assert.match(second.stderr, new RegExp(`the data folder .* is in use by process ${server.child.pid} \\(serve`));
      assert.match(second.stderr, /use PostgreSQL \(DATABASE_URL\)/);
      const keys = await runCli(['keys', 'list'], { DATA_DIR });
      assert.equal(keys.code, 1);
      assert.match(keys.stderr, /is in use by process \d+ \(serve/);
      // The first server is unharmed.
      const res = await new Client(server.baseUrl, 'test-key-0123456789abcdef').post('/v1/instance-schema/get', {});
      assert.equal(res.status, 200);
    } finally {
      await server.stop();
    }
  });

  it('takes over the lock of a process that was killed', async () => {
    const DATA_DIR = tempDataDir();
    const key = 'test-key-killed-0123456789';
    const first = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: key });
    await first.stop('SIGKILL');
    const second = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: key });
    try {
      assert.equal((await new Client(second.baseUrl, key).post('/v1/instance-schema/get', {})).status, 200);
    } finally {
      await second.stop();
    }
  });

  it('bootstrap keys get an instance each, once; a restart keeps definitions; the keys CLI manages keys', async () => {
    const DATA_DIR = tempDataDir();
    const keyA = 'test-key-a-0123456789abcdef';
    const keyB = 'test-key-b-0123456789abcdef';
    let server = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: `${keyA},${keyB}` });
    assert.ok(!server.output().includes('Created a first instance'));
    const created = await new Client(server.baseUrl, keyA).post('/v1/definitions/activity/create', DEFINITION);
    assert.equal(created.status, 200);
    assert.equal(await server.stop(), 0);
    assert.ok(!fs.existsSync(path.join(DATA_DIR, 'activity-cdp.lock')), 'the lock is released on shutdown');

    server = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: `${keyA},${keyB}` });
    try {
      const a = await new Client(server.baseUrl, keyA).post('/v1/instance-schema/get', { namespaces: ['cm'] });
      assert.deepEqual(schemaActivities(a.body), [created.body.custom_activity]);
      const b = await new Client(server.baseUrl, keyB).post('/v1/instance-schema/get', { namespaces: ['cm'] });
      assert.deepEqual(schemaActivities(b.body), []);
    } finally {
      await server.stop();
    }

    const list = await runCli(['keys', 'list'], { DATA_DIR });
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 2, list.stdout);
    assert.ok(!list.stdout.includes(keyA), 'keys list shows prefixes, not keys');

    const made = await runCli(['keys', 'create', '--merge-by', 'str::ei,str::email', '--merge-strategy', '1'], { DATA_DIR });
    assert.equal(made.code, 0, made.stderr);
    const newKey = /key\s+(acdp_\S+)/.exec(made.stdout)![1]!;
    const list2 = await runCli(['keys', 'list'], { DATA_DIR });
    assert.match(list2.stdout, /str::ei,str::email\s+str:o:name\s+1\s+active/);

    const bad = await runCli(['keys', 'create', '--merge-strategy', '7'], { DATA_DIR });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--merge-strategy must be 1 \(append only\), 2 \(overwrite\) or 3 \(ignore\)/);

    const revoked = await runCli(['keys', 'revoke', newKey], { DATA_DIR });
    assert.equal(revoked.code, 0, revoked.stderr);
    server = await startServer({ DATA_DIR });
    try {
      const res = await new Client(server.baseUrl, newKey).post('/v1/instance-schema/get', {});
      assert.equal(res.status, 401);
      assert.ok(!server.output().includes('Created a first instance'), 'instances exist, so no new key is made');
    } finally {
      await server.stop();
    }
  });

  it('on SIGTERM finishes the request in flight, then exits 0; the event it acknowledged is there after restart', async () => {
    const DATA_DIR = tempDataDir();
    const key = 'test-key-graceful-0123456789';
    let server = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: key });
    const api = new Client(server.baseUrl, key);
    assert.equal((await api.post('/v1/definitions/activity/create', DEFINITION)).status, 200);
    const body = JSON.stringify({ activities: [{ activity_id: 'act:cm:signed-up', attributes: { 'str:cm:plan': 'pro' }, fields: { 'str::email': 'late@example.com' } }] });
    const encoder = new TextEncoder();
    let finish!: () => void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(body.slice(0, 20)));
        finish = () => {
          controller.enqueue(encoder.encode(body.slice(20)));
          controller.close();
        };
      },
    });
    const pending = fetch(`${server.baseUrl}/v1/activities/create`, {
      method: 'POST', body: stream, duplex: 'half',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(server.child.exitCode, null, 'the server waits for the request in flight');
    finish();
    const res = await pending;
    const answer = await res.json() as any;
    assert.equal(res.status, 200);
    assert.equal(answer.activities[0].status, 'ingested');
    // It exits once the answer is out, not after the client's keep-alive idle timeout (72 s).
    const exit = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
    assert.equal(exit, 0);
    server = await startServer({ DATA_DIR, BOOTSTRAP_API_KEYS: key });
    try {
      const ev = await new Client(server.baseUrl, key).post('/v1/person/get/activities', { person_id: answer.activities[0].person_id });
      assert.deepEqual(ev.body.activities.map((e: any) => e.id), [answer.activities[0].activity_id]);
    } finally {
      await server.stop();
    }
  });

  it('stops at start with a message naming a bad setting', async () => {
    const res = await runCli(['serve'], { PORT: 'eighty', DATA_DIR: tempDataDir() });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /PORT must be an integer, got "eighty"/);
    const res2 = await runCli(['serve'], { DATABASE_URL: 'mysql://x', DATA_DIR: tempDataDir() });
    assert.match(res2.stderr, /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
  });
});

describe(`restart on the ${STORE_KIND} store`, { skip: STORE_KIND !== 'postgres' && 'covered above for the embedded store' }, () => {
  it('keeps definitions across a restart of the server on PostgreSQL', async () => {
    const testDb = await openTestDb();
    const env = { DATABASE_URL: testDb.url!, BOOTSTRAP_API_KEYS: 'test-key-pg-0123456789abcdef' };
    try {
      let server = await startServer(env);
      const created = await new Client(server.baseUrl, 'test-key-pg-0123456789abcdef').post('/v1/definitions/activity/create', DEFINITION);
      assert.equal(created.status, 200);
      assert.equal(await server.stop(), 0);
      server = await startServer(env);
      try {
        const res = await new Client(server.baseUrl, 'test-key-pg-0123456789abcdef').post('/v1/instance-schema/get', { namespaces: ['cm'] });
        assert.deepEqual(schemaActivities(res.body), [created.body.custom_activity]);
      } finally {
        await server.stop();
      }
    } finally {
      await testDb.drop();
    }
  });
});
