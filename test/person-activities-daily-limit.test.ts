// POST /v1/activities/create: the daily limit per activity and person (counted on created times).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { daysAgo, define, definition } from './helpers/fixtures.js';

const getApp = useTestApp();

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

  it('0 means no limit', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 0 });
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', { activities: Array.from({ length: 60 }, () => ({ activity_id: 'act:cm:ping', fields: { 'str::email': 'u@example.com' } })) });
    assert.equal(res.body.activities.filter((a: any) => a.status === 'ingested').length, 60);
  });
});
