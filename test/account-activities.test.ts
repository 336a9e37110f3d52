// POST /v1/accounts/activities/create: account activity events
// (https://help.ortto.com/a-890-create-an-account-custom-activity-event-create), through the same pipeline as person events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type Client } from './helpers/app.js';
import { FLIGHT_BOOKED, ID, assertErrorBody, daysAgo, define, definition, schemaCustomFields } from './helpers/fixtures.js';

const getApp = useTestApp();

async function account(api: Client, name: string): Promise<any> {
  const res = await api.post('/v1/accounts/get', { filter: { '$str::is': { field_id: 'str:o:name', value: name } } });
  assert.equal(res.status, 200, res.text);
  return res.body.accounts[0];
}

async function accountEvents(api: Client, accountId: string, extra: Record<string, unknown> = {}) {
  const res = await api.post('/v1/accounts/get/activities', { account_id: accountId, limit: 40, ...extra });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

describe('the examples of Ortto\'s accounts/activities/create page', () => {
  it('merge_by str:o:name with act:oc: creates the account, then merges into it', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    const body = {
      activities: [{ activity_id: 'act:oc:flight-booked', attributes: { 'int::v': 17500, 'str:cm:carrier': 'Easy Jet', 'str:cm:destination': 'London' }, fields: { 'str:o:name': 'CompanyName' } }],
      merge_by: ['str:o:name'],
    };
    const first = await api.post('/v1/accounts/activities/create', body);
    assert.equal(first.status, 200, first.text);
    const [a] = first.body.activities;
    assert.deepEqual(Object.keys(a), ['account_id', 'status', 'account_status', 'activity_id']);
    assert.match(a.account_id, ID);
    assert.match(a.activity_id, ID);
    assert.equal(a.status, 'ingested');
    assert.equal(a.account_status, 'created');
    const second = await api.post('/v1/accounts/activities/create', body);
    assert.deepEqual(second.body.activities[0], { account_id: a.account_id, status: 'ingested', account_status: 'merged', activity_id: second.body.activities[0].activity_id });
    const acc = await account(api, 'CompanyName');
    assert.equal(acc.id, a.account_id);
    assert.deepEqual(acc.fields, { 'str:o:name': 'CompanyName' });
    const ev = await accountEvents(api, a.account_id);
    assert.equal(ev.meta.total_activities, 2);
    assert.deepEqual(ev.activities[0].attr, { 'int::v': 17500, 'str:cm:carrier': 'Easy Jet', 'str:cm:destination': 'London' });
    assert.deepEqual(ev.activities[0].render_cmds, [{ content: 'Flew Easy Jet to London' }]);
  });

  it('str:o:organization_id names the account directly, without merge_by, and ignores fields', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    const made = await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', fields: { 'str:o:name': 'Acme', 'str:o:industry': 'Travel' } }] });
    const id = made.body.activities[0].account_id;
    const res = await api.post('/v1/accounts/activities/create', {
      activities: [{ activity_id: 'act:cm:flight-booked', 'str:o:organization_id': id, attributes: { 'int::v': 15300, 'str:cm:destination': 'London', 'str:cm:carrier': 'Easy Jet' }, fields: { 'str:o:industry': 'Ignored' } }],
    });
    assert.deepEqual(res.body.activities[0], { account_id: id, status: 'ingested', account_status: 'merged', activity_id: res.body.activities[0].activity_id });
    assert.equal((await account(api, 'Acme')).fields['str:o:industry'], 'Travel');
    const unknown = await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', 'str:o:organization_id': '00671822e88c13e21abf2302' }] });
    assertErrorBody(unknown, 400, 'str:o:organization_id 00671822e88c13e21abf2302 does not exist');
  });

  it('the backdating example: within 90 days it is ingested with its key; the documented date (2025-06-30) is refused with the documented message', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    const made = await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', fields: { 'str:o:name': 'Backfill Co' } }] });
    const id = made.body.activities[0].account_id;
    const activity = (created: string) => ({
      activities: [{ activity_id: 'act:cm:flight-booked', created, key: '125432', 'str:o:organization_id': id, attributes: { 'int::v': 15300, 'str:cm:destination': 'London', 'str:cm:carrier': 'Easy Jet' } }],
    });
    const old = await api.post('/v1/accounts/activities/create', activity('2025-06-30T01:30:17.601Z'));
    assertErrorBody(old, 400, 'Created date is more than 90 days ago');
    const created = daysAgo(30);
    const ok = await api.post('/v1/accounts/activities/create', activity(created));
    assert.deepEqual(ok.body.activities[0], { account_id: id, status: 'ingested', account_status: 'merged', activity_id: ok.body.activities[0].activity_id });
    const again = await api.post('/v1/accounts/activities/create', activity(created));
    assert.equal(again.body.activities[0].activity_id, ok.body.activities[0].activity_id, 'the same key + created is one event');
    assert.equal((await accountEvents(api, id)).meta.total_activities, 2);
  });

  it('answers "outside of activity cold storage" past a longer retention, and queues within it', async () => {
    const api = await getApp().newInstance();
    await define(api, { ...FLIGHT_BOOKED, retention_days: 180 });
    const send = (created: string) => api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:flight-booked', created, fields: { 'str:o:name': 'Cold Co' } }] });
    assertErrorBody(await send(daysAgo(200)), 400, 'Created date is outside of activity cold storage');
    const queued = await send(daysAgo(120));
    assert.deepEqual(Object.keys(queued.body.activities[0]), ['status', 'account_status', 'activity_id']);
    assert.equal(queued.body.activities[0].account_status, 'queued');
    await getApp().drain();
    const acc = await account(api, 'Cold Co');
    const ev = await accountEvents(api, acc.id);
    assert.deepEqual(ev.activities.map((e: any) => e.id), [queued.body.activities[0].activity_id]);
  });
});

describe('account rules', () => {
  it('checks account fields: built-in o, custom oc registered by type; person fields are not account fields', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const send = (fields: Record<string, unknown>) => ({ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Fields Co', ...fields } });
    const res = await api.post('/v1/accounts/activities/create', { activities: [
      send({ 'str:o:website': 'https://fields.example', 'int:o:employees': 12, 'geo:o:city': 'Perth', 'str:oc:tier': 'gold' }),
      send({ 'str::email': 'x@example.com' }),
      send({ 'int:oc:tier': 3 }),
      send({ 'int:o:employees': 'many' }),
      send({ 'str:o:colour': 'red' }),
    ] });
    assert.deepEqual(res.body.activities.map((a: any) => a.error ?? a.status), [
      'ingested',
      'fields: str::email is not an account field',
      'fields: int:oc:tier conflicts with the existing field str:oc:tier',
      'fields: int:o:employees must be an integer',
      'fields: str:o:colour is not an account field',
    ]);
    const acc = await account(api, 'Fields Co');
    assert.deepEqual(acc.fields, { 'str:o:name': 'Fields Co', 'str:o:website': 'https://fields.example', 'int:o:employees': 12, 'geo:o:city': 'Perth', 'str:oc:tier': 'gold' });
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['oc'] });
    assert.deepEqual(schemaCustomFields(schema.body, 'oc'), [{ id: 'str:oc:tier', name: 'Tier', display_type: 'text', liquid_name: 'account.custom.tier' }]);
  });

  it('uses the key\'s default account merge_by, a fallback key, and the merge strategies', async () => {
    const api = await getApp().newInstance({ accountMergeBy: ['str:o:website', 'str:o:name'] });
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const made = await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Fallback Co', 'str:o:industry': 'Retail' } }] });
    assert.equal(made.body.activities[0].account_status, 'created', made.text);
    const viaName = await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:website': '', 'str:o:name': 'Fallback Co', 'str:o:industry': 'Food' }, merge_strategy: 1 }] });
    assert.equal(viaName.body.activities[0].account_id, made.body.activities[0].account_id);
    assert.equal((await account(api, 'Fallback Co')).fields['str:o:industry'], 'Retail');
    await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Fallback Co', 'str:o:industry': 'Food' } }] });
    assert.equal((await account(api, 'Fallback Co')).fields['str:o:industry'], 'Food');
    const none = await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:industry': 'Food' } }] });
    assertErrorBody(none, 400, 'no usable merge key: fields has no value for str:o:website or str:o:name (merge_by), and no str:o:organization_id was given');
    assertErrorBody(await api.post('/v1/accounts/activities/create', { activities: [{}], merge_by: ['str::email'] }), 400, 'merge_by: "str::email" is not an account field ID');
  });

  it('50 events per activity per account per 24 hours', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const batch = (n: number) => Array.from({ length: n }, () => ({ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Busy Co' } }));
    const res = await api.post('/v1/accounts/activities/create', { activities: batch(51) });
    assert.equal(res.body.activities.filter((a: any) => a.status === 'ingested').length, 50);
    assert.deepEqual(res.body.activities[50], { status: 'rate_limited', error: 'more than 50 events of act:cm:ping for this account in 24 hours' });
  });

  it('20 concurrent requests for one new account name create exactly one account', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const results = await Promise.all(Array.from({ length: 20 }, () => api.post('/v1/accounts/activities/create', {
      activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Race Co' } }],
    })));
    assert.equal(new Set(results.map((r) => r.body.activities[0].account_id)).size, 1);
    assert.equal(results.filter((r) => r.body.activities[0].account_status === 'created').length, 1);
    assert.equal((await api.post('/v1/accounts/get', {})).body.accounts.length, 1);
  });

  it('async account events are queued with account_status queued and applied by the worker', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const res = await api.post('/v1/accounts/activities/create', { async: true, activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Later Co' } }] });
    assert.deepEqual(Object.keys(res.body.activities[0]), ['status', 'account_status', 'activity_id']);
    assert.equal(res.body.activities[0].account_status, 'queued');
    await getApp().drain();
    const acc = await account(api, 'Later Co');
    assert.deepEqual((await accountEvents(api, acc.id)).activities.map((e: any) => e.id), [res.body.activities[0].activity_id]);
  });

  it('persons and accounts are separate: a person id is not an account id, and account events do not show on persons', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const p = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'p@example.com' } }] });
    const personId = p.body.activities[0].person_id;
    assertErrorBody(await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', 'str:o:organization_id': personId }] }), 400,
      `str:o:organization_id ${personId} does not exist`);
    assertErrorBody(await api.post('/v1/accounts/get/activities', { account_id: personId }), 404, `account ${personId} not found`);
    await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Sep Co' } }] });
    assert.equal((await api.post('/v1/person/get/activities', { person_id: personId })).body.meta.total_activities, 1);
    assert.equal((await api.post('/v1/person/get', {})).body.contacts.length, 1);
    assert.equal((await api.post('/v1/accounts/get', {})).body.accounts.length, 1);
  });

  it('instance isolation: the same account name in two instances is two accounts', async () => {
    const a = await getApp().newInstance();
    const b = await getApp().newInstance();
    for (const api of [a, b]) await define(api, definition('ping', [], { track_conversion_value: false }));
    const ra = await a.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Shared Name' } }] });
    const rb = await b.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str:o:name': 'Shared Name' } }] });
    assert.equal(rb.body.activities[0].account_status, 'created');
    assert.notEqual(ra.body.activities[0].account_id, rb.body.activities[0].account_id);
    assertErrorBody(await b.post('/v1/accounts/get/activities', { account_id: ra.body.activities[0].account_id }), 404, `account ${ra.body.activities[0].account_id} not found`);
  });
});
