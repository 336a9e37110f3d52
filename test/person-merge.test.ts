// POST /v1/person/merge and /v1/accounts/merge: records without events, on the activity pipeline
// (identity claims, merge strategies, custom fields), find_strategy, skip_non_existing, the
// 100-record limit and Ortto's all-invalid 400.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppliedBatch } from '../src/ingest/activity-feed.js';
import { useTestApp, type Client } from './helpers/app.js';
import { ID, assertErrorBody, schemaCustomFields } from './helpers/fixtures.js';

const getApp = useTestApp();

async function persons(api: Client): Promise<any[]> {
  const res = await api.post('/v1/person/get', { limit: 500 });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts;
}

describe('person/merge', () => {
  it('creates a person, then merges into it by e-mail (overwrite by default), and registers custom fields', async () => {
    const api = await getApp().newInstance();
    const created = await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'Merge.Me@example.com', 'str::first': 'M', 'str:cm:tier': 'gold' } }], merge_by: ['str::email'] });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(Object.keys(created.body.people[0]), ['person_id', 'status']);
    assert.match(created.body.people[0].person_id, ID);
    assert.equal(created.body.people[0].status, 'created');
    const merged = await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'merge.me@example.com', 'str::first': 'Max' } }] });
    assert.deepEqual(merged.body.people, [{ person_id: created.body.people[0].person_id, status: 'merged' }]);
    const [p] = await persons(api);
    assert.deepEqual(p.fields, { 'str::email': 'merge.me@example.com', 'str::first': 'Max', 'str:cm:tier': 'gold', 'bol::p': true, 'bol::sp': false });
    assert.deepEqual(schemaCustomFields((await api.post('/v1/instance-schema/get', {})).body, 'cm').map((f) => f.id), ['str:cm:tier']);
  });

  it('follows merge_strategy: 1 fills only empty fields, 3 leaves an existing person alone', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 's@example.com', 'str::first': 'First' } }] });
    await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 's@example.com', 'str::first': 'Second', 'str::last': 'Last' } }], merge_strategy: 1 });
    await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 's@example.com', 'str::last': 'Ignored' } }], merge_strategy: 3 });
    const [p] = await persons(api);
    assert.equal(p.fields['str::first'], 'First');
    assert.equal(p.fields['str::last'], 'Last');
  });

  it('skip_non_existing updates only: a person not found is skipped, nothing is created', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'known@example.com' } }] });
    const res = await api.post('/v1/person/merge', {
      people: [{ fields: { 'str::email': 'known@example.com', 'str::first': 'K' } }, { fields: { 'str::email': 'unknown@example.com' } }],
      skip_non_existing: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.people[0].status, 'merged');
    assert.deepEqual(res.body.people[1], { status: 'skipped' });
    assert.deepEqual((await persons(api)).map((p) => p.fields['str::email']), ['known@example.com']);
  });

  it('find_strategy 0 matches on any merge_by key, 1 only falls back when a key has no value, 2 needs every key', async () => {
    const api = await getApp().newInstance();
    const a = await api.post('/v1/person/merge', { people: [{ fields: { 'str::ei': 'E1', 'str::email': 'a@example.com' } }], merge_by: ['str::ei'] });
    const aId = a.body.people[0].person_id;
    const any = await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'b@example.com', 'str::ei': 'E1' } }], merge_by: ['str::email', 'str::ei'], find_strategy: 0 });
    assert.deepEqual(any.body.people, [{ person_id: aId, status: 'merged' }]);
    const next = await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'c@example.com', 'str::ei': 'E1' } }], merge_by: ['str::email', 'str::ei'], find_strategy: 1 });
    assert.equal(next.body.people[0].status, 'created');
    assertErrorBody(await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'd@example.com' } }], merge_by: ['str::email', 'str::ei'], find_strategy: 2 }),
      400, 'No valid contacts provided (find_strategy 2 matches on every merge_by field, and fields has no value for str::ei)');
  });

  it('fails an invalid record alone; when every record fails, answers Ortto\'s 400 with details and writes nothing', async () => {
    const api = await getApp().newInstance();
    const mixed = await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'ok@example.com' } }, { fields: { 'str::email': 'x@example.com', 'str::nope': 'a' } }] });
    assert.equal(mixed.status, 200, mixed.text);
    assert.deepEqual(mixed.body.people[1], { status: 'invalid', error: 'fields: str::nope is not a person field' });
    const res = await api.post('/v1/person/merge', {
      people: [{ fields: { 'str::email': 'bad@example.com', 'int::first': 5 } }, { fields: { 'str::first': 'no key' } }, 'not an object'],
    });
    assertErrorBody(res, 400, 'No valid contacts provided (fields: int::first is not a person field)');
    assert.deepEqual(res.body.details, [
      { index: 0, status: 'invalid', error: 'fields: int::first is not a person field' },
      { index: 1, status: 'invalid', error: 'no usable merge key: fields has no value for str::email (merge_by)' },
      { index: 2, status: 'invalid', error: 'each of people must be an object with fields' },
    ]);
    assert.equal((await persons(api)).length, 1);
    const prod = await getApp().newInstance({ profile: 'production-2025' });
    const recorded = await prod.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'bad@example.com', 'str::nope': 'a' } }] });
    assert.deepEqual(recorded.body.details, [{ status: 'invalid', error: 'fields: str::nope is not a person field' }], 'production-2025: as recorded, no index');
  });

  it('takes at most 100 records and at least one, and checks merge_by', async () => {
    const api = await getApp().newInstance();
    const many = Array.from({ length: 101 }, (_, i) => ({ fields: { 'str::email': `p${i}@example.com` } }));
    assertErrorBody(await api.post('/v1/person/merge', { people: many }), 400, 'people must hold at most 100 items');
    assertErrorBody(await api.post('/v1/person/merge', { people: [] }), 400, 'people must hold at least 1 item');
    assertErrorBody(await api.post('/v1/person/merge', { people: [{ fields: {} }], merge_by: ['str:o:name'] }), 400, 'merge_by: "str:o:name" is not a person field ID');
    const hundred = await api.post('/v1/person/merge', { people: many.slice(0, 100) });
    assert.equal(hundred.status, 200);
    assert.equal(hundred.body.people.filter((p: any) => p.status === 'created').length, 100);
  });

  it('20 concurrent merges of one new e-mail make one person', async () => {
    const api = await getApp().newInstance();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'race@example.com', 'int:cm:n': i } }] })));
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const ids = new Set(answers.map((a) => a.body.people[0].person_id));
    assert.equal(ids.size, 1, 'every answer names the same person');
    assert.deepEqual(answers.map((a) => a.body.people[0].status).filter((s) => s === 'created'), ['created']);
    assert.equal((await persons(api)).length, 1);
  });

  it('tells the activity feed what it did (source merge, no events)', async () => {
    const api = await getApp().newInstance();
    const seen: AppliedBatch[] = [];
    const off = getApp().feed.on((b) => { if (b.instanceId === api.instanceId) seen.push(b); });
    try {
      const res = await api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'feed@example.com' } }] });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.source, 'merge');
      assert.equal(seen[0]!.kind, 'person');
      assert.deepEqual(seen[0]!.results, [{ index: 0, status: 'ingested', recordId: res.body.people[0].person_id, recordStatus: 'created', eventId: '' }]);
    } finally {
      off();
    }
  });
});

describe('accounts/merge', () => {
  it('creates and merges accounts by their name (the default merge key) and answers account_id', async () => {
    const api = await getApp().newInstance();
    const created = await api.post('/v1/accounts/merge', { accounts: [{ fields: { 'str:o:name': 'Acme', 'int:o:employees': 5 } }] });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(Object.keys(created.body.accounts[0]), ['account_id', 'status']);
    assert.equal(created.body.accounts[0].status, 'created');
    const merged = await api.post('/v1/accounts/merge', { accounts: [{ fields: { 'str:o:name': 'Acme', 'str:o:website': 'https://acme.example' } }] });
    assert.deepEqual(merged.body.accounts, [{ account_id: created.body.accounts[0].account_id, status: 'merged' }]);
    const list = await api.post('/v1/accounts/get', {});
    assert.deepEqual(list.body.accounts[0].fields, { 'str:o:name': 'Acme', 'int:o:employees': 5, 'str:o:website': 'https://acme.example' });
    assert.deepEqual(list.body.meta, { total_contacts: 0, total_organizations: 1, total_matches: 1, total_subscribers: 0 });
    assertErrorBody(await api.post('/v1/accounts/merge', { accounts: [{ fields: { 'str::email': 'a@example.com' } }] }), 400,
      'No valid contacts provided (fields: str::email is not an account field)');
  });
});
