// POST /v1/activities/create: the daily limit per activity and person (counted on created times).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { daysAgo, define, definition } from './helpers/fixtures.js';

const getApp = useTestApp();

/** A request of one activity: its status (a request whose only activity fails is a 400 naming it). */
async function sendOne(api: Awaited<ReturnType<ReturnType<typeof getApp>['newInstance']>>, activity: unknown): Promise<string> {
  const res = await api.post('/v1/activities/create', { activities: [activity] });
  return res.status === 400 ? res.body.details[0].status : res.body.activities[0].status;
}

describe('daily limit', () => {
  it('the 51st event of one activity for one person in 24 hours is rate_limited; other persons and activities are not', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    await define(api, definition('pong', [], { track_conversion_value: false }));
    const batch = (n: number, email: string, activity = 'act:cm:ping') => Array.from({ length: n }, () => ({ activity_id: activity, fields: { 'str::email': email } }));
    const fifty = await api.post('/v1/activities/create', { activities: batch(50, 'busy@example.com') });
    assert.ok(fifty.body.activities.every((a: any) => a.status === 'ingested'), fifty.text);
    const res = await api.post('/v1/activities/create', { activities: [
      ...batch(1, 'busy@example.com'), ...batch(1, 'calm@example.com'), ...batch(1, 'busy@example.com', 'act:cm:pong'),
    ] });
    assert.deepEqual(res.body.activities[0], { status: 'rate_limited', error: 'more than 50 events of act:cm:ping for this person in 24 hours' });
    assert.equal(res.body.activities[1].status, 'ingested');
    assert.equal(res.body.activities[2].status, 'ingested');
  });

  it('counts on created times: events backdated two days ago do not count against today', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 3 });
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const at = (created: string) => ({ activity_id: 'act:cm:ping', created, fields: { 'str::email': 'w@example.com' } });
    const old = daysAgo(2);
    const res = await api.post('/v1/activities/create', { activities: [at(old), at(old), at(old), at(old), at(daysAgo(0.1)), at(daysAgo(0.1)), at(daysAgo(0.1))] });
    assert.deepEqual(res.body.activities.map((a: any) => a.status), ['ingested', 'ingested', 'ingested', 'rate_limited', 'ingested', 'ingested', 'ingested']);
  });

  it('events that leave the person as it was (no fields, touch off) count as well', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 3 });
    await define(api, definition('ping', [], { track_conversion_value: false, touch: false }));
    const one = { activity_id: 'act:cm:ping', fields: { 'str::email': 'same@example.com' } };
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await sendOne(api, one));
    assert.deepEqual(statuses, ['ingested', 'ingested', 'ingested', 'rate_limited', 'rate_limited']);
  });

  it('a person whose stored count is unknown (stored before it was kept, or loaded from a snapshot) is decided on its stored events', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 3 });
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const one = { activity_id: 'act:cm:ping', fields: { 'str::email': 'old@example.com' } };
    const first = await api.post('/v1/activities/create', { activities: [one, one] });
    assert.deepEqual(first.body.activities.map((a: any) => a.status), ['ingested', 'ingested']);
    await getApp().db.query('update records set limit_bound = null where instance_id = $1', [api.instanceId]);
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) statuses.push(await sendOne(api, one));
    assert.deepEqual(statuses, ['ingested', 'rate_limited', 'rate_limited']);
  });

  it('events taken while the limit is off count once it is on again', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 3 });
    await define(api, definition('ping', [], { track_conversion_value: false, touch: false }));
    const one = { activity_id: 'act:cm:ping', fields: { 'str::email': 'onoff@example.com' } };
    assert.equal(await sendOne(api, one), 'ingested');
    const setLimit = (n: number) => getApp().db.query('update instances set activity_daily_limit = $2 where id = $1', [api.instanceId, n]);
    await setLimit(0);
    assert.equal(await sendOne(api, one), 'ingested');
    assert.equal(await sendOne(api, one), 'ingested');
    await setLimit(3);
    assert.equal(await sendOne(api, one), 'rate_limited');
  });

  it('0 means no limit', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 0 });
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', { activities: Array.from({ length: 60 }, () => ({ activity_id: 'act:cm:ping', fields: { 'str::email': 'u@example.com' } })) });
    assert.equal(res.body.activities.filter((a: any) => a.status === 'ingested').length, 60);
  });
});
