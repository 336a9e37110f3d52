// Concurrent requests on one event or one new person (issue 12 items 4 and 5): every answer names
// what is stored, and racing merge orders never split a person. Meaningful on PostgreSQL, where
// the requests really run at once; on PGlite they serialize and must give the same answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type Client } from './helpers/app.js';
import { ID, daysAgo, define, definition } from './helpers/fixtures.js';

const getApp = useTestApp();

async function eventsOf(api: Client, personId: string): Promise<any[]> {
  const res = await api.post('/v1/person/get/activities', { person_id: personId, limit: 40 });
  assert.equal(res.status, 200, res.text);
  return res.body.activities;
}

async function personsBy(api: Client, fieldId: string, value: string): Promise<any[]> {
  const res = await api.post('/v1/person/get', { limit: 50, filter: { '$str::is': { field_id: fieldId, value } } });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts;
}

async function allPersons(api: Client): Promise<any[]> {
  const res = await api.post('/v1/person/get', { limit: 500 });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts;
}

describe('concurrent duplicates of one keyed event', () => {
  it('20 identical sync requests at once store one event, and every answer carries its id (10 rounds)', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('order', [{ name: 'status', display_type: 'text' }]));
    for (let round = 0; round < 10; round++) {
      const body = { activities: [{
        activity_id: 'act:cm:order', key: `order-${round}`, created: daysAgo(0.5),
        attributes: { 'str:cm:status': 'placed' }, fields: { 'str::email': `dup-${round}@example.com` },
      }] };
      const answers = await Promise.all(Array.from({ length: 20 }, () => api.post('/v1/activities/create', body)));
      for (const a of answers) assert.equal(a.status, 200, a.text);
      const ids = new Set(answers.map((a) => a.body.activities[0].activity_id));
      const persons = new Set(answers.map((a) => a.body.activities[0].person_id));
      assert.equal(persons.size, 1, `round ${round}: one person`);
      assert.equal(ids.size, 1, `round ${round}: one activity_id, got ${[...ids].join(', ')}`);
      const stored = await eventsOf(api, [...persons][0]);
      assert.equal(stored.length, 1, `round ${round}: one event stored`);
      assert.equal(stored[0].id, [...ids][0], `round ${round}: the answered id is the stored one`);
    }
  });

  it('20 identical async requests at once answer one id, which is the stored event\'s once applied; an async resend of a stored event answers its id', async () => {
    const app = getApp();
    const api = await app.newInstance();
    await define(api, definition('order', [{ name: 'status', display_type: 'text' }]));
    const created = daysAgo(0.25);
    const body = { async: true, activities: [{
      activity_id: 'act:cm:order', key: 'async-1', created, attributes: { 'str:cm:status': 'placed' }, fields: { 'str::email': 'async-dup@example.com' },
    }] };
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.post('/v1/activities/create', body)));
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const ids = new Set(answers.map((a) => a.body.activities[0].activity_id));
    assert.equal(ids.size, 1, [...ids].join(', '));
    const [id] = [...ids];
    assert.match(id!, ID);
    await app.drain();
    const [p] = await personsBy(api, 'str::email', 'async-dup@example.com');
    const stored = await eventsOf(api, p.id);
    assert.deepEqual(stored.map((e: any) => e.id), [id]);

    // Sync resend of the stored event and async resend: the same id.
    const sync = await api.post('/v1/activities/create', { ...body, async: false });
    assert.equal(sync.body.activities[0].activity_id, id, sync.text);
    const again = await api.post('/v1/activities/create', body);
    assert.equal(again.body.activities[0].activity_id, id, again.text);
    await app.drain();
    assert.deepEqual((await eventsOf(api, p.id)).map((e: any) => e.id), [id]);
  });

  it('a backdated keyed activity queued by a sync request is answered with the id it is stored under', async () => {
    const app = getApp();
    const api = await app.newInstance();
    await define(api, definition('old', [], { retention_days: 365 }));
    const body = { activities: [{ activity_id: 'act:cm:old', key: 'k-old', created: daysAgo(120), fields: { 'str::email': 'old@example.com' } }] };
    const [first, second] = await Promise.all([api.post('/v1/activities/create', body), api.post('/v1/activities/create', body)]);
    assert.equal(first!.body.activities[0].status, 'queued', first!.text);
    assert.equal(first!.body.activities[0].activity_id, second!.body.activities[0].activity_id);
    await app.drain();
    const [p] = await personsBy(api, 'str::email', 'old@example.com');
    assert.deepEqual((await eventsOf(api, p.id)).map((e: any) => e.id), [first!.body.activities[0].activity_id]);
  });
});

describe('racing merge_by orders', () => {
  it('the same new e-mail and phone, half merging by e-mail then phone and half by phone then e-mail, concurrently: one person (20 rounds)', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('visit', [], { track_conversion_value: false }));
    // Make both fields identify persons before the race (as any earlier request using them does).
    await api.post('/v1/activities/create', { activities: [{
      activity_id: 'act:cm:visit', merge_by: ['str::email', 'phn::phone'],
      fields: { 'str::email': 'seed@example.com', 'phn::phone': { phone: '+61400000000' } },
    }] });
    for (let round = 0; round < 20; round++) {
      const email = `race-${round}@example.com`;
      const phone = `+614${String(10000000 + round)}`;
      const request = (mergeBy: string[]) => api.post('/v1/activities/create', { merge_by: mergeBy, activities: [{
        activity_id: 'act:cm:visit', fields: { 'str::email': email, 'phn::phone': { phone } },
      }] });
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => request(i % 2 === 0 ? ['str::email', 'phn::phone'] : ['phn::phone', 'str::email'])));
      for (const a of answers) assert.equal(a.status, 200, a.text);
      const persons = new Set(answers.map((a) => a.body.activities[0].person_id));
      assert.equal(persons.size, 1, `round ${round}: ${persons.size} persons answered`);
      assert.equal(answers.filter((a) => a.body.activities[0].person_status === 'created').length, 1, `round ${round}: one created`);
      const stored = await personsBy(api, 'str::email', email);
      assert.deepEqual(stored.map((p: any) => p.id), [...persons], `round ${round}: one person stored`);
    }
    assert.equal((await allPersons(api)).length, 21);
  });

  it('a request that loses its merge key to a concurrent one gives up the other key values it claimed', async () => {
    const app = getApp();
    const api = await app.newInstance();
    await define(api, definition('visit', [], { track_conversion_value: false }));
    await api.post('/v1/activities/create', { activities: [{
      activity_id: 'act:cm:visit', merge_by: ['str::email', 'phn::phone'],
      fields: { 'str::email': 'seed2@example.com', 'phn::phone': { phone: '+61400000001' } },
    }] });
    for (let round = 0; round < 10; round++) {
      const email = `lose-${round}@example.com`;
      // Same e-mail (the key of both); each brings its own phone. Whoever loses the e-mail merges
      // into the winner's person, and the phone it brought then belongs to that person.
      const send = (phone: string) => api.post('/v1/activities/create', { merge_by: ['str::email', 'phn::phone'], activities: [{
        activity_id: 'act:cm:visit', fields: { 'str::email': email, 'phn::phone': { phone } },
      }] });
      const answers = await Promise.all([send(`+6141${round}000001`), send(`+6141${round}000002`)]);
      const persons = new Set(answers.map((a) => a.body.activities[0].person_id));
      assert.equal(persons.size, 1, answers.map((a) => a.text).join('\n'));
      // Every identity value belongs to a stored record: none was left on the loser's unborn id.
      const orphans = await app.db.query<{ n: number }>(
        `select count(*)::integer as n from record_identities i
          where i.instance_id = $1
            and not exists (select 1 from records r where r.instance_id = i.instance_id and r.kind = i.kind and r.id = i.record_id)`,
        [api.instanceId],
      );
      assert.equal(orphans[0]!.n, 0, `round ${round}: identity values of a record that does not exist`);
    }
  });
});

describe('merge keys of records made by a request', () => {
  it('a new person whose e-mail a later activity of the same request changes does not keep the old e-mail as a key', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('visit', [], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:visit', merge_by: ['str::email', 'phn::phone'], fields: { 'str::email': 'first@example.com', 'phn::phone': { phone: '+61400111222' } } },
      { activity_id: 'act:cm:visit', merge_by: ['phn::phone'], fields: { 'str::email': 'second@example.com', 'phn::phone': { phone: '+61400111222' } } },
    ] });
    assert.equal(res.status, 200, res.text);
    const [a, b] = res.body.activities;
    assert.equal(a.person_id, b.person_id, res.text);
    const again = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:visit', fields: { 'str::email': 'first@example.com' } }] });
    assert.equal(again.body.activities[0].person_status, 'created', 'first@ no longer names the person that now holds second@');
    const byNew = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:visit', fields: { 'str::email': 'second@example.com' } }] });
    assert.equal(byNew.body.activities[0].person_id, a.person_id, byNew.text);
  });
});
