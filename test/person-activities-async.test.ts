// POST /v1/activities/create with async: acknowledged as queued with pre-assigned ids, applied when
// the queue drains, invalid ones kept as dead letters; also under concurrency.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { FLIGHT_BOOKED, ID, define, definition } from './helpers/fixtures.js';
import { events } from './helpers/persons.js';

const getApp = useTestApp();

describe('async', () => {
  it('queues the body as it was received (its text, escapes and all) and applies each object in its place', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    // Escapes and spacing that a re-serialisation would not reproduce; index 0 is not an object.
    const raw = '{ "async" : true,\n  "activities": [ 7,\n'
      + '  {"activity_id":"act:cm:flight-booked","attributes":{"str:cm:destination":"L\\u00edma \\ud83d\\ude00","str:cm:carrier":"A\\"B"},"fields":{"str::email":"raw1@example.com"}},\n'
      + '  {"activity_id":"act:cm:flight-booked","fields":{"str::email":"raw2@example.com"}} ] }';
    const res = await api.post('/v1/activities/create', raw);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.activities.map((a: any) => a.status), ['invalid', 'queued', 'queued']);
    const stored = await getApp().db.query<{ payload: string }>('select payload from ingest_queue where instance_id = $1', [api.instanceId]);
    assert.equal(stored.length, 1);
    assert.ok(String(stored[0]!.payload).includes(raw), 'the queued payload holds the body as received');
    assert.ok((await getApp().drain()) >= 1);
    const p1 = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: 'raw1@example.com' } } });
    const ev = await events(api, p1.body.contacts[0].id);
    assert.deepEqual(ev.activities.map((e: any) => [e.id, e.render_cmds[0].content]), [[res.body.activities[1].activity_id, 'Flew A"B to L\u00edma \ud83d\ude00']]);
    const p2 = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: 'raw2@example.com' } } });
    assert.equal(p2.body.contacts.length, 1);
    const dl = await api.post('/v1/activities/dead-letters/get', {});
    assert.deepEqual({ queued: dl.body.queued_requests, dead: dl.body.total }, { queued: 0, dead: 0 });
  });

  it('answers queued for every activity with pre-assigned ids, applies them when drained, and dead-letters invalid ones', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    const made = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', fields: { 'str::email': 'q@example.com' } }] });
    const known = made.body.activities[0].person_id;
    const res = await api.post('/v1/activities/create', {
      async: true,
      activities: [
        { activity_id: 'act:cm:flight-booked', attributes: { 'str:cm:destination': 'Lima' }, fields: { 'str::email': 'q@example.com' } },
        { activity_id: 'act:cm:missing', fields: { 'str::email': 'q@example.com' } },
        { activity_id: 'act:cm:flight-booked', person_id: known },
      ],
    });
    assert.equal(res.status, 200);
    const a = res.body.activities;
    assert.deepEqual(a.map((x: any) => Object.keys(x)), [['status', 'person_status', 'activity_id'], ['status', 'person_status', 'activity_id'], ['person_id', 'status', 'person_status', 'activity_id']]);
    assert.ok(a.every((x: any) => x.status === 'queued' && x.person_status === 'queued' && ID.test(x.activity_id)));
    assert.equal(a[2].person_id, known);
    let dl = await api.post('/v1/activities/dead-letters/get', {});
    assert.equal(dl.body.queued_requests, 1);
    assert.ok((await getApp().drain()) >= 1);
    const ev = await events(api, known);
    assert.deepEqual(ev.activities.map((e: any) => e.id).sort(), [made.body.activities[0].activity_id, a[0].activity_id, a[2].activity_id].sort());
    dl = await api.post('/v1/activities/dead-letters/get', {});
    assert.equal(dl.body.queued_requests, 0);
    assert.equal(dl.body.total, 1);
    assert.deepEqual(
      { ...dl.body.dead_letters[0], id: 0, enqueued_at: '', failed_at: '' },
      { id: 0, kind: 'person', activity_index: 1, activity_id: a[1].activity_id, activity: { activity_id: 'act:cm:missing', fields: { 'str::email': 'q@example.com' } }, status: 'invalid', error: 'activity act:cm:missing does not exist', enqueued_at: '', failed_at: '' },
    );
  });
});

describe('async under concurrency', () => {
  it('25 concurrent async requests (sharing commits) are each acknowledged, queued once, and applied', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('tick', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    const responses = await Promise.all(Array.from({ length: 25 }, (_, r) => api.post('/v1/activities/create', {
      async: true,
      activities: Array.from({ length: 4 }, (_, i) => ({ activity_id: 'act:cm:tick', attributes: { 'int:cm:n': r * 4 + i }, fields: { 'str::email': `t${r % 5}@example.com` } })),
    })));
    for (const res of responses) assert.equal(res.status, 200, res.text);
    const acknowledged = responses.flatMap((res) => res.body.activities.map((a: any) => a.activity_id));
    assert.equal((await api.post('/v1/activities/dead-letters/get', {})).body.queued_requests, 25);
    await getApp().drain();
    const persons = (await api.post('/v1/person/get', {})).body.contacts;
    assert.equal(persons.length, 5);
    const stored: string[] = [];
    for (const p of persons) stored.push(...(await events(api, p.id)).activities.map((e: any) => e.id));
    assert.deepEqual(stored.sort(), acknowledged.sort());
  });
});
