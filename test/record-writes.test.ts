// What an event writes to its record: a stored record that the event leaves as it was keeps its
// fields and updated_at (with the daily limit on, only its count of events is written; with the
// limit off, not even that: no new row version), one it changes is rewritten.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';

const getApp = useTestApp();

describe('record writes', () => {
  it('without a daily limit, an event that changes nothing on a stored person leaves its row alone; a changed field rewrites it', async () => {
    const app = getApp();
    const api = await app.newInstance({ activityDailyLimit: 0 });
    await define(api, definition('quiet', [], { track_conversion_value: false, touch: false }));
    const send = (fields: Record<string, unknown>) => api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:quiet', fields }] });
    const first = await send({ 'str::email': 'same@example.com', 'str::first': 'Ann' });
    const personId = first.body.activities[0].person_id;
    const version = async () => (await app.db.query<{ v: string }>(
      'select xmin::text as v from records where instance_id = $1 and id = $2', [api.instanceId, personId],
    ))[0]!.v;
    const v1 = await version();
    const again = await send({ 'str::email': 'Same@Example.com', 'str::first': 'Ann' });
    assert.equal(again.body.activities[0].person_id, personId);
    assert.equal(again.body.activities[0].person_status, 'merged');
    assert.equal(await version(), v1, 'unchanged person: not rewritten');
    await send({ 'str::email': 'same@example.com', 'str::first': 'Bea' });
    assert.notEqual(await version(), v1, 'changed person: rewritten');
    const p = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: 'same@example.com' } } });
    assert.equal(p.body.contacts[0].fields['str::first'], 'Bea');
  });

  it('with the daily limit, an event that changes nothing on a stored person leaves its fields and updated_at as they were', async () => {
    const app = getApp();
    const api = await app.newInstance();
    await define(api, definition('quiet', [], { track_conversion_value: false, touch: false }));
    const send = (fields: Record<string, unknown>) => api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:quiet', fields }] });
    const first = await send({ 'str::email': 'same@example.com', 'str::first': 'Ann' });
    const personId = first.body.activities[0].person_id;
    const row = async () => (await app.db.query<{ fields: unknown; updated_at: Date }>(
      'select fields, updated_at from records where instance_id = $1 and id = $2', [api.instanceId, personId],
    ))[0]!;
    const before = await row();
    await new Promise((r) => setTimeout(r, 5));
    const again = await send({ 'str::email': 'Same@Example.com', 'str::first': 'Ann' });
    assert.equal(again.body.activities[0].person_status, 'merged');
    assert.deepEqual(await row(), before);
  });
});
