// Archive, restore and delete of persons and accounts (Ortto's PUT /v1/person/archive,
// PUT /v1/person/restore, DELETE /v1/person/delete and the accounts equivalents).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type Client } from './helpers/app.js';
import { assertErrorBody, define, definition } from './helpers/fixtures.js';

const app = useTestApp({ ACTIVITY_DAILY_LIMIT: '0' });

const SIGNUP = definition('signup', [{ name: 'plan', display_type: 'text' }]);

async function instance() {
  const api = await app().newInstance();
  await define(api, SIGNUP);
  return api;
}

async function send(api: Client, email: string, plan = 'pro') {
  const res = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:signup', attributes: { 'str:cm:plan': plan }, fields: { 'str::email': email } },
  ] });
  assert.equal(res.status === 200 || res.status === 400, true, res.text);
  return res;
}

async function personOf(api: Client, email: string): Promise<string> {
  const res = await send(api, email);
  assert.equal(res.status, 200, res.text);
  return res.body.activities[0].person_id;
}

async function listed(api: Client): Promise<string[]> {
  const res = await api.post('/v1/person/get', { limit: 50 });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts.map((c: { id: string }) => c.id).sort();
}

async function eventRows(personId: string): Promise<number> {
  const rows = await app().db.query<{ n: number }>('select count(*)::integer as n from activity_events where record_id = $1', [personId]);
  return rows[0]!.n;
}

describe('persons: archive, restore, delete', () => {
  it('archives by inclusion_ids: the person is hidden from person/get and person/get/activities, and takes no events', async () => {
    const api = await instance();
    const a = await personOf(api, 'a@example.com');
    const b = await personOf(api, 'b@example.com');
    const res = await api.put('/v1/person/archive', { inclusion_ids: [a] });
    assert.equal(res.status, 200, res.text);
    // The exact bytes, in Ortto's key order; every JSON answer ends with a newline (wire.ts).
    assert.equal(res.text, '{"scheduled_contacts":0,"archived_contacts":1}\n');
    assert.deepEqual(await listed(api), [b]);
    const acts = await api.post('/v1/person/get/activities', { person_id: a });
    assertErrorBody(acts, 404, `person ${a} not found`);

    // A new event for an archived person fails in place (by e-mail and by person_id); others are taken.
    const mixed = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:signup', fields: { 'str::email': 'a@example.com' } },
      { activity_id: 'act:cm:signup', person_id: a },
      { activity_id: 'act:cm:signup', fields: { 'str::email': 'b@example.com' } },
    ] });
    assert.equal(mixed.status, 200, mixed.text);
    assert.deepEqual(mixed.body.activities.map((x: { status: string }) => x.status), ['invalid', 'invalid', 'ingested']);
    assert.equal(mixed.body.activities[0].error, `person ${a} is archived`);
    assert.equal(await eventRows(a), 1);

    // Archiving again changes nothing.
    const again = await api.put('/v1/person/archive', { inclusion_ids: [a] });
    assert.deepEqual(again.body, { scheduled_contacts: 0, archived_contacts: 0 });
  });

  it('restores: the person is readable again with their events and takes new ones', async () => {
    const api = await instance();
    const a = await personOf(api, 'r@example.com');
    await api.put('/v1/person/archive', { inclusion_ids: [a] });
    const res = await api.put('/v1/person/restore', { inclusion_ids: [a] });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '{"scheduled_contacts":0,"restored_contacts":1}\n');
    assert.deepEqual(await listed(api), [a]);
    assert.equal((await personOf(api, 'r@example.com')), a);
    const acts = await api.post('/v1/person/get/activities', { person_id: a });
    assert.equal(acts.body.meta.total_activities, 2);
  });

  it('all_rows_selected with exclusion_ids archives everyone else, and restores all archived', async () => {
    const api = await instance();
    const ids = [await personOf(api, 'x1@example.com'), await personOf(api, 'x2@example.com'), await personOf(api, 'x3@example.com')];
    const res = await api.put('/v1/person/archive', { all_rows_selected: true, exclusion_ids: [ids[1]] });
    assert.deepEqual(res.body, { scheduled_contacts: 0, archived_contacts: 2 });
    assert.deepEqual(await listed(api), [ids[1]]);
    const back = await api.put('/v1/person/restore', { all_rows_selected: true });
    assert.deepEqual(back.body, { scheduled_contacts: 0, restored_contacts: 2 });
    assert.deepEqual(await listed(api), [...ids].sort());
  });

  it('deletes only archived persons, with their events and merge keys: the same e-mail then makes a new person', async () => {
    const api = await instance();
    const gone = await personOf(api, 'gone@example.com');
    await send(api, 'gone@example.com', 'team');
    const kept = await personOf(api, 'kept@example.com');
    assert.equal(await eventRows(gone), 2);

    const notArchived = await api.delete('/v1/person/delete', { inclusion_ids: [gone, kept] });
    assert.equal(notArchived.status, 200, notArchived.text);
    assert.deepEqual(notArchived.body, { scheduled_contacts: 0, deleted_contacts: 0 });
    assert.equal(await eventRows(gone), 2);

    await api.put('/v1/person/archive', { inclusion_ids: [gone] });
    const res = await api.delete('/v1/person/delete', { all_rows_selected: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '{"scheduled_contacts":0,"deleted_contacts":1}\n');
    assert.equal(await eventRows(gone), 0);
    const leftovers = await app().db.query('select 1 from record_identities where record_id = $1 union all select 1 from records where id = $1', [gone]);
    assert.deepEqual(leftovers, []);
    assert.deepEqual(await listed(api), [kept]);

    const again = await personOf(api, 'gone@example.com');
    assert.notEqual(again, gone);
    const created = await send(api, 'someone-else@example.com');
    assert.equal(created.body.activities[0].person_status, 'created');
    assert.equal(await eventRows(again), 1);
    assert.deepEqual(await listed(api), [again, kept, created.body.activities[0].person_id].sort());
  });

  it('hides an archived person from every read: meta counts, cursor pages, the export; person/merge into one fails in place', async () => {
    const api = await instance();
    const [h1, hidden, h3] = [await personOf(api, 'h1@example.com'), await personOf(api, 'h2@example.com'), await personOf(api, 'h3@example.com')];
    const visible = [h1!, h3!].sort();
    await api.put('/v1/person/archive', { inclusion_ids: [hidden] });

    const counted = await api.post('/v1/person/get', { limit: 50 });
    assert.deepEqual(counted.body.meta, { total_contacts: 2, total_organizations: 0, total_matches: 2, total_subscribers: 2 });
    const filtered = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: 'h2@example.com' } } });
    assert.deepEqual(filtered.body.contacts, []);
    assert.equal(filtered.body.meta.total_matches, 0);

    // Cursor paging, one person a page, steps over the archived one.
    const paged: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const page = await api.post('/v1/person/get', { limit: 1, cursor_id: cursor });
      assert.equal(page.status, 200, page.text);
      paged.push(...page.body.contacts.map((c: { id: string }) => c.id));
      if (!page.body.has_more) break;
      cursor = page.body.cursor_id;
    }
    assert.deepEqual(paged, visible);

    const exported = await api.post('/v1/activities/export', {});
    assert.equal(exported.status, 200, exported.text);
    const lines = exported.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    const end = lines.pop();
    assert.deepEqual(lines.map((l) => l.person_id).sort(), visible);
    assert.equal(end.exported, 2);
    assertErrorBody(await api.post('/v1/activities/export', { person_id: hidden }), 404, `person ${hidden} not found`);

    const merged = await api.post('/v1/person/merge', { people: [
      { fields: { 'str::email': 'h2@example.com', 'str::first': 'Hidden' } },
      { fields: { 'str::email': 'h1@example.com', 'str::first': 'Seen' } },
    ] });
    assert.equal(merged.status, 200, merged.text);
    assert.deepEqual(merged.body.people, [{ status: 'invalid', error: `person ${hidden} is archived` }, { person_id: h1, status: 'merged' }]);
    await api.put('/v1/person/restore', { inclusion_ids: [hidden] });
    const back = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: 'h2@example.com' } } });
    assert.deepEqual(back.body.contacts.map((c: { id: string; fields: Record<string, unknown> }) => [c.id, c.fields['str::first']]), [[hidden, undefined]]);
  });

  it('never touches another instance\'s persons', async () => {
    const one = await instance();
    const two = await instance();
    const mine = await personOf(one, 'mine@example.com');
    const res = await two.put('/v1/person/archive', { inclusion_ids: [mine] });
    assert.deepEqual(res.body, { scheduled_contacts: 0, archived_contacts: 0 });
    const all = await two.put('/v1/person/archive', { all_rows_selected: true });
    assert.deepEqual(all.body, { scheduled_contacts: 0, archived_contacts: 0 });
    assert.deepEqual(await listed(one), [mine]);
  });

  for (const [label, body, message] of [
    ['no selection', {}, 'inclusion_ids (one or more ids) or all_rows_selected: true is required'],
    ['an empty inclusion list', { inclusion_ids: [] }, 'inclusion_ids (one or more ids) or all_rows_selected: true is required'],
    ['an id that is not an id', { inclusion_ids: ['nope'] }, 'inclusion_ids[0] "nope" is not a person id (24 hex characters)'],
    ['a bad exclusion id', { all_rows_selected: true, exclusion_ids: ['0123'] }, 'exclusion_ids[0] "0123" is not a person id (24 hex characters)'],
  ] as const) {
    it(`answers 400 for ${label}, changing nothing`, async () => {
      const api = await instance();
      const a = await personOf(api, 'bad@example.com');
      for (const [method, path] of [['PUT', '/v1/person/archive'], ['PUT', '/v1/person/restore'], ['DELETE', '/v1/person/delete']] as const) {
        assertErrorBody(await api.request(method, path, body), 400, message);
      }
      assert.deepEqual(await listed(api), [a]);
    });
  }

  it('answers 400 naming the element for a wrong type, and 401 without a key', async () => {
    const api = await instance();
    assertErrorBody(await api.put('/v1/person/archive', { inclusion_ids: 'x' }), 400, /inclusion_ids/);
    assertErrorBody(await api.put('/v1/person/archive', { all_rows_selected: 'yes' }), 400, /all_rows_selected/);
    const anon = await app().anonymous().put('/v1/person/archive', { all_rows_selected: true });
    assert.equal(anon.status, 401);
  });
});

describe('accounts: archive, restore, delete', () => {
  it('answers as Ortto does (organizations, and accounts for delete) and deletes the events of archived accounts', async () => {
    const api = await instance();
    const make = await api.post('/v1/accounts/activities/create', {
      activities: [{ activity_id: 'act:oc:signup', attributes: { 'str:cm:plan': 'pro' }, fields: { 'str:o:name': 'Acme' } }],
    });
    assert.equal(make.status, 200, make.text);
    const id = make.body.activities[0].account_id;
    const archived = await api.put('/v1/accounts/archive', { inclusion_ids: [id] });
    assert.equal(archived.text, '{"scheduled_organizations":0,"archived_organizations":1}\n');
    const seen = await api.post('/v1/accounts/get', {});
    assert.deepEqual(seen.body.accounts, []);
    const restored = await api.put('/v1/accounts/restore', { inclusion_ids: [id] });
    assert.equal(restored.text, '{"scheduled_organizations":0,"restored_organizations":1}\n');
    await api.put('/v1/accounts/archive', { all_rows_selected: true });
    const deleted = await api.delete('/v1/accounts/delete', { inclusion_ids: [id] });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.text, '{"scheduled_accounts":0,"deleted_accounts":1}\n');
    assert.equal(await eventRows(id), 0);
    assertErrorBody(await api.put('/v1/accounts/archive', { inclusion_ids: ['zz'] }), 400, 'inclusion_ids[0] "zz" is not an account id (24 hex characters)');
  });
});
