// The SDK's request splitting, ordering, retries and typed errors, against small stand-in
// servers (node:http) that answer exactly what each test needs: 429s, 503s, dropped
// connections, slow answers. The same SDK against the real server is in sdk.test.ts.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  ActivityCdpError, ActivityClient, MAX_REQUEST_BYTES, REGION_BASE_URLS, type PersonActivity,
} from '../packages/client/src/index.js';
import { backoffDelay } from '../packages/client/src/transport.js';
import { planRequests, utf8Length } from '../packages/client/src/batch.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

type Handler = (req: Seen, n: number, res: http.ServerResponse) => void | Promise<void>;

const servers: http.Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

/** A server whose n-th request (0-based) is answered by `handler`; it records every request. */
async function fakeServer(handler: Handler): Promise<{ url: string; seen: Seen[]; inFlightMax: () => number }> {
  const seen: Seen[] = [];
  let inFlight = 0;
  let max = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() };
      const n = seen.push(s) - 1;
      inFlight++;
      max = Math.max(max, inFlight);
      res.on('close', () => inFlight--);
      void handler(s, n, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, inFlightMax: () => max };
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const REQUEST_ID = '4b8f3a52-6a43-4c1e-9c55-0b7e0d6e2f11';
const errorBody = (code: number, error: string, details?: unknown[]) => ({ request_id: REQUEST_ID, code, error, ...(details ? { details } : {}) });

/** Answers activities/create by echoing each activity's key as its activity_id. */
function echo(req: Seen, res: http.ServerResponse, delayMs = 0) {
  const body = JSON.parse(req.body) as { activities: Array<{ key: string }> };
  setTimeout(() => json(res, 200, {
    activities: body.activities.map((a) => ({ person_id: 'p', status: 'ingested', person_status: 'merged', activity_id: a.key })),
  }), delayMs);
}

const activities = (n: number, extra: (i: number) => Partial<PersonActivity> = () => ({})): PersonActivity[] =>
  Array.from({ length: n }, (_, i) => ({ activity_id: 'act:cm:test', key: `k${i}`, fields: { 'str::email': `p${i}@example.com` }, ...extra(i) }));

const fastClient = (baseUrl: string, more: Partial<ConstructorParameters<typeof ActivityClient>[0]> = {}) =>
  new ActivityClient({ apiKey: 'test-key', baseUrl, retryBackoffMs: 5, ...more });

describe('ActivityClient options', () => {
  it('maps the regions to Ortto hosts, and baseUrl overrides them', () => {
    assert.equal(new ActivityClient({ apiKey: 'k' }).baseUrl, 'https://api.ap3api.com');
    assert.equal(new ActivityClient({ apiKey: 'k', region: 'au' }).baseUrl, 'https://api.au.ap3api.com');
    assert.equal(new ActivityClient({ apiKey: 'k', region: 'eu' }).baseUrl, 'https://api.eu.ap3api.com');
    assert.equal(new ActivityClient({ apiKey: 'k', region: 'eu', baseUrl: 'http://localhost:8080/' }).baseUrl, 'http://localhost:8080');
    assert.deepEqual(Object.keys(REGION_BASE_URLS), ['default', 'au', 'eu']);
  });

  it('refuses to start without an API key or with an unknown region', () => {
    assert.throws(() => new ActivityClient({ apiKey: '' }), /apiKey/);
    assert.throws(() => new ActivityClient({ apiKey: 'k', region: 'us' as 'au' }), /region must be one of/);
  });

  it('sends the key as X-Api-Key and JSON as the body', async () => {
    const server = await fakeServer((_req, _n, res) => json(res, 200, { namespaces: [] }));
    await fastClient(server.url).instanceSchema.get();
    const [req] = server.seen;
    assert.equal(req!.headers['x-api-key'], 'test-key');
    assert.equal(req!.headers['content-type'], 'application/json');
    assert.equal(req!.url, '/v1/instance-schema/get');
    assert.deepEqual(JSON.parse(req!.body), { namespaces: [] });
  });
});

describe('activities.create splits requests and keeps the input order', () => {
  it('sends 250 activities as 3 requests of 100, 100 and 50, and returns 250 results in input order', async () => {
    // Later requests answer sooner, so answers arrive out of order.
    const server = await fakeServer((req, n, res) => echo(req, res, 60 - n * 25));
    const results = await fastClient(server.url).activities.create(activities(250), { concurrency: 3 });
    assert.deepEqual(server.seen.map((s) => JSON.parse(s.body).activities.length), [100, 100, 50]);
    assert.equal(results.length, 250);
    results.forEach((r, i) => assert.equal(r.status === 'ingested' && r.activity_id, `k${i}`));
    assert.ok(server.inFlightMax() > 1, 'requests overlapped');
  });

  it('never has more requests in flight than `concurrency`', async () => {
    const server = await fakeServer((req, _n, res) => echo(req, res, 20));
    await fastClient(server.url).activities.create(activities(1000), { concurrency: 2 });
    assert.equal(server.seen.length, 10);
    assert.equal(server.inFlightMax(), 2);
  });

  it('keeps every request under 2 MiB, splitting by size before count', async () => {
    const server = await fakeServer((req, _n, res) => echo(req, res));
    const big = 'x'.repeat(100 * 1024);
    const results = await fastClient(server.url).activities.create(activities(60, () => ({ attributes: { 'txt:cm:note': big } })));
    assert.ok(server.seen.length >= 3, `${server.seen.length} requests`);
    for (const s of server.seen) assert.ok(Buffer.byteLength(s.body) <= MAX_REQUEST_BYTES, `${Buffer.byteLength(s.body)} bytes`);
    assert.equal(server.seen.reduce((n, s) => n + JSON.parse(s.body).activities.length, 0), 60);
    results.forEach((r, i) => assert.equal(r.status === 'ingested' && r.activity_id, `k${i}`));
  });

  it('halves a request a server refuses with 413 (a smaller body limit) until the parts fit, keeping the order', async () => {
    const limit = 20_000;
    const server = await fakeServer((req, _n, res) =>
      Buffer.byteLength(req.body) > limit ? json(res, 413, errorBody(413, 'request body is larger than the limit')) : echo(req, res));
    const note = 'x'.repeat(900);
    const results = await fastClient(server.url).activities.create([
      ...activities(50, () => ({ attributes: { 'txt:cm:note': note } })),
      { activity_id: 'act:cm:test', key: 'huge', fields: { 'str::email': 'h@example.com' }, attributes: { 'txt:cm:note': 'y'.repeat(limit) } },
    ]);
    results.slice(0, 50).forEach((r, i) => assert.equal(r.status === 'ingested' && r.activity_id, `k${i}`));
    const last = results[50]!;
    assert.equal(last.status, 'failed');
    assert.equal(last.status === 'failed' && last.cause.status, 413);
    const accepted = server.seen.filter((s) => Buffer.byteLength(s.body) <= limit);
    assert.equal(accepted.reduce((n, s) => n + JSON.parse(s.body).activities.length, 0), 50, 'each activity was accepted once');
  });

  it('counts multi-byte characters as UTF-8 bytes when sizing requests', () => {
    assert.equal(utf8Length('aé€😀'), 1 + 2 + 3 + 4);
    const items = Array.from({ length: 10 }, () => JSON.stringify({ s: '€'.repeat(1000) }));
    const { chunks } = planRequests(items, { async: true }, 100, 8000);
    for (const c of chunks) assert.ok(Buffer.byteLength(c.body) <= 8000, `${Buffer.byteLength(c.body)}`);
    assert.deepEqual(chunks.flatMap((c) => c.indices), [...items.keys()]);
    assert.deepEqual(JSON.parse(chunks[0]!.body).async, true);
  });

  it('fails alone, without sending it, an activity larger than any request may be', async () => {
    const server = await fakeServer((req, _n, res) => echo(req, res));
    const list = activities(3);
    list[1]!.attributes = { 'txt:cm:note': 'x'.repeat(MAX_REQUEST_BYTES) };
    const results = await fastClient(server.url).activities.create(list);
    assert.equal(results[0]!.status, 'ingested');
    assert.equal(results[2]!.status, 'ingested');
    const failed = results[1]!;
    assert.equal(failed.status, 'failed');
    assert.ok('cause' in failed && failed.cause instanceof ActivityCdpError && failed.cause.code === 'payload_too_large');
    assert.equal(JSON.parse(server.seen[0]!.body).activities.length, 2);
  });

  it('turns a 400 that refuses every activity into one "invalid" outcome per activity, with its own reason', async () => {
    const server = await fakeServer((_req, _n, res) => json(res, 400, errorBody(400, 'first reason', [
      { index: 0, status: 'invalid', error: 'first reason' },
      { index: 1, status: 'invalid', error: 'second reason' },
    ])));
    const results = await fastClient(server.url).activities.create(activities(2));
    assert.deepEqual(results, [{ status: 'invalid', error: 'first reason' }, { status: 'invalid', error: 'second reason' }]);
    assert.equal(server.seen.length, 1, '400 is not retried');
  });

  it('gives each activity without a key a generated key and created before the first attempt; assignKeys: false sends them as they are', async () => {
    const server = await fakeServer((req, n, res) => (n === 0 ? json(res, 503, errorBody(503, 'busy')) : echo(req, res)));
    const input: PersonActivity[] = [{ activity_id: 'act:cm:test' }, { activity_id: 'act:cm:test', key: 'mine', created: '2026-01-01T00:00:00.000Z' }];
    const before = Date.now();
    await fastClient(server.url).activities.create(input);
    const [first, retry] = server.seen.map((s) => JSON.parse(s.body).activities);
    assert.deepEqual(retry, first, 'the retry sends the same keys and times');
    assert.match(first[0].key, /^[0-9a-f-]{36}$/);
    assert.ok(Math.abs(Date.parse(first[0].created) - before) < 5000);
    assert.deepEqual(first[1], input[1]);
    assert.deepEqual(input[0], { activity_id: 'act:cm:test' }, 'the caller\'s objects are not changed');

    const plain = await fakeServer((req, _n, res) => echo(req, res));
    await fastClient(plain.url).activities.create([{ activity_id: 'act:cm:test' }], { assignKeys: false });
    assert.deepEqual(JSON.parse(plain.seen[0]!.body).activities, [{ activity_id: 'act:cm:test' }]);
  });

  it('puts envelope options (async, merge_by, merge_strategy) in every request', async () => {
    const server = await fakeServer((req, _n, res) => echo(req, res));
    await fastClient(server.url).activities.create(activities(150), { async: true, merge_by: ['str::email'], merge_strategy: 1 });
    for (const s of server.seen) {
      const body = JSON.parse(s.body);
      assert.equal(body.async, true);
      assert.deepEqual(body.merge_by, ['str::email']);
      assert.equal(body.merge_strategy, 1);
    }
  });

  it('reports a refused API key as a failed outcome for every activity, and stops sending after the first refusal', async () => {
    const server = await fakeServer((_req, _n, res) => json(res, 401, errorBody(401, 'invalid API key')));
    const results = await fastClient(server.url).activities.create(activities(500), { concurrency: 1 });
    assert.equal(server.seen.length, 1);
    assert.equal(results.length, 500);
    for (const r of results) {
      assert.equal(r.status, 'failed');
      assert.ok('cause' in r && r.cause.status === 401 && r.cause.code === 'unauthorized');
    }
  });

  it('answers an empty list with an empty list, sending nothing', async () => {
    const server = await fakeServer((req, _n, res) => echo(req, res));
    assert.deepEqual(await fastClient(server.url).activities.create([]), []);
    assert.equal(server.seen.length, 0);
  });

  it('reports progress as requests complete', async () => {
    const server = await fakeServer((req, _n, res) => echo(req, res));
    const seen: number[] = [];
    await fastClient(server.url).activities.create(activities(250), { concurrency: 1, onProgress: (p) => seen.push(p.done) });
    assert.deepEqual(seen, [100, 200, 250]);
  });
});

describe('retries: only network errors, timeouts, 5xx and 429', () => {
  it('retries a 429 after the try-in-seconds it asks for, then a 503, and succeeds', async () => {
    const server = await fakeServer((req, n, res) => {
      if (n === 0) return json(res, 429, { error: { code: 'rate-limit', message: 'rate limit', 'try-in-seconds': 1 } });
      if (n === 1) return json(res, 503, errorBody(503, 'unavailable'));
      echo(req, res);
    });
    const results = await fastClient(server.url).activities.create(activities(3));
    assert.equal(server.seen.length, 3);
    assert.ok(server.seen[1]!.at - server.seen[0]!.at >= 1000, `waited ${server.seen[1]!.at - server.seen[0]!.at} ms after the 429`);
    assert.deepEqual(results.map((r) => r.status), ['ingested', 'ingested', 'ingested']);
    assert.equal(new Set(server.seen.map((s) => s.body)).size, 1, 'every attempt sent the same body');
  });

  it('never retries a 400, and throws a typed error with the server\'s request_id', async () => {
    const server = await fakeServer((_req, _n, res) => json(res, 400, errorBody(400, 'name: "Bad Name" is not a slug'), { 'x-request-id': REQUEST_ID }));
    const error = await fastClient(server.url).definitions.create({} as never).catch((e: unknown) => e);
    assert.ok(error instanceof ActivityCdpError);
    assert.equal(server.seen.length, 1);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'bad_request');
    assert.equal(error.request_id, REQUEST_ID);
    assert.equal(error.retryable, false);
    assert.equal(error.attempts, 1);
    assert.equal(error.message, 'name: "Bad Name" is not a slug');
  });

  for (const status of [401, 403, 404, 413, 415]) {
    it(`never retries a ${status}`, async () => {
      const server = await fakeServer((_req, _n, res) => json(res, status, errorBody(status, 'no')));
      const error = await fastClient(server.url).instanceSchema.get().catch((e: unknown) => e);
      assert.ok(error instanceof ActivityCdpError && error.status === status && !error.retryable);
      assert.equal(server.seen.length, 1);
    });
  }

  it('gives up after maxRetries on a server that keeps answering 503, with a retryable error', async () => {
    const server = await fakeServer((_req, _n, res) => json(res, 503, errorBody(503, 'unavailable')));
    const error = await fastClient(server.url, { maxRetries: 2 }).instanceSchema.get().catch((e: unknown) => e);
    assert.ok(error instanceof ActivityCdpError);
    assert.equal(server.seen.length, 3);
    assert.equal(error.status, 503);
    assert.equal(error.code, 'unavailable');
    assert.equal(error.retryable, true);
    assert.equal(error.attempts, 3);
    assert.equal(error.details, undefined);
  });

  it('retries a dropped connection (network error)', async () => {
    const server = await fakeServer((_req, n, res) => {
      if (n === 0) {
        res.socket?.destroy();
        return;
      }
      json(res, 200, { namespaces: [] });
    });
    assert.deepEqual(await fastClient(server.url).instanceSchema.get(), { namespaces: [] });
    assert.equal(server.seen.length, 2);
  });

  it('reports a refused connection as network_error after its retries', async () => {
    const server = await fakeServer(() => undefined);
    const url = server.url;
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    const error = await fastClient(url, { maxRetries: 1 }).instanceSchema.get().catch((e: unknown) => e);
    assert.ok(error instanceof ActivityCdpError);
    assert.equal(error.code, 'network_error');
    assert.equal(error.status, 0);
    assert.equal(error.retryable, true);
    assert.equal(error.attempts, 2);
  });

  it('times out an attempt after timeoutMs and retries it', async () => {
    const server = await fakeServer((_req, n, res) => {
      if (n === 0) return; // never answers
      json(res, 200, { namespaces: [] });
    });
    const started = Date.now();
    assert.deepEqual(await fastClient(server.url, { timeoutMs: 150 }).instanceSchema.get(), { namespaces: [] });
    assert.ok(Date.now() - started >= 150);
    assert.equal(server.seen.length, 2);
  });

  it('reports code "timeout" when every attempt times out', async () => {
    const server = await fakeServer(() => undefined);
    const error = await fastClient(server.url, { timeoutMs: 80, maxRetries: 1 }).instanceSchema.get().catch((e: unknown) => e);
    assert.ok(error instanceof ActivityCdpError && error.code === 'timeout' && error.retryable && error.attempts === 2);
  });

  it('does not wait out a 429 that asks for longer than maxRetryDelayMs: the error carries tryInSeconds', async () => {
    const server = await fakeServer((_req, _n, res) => json(res, 429, { error: { code: 'rate-limit', message: 'rate limit', 'try-in-seconds': 3600 } }));
    const error = await fastClient(server.url).instanceSchema.get().catch((e: unknown) => e);
    assert.ok(error instanceof ActivityCdpError);
    assert.equal(server.seen.length, 1);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.tryInSeconds, 3600);
    assert.equal(error.retryable, true);
    assert.equal(error.message, 'rate limit');
  });

  it('stops retrying when the caller aborts', async () => {
    const server = await fakeServer((_req, _n, res) => json(res, 503, errorBody(503, 'unavailable')));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const client = new ActivityClient({ apiKey: 'k', baseUrl: server.url, retryBackoffMs: 1000, maxRetries: 5 });
    const error = await client.instanceSchema.get(undefined, { signal: controller.signal }).catch((e: unknown) => e);
    assert.ok(error instanceof ActivityCdpError && error.code === 'aborted' && !error.retryable);
    assert.equal(server.seen.length, 1);
  });

  it('backs off exponentially with jitter, capped', () => {
    const low = () => 0;
    const high = () => 0.999999;
    assert.equal(backoffDelay(0, 500, 8000, low), 250);
    assert.ok(backoffDelay(0, 500, 8000, high) < 500);
    assert.equal(backoffDelay(3, 500, 8000, low), 2000);
    assert.equal(backoffDelay(10, 500, 8000, low), 4000);
    assert.ok(backoffDelay(10, 500, 8000, high) <= 8000);
  });
});
