// The limits an instance runs under (domain/limits.ts effectiveLimits): its own where it has one,
// else the server's, alike for definitions, synchronous requests and the worker's queued ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type Client } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';

const getApp = useTestApp({ ACTIVITY_DAILY_LIMIT: '2', MAX_CUSTOM_ACTIVITIES: '2' });

const pings = (email: string, n: number) => Array.from({ length: n }, () => ({ activity_id: 'act:cm:ping', fields: { 'str::email': email } }));

async function storedEvents(api: Client, email: string): Promise<number> {
  const found = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: email } } });
  const res = await api.post('/v1/person/get/activities', { person_id: found.body.contacts[0].id, limit: 40 });
  assert.equal(res.status, 200, res.text);
  return res.body.activities.length;
}

describe('effective limits', () => {
  it("an instance without limits of its own runs under the server's: definitions, sync events and queued events", async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    await define(api, definition('pong', [], { track_conversion_value: false }));
    const third = await api.post('/v1/definitions/activity/create', definition('pang', []));
    assert.equal(third.status, 403, third.text);
    assert.equal(third.body.error, 'custom activity limit reached: this instance allows 2 custom activities');

    const sync = await api.post('/v1/activities/create', { activities: pings('sync@example.com', 3) });
    assert.deepEqual(sync.body.activities.map((a: any) => a.status), ['ingested', 'ingested', 'rate_limited'], sync.text);

    const queued = await api.post('/v1/activities/create', { async: true, activities: pings('queued@example.com', 3) });
    assert.ok(queued.body.activities.every((a: any) => a.status === 'queued'), queued.text);
    assert.equal(await getApp().drain(), 1);
    assert.equal(await storedEvents(api, 'queued@example.com'), 2);
    const dl = await api.post('/v1/activities/dead-letters/get', {});
    assert.deepEqual(dl.body.dead_letters.map((d: any) => [d.status, d.error]), [['rate_limited', 'more than 2 events of act:cm:ping for this person in 24 hours']]);
  });

  it("an instance's own limits replace the server's (a daily limit of 0: none), on the sync path and in the worker", async () => {
    const api = await getApp().newInstance({ maxCustomActivities: 3, activityDailyLimit: 0 });
    for (const name of ['ping', 'pong', 'pang']) await define(api, definition(name, [], { track_conversion_value: false }));
    const fourth = await api.post('/v1/definitions/activity/create', definition('peng', []));
    assert.equal(fourth.status, 403, fourth.text);
    assert.equal(fourth.body.error, 'custom activity limit reached: this instance allows 3 custom activities');

    const sync = await api.post('/v1/activities/create', { activities: pings('sync@example.com', 5) });
    assert.ok(sync.body.activities.every((a: any) => a.status === 'ingested'), sync.text);

    await api.post('/v1/activities/create', { async: true, activities: pings('queued@example.com', 5) });
    assert.equal(await getApp().drain(), 1);
    assert.equal(await storedEvents(api, 'queued@example.com'), 5);
    assert.equal((await api.post('/v1/activities/dead-letters/get', {})).body.total, 0);
  });
});
