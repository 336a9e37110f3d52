// GET/PUT /_emulator/snapshot: an instance's data as one document, round-tripped through a reset
// on this file's store; a refused document loads nothing and keeps what was there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from './helpers/app.js';
import { useEmulatorApp } from './helpers/emulator.js';
import { assertErrorBody, define, FLIGHT_BOOKED, PURCHASE } from './helpers/fixtures.js';

const emu = useEmulatorApp();

async function readBack(api: Client) {
  const persons = await api.post('/v1/person/get', { fields: ['str::email', 'str:cm:tier', 'str::first'] });
  assert.equal(persons.status, 200, persons.text);
  const accounts = await api.post('/v1/accounts/get', { fields: ['str:o:name'] });
  assert.equal(accounts.status, 200, accounts.text);
  const activities = [];
  for (const p of persons.body.contacts ?? []) {
    const res = await api.post('/v1/person/get/activities', { person_id: p.id });
    assert.equal(res.status, 200, res.text);
    activities.push(res.body.activities);
  }
  const schema = await api.post('/v1/instance-schema/get', { namespaces: [] });
  assert.equal(schema.status, 200, schema.text);
  return { persons: persons.body.contacts, accounts: accounts.body.accounts, activities, schema: schema.body };
}

test('a snapshot round-trips: export, reset, import, and the same read-back', async () => {
  const api = await emu().newInstance();
  await define(api, PURCHASE);
  await define(api, FLIGHT_BOOKED);
  const res = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:purchase', attributes: { 'str:cm:item': 'book', 'int:cm:n': 2 }, fields: { 'str::email': 'snap@example.com', 'str:cm:tier': 'gold', 'str::first': 'Ada' }, key: 'o-1', created: '2026-11-20T10:00:00Z' },
    { activity_id: 'act:cm:flight-booked', attributes: { 'str:cm:destination': 'Oslo', 'str:cm:carrier': 'SK' }, fields: { 'str::email': 'snap2@example.com' } },
  ] });
  assert.equal(res.status, 200, res.text);
  const acc = await api.post('/v1/accounts/activities/create', { activities: [
    { activity_id: 'act:cm:purchase', attributes: { 'str:cm:item': 'desk' }, fields: { 'str:o:name': 'Acme' } },
  ] });
  assert.equal(acc.status, 200, acc.text);
  const before = await readBack(api);
  assert.equal(before.persons.length, 2);
  assert.equal(before.accounts.length, 1);

  const snap = await api.request('GET', '/_emulator/snapshot');
  assert.equal(snap.status, 200, snap.text);
  assert.equal(snap.body.version, 1);
  assert.deepEqual(Object.keys(snap.body).sort(), ['accounts', 'custom_fields', 'definitions', 'events', 'identities', 'identity_fields', 'persons', 'version']);
  assert.equal(snap.body.definitions.length, 2);
  assert.equal(snap.body.events.length, 3);
  assert.ok(!JSON.stringify(snap.body).includes(api.instanceId), 'the document does not name the instance');

  assert.equal((await api.post('/_emulator/reset')).status, 200);
  assert.deepEqual((await readBack(api)).persons, []);

  const put = await api.put('/_emulator/snapshot', snap.body);
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.body.loaded, { definitions: 2, custom_fields: 1, persons: 2, accounts: 1, identity_fields: 2, identities: 3, events: 3 });
  assert.deepEqual(await readBack(api), before);
  assert.deepEqual((await api.request('GET', '/_emulator/snapshot')).body, snap.body);

  // The loaded instance works on: the same e-mail merges into the loaded person, the key de-duplicates.
  const again = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:purchase', attributes: { 'str:cm:item': 'book' }, fields: { 'str::email': 'snap@example.com' }, key: 'o-1', created: '2026-11-20T10:00:00Z' },
  ] });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.activities[0].person_status, 'merged');
  assert.equal(again.body.activities[0].activity_id, res.body.activities[0].activity_id);

  // Into another instance: the same data, apart from the first.
  const other = await emu().newInstance();
  assert.equal((await other.put('/_emulator/snapshot', snap.body)).status, 200);
  assert.deepEqual((await readBack(other)).persons, before.persons);
});

test('a refused snapshot is a 400 naming the cause, and nothing is half-written', async () => {
  const api = await emu().newInstance();
  await define(api, PURCHASE);
  const res = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:purchase', fields: { 'str::email': 'keep@example.com' } }] });
  assert.equal(res.status, 200, res.text);
  const good = (await api.request('GET', '/_emulator/snapshot')).body;

  assertErrorBody(await api.put('/_emulator/snapshot', { ...good, version: 2 }), 400, /version/);
  assertErrorBody(await api.put('/_emulator/snapshot', { ...good, people: [] }), 400, 'people is not a valid element');
  assertErrorBody(await api.put('/_emulator/snapshot', { ...good, persons: 'none' }), 400, 'persons must be an array');
  assertErrorBody(await api.put('/_emulator/snapshot', {}), 400, 'version is required');
  // Rows the database refuses: a definition without its columns, a person twice.
  assertErrorBody(await api.put('/_emulator/snapshot', { version: 1, definitions: [{ name: 'x' }] }), 400, /^snapshot refused, nothing loaded: .*null value/);
  assertErrorBody(await api.put('/_emulator/snapshot', { version: 1, persons: [good.persons[0], good.persons[0]] }), 400, /^snapshot refused, nothing loaded: .*duplicate key/);
  assertErrorBody(await api.put('/_emulator/snapshot', { version: 1, events: [{ ...good.events[0], created_at: 'soon' }] }), 400, /^snapshot refused, nothing loaded/);

  const persons = await api.post('/v1/person/get', {});
  assert.equal(persons.body.contacts.length, 1, 'the instance kept its data');
  assert.deepEqual((await api.request('GET', '/_emulator/snapshot')).body, good);
});
