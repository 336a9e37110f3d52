// The 24-hour limit does not depend on order (issue 12 item 6): within a request, across requests
// and between concurrent requests, no 24-hour window of created times holds more than the limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type Client } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';

const getApp = useTestApp();
const H = 60 * 60 * 1000;
const DAY = 24 * H;

async function setUp(limit?: number): Promise<Client> {
  const api = await getApp().newInstance(limit === undefined ? {} : { activityDailyLimit: limit });
  await define(api, definition('ping', [], { track_conversion_value: false }));
  return api;
}

const ping = (email: string, created: number, extra: Record<string, unknown> = {}) =>
  ({ activity_id: 'act:cm:ping', created: new Date(created).toISOString(), fields: { 'str::email': email }, ...extra });

/** Every stored event's created time (ms) of a person, by paging the read-back. */
async function storedTimes(api: Client, email: string): Promise<number[]> {
  const found = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: email } } });
  const personId = found.body.contacts[0].id;
  const out: number[] = [];
  for (let offset = 0; ; offset += 40) {
    const res = await api.post('/v1/person/get/activities', { person_id: personId, limit: 40, offset });
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.activities.map((e: any) => Date.parse(e.created_at)));
    if (res.body.activities.length < 40) break;
  }
  return out.sort((a, b) => a - b);
}

function fullestWindow(times: number[]): number {
  let best = 0;
  for (const p of times) best = Math.max(best, times.filter((x) => x > p - DAY && x <= p).length);
  return best;
}

describe('daily limit, whatever the order', () => {
  it('60 events within a minute: 50 taken and 10 refused, newest-first, oldest-first or shuffled; the 50 earliest are the ones taken', async () => {
    const api = await setUp();
    const t0 = Date.now() - 2 * H;
    const times = Array.from({ length: 60 }, (_, i) => t0 + i * 1000);
    const orders = { oldest: times, newest: [...times].reverse(), shuffled: [...times].sort((a, b) => ((a * 7919) % 61) - ((b * 7919) % 61)) };
    for (const [name, order] of Object.entries(orders)) {
      const email = `${name}@example.com`;
      const res = await api.post('/v1/activities/create', { activities: order.map((t) => ping(email, t)) });
      assert.equal(res.status, 200, res.text);
      const statuses = res.body.activities.map((a: any) => a.status);
      assert.equal(statuses.filter((s: string) => s === 'ingested').length, 50, `${name}: ${statuses.join(',')}`);
      const refused = order.filter((_, i) => statuses[i] === 'rate_limited').sort((a, b) => a - b);
      assert.deepEqual(refused, times.slice(50), `${name}: the 10 latest are refused`);
      assert.deepEqual(res.body.activities.find((a: any) => a.status === 'rate_limited'),
        { status: 'rate_limited', error: 'more than 50 events of act:cm:ping for this person in 24 hours' });
      assert.deepEqual(await storedTimes(api, email), times.slice(0, 50));
    }
  });

  it('across requests: an event sent later but created earlier cannot overfill a window that later events filled', async () => {
    const api = await setUp(5);
    const t0 = Date.now() - 3 * H;
    const email = 'later@example.com';
    const five = await api.post('/v1/activities/create', { activities: [0, 1, 2, 3, 4].map((i) => ping(email, t0 + i * 1000)) });
    assert.ok(five.body.activities.every((a: any) => a.status === 'ingested'), five.text);
    // Created 5 hours before: a window holds it and all five. Created 25 hours before: no window does.
    const res = await api.post('/v1/activities/create', { activities: [ping(email, t0 - 5 * H), ping(email, t0 - 25 * H)] });
    assert.deepEqual(res.body.activities.map((a: any) => a.status), ['rate_limited', 'ingested'], res.text);
    const stored = await storedTimes(api, email);
    assert.equal(stored.length, 6);
    assert.ok(fullestWindow(stored) <= 5);
  });

  it('a repeat of a refused keyed event in the same request is refused with it; repeats of a stored one are not counted', async () => {
    const api = await setUp(2);
    const t0 = Date.now() - H;
    const email = 'keys@example.com';
    const res = await api.post('/v1/activities/create', { activities: [
      ping(email, t0 + 3000, { key: 'c' }), ping(email, t0 + 1000, { key: 'a' }), ping(email, t0 + 2000, { key: 'b' }), ping(email, t0 + 3000, { key: 'c' }),
    ] });
    assert.deepEqual(res.body.activities.map((a: any) => a.status), ['rate_limited', 'ingested', 'ingested', 'rate_limited'], res.text);
    const again = await api.post('/v1/activities/create', { activities: [ping(email, t0 + 1000, { key: 'a' }), ping(email, t0 + 2000, { key: 'b' })] });
    assert.deepEqual(again.body.activities.map((a: any) => a.status), ['ingested', 'ingested'], again.text);
    assert.equal((await storedTimes(api, email)).length, 2);
  });

  it('concurrent requests for one person take no more than the limit in any window, and exactly the limit in all', async () => {
    const api = await setUp(30);
    const t0 = Date.now() - 30 * H;
    const email = 'busy@example.com';
    // Seed the person so that every request merges into it (the records' lock is what serializes them).
    await api.post('/v1/activities/create', { activities: [ping(email, t0 - 2 * DAY)] });
    const requests = Array.from({ length: 6 }, (_, r) => Array.from({ length: 20 }, (_, i) => ping(email, t0 + (i * 6 + r) * 10 * 60 * 1000)));
    const answers = await Promise.all(requests.map((activities) => api.post('/v1/activities/create', { activities })));
    for (const a of answers) assert.ok(a.status === 200 || a.status === 400, a.text);
    const stored = await storedTimes(api, email);
    const taken = answers.flatMap((a) => (a.status === 200 ? a.body.activities : [])).filter((x: any) => x.status === 'ingested').length;
    assert.equal(stored.length, taken + 1, 'what was answered ingested is what is stored');
    assert.equal(taken, 30, 'all 120 lie within 20 hours: the limit is taken, no more');
    assert.ok(fullestWindow(stored) <= 30, `a window holds ${fullestWindow(stored)}`);
  });

  it('the worker applies the same rule to queued activities', async () => {
    const app = getApp();
    const api = await setUp(3);
    const t0 = Date.now() - 2 * H;
    const email = 'queued@example.com';
    const res = await api.post('/v1/activities/create', { async: true, activities: [4, 3, 2, 1, 0].map((i) => ping(email, t0 + i * 1000)) });
    assert.ok(res.body.activities.every((a: any) => a.status === 'queued'), res.text);
    await app.drain();
    assert.deepEqual(await storedTimes(api, email), [0, 1, 2].map((i) => t0 + i * 1000));
  });

  it('a request that also creates persons decides the limit and the repeats of stored keyed events of the existing ones the same way', async () => {
    // The stored events and times are then read by the statement that claims the new persons' keys.
    const api = await setUp(5);
    const t0 = Date.now() - 2 * H;
    const email = 'known@example.com';
    const first = await api.post('/v1/activities/create', { activities: [0, 1, 2, 3].map((i) => ping(email, t0 + i * 1000, i === 0 ? { key: 'k0' } : {})) });
    assert.ok(first.body.activities.every((a: any) => a.status === 'ingested'), first.text);
    const res = await api.post('/v1/activities/create', { activities: [
      ping('new-1@example.com', t0),
      ping(email, t0 + 10_000),
      ping(email, t0, { key: 'k0' }),
      ping(email, t0 - 23 * H),
      ping('new-2@example.com', t0),
    ] });
    assert.equal(res.status, 200, res.text);
    const [newOne, late, repeat, early, newTwo] = res.body.activities;
    assert.equal(newOne.person_status, 'created', res.text);
    assert.equal(newTwo.person_status, 'created', res.text);
    // Created first, the early one is taken (the window after it holds the 4 stored ones); the late
    // one would make a sixth; the repeat of the stored keyed event is the same event, not counted.
    assert.equal(early.status, 'ingested', res.text);
    assert.equal(late.status, 'rate_limited', res.text);
    assert.deepEqual({ status: repeat.status, activity_id: repeat.activity_id }, { status: 'ingested', activity_id: first.body.activities[0].activity_id });
    const stored = await storedTimes(api, email);
    assert.equal(stored.length, 5);
    assert.ok(fullestWindow(stored) <= 5);
  });
});
