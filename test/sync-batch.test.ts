// Group commit of sync activity requests (ingest/sync-batcher.ts): requests of one instance that
// arrive while its transaction runs are applied together in the next one, and each gets exactly
// the answer it would get alone, in arrival order. The app here runs over a Db that can hold a
// transaction at its start (so that the next requests are known to wait and be grouped) and
// inject a failure into the statements of a transaction; the instance it compares with gets the
// same requests one by one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { ActivityFeed, type AppliedBatch } from '../src/ingest/activity-feed.js';
import { Worker } from '../src/ingest/worker.js';
import type { Db, Sql } from '../src/store/db.js';
import { addApiKey, createInstance, DEFAULT_KEY_SETTINGS, generateKey, type InstanceSettings } from '../src/store/instances.js';
import { DatabaseUnavailableError } from '../src/store/sqlstate.js';
import { Client, type Response } from './helpers/app.js';
import { daysAgo, define, definition } from './helpers/fixtures.js';
import { openTestDb, type TestDb } from './helpers/store.js';

interface Control {
  /** While set, a transaction waits at its start for `open`. */
  gate?: { open: Promise<void>; entered: number };
  /** An error to fail a transaction's statement with (before it runs), or undefined. */
  fault?: (text: string, params: readonly unknown[] | undefined) => unknown;
}

function controlled(inner: Db, control: Control): Db {
  const wrapTx = (tx: Sql): Sql => ({
    query: <R,>(text: string, params?: readonly unknown[], name?: string): Promise<R[]> => {
      const error = control.fault?.(text, params);
      return error ? Promise.reject(error) : tx.query<R>(text, params, name);
    },
    exec: (text: string) => tx.exec(text),
  });
  return {
    kind: inner.kind,
    query: <R,>(text: string, params?: readonly unknown[], name?: string) => inner.query<R>(text, params, name),
    exec: (text: string) => inner.exec(text),
    close: () => inner.close(),
    ...(inner.poolStats ? { poolStats: () => inner.poolStats!() } : {}),
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      const gate = control.gate;
      if (gate) {
        gate.entered++;
        await gate.open;
      }
      return inner.transaction((tx) => fn(wrapTx(tx)));
    },
  };
}

let testDb: TestDb;
let app: FastifyInstance;
let baseUrl: string;
const control: Control = {};
const feed = new ActivityFeed();
const fed: AppliedBatch[] = [];

before(async () => {
  testDb = await openTestDb();
  // One transaction at a time per instance: every request arriving meanwhile joins the next.
  const config = loadConfig({ LOG_LEVEL: 'silent', SYNC_BATCH_IN_FLIGHT: '1' });
  app = await buildApp({ db: controlled(testDb.db, control), config, feed, logger: false });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  feed.on((b) => void fed.push(b));
});
after(async () => {
  await app?.close();
  await testDb?.drop();
});

async function newInstance(settings: InstanceSettings = {}): Promise<Client & { instanceId: string }> {
  const key = generateKey();
  const instanceId = await createInstance(testDb.db, 'test', settings);
  await addApiKey(testDb.db, instanceId, key, DEFAULT_KEY_SETTINGS);
  return Object.assign(new Client(baseUrl, key), { instanceId });
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function metric(name: string): Promise<number> {
  const res = await new Client(baseUrl, undefined).request('GET', '/metrics');
  assert.equal(res.status, 200, res.text);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

type Body = Record<string, unknown>;

/**
 * Sends `first`, holds its transaction, sends each of `rest` once the previous one waits (so they
 * arrive in order), then lets them all run: `rest` is applied in one transaction.
 */
async function together(api: Client, first: Body, rest: Body[]): Promise<Response[]> {
  let release!: () => void;
  const gate = { open: new Promise<void>((r) => (release = r)), entered: 0 };
  control.gate = gate;
  const head = api.post('/v1/activities/create', first);
  await until('the first transaction', () => gate.entered === 1);
  control.gate = undefined;
  const tail: Array<Promise<Response>> = [];
  for (const [i, body] of rest.entries()) {
    tail.push(api.post('/v1/activities/create', body));
    await until(`request ${i + 1} waiting`, async () => (await metric('activity_cdp_sync_batch_waiting')) === i + 1);
  }
  release();
  return [await head, ...(await Promise.all(tail))];
}

async function oneByOne(api: Client, bodies: Body[]): Promise<Response[]> {
  const out: Response[] = [];
  for (const body of bodies) out.push(await api.post('/v1/activities/create', body));
  return out;
}

/** Status and body with record and event ids renamed by first appearance (they differ between instances), without request ids. */
function comparable(responses: Response[]): unknown {
  const names = new Map<string, string>();
  const rename = (v: unknown): unknown => {
    if (typeof v === 'string' && /^00[0-9a-f]{22}$/.test(v)) {
      if (!names.has(v)) names.set(v, `id${names.size}`);
      return names.get(v);
    }
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'request_id').map(([k, x]) => [k, rename(x)]));
    return v;
  };
  return responses.map((r) => ({ status: r.status, body: rename(r.body) }));
}

/** The instance's persons (chosen fields) and their events (activity, created when sent, attributes), by e-mail. */
async function stored(api: Client): Promise<unknown> {
  const res = await api.post('/v1/person/get', { limit: 100 });
  assert.equal(res.status, 200, res.text);
  const out: Record<string, unknown> = {};
  for (const p of res.body.contacts) {
    const ev = await api.post('/v1/person/get/activities', { person_id: p.id, limit: 40 });
    assert.equal(ev.status, 200, ev.text);
    out[p.fields['str::email']] = {
      fields: ['str::first', 'str::last', 'str::ei', 'str:cm:tier'].map((f) => p.fields[f] ?? null),
      // (visits are created at their request's time, which differs between the instances)
      events: ev.body.activities.map((e: any) => [e.field_id, e.field_id === 'act:cm:visit' ? '' : e.created_at, JSON.stringify(e.attr ?? {})]).sort(),
    };
  }
  return out;
}

const H = 3_600_000;
const visit = (email: string, fields: Body = {}, extra: Body = {}) =>
  ({ activity_id: 'act:cm:visit', fields: { 'str::email': email, ...fields }, ...extra });
const order = (email: string, key: string, created: string, status: string) =>
  ({ activity_id: 'act:cm:order', key, created, attributes: { 'str:cm:status': status }, fields: { 'str::email': email } });
const ping = (email: string, created: number) => ({ activity_id: 'act:cm:ping', created: new Date(created).toISOString(), fields: { 'str::email': email } });

async function setUp(settings: InstanceSettings = {}): Promise<Client & { instanceId: string }> {
  const api = await newInstance({ activityDailyLimit: 2, ...settings });
  await define(api, definition('visit', [], { track_conversion_value: false }));
  await define(api, definition('order', [{ name: 'status', display_type: 'text' }]));
  await define(api, definition('ping', [], { track_conversion_value: false }));
  return api;
}

/** Makes every field and merge key of these tests known to the instance (a first use is never joined). */
const WARM_UP: Body = {
  merge_by: ['str::email', 'str::ei'],
  activities: [
    visit('warm@example.com', { 'str::first': 'W', 'str::last': 'W', 'str::ei': 'EW', 'str:cm:tier': 'gold' }),
    order('warm@example.com', 'warm', daysAgo(1), 'x'),
    ping('warm@example.com', Date.now() - 30 * H),
  ],
};

describe('sync requests of one instance share transactions', () => {
  it('requests that wait are applied in one transaction, each answered as if sent one by one in arrival order', async () => {
    const now = Date.now();
    const created = daysAgo(0.5, now);
    const requests: Body[] = [
      { activities: [visit('a@example.com', { 'str::first': 'Ann' }), visit('b@example.com', { 'str::first': 'Bo' }), order('a@example.com', 'k1', created, 'placed')] },
      // Append only: Ann stays, the last name is added.
      { merge_strategy: 1, activities: [visit('a@example.com', { 'str::first': 'Never', 'str::last': 'A1' })] },
      // The same keyed event as the first request (one event, its id), an invalid item, a new person.
      { activities: [order('a@example.com', 'k1', created, 'paid'), { activity_id: 'act:cm:nope', fields: { 'str::email': 'a@example.com' } }, visit('c@example.com', { 'str:cm:tier': 'silver' })] },
      // Daily limit 2: the earlier request's ping is taken first even though it was created later.
      { activities: [ping('d@example.com', now - 3 * H)] },
      { activities: [ping('d@example.com', now - 5 * H), ping('d@example.com', now - 4 * H)] },
      // Its own merge_by, and an item with its own merge_strategy (overwrite).
      { merge_by: ['str::ei'], activities: [visit('e@example.com', { 'str::ei': 'E1', 'str::first': 'Eve' }), visit('b@example.com', { 'str::first': 'Bob' }, { merge_strategy: 2 })] },
    ];
    const grouped = await setUp();
    const countBefore = await metric('activity_cdp_sync_batch_requests_count');
    const sumBefore = await metric('activity_cdp_sync_batch_requests_sum');
    fed.length = 0;
    const answers = await together(grouped, WARM_UP, requests);
    assert.equal(await metric('activity_cdp_sync_batch_requests_count') - countBefore, 2, 'two transactions: the first request, then the six together');
    assert.equal(await metric('activity_cdp_sync_batch_requests_sum') - sumBefore, 7);

    const serial = await setUp();
    const expected = await oneByOne(serial, [WARM_UP, ...requests]);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    assert.deepEqual(comparable(answers), comparable(expected));
    assert.deepEqual(await stored(grouped), await stored(serial));
    const d = answers[5]!.body.activities.map((x: any) => x.status);
    assert.deepEqual([answers[4]!.body.activities[0].status, ...d], ['ingested', 'ingested', 'rate_limited']);

    // The feed tells each request's outcomes apart, under its own request id.
    for (const a of answers) {
      const batch = fed.find((b) => b.requestId === a.headers.get('x-request-id'));
      assert.ok(batch, 'one feed batch per request');
      assert.equal(batch.results.length, a.body.activities.length);
    }
  });

  it('a group that makes the first use of a custom field or a merge key is applied request by request, with the answers of one by one', async () => {
    const now = Date.now();
    const customField: Body[] = [
      // Refused by the daily limit (the warm-up filled it with two): its text field is never taken.
      { activities: [ping('warm@example.com', now - 29 * H), { ...ping('warm@example.com', now - 31 * H), fields: { 'str::email': 'warm@example.com', 'str:cm:color': 'red' } }] },
      // So the field is first taken here, as a number.
      { activities: [visit('n1@example.com', { 'int:cm:color': 5 })] },
    ];
    const mergeKey: Body[] = [
      // A phone that is no merge key yet.
      { activities: [visit('n2@example.com', { 'phn::phone': { n: '+61 401 234 567' } })] },
      // Now a merge key (the stored records' phones are indexed then): the first request's person.
      { merge_by: ['phn::phone'], activities: [visit('n3@example.com', { 'phn::phone': { n: '+61 401 234 567' } })] },
    ];
    const warm = { ...WARM_UP, activities: [...WARM_UP.activities as unknown[], ping('warm@example.com', now - 28 * H)] };
    const grouped = await setUp();
    const answers = [
      ...await together(grouped, warm, customField),
      ...await together(grouped, { activities: [visit('n0@example.com')] }, mergeKey),
    ];
    const serial = await setUp();
    const expected = await oneByOne(serial, [warm, ...customField, { activities: [visit('n0@example.com')] }, ...mergeKey]);
    assert.deepEqual(answers.map((a) => a.status), [200, 400, 200, 200, 200, 200]);
    assert.equal(answers[5]!.body.activities[0].person_id, answers[4]!.body.activities[0].person_id, 'found by the phone');
    assert.deepEqual(comparable(answers), comparable(expected));
    assert.deepEqual(await stored(grouped), await stored(serial));
  });

  it('a request whose activities are all refused answers 400 as alone, writes nothing, and the others of its group commit', async () => {
    const now = Date.now();
    const requests: Body[] = [
      { activities: [ping('f@example.com', now - H), ping('f@example.com', now - 2 * H)] },
      // All refused: an unknown activity, an unknown person_id, and a ping over the limit (the first request filled it).
      { activities: [{ activity_id: 'act:cm:nope', fields: { 'str::email': 'g@example.com' } }, { activity_id: 'act:cm:visit', person_id: '0088a1d5c3b2e4f6a7b8c9d0' }, ping('f@example.com', now - 90 * 60_000)] },
      { activities: [visit('h@example.com', { 'str::first': 'Hal' })] },
    ];
    const grouped = await setUp();
    const countBefore = await metric('activity_cdp_sync_batch_requests_count');
    const sumBefore = await metric('activity_cdp_sync_batch_requests_sum');
    const answers = await together(grouped, WARM_UP, requests);
    assert.equal(await metric('activity_cdp_sync_batch_requests_count') - countBefore, 2);
    assert.equal(await metric('activity_cdp_sync_batch_requests_sum') - sumBefore, 3, 'the refused request is not in the committed transaction');
    const serial = await setUp();
    const expected = await oneByOne(serial, [WARM_UP, ...requests]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 400, 200]);
    assert.deepEqual(comparable(answers), comparable(expected));
    assert.deepEqual(await stored(grouped), await stored(serial));
    assert.equal((await grouped.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: 'g@example.com' } } })).body.contacts.length, 0);
  });

  it('backdated activities of grouped requests are queued per request: its own request id, merge_strategy and receipt time', async () => {
    const grouped = await setUp();
    await define(grouped, definition('old', [], { track_conversion_value: false, retention_days: 365 }));
    const old = (email: string, fields: Body = {}) => ({ activity_id: 'act:cm:old', created: daysAgo(120), fields: { 'str::email': email, ...fields } });
    const answers = await together(grouped, WARM_UP, [
      { activities: [old('q1@example.com', { 'str::first': 'First' }), visit('q1@example.com')] },
      { merge_strategy: 1, activities: [old('q1@example.com', { 'str::first': 'Second' })] },
    ]);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    assert.equal(answers[1]!.body.activities[0].status, 'queued');
    assert.equal(answers[2]!.body.activities[0].status, 'queued');
    const rows = await testDb.db.query<{ payload: any }>(
      'select payload::text as payload from ingest_queue where instance_id = $1 order by id', [grouped.instanceId]);
    const payloads = rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload));
    assert.deepEqual(payloads.map((p) => [p.request_id, p.merge_strategy, p.items.map((i: any) => [i.index, i.event_id])]), [
      [answers[1]!.headers.get('x-request-id'), 2, [[0, answers[1]!.body.activities[0].activity_id]]],
      [answers[2]!.headers.get('x-request-id'), 1, [[0, answers[2]!.body.activities[0].activity_id]]],
    ]);
    for (const p of payloads) assert.ok(Math.abs(Date.parse(p.received_at) - Date.now()) < 60_000);
    const worker = new Worker(testDb.db, { defaultLimits: { maxCustomActivities: 100, activityDailyLimit: 2 }, pollMs: 50, concurrency: 1 });
    await worker.drain();
    const p = await grouped.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: 'q1@example.com' } } });
    assert.equal(p.body.contacts[0].fields['str::first'], 'First', 'the second request\'s append-only strategy kept the first name');
  });

  it('under the production-2025 profile, each grouped request\'s refused activities are dead letters of its own', async () => {
    const grouped = await setUp({ profile: 'production-2025' });
    const answers = await together(grouped, WARM_UP, [
      { activities: [visit('p1@example.com'), { activity_id: 'act:cm:nope', fields: { 'str::email': 'p1@example.com' } }] },
      { activities: [{ activity_id: 'act:cm:gone', fields: { 'str::email': 'p2@example.com' } }] },
    ]);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const dead = await grouped.post('/v1/activities/dead-letters/get', {});
    assert.equal(dead.status, 200, dead.text);
    assert.deepEqual(dead.body.dead_letters.map((d: any) => [d.activity_index, d.activity.activity_id]).sort(),
      [[0, 'act:cm:gone'], [1, 'act:cm:nope']]);
  });

  it('a group that fails with an error that is not retried is run again request by request: only the culprit fails', async () => {
    const grouped = await setUp();
    control.fault = (_text, params) => (JSON.stringify(params ?? []).includes('poison@example.com') ? new Error('injected fault') : undefined);
    try {
      const answers = await together(grouped, WARM_UP, [
        { activities: [visit('ok1@example.com', { 'str::first': 'One' })] },
        { activities: [visit('poison@example.com')] },
        { activities: [visit('ok2@example.com', { 'str::first': 'Two' })] },
      ]);
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 500, 200]);
      assert.equal(answers[2]!.body.code, 500);
    } finally {
      control.fault = undefined;
    }
    const s = (await stored(grouped)) as Record<string, any>;
    assert.deepEqual(Object.keys(s).sort(), ['ok1@example.com', 'ok2@example.com', 'warm@example.com']);
  });

  it('a serialization failure retries the whole group; a lost database fails every request of it with 503', async () => {
    const grouped = await setUp();
    let failures = 1;
    control.fault = (_text, params) => {
      const sent = JSON.stringify(params ?? []);
      if (sent.includes('retry@example.com') && failures > 0) {
        failures--;
        return Object.assign(new Error('could not serialize access'), { code: '40001' });
      }
      if (sent.includes('down@example.com')) return new DatabaseUnavailableError(new Error('connection lost'));
      return undefined;
    };
    try {
      const countBefore = await metric('activity_cdp_sync_batch_requests_count');
      const retried = await together(grouped, WARM_UP, [
        { activities: [visit('r1@example.com')] },
        { activities: [visit('retry@example.com')] },
      ]);
      assert.deepEqual(retried.map((a) => a.status), [200, 200, 200]);
      assert.equal(failures, 0, 'the fault was met');
      assert.equal(await metric('activity_cdp_sync_batch_requests_count') - countBefore, 2, 'the retried group committed once');

      const lost = await together(grouped, { activities: [visit('w2@example.com')] }, [
        { activities: [visit('d1@example.com')] },
        { activities: [visit('down@example.com')] },
      ]);
      assert.deepEqual(lost.map((a) => a.status), [200, 503, 503]);
    } finally {
      control.fault = undefined;
    }
    const s = (await stored(grouped)) as Record<string, any>;
    assert.deepEqual(Object.keys(s).sort(), ['r1@example.com', 'retry@example.com', 'w2@example.com', 'warm@example.com']);
  });
});
