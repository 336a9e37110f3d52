// POST /v1/activities/create: which person an activity lands on (merge_by, its fallback, person_id,
// merge strategies, concurrent creation) and what it sets on them; instances never share persons.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { FLIGHT_BOOKED, assertErrorBody, daysAgo, define, definition } from './helpers/fixtures.js';
import { person, events, countPersons } from './helpers/persons.js';

const getApp = useTestApp();

describe('identity and merge', () => {
  it('merge strategy 2 (default) overwrites and null clears; 1 fills only empty fields; 3 leaves an existing person alone', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const send = (fields: Record<string, unknown>, merge_strategy?: number) => api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 's@example.com', ...fields } }],
      ...(merge_strategy ? { merge_strategy } : {}),
    });
    await send({ 'str::first': 'Kate', 'str::last': 'Traveller', 'str:cm:member-id': 'A1' });
    await send({ 'str::first': 'Katherine', 'str:cm:member-id': null });
    let p = await person(api, 's@example.com');
    assert.deepEqual(p.fields, { 'str::email': 's@example.com', 'str::first': 'Katherine', 'str::last': 'Traveller', 'bol::p': true, 'bol::sp': false });
    await send({ 'str::first': 'K', 'str::language': 'en', 'str::last': null }, 1);
    p = await person(api, 's@example.com');
    assert.equal(p.fields['str::first'], 'Katherine');
    assert.equal(p.fields['str::language'], 'en');
    assert.equal(p.fields['str::last'], 'Traveller');
    const ignored = await send({ 'str::first': 'Ignored', 'str::job': 'pilot' }, 3);
    assert.equal(ignored.body.activities[0].person_status, 'merged');
    p = await person(api, 's@example.com');
    assert.equal(p.fields['str::first'], 'Katherine');
    assert.equal(p.fields['str::job'], undefined);
    const fresh = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'new3@example.com', 'str::first': 'New' }, merge_strategy: 3 }] });
    assert.equal(fresh.body.activities[0].person_status, 'created');
    assert.equal((await person(api, 'new3@example.com')).fields['str::first'], 'New');
  });

  it('the activity\'s merge_by and merge_strategy win over the request\'s', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'o@example.com', 'str::ei': 'E1', 'str::first': 'A' } }], merge_by: ['str::email'] });
    const res = await api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:ping', fields: { 'str::ei': 'E1', 'str::first': 'B' }, merge_by: ['str::ei'], merge_strategy: 1 }],
      merge_by: ['str::email'], merge_strategy: 2,
    });
    assert.equal(res.body.activities[0].person_status, 'merged', res.text);
    assert.equal((await person(api, 'o@example.com')).fields['str::first'], 'A');
  });

  it('the second merge_by field is the fallback; an empty string is not a usable value', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const first = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'fb@example.com', 'str::first': 'Fallback' } }] });
    const res = await api.post('/v1/activities/create', {
      activities: [
        { activity_id: 'act:cm:ping', fields: { 'str::ei': '', 'str::email': 'fb@example.com' } },
        { activity_id: 'act:cm:ping', fields: { 'str::email': 'FB@Example.com' } },
        { activity_id: 'act:cm:ping', fields: { 'str::ei': 'X9', 'str::email': 'other@example.com' } },
      ],
      merge_by: ['str::ei', 'str::email'],
    });
    assert.equal(res.body.activities[0].person_id, first.body.activities[0].person_id, res.text);
    assert.equal(res.body.activities[1].person_id, first.body.activities[0].person_id);
    assert.equal(res.body.activities[2].person_status, 'created');
  });

  it('merges by a custom field and by a field set earlier in the same request', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'c@example.com', 'str:cm:member-id': 'M1' } },
      { activity_id: 'act:cm:ping', fields: { 'str:cm:member-id': 'M1', 'str::first': 'Same' }, merge_by: ['str:cm:member-id'] },
    ] });
    assert.deepEqual(res.body.activities.map((a: any) => a.person_status), ['created', 'merged'], res.text);
    assert.equal(res.body.activities[0].person_id, res.body.activities[1].person_id);
    // Later requests find the person by either key.
    const later = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:cm:member-id': 'M1' } }], merge_by: ['str:cm:member-id'] });
    assert.equal(later.body.activities[0].person_id, res.body.activities[0].person_id);
    assert.equal(await countPersons(api), 1);
  });

  it('person_id names the person directly and ignores fields and merge_by', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const made = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'd@example.com', 'str::first': 'Direct' } }] });
    const id = made.body.activities[0].person_id;
    const res = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', person_id: id, fields: { 'str::email': 'other@example.com', 'str::first': 'Changed', 'str::bogus': 1 }, merge_by: ['str::ei'] }] });
    assert.deepEqual(res.body.activities[0], { person_id: id, status: 'ingested', person_status: 'merged', activity_id: res.body.activities[0].activity_id });
    const p = await person(api, 'd@example.com');
    assert.equal(p.fields['str::first'], 'Direct');
    assert.equal(await countPersons(api), 1);
  });

  it('20 concurrent requests for one new e-mail create exactly one person', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'race@example.com', 'int:cm:n': i } }],
    })));
    for (const r of results) assert.equal(r.status, 200, r.text);
    const ids = new Set(results.map((r) => r.body.activities[0].person_id));
    assert.equal(ids.size, 1);
    assert.deepEqual(results.map((r) => r.body.activities[0].person_status).filter((s) => s === 'created'), ['created']);
    assert.equal(await countPersons(api), 1);
    const ev = await events(api, [...ids][0]!);
    assert.equal(ev.meta.total_activities, 20);
  });

  it('mapped attributes set person fields; touch moves first/last seen; the first event activates the definition', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('support-ticket', [
      { name: 'ticket-subject', display_type: 'text', field_id: 'str:cm:last-ticket-subject' },
      { name: 'city', display_type: 'text', field_id: 'geo::city' },
    ]));
    await define(api, definition('quiet', [], { touch: false, track_conversion_value: false }));
    const old = daysAgo(5);
    await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:support-ticket', attributes: { 'str:cm:ticket-subject': 'Login issue', 'str:cm:city': 'Sydney' }, fields: { 'str::email': 'm@example.com' }, created: old },
      { activity_id: 'act:cm:quiet', fields: { 'str::email': 'm@example.com' } },
    ] });
    let p = await person(api, 'm@example.com');
    assert.equal(p.fields['str:cm:last-ticket-subject'], 'Login issue');
    assert.equal(p.fields['geo::city'], 'Sydney');
    assert.equal(p.first_seen_at, old);
    assert.equal(p.last_seen_at, old);
    const now = new Date().toISOString();
    await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:support-ticket', attributes: { 'str:cm:ticket-subject': 'Billing' }, fields: { 'str::email': 'm@example.com' }, created: now }] });
    p = await person(api, 'm@example.com');
    assert.equal(p.fields['str:cm:last-ticket-subject'], 'Billing');
    assert.equal(p.first_seen_at, old);
    assert.equal(p.last_seen_at, now);
  });
});

describe('instance isolation', () => {
  it('the same e-mail in two instances is two persons; one instance cannot use the other\'s person_id or definitions', async () => {
    const a = await getApp().newInstance();
    const b = await getApp().newInstance();
    await define(a, FLIGHT_BOOKED);
    const ra = await a.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', fields: { 'str::email': 'iso@example.com' } }] });
    assertErrorBody(await b.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', fields: { 'str::email': 'iso@example.com' } }] }), 400, 'activity act:cm:flight-booked does not exist');
    await define(b, FLIGHT_BOOKED);
    const rb = await b.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', fields: { 'str::email': 'iso@example.com' } }] });
    assert.equal(rb.body.activities[0].person_status, 'created');
    assert.notEqual(rb.body.activities[0].person_id, ra.body.activities[0].person_id);
    assertErrorBody(await b.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', person_id: ra.body.activities[0].person_id }] }), 400,
      `person_id ${ra.body.activities[0].person_id} does not exist`);
    assertErrorBody(await b.post('/v1/person/get/activities', { person_id: ra.body.activities[0].person_id }), 404, `person ${ra.body.activities[0].person_id} not found`);
    assert.equal((await b.post('/v1/person/get', {})).body.contacts.length, 1);
  });
});
