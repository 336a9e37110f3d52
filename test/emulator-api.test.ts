// The emulator API over real HTTP on this file's store: instances, reset, the request journal,
// drain, clocks, faults, and their errors; isolation between instances.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../src/http/app.js';
import { loadConfig } from '../src/config.js';
import { Client } from './helpers/app.js';
import { useEmulatorApp } from './helpers/emulator.js';
import { assertErrorBody, define, definition, ID } from './helpers/fixtures.js';

const emu = useEmulatorApp({ EMULATOR_JOURNAL_MAX_REQUESTS: '6', EMULATOR_DRAIN_TIMEOUT_MS: '1500' });

const SIGNUP = definition('signup', [{ name: 'plan', display_type: 'text' }]);
const signup = (email: string, extra: Record<string, unknown> = {}) => ({ activity_id: 'act:cm:signup', attributes: { 'str:cm:plan': 'pro' }, fields: { 'str::email': email }, ...extra });

async function withSignup(body: Record<string, unknown> = {}) {
  const api = await emu().newInstance(body);
  await define(api, SIGNUP);
  return api;
}

async function persons(api: Client): Promise<unknown[]> {
  const res = await api.post('/v1/person/get', {});
  assert.equal(res.status, 200, res.text);
  return res.body.contacts ?? [];
}

test('without EMULATOR_API the emulator API is absent: 404 in the error envelope', async () => {
  const app = await buildApp({ db: emu().db, config: loadConfig({ LOG_LEVEL: 'silent' }), logger: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const api = new Client(address, undefined);
    for (const [method, path] of [['POST', '/_emulator/instances'], ['GET', '/_emulator/requests'], ['PUT', '/_emulator/clock']] as const) {
      const res = await api.request(method, path, method === 'GET' ? undefined : {});
      assertErrorBody(res, 404, `no endpoint ${method} ${path}`);
    }
  } finally {
    await app.close();
  }
});

test('POST /_emulator/instances makes a fresh instance whose key works at once, with its settings', async () => {
  const api = await emu().newInstance({ profile: 'production-2025', daily_limit: 1, merge_by: ['str::ei'], merge_strategy: 1 });
  assert.match(api.instanceId, ID);
  assert.match(api.apiKey!, /^acdp_/);
  const rows = await emu().db.query<{ profile: string; activity_daily_limit: number }>('select profile, activity_daily_limit from instances where id = $1', [api.instanceId]);
  assert.deepEqual(rows[0], { profile: 'production-2025', activity_daily_limit: 1 });
  await define(api, SIGNUP);
  // merge_by of the key: str::ei identifies the person; the daily limit of 1 holds.
  const res = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:signup', fields: { 'str::ei': 'u-1' } }, { activity_id: 'act:cm:signup', fields: { 'str::ei': 'u-1' } },
  ] });
  assert.equal(res.status, 200, res.text);
  // The instance's profile holds: production-2025 acknowledges every item as queued (spec README,
  // "Two response profiles"); what happened to each is in the journal and the dead letters.
  assert.deepEqual(res.body.activities, Array(2).fill({ status: 'queued', person_status: 'queued' }));
  const [entry] = (await api.request('GET', '/_emulator/requests?path=/v1/activities/create')).body.requests;
  // The second is over the daily limit of 1: deferred, it ends as a dead letter with its reason.
  assert.deepEqual(entry.outcomes.map((o: any) => o.outcome), ['created', 'dead_letter']);
  assert.match(entry.outcomes[1].error, /more than 1 events/);
  const people = await api.post('/v1/person/get', { fields: ['str::ei'] });
  assert.equal(people.status, 200, people.text);
  assert.deepEqual(people.body.contacts.map((c: any) => [c.id, c.fields['str::ei']]), [[entry.outcomes[0].person_id, 'u-1']]);
  const dead = await api.post('/v1/activities/dead-letters/get', {});
  assert.equal(dead.status, 200, dead.text);
  assert.equal(dead.body.total, 1);
  assert.equal(dead.body.dead_letters[0].activity_index, 1);
  const defaults = await emu().newInstance();
  const rows2 = await emu().db.query<{ profile: string | null }>('select profile from instances where id = $1', [defaults.instanceId]);
  assert.equal(rows2[0]!.profile, null);
});

test('POST /_emulator/instances refuses bad settings with a 400 naming them', async () => {
  const anon = emu().anonymous();
  const cases: Array<[unknown, string | RegExp]> = [
    [{ profile: 'staging' }, 'profile must be one of: docs, production-2025'],
    [{ merge_by: ['nope'] }, 'merge_by: "nope" is not a person field ID'],
    [{ account_merge_by: ['str::email'] }, 'account_merge_by: "str::email" is not an account field ID'],
    [{ merge_strategy: 4 }, 'merge_strategy must be <= 3'],
    [{ daily_limit: -1 }, 'daily_limit must be >= 0'],
    [{ colour: 'red' }, 'colour is not a valid element'],
  ];
  for (const [body, message] of cases) assertErrorBody(await anon.post('/_emulator/instances', body), 400, message);
});

test('instance-scoped calls need the instance key: 401 in the error envelope', async () => {
  const anon = emu().anonymous();
  for (const [method, path] of [['GET', '/_emulator/requests'], ['POST', '/_emulator/drain'], ['GET', '/_emulator/clock'], ['GET', '/_emulator/faults'], ['GET', '/_emulator/snapshot']] as const) {
    assertErrorBody(await anon.request(method, path), 401, /missing X-Api-Key header/);
  }
  assertErrorBody(await new Client(emu().baseUrl, 'acdp_not-a-key').request('GET', '/_emulator/clock'), 401, 'invalid API key');
  assertErrorBody(await anon.post('/_emulator/reset', {}), 401, /send the key of the instance to reset, or \{"all": true\}/);
});

test("reset empties one instance (data, journal, clock, faults) and keeps its key; another instance keeps everything", async () => {
  const a = await withSignup();
  const b = await withSignup();
  for (const api of [a, b]) {
    assert.equal((await api.post('/v1/activities/create', { activities: [signup('r@example.com')] })).status, 200);
    assert.equal((await api.put('/_emulator/clock', { advance_seconds: 3600 })).status, 200);
    assert.equal((await api.post('/_emulator/faults', { path: '/v1/accounts/get', status: 500 })).status, 200);
  }
  const res = await a.post('/_emulator/reset');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { reset: a.instanceId });
  assert.deepEqual(await persons(a), []);
  const schema = await a.post('/v1/instance-schema/get', { namespaces: ['cm'] });
  assert.equal(schema.status, 200, schema.text);
  assert.ok(!JSON.stringify(schema.body).includes('act:cm:signup'), 'the definition is gone');
  assert.equal((await a.request('GET', '/_emulator/clock')).body.frozen, false);
  assert.ok(Math.abs(Date.parse((await a.request('GET', '/_emulator/clock')).body.now) - Date.now()) < 60_000);
  assert.deepEqual((await a.request('GET', '/_emulator/faults')).body.faults, []);
  const journal = (await a.request('GET', '/_emulator/requests')).body.requests;
  assert.deepEqual(journal.map((r: any) => r.path), ['/v1/instance-schema/get', '/v1/person/get']);
  // B is untouched.
  assert.equal((await persons(b)).length, 1);
  assert.ok(Date.parse((await b.request('GET', '/_emulator/clock')).body.now) > Date.now() + 3000_000);
  assert.equal((await b.request('GET', '/_emulator/faults')).body.faults.length, 1);
  // The key still works and the instance takes data again.
  await define(a, SIGNUP);
  assert.equal((await a.post('/v1/activities/create', { activities: [signup('r2@example.com')] })).status, 200);
});

test('reset {"all": true} without a key empties every instance', async () => {
  const a = await withSignup();
  const b = await withSignup();
  for (const api of [a, b]) assert.equal((await api.post('/v1/activities/create', { activities: [signup('all@example.com')] })).status, 200);
  const res = await emu().anonymous().post('/_emulator/reset', { all: true });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { reset: 'all' });
  assert.deepEqual(await persons(a), []);
  assert.deepEqual(await persons(b), []);
  assertErrorBody(await emu().anonymous().post('/_emulator/reset', { all: 'yes' }), 400, 'all must be a boolean');
});

test('the journal keeps each request with its body, answer and per-item outcomes, newest first, and never the key', async () => {
  const api = await withSignup();
  const created = '2030-01-01T10:00:00Z';
  await api.put('/_emulator/clock', { now: '2030-01-02T00:00:00Z' });
  const res = await api.post('/v1/activities/create', { activities: [
    signup('j@example.com', { key: 'k1', created }),
    { activity_id: 'act:cm:nope', fields: { 'str::email': 'j@example.com' } },
    signup('j@example.com', { key: 'k1', created }),
    signup('j2@example.com'),
  ] });
  assert.equal(res.status, 200, res.text);
  const [entry, ...older] = (await api.request('GET', '/_emulator/requests')).body.requests;
  assert.equal(older.length, 1, 'the definition request before it');
  assert.equal(entry.request_id, res.headers.get('x-request-id'));
  assert.equal(entry.method, 'POST');
  assert.equal(entry.path, '/v1/activities/create');
  assert.equal(entry.status, 200);
  assert.equal(entry.received_at, '2030-01-02T00:00:00.000Z', "on the instance's clock");
  assert.equal(entry.request.activities.length, 4);
  assert.deepEqual(entry.response, res.body);
  assert.deepEqual(entry.outcomes.map((o: any) => o.outcome), ['created', 'invalid', 'deduplicated', 'created']);
  assert.match(entry.outcomes[1].error, /act:cm:nope/);
  assert.equal(entry.outcomes[2].activity_id, entry.outcomes[0].activity_id);
  assert.equal(entry.outcomes[0].person_id, res.body.activities[0].person_id);
  // A failed request is journaled with its error answer; filters by path, limit and since.
  const bad = await api.post('/v1/activities/create', { activities: [] });
  assert.equal(bad.status, 400);
  const all = (await api.request('GET', '/_emulator/requests')).body.requests;
  assert.equal(all[0].status, 400);
  assert.equal(all[0].response.code, 400);
  assert.ok(!JSON.stringify(all).includes(api.apiKey!), 'the API key never appears in the journal');
  const byPath = (await api.request('GET', '/_emulator/requests?path=/v1/definitions/activity/create')).body.requests;
  assert.deepEqual(byPath.map((r: any) => r.path), ['/v1/definitions/activity/create']);
  assert.equal((await api.request('GET', '/_emulator/requests?limit=1')).body.requests.length, 1);
  const since = (await api.request('GET', '/_emulator/requests?since=2030-01-01T23:59:59Z')).body.requests;
  assert.equal(since.length, 2, 'the two requests made after the clock was set');
  assertErrorBody(await api.request('GET', '/_emulator/requests?since=yesterday'), 400, /since must be an RFC 3339 date-time/);
  assertErrorBody(await api.request('GET', '/_emulator/requests?limit=ten'), 400, /limit must match pattern/);
  assertErrorBody(await api.request('GET', '/_emulator/requests?colour=red'), 400, 'colour is not a valid element');
  // DELETE clears.
  assert.deepEqual((await api.delete('/_emulator/requests')).body, { requests: [] });
  assert.deepEqual((await api.request('GET', '/_emulator/requests')).body.requests, []);
});

test('the journal is bounded per instance (EMULATOR_JOURNAL_MAX_REQUESTS) and kept apart per instance', async () => {
  const a = await emu().newInstance();
  const b = await emu().newInstance();
  for (let i = 0; i < 8; i++) await a.post('/v1/person/get', { limit: i + 1 });
  await b.post('/v1/person/get', {});
  const kept = (await a.request('GET', '/_emulator/requests')).body.requests;
  assert.equal(kept.length, 6);
  assert.deepEqual(kept.map((r: any) => r.request.limit), [8, 7, 6, 5, 4, 3]);
  assert.equal((await b.request('GET', '/_emulator/requests')).body.requests.length, 1);
});

test('drain answers once async work is applied; the journal then holds the final outcomes (created, dead_letter)', async () => {
  const api = await withSignup();
  const res = await api.post('/v1/activities/create', { async: true, activities: [
    signup('async@example.com'), { activity_id: 'act:cm:missing', fields: { 'str::email': 'async@example.com' } },
  ] });
  assert.equal(res.status, 200, res.text);
  const drained = await api.post('/_emulator/drain');
  assert.equal(drained.status, 200, drained.text);
  assert.equal(drained.body.drained, true);
  assert.equal(drained.body.queued_requests, 0);
  const [entry] = (await api.request('GET', '/_emulator/requests?path=/v1/activities/create')).body.requests;
  assert.deepEqual(entry.response.activities.map((a: any) => a.status), ['queued', 'queued']);
  assert.deepEqual(entry.outcomes.map((o: any) => o.outcome), ['created', 'dead_letter']);
  assert.match(entry.outcomes[1].error, /act:cm:missing/);
  assert.equal(entry.outcomes[0].activity_id, res.body.activities[0].activity_id);
  assert.equal((await persons(api)).length, 1);
  // Nothing queued: drain answers at once.
  assert.equal((await api.post('/_emulator/drain')).body.applied_requests, 0);
});

test('a sync request\'s activity backdated past 90 days is journaled queued, then with its outcome after drain', async () => {
  const api = await emu().newInstance();
  await define(api, definition('old', [{ name: 'plan', display_type: 'text' }], { retention_days: 365 }));
  const created = new Date(Date.now() - 120 * 86_400_000).toISOString();
  const res = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:old', fields: { 'str::email': 'old@example.com' }, created },
    { activity_id: 'act:cm:old', fields: { 'str::email': 'new@example.com' } },
  ] });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.activities.map((a: any) => a.status), ['queued', 'ingested']);
  const before = (await api.request('GET', '/_emulator/requests?limit=1')).body.requests[0];
  assert.deepEqual(before.outcomes.map((o: any) => o.outcome).slice(1), ['created']);
  assert.equal((await api.post('/_emulator/drain')).status, 200);
  const after = (await api.request('GET', '/_emulator/requests?limit=1')).body.requests[0];
  assert.deepEqual(after.outcomes.map((o: any) => o.outcome), ['created', 'created']);
  assert.equal(after.outcomes[0].activity_id, res.body.activities[0].activity_id);
});

test('drain gives a clear 504 when queued work is not applied in time', async () => {
  const api = await emu().newInstance();
  // A row the worker may not take yet (backing off after a failure).
  await emu().db.query(
    `insert into ingest_queue (instance_id, kind, payload, not_before) values ($1, 'person', $2::json, now() + interval '1 hour')`,
    [api.instanceId, JSON.stringify({ merge_by: ['str::email'], merge_strategy: 2, received_at: new Date().toISOString(), items: [] })],
  );
  assertErrorBody(await api.post('/_emulator/drain'), 504, /drain timed out after 1500 ms with 1 queued requests left \(EMULATOR_DRAIN_TIMEOUT_MS\)/);
  assert.equal((await api.post('/_emulator/reset')).status, 200);
  assert.equal((await api.post('/_emulator/drain')).status, 200, 'reset emptied the queue');
});

test('PUT/GET/DELETE /_emulator/clock: frozen at an instant, moved, back to real time; per instance', async () => {
  const a = await emu().newInstance();
  const b = await emu().newInstance();
  assert.deepEqual((await a.put('/_emulator/clock', { now: '2030-05-01T12:00:00Z' })).body, { now: '2030-05-01T12:00:00.000Z', frozen: true });
  assert.deepEqual((await a.put('/_emulator/clock', { advance_seconds: 90 })).body, { now: '2030-05-01T12:01:30.000Z', frozen: true });
  assert.deepEqual((await a.request('GET', '/_emulator/clock')).body, { now: '2030-05-01T12:01:30.000Z', frozen: true });
  const other = (await b.request('GET', '/_emulator/clock')).body;
  assert.equal(other.frozen, false);
  assert.ok(Math.abs(Date.parse(other.now) - Date.now()) < 60_000, "B's clock is real time");
  // Advancing a running clock keeps it running, ahead.
  const ahead = (await b.put('/_emulator/clock', { advance_seconds: 86_400 })).body;
  assert.equal(ahead.frozen, false);
  assert.ok(Math.abs(Date.parse(ahead.now) - Date.now() - 86_400_000) < 60_000);
  const real = (await a.delete('/_emulator/clock')).body;
  assert.equal(real.frozen, false);
  assert.ok(Math.abs(Date.parse(real.now) - Date.now()) < 60_000);
  assertErrorBody(await a.put('/_emulator/clock', {}), 400, 'send one of now (an RFC 3339 date-time) or advance_seconds');
  assertErrorBody(await a.put('/_emulator/clock', { now: '2030-01-01T00:00:00Z', advance_seconds: 1 }), 400, 'send one of now (an RFC 3339 date-time) or advance_seconds');
  assertErrorBody(await a.put('/_emulator/clock', { now: 'tomorrow' }), 400, /now must be an RFC 3339 date-time/);
  assertErrorBody(await a.put('/_emulator/clock', { advance_seconds: 'ten' }), 400, 'advance_seconds must be a number');
  assertErrorBody(await a.put('/_emulator/clock', { advance_seconds: 1e12 }), 400, /within 100 years/);
});

test("the instance's clock sets default created, event ids' time, definitions' times and the 90-day and 5-minute rules", async () => {
  const api = await emu().newInstance();
  const now = '2031-03-10T08:00:00.000Z';
  await api.put('/_emulator/clock', { now });
  const def = await define(api, SIGNUP);
  assert.equal(def.created_at, now);
  const day = 86_400_000;
  const at = (ms: number) => new Date(Date.parse(now) + ms).toISOString();
  const res = await api.post('/v1/activities/create', { activities: [
    signup('clock@example.com'),
    signup('clock@example.com', { created: at(-89 * day) }),
    signup('clock@example.com', { created: at(-91 * day) }),
    signup('clock@example.com', { created: at(10 * 60_000) }),
    signup('clock@example.com', { created: at(4 * 60_000) }),
  ] });
  assert.equal(res.status, 200, res.text);
  const [first, backdated, tooOld, future, nearFuture] = res.body.activities;
  assert.equal(first.status, 'ingested');
  assert.equal(parseInt(first.activity_id.slice(2, 10), 16), Date.parse(now) / 1000, "the event id's time part is the instance's now");
  assert.equal(backdated.status, 'ingested');
  assert.deepEqual(tooOld, { status: 'invalid', error: 'Created date is more than 90 days ago' });
  assert.equal(future.status, 'invalid');
  assert.match(future.error, /future/);
  assert.equal(nearFuture.status, 'ingested');
  const acts = await api.post('/v1/person/get/activities', { person_id: first.person_id });
  assert.equal(acts.status, 200, acts.text);
  const times = acts.body.activities.map((a: any) => a.created_at).sort();
  assert.ok(times.includes(now) || times.some((t: string) => Date.parse(t) === Date.parse(now)), `default created is the clock's now: ${times}`);
});

test("the retention window and record timestamps follow the instance's clock", async () => {
  const api = await emu().newInstance();
  const now = '2031-09-01T00:00:00.000Z';
  await api.put('/_emulator/clock', { now });
  await define(api, definition('kept', [], { retention_days: 365 }));
  const day = 86_400_000;
  const at = (days: number) => new Date(Date.parse(now) - days * day).toISOString();
  const res = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:kept', fields: { 'str::email': 'ret@example.com' }, created: at(300) },
    { activity_id: 'act:cm:kept', fields: { 'str::email': 'ret@example.com' }, created: at(400) },
    { activity_id: 'act:cm:kept', fields: { 'str::email': 'ret@example.com' } },
  ] });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.activities[0].status, 'queued');
  assert.deepEqual(res.body.activities[1], { status: 'invalid', error: 'Created date is outside of activity cold storage' });
  assert.equal(res.body.activities[2].status, 'ingested');
  assert.equal((await api.post('/_emulator/drain')).status, 200);
  const snap = (await api.request('GET', '/_emulator/snapshot')).body;
  assert.equal(snap.persons.length, 1);
  assert.equal(Date.parse(snap.persons[0].created_at), Date.parse(now), "the person's created_at is the instance's now");
  assert.equal(Date.parse(snap.persons[0].updated_at), Date.parse(now));
  assert.deepEqual(snap.events.map((e: any) => Date.parse(e.created_at)).sort(), [Date.parse(at(300)), Date.parse(now)]);
  assert.ok(snap.events.every((e: any) => Date.parse(e.ingested_at) === Date.parse(now)));
});

test('the rolling 24 h limit follows the clock: over the limit now, taken again 24 h later', async () => {
  const api = await withSignup({ daily_limit: 2 });
  await api.put('/_emulator/clock', { now: '2031-06-01T09:00:00Z' });
  const send = () => api.post('/v1/activities/create', { activities: [signup('limit@example.com')] });
  assert.equal((await send()).body.activities[0].status, 'ingested');
  await api.put('/_emulator/clock', { advance_seconds: 60 });
  assert.equal((await send()).body.activities[0].status, 'ingested');
  await api.put('/_emulator/clock', { advance_seconds: 60 });
  const over = await send();
  assertErrorBody(over, 400, /more than 2 events of act:cm:signup for this person in 24 hours/);
  await api.put('/_emulator/clock', { advance_seconds: 24 * 3600 });
  assert.equal((await send()).body.activities[0].status, 'ingested');
  const [last, limited] = (await api.request('GET', '/_emulator/requests?path=/v1/activities/create&limit=2')).body.requests;
  assert.equal(last.outcomes[0].outcome, 'merged');
  assert.equal(limited.status, 400);
});

test("faults: a 429 with Ortto's rate-limit body and try-in-seconds, then a 503 with the error envelope; nothing changes", async () => {
  const api = await withSignup();
  const f = await api.post('/_emulator/faults', { status: 429, try_in_seconds: 7 });
  assert.equal(f.status, 200, f.text);
  assert.deepEqual(f.body.fault, { id: f.body.fault.id, path: null, status: 429, remaining: 1, delay_ms: 0, try_in_seconds: 7 });
  const limited = await api.post('/v1/activities/create', { activities: [signup('fault@example.com')] });
  assert.equal(limited.status, 429);
  assert.deepEqual(limited.body, { error: { code: 'rate-limit', message: 'rate limit', 'try-in-seconds': 7 } });
  assert.equal(limited.headers.get('retry-after'), '7');
  await api.post('/_emulator/faults', { path: '/v1/activities/create', status: 503, count: 2 });
  for (let i = 0; i < 2; i++) {
    const res = await api.post('/v1/activities/create', { activities: [signup('fault@example.com')] });
    assertErrorBody(res, 503, /injected fault/);
  }
  assert.deepEqual(await persons(api), [], 'faulted requests changed nothing');
  const journal = (await api.request('GET', '/_emulator/requests?path=/v1/activities/create')).body.requests;
  assert.deepEqual(journal.map((r: any) => [r.status, r.fault?.status]), [[503, 503], [503, 503], [429, 429]]);
  assert.ok(journal.every((r: any) => r.outcomes === null));
  assert.equal(journal[0].request.activities[0].fields['str::email'], 'fault@example.com');
  // Used up: the next request goes through.
  assert.equal((await api.post('/v1/activities/create', { activities: [signup('fault@example.com')] })).status, 200);
  assert.equal((await persons(api)).length, 1);
});

test('faults: by path, delay only, listed and cleared, never on /_emulator, and per instance', async () => {
  const a = await withSignup();
  const b = await withSignup();
  await a.post('/_emulator/faults', { path: '/v1/accounts/get', status: 500 });
  assert.equal((await a.post('/v1/person/get', {})).status, 200, 'another path is not faulted');
  assertErrorBody(await a.post('/v1/accounts/get', {}), 500, /injected fault/);
  // A fault for any path does not touch the emulator API, and stays armed.
  await a.post('/_emulator/faults', { status: 502 });
  assert.equal((await a.request('GET', '/_emulator/clock')).status, 200);
  const listed = (await a.request('GET', '/_emulator/faults')).body.faults;
  assert.deepEqual(listed.map((f: any) => [f.path, f.status, f.remaining]), [[null, 502, 1]]);
  assert.equal((await b.post('/v1/person/get', {})).status, 200, "A's faults do not touch B");
  assert.deepEqual((await a.delete('/_emulator/faults')).body, { faults: [] });
  assert.equal((await a.post('/v1/person/get', {})).status, 200);
  // Latency only: the request runs, later.
  await a.post('/_emulator/faults', { delay_ms: 300 });
  const t0 = Date.now();
  const slow = await a.post('/v1/activities/create', { activities: [signup('slow@example.com')] });
  assert.equal(slow.status, 200, slow.text);
  assert.ok(Date.now() - t0 >= 290, 'answered after the delay');
  const [entry] = (await a.request('GET', '/_emulator/requests?limit=1')).body.requests;
  assert.deepEqual(entry.fault, { status: null, delay_ms: 300 });
  assert.equal(entry.outcomes[0].outcome, 'created');
  // Errors.
  assertErrorBody(await a.post('/_emulator/faults', { path: '/_emulator/clock' }), 400, /path must be an Ortto API path/);
  assertErrorBody(await a.post('/_emulator/faults', { status: 200 }), 400, 'status must be >= 400');
  assertErrorBody(await a.post('/_emulator/faults', { count: 0 }), 400, 'count must be >= 1');
  assertErrorBody(await a.post('/_emulator/faults', { delay_ms: 10_000_000 }), 400, 'delay_ms must be <= 300000');
});

test('the emulator API is in the OpenAPI document under its own tag', async () => {
  const doc = (await emu().anonymous().request('GET', '/openapi.json')).body;
  const ops: Array<[string, string]> = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) if (op.tags?.includes('emulator')) ops.push([method.toUpperCase(), path]);
  }
  assert.deepEqual(ops.sort(), [
    ['DELETE', '/_emulator/clock'], ['DELETE', '/_emulator/faults'], ['DELETE', '/_emulator/requests'], ['GET', '/_emulator/clock'],
    ['GET', '/_emulator/faults'], ['GET', '/_emulator/requests'], ['GET', '/_emulator/snapshot'], ['POST', '/_emulator/drain'],
    ['POST', '/_emulator/faults'], ['POST', '/_emulator/instances'], ['POST', '/_emulator/reset'], ['PUT', '/_emulator/clock'],
    ['PUT', '/_emulator/snapshot'],
  ]);
});
