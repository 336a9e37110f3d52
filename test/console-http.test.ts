// The console over plain HTTP: static serving (CSP, cache headers, client routes, 404s that stay
// Ortto's JSON) and the live stream GET /_stream/activities (auth, instance isolation, per-item
// outcomes, slow clients dropped, streams ended on close).
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { ActivityFeed } from '../src/ingest/activity-feed.js';
import { useTestApp } from './helpers/app.js';
import { assertErrorBody, define, definition } from './helpers/fixtures.js';

const app = useTestApp({ STREAM_CLIENT_BUFFER_BYTES: '65536' });

describe('static console', () => {
  test('GET / and client routes serve index.html, never cached, under a strict CSP', async () => {
    for (const path of ['/', '/console', '/console/people', '/console/people/006b0e88c277d366700f1893']) {
      const res = await app().anonymous().request('GET', path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const csp = res.headers.get('content-security-policy')!;
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(res.text, /<div id="app"><\/div>/);
      assert.doesNotMatch(res.text, /<script>(?!<)/, 'no inline script');
    }
  });

  test('hashed assets are cached for a year; unknown or traversing asset paths are JSON 404s', async () => {
    const html = (await app().anonymous().request('GET', '/')).text;
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), html);
    for (const asset of assets) {
      const res = await app().anonymous().request('GET', asset);
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.match(res.headers.get('content-type')!, asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    }
    assertErrorBody(await app().anonymous().request('GET', '/console/assets/nope-123.js'), 404, 'no console file /console/assets/nope-123.js');
    assertErrorBody(await app().anonymous().request('GET', '/console/assets/%2e%2e%2f%2e%2e%2fpackage.json'), 404, /no console file/);
    assertErrorBody(await app().anonymous().request('GET', '/console/favicon.ico'), 404, 'no console file /console/favicon.ico');
  });

  test('unknown /v1 paths still answer Ortto JSON 404s, and /v1 still needs a key', async () => {
    const api = await app().newInstance();
    assertErrorBody(await api.post('/v1/nothing/here', {}), 404, 'no endpoint POST /v1/nothing/here');
    assertErrorBody(await api.request('GET', '/v1/person/getx'), 404, 'no endpoint GET /v1/person/getx');
    assertErrorBody(await app().anonymous().post('/v1/person/get', {}), 401, 'missing X-Api-Key header');
    assertErrorBody(await api.request('POST', '/'), 405, /method POST is not allowed on \/: use GET/);
  });
});

interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Resolves with the next `batch` event's data. */
  next(): Promise<any>;
  res: http.IncomingMessage;
  closed: Promise<void>;
  close(): void;
}

function openStream(baseUrl: string, key: string | undefined): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/_stream/activities`, { headers: key === undefined ? {} : { 'x-api-key': key } }, (res) => {
      const queue: any[] = [];
      const waiters: Array<(v: any) => void> = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (event !== 'batch' || !data) continue;
          const parsed = JSON.parse(data);
          const w = waiters.shift();
          if (w) w(parsed);
          else queue.push(parsed);
        }
      });
      const closed = new Promise<void>((r) => {
        res.on('close', () => r());
        res.on('error', () => r());
      });
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        res,
        closed,
        next: () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r))),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))]);
}

describe('GET /_stream/activities', () => {
  test('refuses a missing or wrong key with an Ortto error body', async () => {
    assertErrorBody(await app().anonymous().request('GET', '/_stream/activities'), 401, 'missing X-Api-Key header');
    assertErrorBody(await app().anonymous().request('GET', '/_stream/activities', undefined, { 'x-api-key': 'wrong-key-0123456789abcdef' }), 401, 'invalid API key');
  });

  test("streams each committed batch of the key's own instance only, with per-item outcomes", async () => {
    const a = await app().newInstance();
    const b = await app().newInstance();
    for (const api of [a, b]) await define(api, definition('ping', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    const sa = await openStream(app().baseUrl, a.apiKey);
    const sb = await openStream(app().baseUrl, b.apiKey);
    try {
      assert.equal(sa.status, 200);
      assert.match(String(sa.headers['content-type']), /^text\/event-stream/);
      assert.equal(sa.headers['cache-control'], 'no-store');
      const resA = await a.post('/v1/activities/create', { activities: [
        { activity_id: 'act:cm:ping', attributes: { 'int:cm:n': 1 }, fields: { 'str::email': 'a@example.com' } },
        { activity_id: 'act:cm:nope', fields: { 'str::email': 'a@example.com' } },
      ] });
      assert.equal(resA.status, 200, resA.text);
      const resB = await b.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'b@example.com' } }] });
      assert.equal(resB.status, 200, resB.text);

      const got = await within(sa.next(), 2000, 'stream A');
      assert.equal(got.request_id, resA.headers.get('x-request-id'));
      assert.equal(got.kind, 'person');
      assert.equal(got.mode, 'sync');
      assert.deepEqual(got.items.map((i: any) => i.status), ['ingested', 'invalid']);
      assert.equal(got.items[0].person_id, resA.body.activities[0].person_id);
      assert.equal(got.items[0].activity_id, resA.body.activities[0].activity_id);
      assert.equal(got.items[0].record_status, 'created');
      assert.deepEqual(got.items[0].activity.attributes, { 'int:cm:n': 1 });
      assert.equal(got.items[1].error, 'activity act:cm:nope does not exist');

      // B's first event is B's own batch: A's never reached it.
      const gotB = await within(sb.next(), 2000, 'stream B');
      assert.equal(gotB.request_id, resB.headers.get('x-request-id'));
      assert.equal(gotB.items[0].activity.fields['str::email'], 'b@example.com');
    } finally {
      sa.close();
      sb.close();
    }
  });

  test('async requests appear as queued, then as applied by the worker', async () => {
    const a = await app().newInstance();
    await define(a, definition('ping', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    const s = await openStream(app().baseUrl, a.apiKey);
    try {
      const res = await a.post('/v1/activities/create', { async: true, activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'q@example.com' } }] });
      assert.equal(res.status, 200, res.text);
      const queued = await within(s.next(), 2000, 'queued');
      assert.equal(queued.mode, 'async');
      assert.equal(queued.items[0].status, 'queued');
      await app().drain();
      const applied = await within(s.next(), 2000, 'applied');
      assert.equal(applied.mode, 'worker');
      assert.equal(applied.items[0].status, 'ingested');
      assert.equal(applied.request_id, res.headers.get('x-request-id'));
    } finally {
      s.close();
    }
  });

  test('a client that stops reading is dropped once it is STREAM_CLIENT_BUFFER_BYTES behind; others carry on', async () => {
    const a = await app().newInstance();
    const listeners = () => (app().feed as unknown as { listeners: Set<unknown> }).listeners.size;
    // The app's own listeners (the metrics) stay; the two streams come on top of them.
    const base = listeners();
    const slow = await openStream(app().baseUrl, a.apiKey);
    const fast = await openStream(app().baseUrl, a.apiKey);
    slow.res.pause();
    const fastSeen: string[] = [];
    const counting = (async () => {
      for (;;) fastSeen.push((await fast.next()).request_id);
    })();
    void counting;
    const big = 'x'.repeat(50_000);
    assert.equal(listeners(), base + 2);
    let emitted = 0;
    try {
      // The kernel's socket buffers take a few MB before the server's own buffer grows.
      while (listeners() === base + 2 && emitted < 1000) {
        app().feed.emit({
          instanceId: a.instanceId, kind: 'person', mode: 'sync', requestId: `r${emitted}`, at: new Date(),
          results: [{ index: 0, status: 'invalid', error: 'synthetic' }], activities: new Map([[0, { big }]]),
        });
        emitted++;
        await new Promise((r) => setTimeout(r, 2));
      }
      assert.equal(listeners(), base + 1, `one client dropped after ${emitted} batches of 50 kB`);
      app().feed.emit({
        instanceId: a.instanceId, kind: 'person', mode: 'sync', requestId: 'after', at: new Date(),
        results: [{ index: 0, status: 'invalid', error: 'synthetic' }], activities: new Map([[0, {}]]),
      });
      for (let i = 0; i < 100 && !fastSeen.includes('after'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(fastSeen.length, emitted + 1, 'the reading client received every batch, the last one included');
      assert.equal(fastSeen.at(-1), 'after');
      // The app still answers.
      assert.equal((await a.post('/v1/person/get', {})).status, 200);
    } finally {
      slow.close();
      fast.close();
    }
  });

  test('closing the app ends open streams instead of waiting on them', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const feed = new ActivityFeed();
    const other = await buildApp({ db: app().db, config, feed, logger: false });
    const address = await other.listen({ port: 0, host: '127.0.0.1' });
    const a = await app().newInstance();
    const s = await openStream(address, a.apiKey);
    assert.equal(s.status, 200);
    const started = Date.now();
    await within(other.close(), 3000, 'app.close()');
    await within(s.closed, 1000, 'stream ended');
    assert.ok(Date.now() - started < 3000);
    assert.equal(feed.listening, false, 'the stream stopped listening to the feed');
  });
});

describe('instance-schema/get event_stats (extension read by the console)', () => {
  test('with event_stats: true each definition has event_count and last_event_at; without it the answer is unchanged', async () => {
    const api = await app().newInstance();
    await define(api, definition('ping', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    await define(api, definition('idle', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    const now = new Date(Date.now() - 60_000).toISOString();
    const res = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:ping', fields: { 'str::email': 's1@example.com' } },
      { activity_id: 'act:cm:ping', created: now, fields: { 'str::email': 's2@example.com' } },
    ] });
    assert.equal(res.status, 200, res.text);
    // Ortto's object shape: custom activities are the act:cm:* fields of the "" namespace.
    const activities = (body: any) => Object.values<any>(body.namespaces[''].fields).filter((f) => f.id.startsWith('act:cm:'));
    const plain = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.equal(activities(plain.body).length, 2);
    for (const a of activities(plain.body)) {
      assert.ok(!('event_count' in a) && !('last_event_at' in a));
      assert.ok(!('event_count' in a.custom_activity) && !('last_event_at' in a.custom_activity));
    }
    const withStats = await api.post('/v1/instance-schema/get', { namespaces: ['cm'], event_stats: true });
    assert.equal(withStats.status, 200, withStats.text);
    const byId = Object.fromEntries(activities(withStats.body).map((a: any) => [a.id, a]));
    assert.equal(byId['act:cm:ping'].custom_activity.event_count, 2, 'the nested definition view carries them too');
    assert.equal(byId['act:cm:ping'].event_count, 2);
    assert.ok(Date.parse(byId['act:cm:ping'].last_event_at) > Date.parse(now), 'the latest event is the one sent without created (now)');
    assert.equal(byId['act:cm:idle'].event_count, 0);
    assert.equal(byId['act:cm:idle'].last_event_at, null);
    // Another instance's events never count.
    const other = await app().newInstance();
    await define(other, definition('ping', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    const otherSchema = await other.post('/v1/instance-schema/get', { namespaces: ['cm'], event_stats: true });
    assert.equal(activities(otherSchema.body)[0].event_count, 0);
  });
});
