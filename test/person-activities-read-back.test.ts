// POST /v1/person/get and /v1/person/get/activities over persons made by person activities: filters,
// paging, asked fields, order and render_cmds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { assertErrorBody, daysAgo, define, definition } from './helpers/fixtures.js';
import { events } from './helpers/persons.js';

const getApp = useTestApp();

describe('read back', () => {
  it('person/get filters with $str::is, $has_any_value, $and, $or; pages with limit and offset; returns only the asked fields', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'a@example.com', 'str::first': 'Ann', 'int:cm:age': 30 } },
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'b@example.com', 'str::first': '' } },
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'c@example.com', 'int:cm:age': 0 } },
    ] });
    const get = async (body: unknown) => {
      const res = await api.post('/v1/person/get', body);
      assert.equal(res.status, 200, res.text);
      return res.body;
    };
    const emails = (b: any) => b.contacts.map((c: any) => c.fields['str::email']).sort();
    assert.deepEqual(emails(await get({ filter: { $has_any_value: { field_id: 'str::first' } } })), ['a@example.com', 'b@example.com']);
    assert.deepEqual(emails(await get({ filter: { $has_any_value: { field_id: 'int:cm:age' } } })), ['a@example.com', 'c@example.com']);
    assert.deepEqual(emails(await get({ filter: { $or: [{ '$str::is': { field_id: 'str::email', value: 'A@example.com' } }, { '$str::is': { field_id: 'str::email', value: 'c@example.com' } }] } })), ['a@example.com', 'c@example.com']);
    assert.deepEqual(emails(await get({ filter: { $and: [{ $has_any_value: { field_id: 'int:cm:age' } }, { '$int::greater_than': { field_id: 'int:cm:age', value: 10 } }] } })), ['a@example.com']);
    const page1 = await get({ limit: 2, fields: ['str::email'] });
    assert.equal(page1.contacts.length, 2);
    assert.equal(page1.has_more, true);
    assert.equal(page1.next_offset, 2);
    assert.deepEqual(Object.keys(page1.contacts[0].fields), ['str::email']);
    const page2 = await get({ limit: 2, offset: 2 });
    assert.equal(page2.contacts.length, 1);
    assert.equal(page2.has_more, false);
    const bad = await api.post('/v1/person/get', { filter: { $near: {} } });
    assertErrorBody(bad, 400, /^filter: unknown operator \$near/);
    assertErrorBody(await api.post('/v1/person/get', { limit: 501 }), 400, 'limit must be <= 500');
  });

  it('person/get/activities is newest first, filters by activity, pages, and renders each display mode', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('plain', [{ name: 'x', display_type: 'text' }]));
    await define(api, definition('with-attr', [{ name: 'product-name', display_type: 'text' }], { display_style: { type: 'activity_attribute', attribute: 'product-name' } }));
    await define(api, definition('templated', [{ name: 'product-name', display_type: 'text' }, { name: 'quantity', display_type: 'integer' }], { display_style: { type: 'activity_template', template: 'Purchased {{product-name}} (qty: {{quantity}})' } }));
    const at = (activity_id: string, days: number, attributes: Record<string, unknown> = {}) => ({ activity_id, created: daysAgo(days), attributes, fields: { 'str::email': 'r@example.com' } });
    const res = await api.post('/v1/activities/create', { activities: [
      at('act:cm:plain', 3), at('act:cm:with-attr', 2, { 'str:cm:product-name': 'Premium Plan' }),
      at('act:cm:templated', 1, { 'str:cm:product-name': 'Premium Plan', 'int:cm:quantity': 2 }),
    ] });
    const personId = res.body.activities[0].person_id;
    const all = await events(api, personId);
    assert.deepEqual(all.activities.map((e: any) => e.render_cmds[0].content), ['Purchased Premium Plan (qty: 2)', 'With Attr: Premium Plan', 'Plain']);
    assert.deepEqual(all.meta, { total_activities: 3, field_ids: null, has_more: false, retention: { type: 'time', max_value: 90 } });
    const page = await events(api, personId, { limit: 1, offset: 1 });
    assert.deepEqual(page.activities.map((e: any) => e.field_id), ['act:cm:with-attr']);
    assert.deepEqual({ ...page, activities: null }, { activities: null, meta: { total_activities: 3, field_ids: null, has_more: true, retention: { type: 'time', max_value: 90 } }, offset: 1, next_offset: 2 });
    const filtered = await events(api, personId, { activities: ['act:cm:plain'] });
    assert.deepEqual(filtered.activities.map((e: any) => e.field_id), ['act:cm:plain']);
    const none = await events(api, personId, { activities: ['act:cm:nothing'] });
    assert.equal(none.activities, null);
    assertErrorBody(await api.post('/v1/person/get/activities', { person_id: '0063f2c474449cd58a4c5600' }), 404, 'person 0063f2c474449cd58a4c5600 not found');
    assertErrorBody(await api.post('/v1/person/get/activities', { person_id: personId, limit: 41 }), 400, 'limit must be <= 40');
  });
});
