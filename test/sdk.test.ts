// The SDK against the real server in-process (test/helpers/app.ts), on the store the environment
// selects: request splitting with input order, per-activity failures as values, exactly-once
// retries through a proxy that answers 429 and 503 first, typed errors.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ActivityCdpError, ActivityClient, countByStatus, type PersonActivity } from '../packages/client/src/index.js';
import { useTestApp } from './helpers/app.js';
import { PURCHASE } from './helpers/fixtures.js';

const getApp = useTestApp();

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const HEX24 = /^[0-9a-f]{24}$/;

/** A client on a new instance of the test server; `requests` counts what it sent. */
async function newClient(options: { baseUrl?: string; maxRetries?: number } = {}) {
  const api = await getApp().newInstance();
  const requests: string[] = [];
  const client = new ActivityClient({
    apiKey: api.apiKey!,
    baseUrl: options.baseUrl ?? getApp().baseUrl,
    retryBackoffMs: 5,
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    fetch: (url, init) => {
      requests.push(`${init.method} ${new URL(url).pathname}`);
      return fetch(url, init);
    },
  });
  return { client, requests, apiKey: api.apiKey! };
}


const servers: http.Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

describe('SDK: definitions and the instance schema', () => {
  it('creates, modifies, lists and archives a definition with typed answers', async () => {
    const { client } = await newClient();
    const created = await client.definitions.create(PURCHASE);
    assert.equal(created.custom_activity.activity_field_id, 'act:cm:purchase');
    assert.equal(created.custom_activity.name, 'Purchase');
    assert.deepEqual(created.custom_activity.attributes.map((a) => a.field_id), ['str:cm:item', 'int:cm:n']);

    const modified = await client.definitions.modify({ activity_field_id: 'act:cm:purchase', icon_id: 'star-icon' });
    assert.equal(modified.custom_activity.icon_id, 'star-icon');

    const schema = await client.instanceSchema.get({ namespaces: ['cm'] });
    const acts = (body: typeof schema) => Object.values(body.namespaces['']!.fields).filter((f) => f.id.startsWith('act:cm:'));
    assert.deepEqual(acts(schema).map((a) => a.custom_activity?.activity_field_id), ['act:cm:purchase']);

    assert.deepEqual(await client.definitions.archive('act:cm:purchase'), { archived_activity: 'act:cm:purchase' });
    const after = await client.instanceSchema.get();
    assert.equal(acts(after)[0]?.archived, true);
  });

  it('throws a typed, non-retryable error for a duplicate definition, sent once', async () => {
    const { client, requests } = await newClient();
    await client.definitions.create(PURCHASE);
    const error = await client.definitions.create(PURCHASE).catch((e: unknown) => e);
    assert.ok(error instanceof ActivityCdpError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'bad_request');
    assert.match(error.request_id ?? '', UUID_V4);
    assert.equal(error.retryable, false);
    assert.match(error.message, /purchase/);
    assert.equal(requests.length, 2, 'the 400 was not retried');
  });

  it('throws not_found for archiving an unknown definition, and unauthorized for a wrong key', async () => {
    const { client } = await newClient();
    const missing = await client.definitions.archive('act:cm:nothing-here').catch((e: unknown) => e);
    assert.ok(missing instanceof ActivityCdpError && missing.status === 404 && missing.code === 'not_found', String(missing));

    const stranger = new ActivityClient({ apiKey: 'acdp_not-a-real-key-at-all', baseUrl: getApp().baseUrl });
    const refused = await stranger.instanceSchema.get().catch((e: unknown) => e);
    assert.ok(refused instanceof ActivityCdpError);
    assert.equal(refused.status, 401);
    assert.equal(refused.code, 'unauthorized');
    assert.equal(refused.message, 'invalid API key');
    assert.match(refused.request_id ?? '', UUID_V4);
  });
});

describe('SDK: person activity events', () => {
  const purchases = (n: number): PersonActivity[] =>
    Array.from({ length: n }, (_, i) => ({
      activity_id: 'act:cm:purchase',
      attributes: { 'str:cm:item': `item ${i}`, 'int:cm:n': i },
      fields: { 'str::email': `buyer${i}@example.com` },
    }));

  it('sends 250 activities as 3 requests and answers one result per activity, in input order', async () => {
    const { client, requests } = await newClient();
    await client.definitions.create(PURCHASE);
    requests.length = 0;
    const results = await client.activities.create(purchases(250), { concurrency: 3 });
    assert.deepEqual(requests, Array(3).fill('POST /v1/activities/create'));
    assert.equal(results.length, 250);
    assert.deepEqual(countByStatus(results), { ingested: 250 });
    const people = new Set(results.map((r) => (r.status === 'ingested' ? r.person_id : undefined)));
    assert.equal(people.size, 250, 'one new person per e-mail');
    for (const i of [0, 99, 100, 187, 249]) {
      const r = results[i]!;
      assert.ok(r.status === 'ingested' && r.person_status === 'created');
      assert.match(r.activity_id ?? '', HEX24);
      const page = await client.persons.getActivities({ person_id: r.person_id! });
      assert.equal(page.activities?.length, 1);
      assert.equal(page.activities![0]!.id, r.activity_id);
      assert.equal(page.activities![0]!.attr['int:cm:n'], i, `result ${i} belongs to activity ${i}`);
    }
  });

  it('returns per-activity failures as values and takes the others', async () => {
    const { client } = await newClient();
    await client.definitions.create(PURCHASE);
    const list = purchases(5);
    list[1] = { ...list[1]!, activity_id: 'act:cm:no-such-activity' };
    list[3] = { ...list[3]!, attributes: { 'int:cm:n': 'three' as unknown as number } };
    const results = await client.activities.create(list);
    assert.deepEqual(results.map((r) => r.status), ['ingested', 'invalid', 'ingested', 'invalid', 'ingested']);
    assert.match(results[1]!.error ?? '', /no-such-activity/);
    assert.ok(results[3]!.error);
  });

  it('turns a request whose every activity is refused (HTTP 400 with details) into "invalid" values', async () => {
    const { client, requests } = await newClient();
    const results = await client.activities.create(purchases(2));
    assert.equal(requests.length, 1);
    assert.deepEqual(results.map((r) => r.status), ['invalid', 'invalid']);
    for (const r of results) assert.match(r.error ?? '', /purchase/);
  });

  it('makes exactly one event when retried through a server that answers 429, then loses an answer (503)', async () => {
    const { client: direct, apiKey } = await newClient();
    await direct.definitions.create(PURCHASE);
    // A proxy: 1st request 429 (not forwarded), 2nd forwarded but answered 503 (answer lost),
    // 3rd forwarded and answered.
    let n = 0;
    const target = getApp().baseUrl;
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const attempt = n++;
        if (attempt === 0) {
          res.writeHead(429, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'rate-limit', message: 'rate limit', 'try-in-seconds': 0 } }));
          return;
        }
        const upstream = await fetch(target + req.url, {
          method: req.method!,
          headers: { 'content-type': 'application/json', 'x-api-key': String(req.headers['x-api-key']) },
          body: Buffer.concat(chunks),
        });
        const text = await upstream.text();
        if (attempt === 1) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ request_id: '00000000-0000-4000-8000-000000000000', code: 503, error: 'unavailable' }));
          return;
        }
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(text);
      });
    });
    servers.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const client = new ActivityClient({ apiKey, baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, retryBackoffMs: 5 });

    const [result] = await client.activities.create(purchases(1));
    assert.equal(n, 3, 'three attempts');
    assert.ok(result && (result.status === 'ingested'), JSON.stringify(result));
    const page = await direct.persons.getActivities({ person_id: result.person_id! });
    assert.equal(page.meta.total_activities, 1, 'one event, not two');
    assert.equal(page.activities![0]!.id, result.activity_id);
  });

  it('pages through people with persons.get', async () => {
    const { client } = await newClient();
    await client.definitions.create(PURCHASE);
    await client.activities.create(purchases(5));
    const first = await client.persons.get({ limit: 3 });
    assert.equal(first.contacts.length, 3);
    assert.equal(first.has_more, true);
    const second = await client.persons.get({ limit: 3, offset: first.next_offset });
    assert.equal(second.contacts.length, 2);
    assert.equal(second.has_more, false);
    const emails = [...first.contacts, ...second.contacts].map((c) => c.fields['str::email']).sort();
    assert.deepEqual(emails, purchases(5).map((a) => a.fields!['str::email']).sort());
  });
});

describe('SDK: account activity events', () => {
  it('creates account events and reads them back', async () => {
    const { client } = await newClient();
    await client.definitions.create(PURCHASE);
    const results = await client.accounts.activities.create([
      { activity_id: 'act:cm:purchase', attributes: { 'int:cm:n': 1 }, fields: { 'str:o:name': 'Acme' } },
      { activity_id: 'act:oc:purchase', attributes: { 'int:cm:n': 2 }, fields: { 'str:o:name': 'Acme' } },
      { activity_id: 'act:cm:purchase', attributes: { 'int:cm:n': 3 }, fields: { 'str:o:name': 'Globex' } },
    ]);
    assert.deepEqual(results.map((r) => r.status), ['ingested', 'ingested', 'ingested']);
    const [a, b, c] = results as Array<{ account_id?: string; account_status?: string }>;
    assert.equal(a!.account_id, b!.account_id);
    assert.notEqual(a!.account_id, c!.account_id);
    const accounts = await client.accounts.get({});
    assert.equal(accounts.accounts.length, 2);
    const events = await client.accounts.getActivities({ account_id: a!.account_id! });
    assert.equal(events.meta.total_activities, 2);
  });
});

describe('dead letters', () => {
  it('activities.deadLetters() lists a queued activity that turned out invalid, with its reason and acknowledged id', async () => {
    const { client } = await newClient();
    await client.definitions.create(PURCHASE);
    const [ok, bad] = await client.activities.create([
      { activity_id: 'act:cm:purchase', attributes: { 'str:cm:item': 'pen' }, fields: { 'str::email': 'dl@example.com' } },
      { activity_id: 'act:cm:missing', fields: { 'str::email': 'dl@example.com' } },
    ], { async: true });
    assert.equal(ok!.status, 'queued');
    assert.equal(bad!.status, 'queued', 'both are acknowledged: the worker finds the problem');
    let page = await client.activities.deadLetters();
    assert.equal(page.queued_requests, 1);
    await getApp().drain();
    page = await client.activities.deadLetters({ limit: 10 });
    assert.equal(page.queued_requests, 0);
    assert.equal(page.total, 1);
    assert.equal(page.dead_letters[0]!.status, 'invalid');
    assert.equal(page.dead_letters[0]!.error, 'activity act:cm:missing does not exist');
    assert.equal(page.dead_letters[0]!.activity_id, 'activity_id' in bad! ? bad.activity_id : undefined);
  });
});
