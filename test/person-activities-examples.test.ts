// POST /v1/activities/create: the person activity examples of spec 001 and 002, end to end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { FLIGHT_BOOKED, ID, daysAgo, define, definition, schemaActivities } from './helpers/fixtures.js';
import { person, events } from './helpers/persons.js';

const getApp = useTestApp();

describe('the examples of spec 001 and 002', () => {
  it('001: flight-booked creates the person, answers person_id / status / person_status / activity_id, and activates the definition', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    const res = await api.post('/v1/activities/create', {
      activities: [{
        activity_id: 'act:cm:flight-booked',
        attributes: { 'int::v': 15300, 'str:cm:destination': 'London', 'str:cm:carrier': 'Easy Jet' },
        fields: { 'str::first': 'Billie', 'str::last': 'Holiday', 'str::email': 'billie@example.com' },
        location: { source_ip: null, custom: null, address: null },
      }],
      merge_by: ['str::email'],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.activities.length, 1);
    const [a] = res.body.activities;
    assert.deepEqual(Object.keys(a), ['person_id', 'status', 'person_status', 'activity_id']);
    assert.match(a.person_id, ID);
    assert.match(a.activity_id, ID);
    assert.notEqual(a.activity_id, a.person_id);
    assert.equal(a.status, 'ingested');
    assert.equal(a.person_status, 'created');

    const p = await person(api, 'billie@example.com');
    assert.equal(p.id, a.person_id);
    assert.deepEqual(p.fields, {
      'str::first': 'Billie', 'str::last': 'Holiday', 'str::email': 'billie@example.com', 'bol::p': true, 'bol::sp': false,
    });
    const ev = await events(api, a.person_id);
    assert.deepEqual(ev.activities.map((e: any) => [e.id, e.field_id, e.attr, e.render_cmds]), [
      [a.activity_id, 'act:cm:flight-booked', { 'int::v': 15300, 'str:cm:destination': 'London', 'str:cm:carrier': 'Easy Jet' },
        [{ content: 'Flew Easy Jet to London' }]],
    ]);
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.equal(schemaActivities(schema.body)[0].state, 'active');
  });

  it('001: object attributes, as an array or as an object, are stored as sent', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('activity-with-json-object', [
      { name: 'product-array', display_type: 'object' }, { name: 'products', display_type: 'object' },
    ]));
    const productArray = [{ item_id: '12345', item_name: 'Timber stand-up desk', price: 1000, currency: 'USD', item_brand: 'Standy', supplier: 'Standy', item_variant: 'walnut/black', item_category: 'Stand up desks' }];
    const products = { products: [{ item_id: '12346', item_name: 'Laminate stand up desk', price: 800, currency: 'USD', item_brand: 'Standy', supplier: 'Standy', item_variant: 'walnut/white', item_category: 'Stand up desks', discount: null }] };
    const res = await api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:activity-with-json-object', attributes: { 'obj:cm:product-array': productArray, 'obj:cm:products': products }, fields: { 'str::email': 'desk@example.com' } }],
      merge_by: ['str::email'],
    });
    assert.equal(res.body.activities[0].status, 'ingested', res.text);
    const ev = await events(api, res.body.activities[0].person_id);
    assert.deepEqual(ev.activities[0].attr, { 'obj:cm:product-array': productArray, 'obj:cm:products': products });
  });

  it('001: an activity with subscription permission opts the new person out; merge_by defaults to the key\'s str::email', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('logged-in', [
      { name: 'payment-plan', display_type: 'text' }, { name: 'account-owner', display_type: 'bool' }, { name: 'web-browser', display_type: 'text' },
    ]));
    const res = await api.post('/v1/activities/create', {
      activities: [{
        activity_id: 'act:cm:logged-in',
        attributes: { 'str:cm:payment-plan': 'Free plan', 'bol:cm:account-owner': true, 'str:cm:web-browser': 'Netscape Navigator' },
        fields: { 'str::first': 'Chris', 'str::last': 'Smith', 'str::email': 'chris@example.com', 'bol::p': false, 'str::u-ctx': 'Unsubscribed via internal API' },
      }],
    });
    assert.equal(res.body.activities[0].person_status, 'created', res.text);
    const p = await person(api, 'chris@example.com');
    assert.equal(p.fields['bol::p'], false);
    assert.equal(p.fields['bol::sp'], false);
    assert.equal(p.fields['str::u-ctx'], 'Unsubscribed via internal API');
  });

  it('002: basic, backdated with key, person_id and location examples', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('product-purchase', [{ name: 'product-name', display_type: 'text' }]));
    await define(api, definition('order-completed', [{ name: 'order-id', display_type: 'text' }]));
    await define(api, definition('page-view', [{ name: 'page-url', display_type: 'text' }, { name: 'referrer', display_type: 'text' }], { track_conversion_value: false }));
    await define(api, definition('store-visit', [{ name: 'store-name', display_type: 'text' }]));
    const basic = await api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:product-purchase', attributes: { 'str:cm:product-name': 'Premium Plan', 'int::v': 5000 }, fields: { 'str::email': 'customer@example.com', 'str::first': 'John' }, merge_by: ['str::email'] }],
      async: false,
    });
    assert.equal(basic.body.activities[0].person_status, 'created');
    const personId = basic.body.activities[0].person_id;
    const created = daysAgo(10);
    const backdated = await api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:order-completed', attributes: { 'str:cm:order-id': 'ORD-12345', 'int::v': 29900 }, fields: { 'str::email': 'customer@example.com' }, created, key: 'order-ORD-12345', merge_by: ['str::email'] }],
    });
    assert.deepEqual(backdated.body.activities[0], { person_id: personId, status: 'ingested', person_status: 'merged', activity_id: backdated.body.activities[0].activity_id });
    const direct = await api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:page-view', attributes: { 'str:cm:page-url': '/pricing', 'str:cm:referrer': 'google' }, person_id: personId }],
    });
    assert.equal(direct.body.activities[0].person_id, personId);
    assert.equal(direct.body.activities[0].person_status, 'merged');
    const visit = await api.post('/v1/activities/create', {
      activities: [{
        activity_id: 'act:cm:store-visit', attributes: { 'str:cm:store-name': 'Melbourne CBD' }, fields: { 'str::email': 'visitor@example.com' },
        location: { custom: { name: 'Melbourne', region: 'Victoria', country: 'Australia', timezone: 'Australia/Melbourne' } },
        merge_by: ['str::email'],
      }],
    });
    assert.equal(visit.body.activities[0].status, 'ingested', visit.text);
    const visitor = await person(api, 'visitor@example.com');
    assert.equal(visitor.fields['geo::city'], 'Melbourne');
    assert.equal(visitor.fields['geo::region'], 'Victoria');
    assert.equal(visitor.fields['geo::country'], 'Australia');
    const ev = await events(api, visitor.id);
    assert.deepEqual(ev.activities[0].location, { custom: { name: 'Melbourne', region: 'Victoria', country: 'Australia', timezone: 'Australia/Melbourne' } });
    const history = await events(api, personId);
    assert.deepEqual(history.activities.map((e: any) => e.field_id), ['act:cm:page-view', 'act:cm:product-purchase', 'act:cm:order-completed']);
    assert.equal(history.activities[2].created_at, created);
    assert.equal(history.activities[2].key, 'order-ORD-12345');
  });
});
