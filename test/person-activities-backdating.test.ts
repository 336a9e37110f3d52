// POST /v1/activities/create: backdating with created (the 90-day window, retention, the future) and
// de-duplication by created + key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { daysAgo, define, definition, schemaCustomFields } from './helpers/fixtures.js';
import { events } from './helpers/persons.js';

const getApp = useTestApp();

describe('backdating and de-duplication', () => {
  it('ingests up to 90 days back; queues older within retention; refuses older with the exact messages; refuses the future', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('short', [], { track_conversion_value: false }));
    await define(api, definition('long', [], { track_conversion_value: false, retention_days: 365 }));
    const send = (activity_id: string, created: string) => ({ activity_id, created, fields: { 'str::email': 'b@example.com' } });
    const res = await api.post('/v1/activities/create', { activities: [
      send('act:cm:short', daysAgo(89)),
      send('act:cm:short', daysAgo(91)),
      send('act:cm:long', daysAgo(100)),
      send('act:cm:long', daysAgo(400)),
      send('act:cm:short', new Date(Date.now() + 10 * 60 * 1000).toISOString()),
      send('act:cm:short', new Date(Date.now() + 60 * 1000).toISOString()),
      send('act:cm:short', 'last tuesday'),
    ] });
    const a = res.body.activities;
    assert.equal(a[0].status, 'ingested');
    assert.deepEqual(a[1], { status: 'invalid', error: 'Created date is more than 90 days ago' });
    assert.deepEqual(Object.keys(a[2]), ['status', 'person_status', 'activity_id']);
    assert.equal(a[2].status, 'queued');
    assert.equal(a[2].person_status, 'queued');
    assert.deepEqual(a[3], { status: 'invalid', error: 'Created date is outside of activity cold storage' });
    assert.deepEqual(a[4], { status: 'invalid', error: 'Created date is more than 5 minutes in the future' });
    assert.equal(a[5].status, 'ingested');
    assert.deepEqual(a[6], { status: 'invalid', error: 'created must be an ISO-8601 date-time such as 2025-10-15T14:30:00Z' });

    const personId = a[0].person_id;
    assert.equal((await events(api, personId)).meta.total_activities, 2);
    assert.equal(await getApp().drain(), 1);
    const ev = await events(api, personId);
    assert.equal(ev.meta.total_activities, 3);
    assert.ok(ev.activities.some((e: any) => e.id === a[2].activity_id && e.field_id === 'act:cm:long'), 'the queued event keeps its acknowledged id');
  });

  it('a custom field first named by a queued activity is registered by a later activity of the request that is taken', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('long', [], { track_conversion_value: false, retention_days: 365 }));
    const send = (created: string) => ({ activity_id: 'act:cm:long', created, fields: { 'str::email': 'cf@example.com', 'str:cm:plan': 'pro' } });
    const res = await api.post('/v1/activities/create', { activities: [send(daysAgo(100)), send(daysAgo(1))] });
    assert.deepEqual(res.body.activities.map((a: any) => a.status), ['queued', 'ingested'], res.text);
    // Before the worker applies the queued one: the taken activity stored the value, so the field is the instance's.
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.deepEqual(schemaCustomFields(schema.body, 'cm').map((f: any) => f.id), ['str:cm:plan'], schema.text);
  });

  it('the same created + key is one event: same activity_id, attributes merged, null clears, not counted again', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 2 });
    await define(api, definition('order', [{ name: 'status', display_type: 'text' }, { name: 'total', display_type: 'integer' }, { name: 'note', display_type: 'text' }]));
    const created = daysAgo(1);
    const send = (attributes: Record<string, unknown>, key = 'order-1') => api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:order', created, key, attributes, fields: { 'str::email': 'k@example.com' } }],
    });
    const first = await send({ 'str:cm:status': 'placed', 'str:cm:note': 'gift' });
    const again = await send({ 'int:cm:total': 300, 'str:cm:note': null });
    const third = await send({ 'str:cm:status': 'paid' });
    const ids = [first, again, third].map((r) => r.body.activities[0].activity_id);
    assert.equal(new Set(ids).size, 1, JSON.stringify([first.body, again.body, third.body]));
    const personId = first.body.activities[0].person_id;
    let ev = await events(api, personId);
    assert.equal(ev.meta.total_activities, 1);
    assert.deepEqual(ev.activities[0].attr, { 'str:cm:status': 'paid', 'int:cm:total': 300 });
    // Same pair within one request: one event.
    const both = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:order', created, key: 'order-2', attributes: { 'str:cm:status': 'a' }, fields: { 'str::email': 'k@example.com' } },
      { activity_id: 'act:cm:order', created, key: 'order-2', attributes: { 'int:cm:total': 5 }, fields: { 'str::email': 'k@example.com' } },
    ] });
    assert.equal(both.body.activities[0].activity_id, both.body.activities[1].activity_id, both.text);
    ev = await events(api, personId);
    assert.equal(ev.meta.total_activities, 2);
    // Limit of 2 reached by two distinct events; a repeat of a known pair is still taken.
    assert.equal((await send({ 'str:cm:status': 'shipped' })).body.activities[0].activity_id, ids[0]);
    const over = await send({ 'str:cm:status': 'x' }, 'order-3');
    assert.equal(over.status, 400);
    assert.equal(over.body.details[0].status, 'rate_limited');
  });
});
