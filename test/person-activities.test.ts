// POST /v1/activities/create: person activity events (spec 001, 002 and the spec README).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type Client } from './helpers/app.js';
import { FLIGHT_BOOKED, ID, assertErrorBody, daysAgo, define, definition, schemaActivities, schemaCustomFields } from './helpers/fixtures.js';

const getApp = useTestApp();

async function person(api: Client, email: string): Promise<any> {
  const res = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: email } } });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts[0];
}

async function events(api: Client, personId: string, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/v1/person/get/activities', { person_id: personId, limit: 40, ...extra });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function countPersons(api: Client): Promise<number> {
  const res = await api.post('/v1/person/get', { limit: 500 });
  return res.body.contacts.length;
}

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

describe('envelope', () => {
  it('answers 400 for no activities and for 101', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.post('/v1/activities/create', { activities: [] }), 400, 'activities must hold at least 1 item');
    assertErrorBody(await api.post('/v1/activities/create', {}), 400, 'activities is required');
    const many = Array.from({ length: 101 }, () => ({ activity_id: 'act:cm:x' }));
    assertErrorBody(await api.post('/v1/activities/create', { activities: many }), 400, 'activities must hold at most 100 items');
  });

  it('answers 413 over 2 MB, 400 for malformed JSON, and 400 for a bad top-level merge_by', async () => {
    const api = await getApp().newInstance();
    const big = JSON.stringify({ activities: [{ activity_id: 'act:cm:x', attributes: { 'txt:cm:x': 'y'.repeat(2 * 1024 * 1024) } }] });
    assertErrorBody(await api.post('/v1/activities/create', big), 413, 'request body is larger than the limit of 2097152 bytes');
    assertErrorBody(await api.post('/v1/activities/create', '{"activities": [}'), 400, 'request body is not valid JSON');
    assertErrorBody(await api.post('/v1/activities/create', { activities: [{}], merge_by: ['str::email', 'str::ei', 'str::phone'] }), 400, 'merge_by must hold at most 2 items');
    assertErrorBody(await api.post('/v1/activities/create', { activities: [{}], merge_by: ['str:o:name'] }), 400, 'merge_by: "str:o:name" is not a person field ID');
    assertErrorBody(await api.post('/v1/activities/create', { activities: [{}], merge_strategy: 4 }), 400, 'merge_strategy must be <= 3');
  });

  it('accepts what real clients send: empty location, null members, empty attributes and fields, unknown top-level keys', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', {
      activities: [
        { activity_id: 'act:cm:ping', attributes: {}, fields: { 'str::email': 'a@example.com' }, location: {} },
        { activity_id: 'act:cm:ping', attributes: {}, fields: { 'str::email': 'a@example.com' }, location: { source_ip: null, custom: null, address: null } },
        { activity_id: 'act:cm:ping', fields: { 'str::email': 'b@example.com' }, attributes: {} },
        { activity_id: 'act:cm:ping', person_id: null, fields: { 'str::email': 'b@example.com' } },
      ],
      request_source: 'my-app',
    });
    assert.deepEqual(res.body.activities.map((a: any) => a.status), ['ingested', 'ingested', 'ingested', 'ingested'], res.text);
    const empty = await api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:ping', fields: {}, attributes: {}, person_id: '' }],
    });
    assertErrorBody(empty, 400, 'no usable merge key: fields has no value for str::email (merge_by), and no person_id was given');
  });
});

describe('per-activity failures', () => {
  it('a mixed batch takes the good activities and answers invalid ones in place, in request order', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    await define(api, definition('old-thing', []));
    await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:old-thing' });
    const res = await api.post('/v1/activities/create', {
      activities: [
        { activity_id: 'act:cm:flight-booked', attributes: { 'str:cm:destination': 'Rome' }, fields: { 'str::email': 'm@example.com' } },
        { activity_id: 'act:cm:unknown-thing', fields: { 'str::email': 'm@example.com' } },
        { activity_id: 'act:cm:old-thing', fields: { 'str::email': 'm@example.com' } },
        { activity_id: 'act:cm:flight-booked', attributes: { 'str:cm:seat': '1A' }, fields: { 'str::email': 'm@example.com' } },
        { activity_id: 'act:cm:flight-booked', attributes: { 'int:cm:destination': 5 }, fields: { 'str::email': 'm@example.com' } },
        { activity_id: 'act:cm:flight-booked', fields: { 'str::first': 'No key' } },
        { activity_id: 'act:cm:flight-booked', person_id: '0063f2c474449cd58a4c5600' },
        { activity_id: 'act:cm:flight-booked', person_id: 'not-an-id' },
        'not an object',
        { activity_id: 'act:cm:flight-booked', attributes: { 'str:cm:destination': 'Oslo' }, fields: { 'str::email': 'm@example.com' } },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const a = res.body.activities;
    assert.equal(a.length, 10);
    assert.equal(a[0].status, 'ingested');
    assert.deepEqual(a.slice(1, 9), [
      { status: 'invalid', error: 'activity act:cm:unknown-thing does not exist' },
      { status: 'invalid', error: 'activity act:cm:old-thing is archived and takes no new events' },
      { status: 'invalid', error: 'str:cm:seat is not an attribute of act:cm:flight-booked' },
      { status: 'invalid', error: 'int:cm:destination: attribute destination is text, send it as str:cm:destination' },
      { status: 'invalid', error: 'no usable merge key: fields has no value for str::email (merge_by), and no person_id was given' },
      { status: 'invalid', error: 'person_id 0063f2c474449cd58a4c5600 does not exist' },
      { status: 'invalid', error: 'person_id "not-an-id" is not a person id (24 hex characters)' },
      { status: 'invalid', error: 'each activity must be an object' },
    ]);
    assert.equal(a[9].status, 'ingested');
    assert.equal(a[9].person_status, 'merged');
    assert.equal(a[9].person_id, a[0].person_id);
  });

  it('when every activity fails the request answers 400 with details, and writes nothing', async () => {
    const api = await getApp().newInstance();
    await define(api, FLIGHT_BOOKED);
    const res = await api.post('/v1/activities/create', {
      activities: [
        { activity_id: 'act:cm:flight-booked', created: daysAgo(120), fields: { 'str::email': 'old@example.com', 'str:cm:tier': 'gold' } },
        { activity_id: 'act:cm:nope', fields: { 'str::email': 'old@example.com' } },
      ],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'details', 'error', 'request_id']);
    assert.equal(res.body.error, 'Created date is more than 90 days ago');
    assert.deepEqual(res.body.details, [
      { index: 0, status: 'invalid', error: 'Created date is more than 90 days ago' },
      { index: 1, status: 'invalid', error: 'activity act:cm:nope does not exist' },
    ]);
    assert.equal(await countPersons(api), 0);
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.deepEqual(schemaCustomFields(schema.body, 'cm'), []);
    assert.equal(schemaActivities(schema.body)[0].state, 'awaiting_implementation');
  });

  const typeCases: Array<[string, string, unknown, string]> = [
    ['text', 'str', 5, 'str:cm:a must be a string'],
    ['text', 'str', 'x'.repeat(256), 'str:cm:a is longer than 255 characters'],
    ['large_text', 'txt', 'x'.repeat(4001), 'txt:cm:a is longer than 4000 characters'],
    ['integer', 'int', 2.5, 'int:cm:a must be an integer'],
    ['currency', 'int', '15.30', 'int:cm:a must be an integer'],
    ['bool', 'bol', 'yes', 'bol:cm:a must be a boolean'],
    ['multi_select', 'sst', 'a,b', 'sst:cm:a must be an array of strings'],
    ['object', 'obj', 'x', 'obj:cm:a must be a JSON object or array'],
    ['time', 'tme', 'yesterday', 'tme:cm:a must be an ISO-8601 date-time string'],
    ['date', 'dtz', { year: 2025, month: 13, day: 1 }, 'dtz:cm:a is not a real date'],
    ['phone', 'phn', '0401234567', 'phn:cm:a must be a phone object'],
  ];
  for (const [displayType, prefix, value, message] of typeCases) {
    it(`refuses a ${displayType} attribute of the wrong type: ${message}`, async () => {
      const api = await getApp().newInstance();
      await define(api, definition('typed', [{ name: 'a', display_type: displayType }, { name: 'ok', display_type: 'text' }]));
      const res = await api.post('/v1/activities/create', {
        activities: [
          { activity_id: 'act:cm:typed', attributes: { [`${prefix}:cm:a`]: value }, fields: { 'str::email': 't@example.com' } },
          { activity_id: 'act:cm:typed', attributes: { 'str:cm:ok': 'fine' }, fields: { 'str::email': 't@example.com' } },
        ],
      });
      assert.deepEqual(res.body.activities[0], { status: 'invalid', error: message });
      assert.equal(res.body.activities[1].status, 'ingested');
    });
  }

  it('accepts each display type with a value of its type, and null for any', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('typed', [
      { name: 's', display_type: 'text' }, { name: 'l', display_type: 'large_text' }, { name: 'i', display_type: 'integer' },
      { name: 'd', display_type: 'decimal' }, { name: 'b', display_type: 'bool' }, { name: 'm', display_type: 'multi_select' },
      { name: 'o', display_type: 'object' }, { name: 't', display_type: 'time' }, { name: 'dt', display_type: 'date' },
      { name: 'p', display_type: 'phone' }, { name: 'p2', display_type: 'phone' }, { name: 'dt2', display_type: 'date' }, { name: 'n', display_type: 'text' },
    ]));
    const attributes = {
      'str:cm:s': '', 'txt:cm:l': 'long', 'int:cm:i': 0, 'int:cm:d': 4500, 'bol:cm:b': false, 'sst:cm:m': ['a', 'b'],
      'obj:cm:o': { x: [1] }, 'tme:cm:t': '2025-10-15T14:30:00Z', 'dtz:cm:dt': { year: 2025, month: 11, day: 15, timezone: 'Australia/Sydney' },
      'phn:cm:p': { c: '61', n: '401234567' }, 'phn:cm:p2': { phone: '+61401234567', parse_with_country_code: true },
      'dtz:cm:dt2': '2025-11-15', 'str:cm:n': null, 'int::v': 15300,
    };
    const res = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:typed', attributes, fields: { 'str::email': 'all@example.com' } }] });
    assert.equal(res.body.activities[0].status, 'ingested', res.text);
  });

  it('refuses int::v on a definition that does not track conversion value', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('no-value', [], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:no-value', attributes: { 'int::v': 100 }, fields: { 'str::email': 'v@example.com' } },
      { activity_id: 'act:cm:no-value', fields: { 'str::email': 'v@example.com' } },
    ] });
    assert.deepEqual(res.body.activities[0], { status: 'invalid', error: 'int::v: act:cm:no-value does not track conversion value' });
  });

  it('refuses more than 15 attributes and more than 16 KB in one activity', async () => {
    const api = await getApp().newInstance();
    const attrs = Array.from({ length: 16 }, (_, i) => ({ name: `a${i}`, display_type: 'large_text' }));
    await define(api, definition('wide', attrs));
    const sixteen = Object.fromEntries(attrs.map((a) => [`txt:cm:${a.name}`, 'x']));
    const fifteen = Object.fromEntries(attrs.slice(0, 15).map((a) => [`txt:cm:${a.name}`, 'x']));
    const heavy = Object.fromEntries(attrs.slice(0, 5).map((a) => [`txt:cm:${a.name}`, 'x'.repeat(3500)]));
    const res = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:wide', attributes: sixteen, fields: { 'str::email': 'w@example.com' } },
      { activity_id: 'act:cm:wide', attributes: fifteen, fields: { 'str::email': 'w@example.com' } },
      { activity_id: 'act:cm:wide', attributes: heavy, fields: { 'str::email': 'w@example.com' } },
    ] });
    assert.deepEqual(res.body.activities[0], { status: 'invalid', error: 'attributes holds 16 attributes, more than the limit of 15' });
    assert.equal(res.body.activities[1].status, 'ingested');
    assert.match(res.body.activities[2].error, /^activity is \d+ bytes, more than the limit of 16384 \(16 KB\)$/);
  });

  it('checks person fields: unknown built-ins, account fields, types, e-mail shape, custom field types', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const send = (fields: Record<string, unknown>) => ({ activity_id: 'act:cm:ping', fields: { 'str::email': 'f@example.com', ...fields } });
    const res = await api.post('/v1/activities/create', { activities: [
      send({ 'str::favourite': 'x' }),
      send({ 'str:o:name': 'Acme' }),
      send({ 'bol::p': 'yes' }),
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'not-an-email' } },
      send({ 'int:cm:member-id': 7 }),
      send({ 'str:cm:member-id': 'M7' }),
      send({ 'int:cm:member-id': 8 }),
      send({ 'email': 'x' }),
    ] });
    assert.deepEqual(res.body.activities.map((a: any) => a.error ?? a.status), [
      'fields: str::favourite is not a person field',
      'fields: str:o:name is not a person field',
      'fields: bol::p must be a boolean',
      'fields: str::email "not-an-email" is not an e-mail address',
      'ingested',
      'fields: str:cm:member-id conflicts with the existing field int:cm:member-id',
      'ingested',
      'fields: "email" is not a field ID (<type>:<namespace>:<name>, e.g. str::email)',
    ]);
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.deepEqual(schemaCustomFields(schema.body, 'cm').map((f: any) => f.id), ['int:cm:member-id']);
    const later = await api.post('/v1/activities/create', { activities: [send({ 'str:cm:member-id': 'M9' }), send({})] });
    assert.deepEqual(later.body.activities[0], { status: 'invalid', error: 'fields: str:cm:member-id conflicts with the existing field int:cm:member-id' });
  });
});

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

describe('location', () => {
  it('stores source_ip, applies an address to the person\'s fields, and refuses bad values per activity', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const send = (location: unknown) => ({ activity_id: 'act:cm:ping', fields: { 'str::email': 'loc@example.com' }, location });
    const res = await api.post('/v1/activities/create', { activities: [
      send({ source_ip: '119.18.0.218' }),
      send({ address: { address1: '123 Main St', city: 'Melbourne', region: 'VIC', country: 'Australia', postal_code: '3000' } }),
      send({ source_ip: '999.1.1.1' }),
      send({ custom: { latitude: 91 } }),
      send({ custom: { timezone: 'Moon/Base' } }),
      send({ source_ip: '2001:db8::1' }),
      send({ planet: 'earth' }),
    ] });
    assert.deepEqual(res.body.activities.map((a: any) => a.error ?? a.status), [
      'ingested', 'ingested',
      'location.source_ip "999.1.1.1" is not an IPv4 or IPv6 address',
      'location.custom.latitude must be a number from -90 to 90',
      'location.custom.timezone "Moon/Base" is not an IANA time zone (e.g. Australia/Melbourne)',
      'ingested',
      'location.planet is not a valid element (use source_ip, custom or address)',
    ]);
    const p = await person(api, 'loc@example.com');
    assert.equal(p.fields['str::address'], '123 Main St');
    assert.equal(p.fields['geo::city'], 'Melbourne');
    assert.equal(p.fields['str::postal'], '3000');
    const ev = await events(api, p.id);
    const order = (l: any) => (l.source_ip ?? '') + (l.address ? 'address' : '');
    assert.deepEqual(ev.activities.map((e: any) => e.location).sort((x: any, y: any) => order(x).localeCompare(order(y))), [
      { source_ip: '119.18.0.218', resolved: { country: 'AU', region: 'NSW', city: 'Sydney', timezone: 'Australia/Sydney' } },
      { source_ip: '2001:db8::1' },
      { address: { address1: '123 Main St', city: 'Melbourne', region: 'VIC', country: 'Australia', postal_code: '3000' } },
    ]);
    assert.equal(ev.activities.length, 3);
  });
});

describe('IP location', () => {
  it('resolves an IPv4 source_ip offline into the person\'s geo fields; explicit fields win', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'ip@example.com' }, location: { source_ip: '119.18.0.218' } },
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'ip2@example.com', 'geo::city': 'Newcastle' }, location: { source_ip: '119.18.0.218' } },
    ] });
    const p = await person(api, 'ip@example.com');
    assert.equal(p.fields['geo::country'], 'AU');
    assert.equal(p.fields['geo::region'], 'NSW');
    assert.equal(p.fields['geo::city'], 'Sydney');
    assert.equal((await person(api, 'ip2@example.com')).fields['geo::city'], 'Newcastle');
  });
});

describe('backdating and de-duplication', () => {
  it('ingests up to 90 days back; queues older within retention; refuses older with the exact messages; refuses the future', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('short', [], { track_conversion_value: false }));
    await define(api, definition('long', [], { track_conversion_value: false, retention_days: 365 }));
    const send = (activity_id: string, created: string) => ({ activity_id, created, fields: { 'str::email': 'b@example.com' } });
    const res = await api.post('/v1/activities/create', { activities: [
      send('act:cm:short', daysAgo(89)),
      send('act:cm:short', daysAgo(91)),
      send('act:cm:long', daysAgo(100)),
      send('act:cm:long', daysAgo(400)),
      send('act:cm:short', new Date(Date.now() + 10 * 60 * 1000).toISOString()),
      send('act:cm:short', new Date(Date.now() + 60 * 1000).toISOString()),
      send('act:cm:short', 'last tuesday'),
    ] });
    const a = res.body.activities;
    assert.equal(a[0].status, 'ingested');
    assert.deepEqual(a[1], { status: 'invalid', error: 'Created date is more than 90 days ago' });
    assert.deepEqual(Object.keys(a[2]), ['status', 'person_status', 'activity_id']);
    assert.equal(a[2].status, 'queued');
    assert.equal(a[2].person_status, 'queued');
    assert.deepEqual(a[3], { status: 'invalid', error: 'Created date is outside of activity cold storage' });
    assert.deepEqual(a[4], { status: 'invalid', error: 'Created date is more than 5 minutes in the future' });
    assert.equal(a[5].status, 'ingested');
    assert.deepEqual(a[6], { status: 'invalid', error: 'created must be an ISO-8601 date-time such as 2025-10-15T14:30:00Z' });

    const personId = a[0].person_id;
    assert.equal((await events(api, personId)).meta.total_activities, 2);
    assert.equal(await getApp().drain(), 1);
    const ev = await events(api, personId);
    assert.equal(ev.meta.total_activities, 3);
    assert.ok(ev.activities.some((e: any) => e.id === a[2].activity_id && e.field_id === 'act:cm:long'), 'the queued event keeps its acknowledged id');
  });

  it('the same created + key is one event: same activity_id, attributes merged, null clears, not counted again', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 2 });
    await define(api, definition('order', [{ name: 'status', display_type: 'text' }, { name: 'total', display_type: 'integer' }, { name: 'note', display_type: 'text' }]));
    const created = daysAgo(1);
    const send = (attributes: Record<string, unknown>, key = 'order-1') => api.post('/v1/activities/create', {
      activities: [{ activity_id: 'act:cm:order', created, key, attributes, fields: { 'str::email': 'k@example.com' } }],
    });
    const first = await send({ 'str:cm:status': 'placed', 'str:cm:note': 'gift' });
    const again = await send({ 'int:cm:total': 300, 'str:cm:note': null });
    const third = await send({ 'str:cm:status': 'paid' });
    const ids = [first, again, third].map((r) => r.body.activities[0].activity_id);
    assert.equal(new Set(ids).size, 1, JSON.stringify([first.body, again.body, third.body]));
    const personId = first.body.activities[0].person_id;
    let ev = await events(api, personId);
    assert.equal(ev.meta.total_activities, 1);
    assert.deepEqual(ev.activities[0].attr, { 'str:cm:status': 'paid', 'int:cm:total': 300 });
    // Same pair within one request: one event.
    const both = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:order', created, key: 'order-2', attributes: { 'str:cm:status': 'a' }, fields: { 'str::email': 'k@example.com' } },
      { activity_id: 'act:cm:order', created, key: 'order-2', attributes: { 'int:cm:total': 5 }, fields: { 'str::email': 'k@example.com' } },
    ] });
    assert.equal(both.body.activities[0].activity_id, both.body.activities[1].activity_id, both.text);
    ev = await events(api, personId);
    assert.equal(ev.meta.total_activities, 2);
    // Limit of 2 reached by two distinct events; a repeat of a known pair is still taken.
    assert.equal((await send({ 'str:cm:status': 'shipped' })).body.activities[0].activity_id, ids[0]);
    const over = await send({ 'str:cm:status': 'x' }, 'order-3');
    assert.equal(over.status, 400);
    assert.equal(over.body.details[0].status, 'rate_limited');
  });
});

describe('daily limit', () => {
  it('the 51st event of one activity for one person in 24 hours is rate_limited; other persons and activities are not', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    await define(api, definition('pong', [], { track_conversion_value: false }));
    const batch = (n: number, email: string, activity = 'act:cm:ping') => Array.from({ length: n }, () => ({ activity_id: activity, fields: { 'str::email': email } }));
    const fifty = await api.post('/v1/activities/create', { activities: batch(50, 'busy@example.com') });
    assert.ok(fifty.body.activities.every((a: any) => a.status === 'ingested'), fifty.text);
    const res = await api.post('/v1/activities/create', { activities: [
      ...batch(1, 'busy@example.com'), ...batch(1, 'calm@example.com'), ...batch(1, 'busy@example.com', 'act:cm:pong'),
    ] });
    assert.deepEqual(res.body.activities[0], { status: 'rate_limited', error: 'more than 50 events of act:cm:ping for this person in 24 hours' });
    assert.equal(res.body.activities[1].status, 'ingested');
    assert.equal(res.body.activities[2].status, 'ingested');
  });

  it('counts on created times: events backdated two days ago do not count against today', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 3 });
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const at = (created: string) => ({ activity_id: 'act:cm:ping', created, fields: { 'str::email': 'w@example.com' } });
    const old = daysAgo(2);
    const res = await api.post('/v1/activities/create', { activities: [at(old), at(old), at(old), at(old), at(daysAgo(0.1)), at(daysAgo(0.1)), at(daysAgo(0.1))] });
    assert.deepEqual(res.body.activities.map((a: any) => a.status), ['ingested', 'ingested', 'ingested', 'rate_limited', 'ingested', 'ingested', 'ingested']);
  });

  it('0 means no limit', async () => {
    const api = await getApp().newInstance({ activityDailyLimit: 0 });
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', { activities: Array.from({ length: 60 }, () => ({ activity_id: 'act:cm:ping', fields: { 'str::email': 'u@example.com' } })) });
    assert.equal(res.body.activities.filter((a: any) => a.status === 'ingested').length, 60);
  });
});

describe('async', () => {
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
