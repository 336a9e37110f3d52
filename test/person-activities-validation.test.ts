// POST /v1/activities/create: what is refused, for the whole request (the envelope) and per activity
// (a mixed batch takes the good ones and answers the others in place).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { FLIGHT_BOOKED, ID, assertErrorBody, daysAgo, define, definition, schemaActivities, schemaCustomFields } from './helpers/fixtures.js';
import { countPersons } from './helpers/persons.js';

const getApp = useTestApp();

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
