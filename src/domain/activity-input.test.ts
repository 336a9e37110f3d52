import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ACTIVITY_BYTES, MESSAGES, acknowledgedEventId, parseActivity, parseRecordFields, type ParseContext } from './activity-input.js';
import type { Definition } from './definitions.js';
import { keyedEventId } from './ids.js';
import { ACCOUNT, PERSON } from './subjects.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

function definition(over: Partial<Definition> = {}): Definition {
  return {
    name: 'product-purchase', iconId: 'cart-icon', trackConversionValue: true, touch: true, filterable: true, visibleInFeeds: true,
    displayStyle: { type: 'activity' },
    attributes: [
      { name: 'product-name', displayType: 'text', mappedFieldId: null },
      { name: 'quantity', displayType: 'integer', mappedFieldId: null },
      { name: 'city', displayType: 'text', mappedFieldId: 'str:cm:last-city' },
    ],
    retentionDays: 90, state: 'active', createdAt: NOW, editedAt: NOW, archivedAt: null,
    ...over,
  };
}

function context(over: Partial<ParseContext> = {}): ParseContext {
  return {
    subject: PERSON,
    definitions: new Map([
      ['product-purchase', definition()],
      ['no-value', definition({ name: 'no-value', trackConversionValue: false })],
      ['long-kept', definition({ name: 'long-kept', retentionDays: 365 })],
      ['gone', definition({ name: 'gone', archivedAt: NOW })],
    ]),
    customTypes: new Map([['member-id', 'int']]),
    mergeBy: ['str::email'],
    strategy: 2,
    now: NOW,
    queueBackdated: true,
    ...over,
  };
}

const base = { activity_id: 'act:cm:product-purchase', fields: { 'str::email': 'ann@example.com' } };
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

// Each refused activity, with the error the API answers for it ({"status": "invalid", "error": ...}).
const big = { ...base, attributes: { 'str:cm:product-name': 'x'.repeat(MAX_ACTIVITY_BYTES) } };
const bigBytes = Buffer.byteLength(JSON.stringify(big), 'utf8');

const refusals: Array<[string, unknown, string, Partial<ParseContext>?]> = [
  ['not an object', 'act:cm:product-purchase', 'each activity must be an object'],
  ['an array', [base], 'each activity must be an object'],
  ['larger than 16 KB', big, `activity is ${bigBytes} bytes, more than the limit of ${MAX_ACTIVITY_BYTES} (16 KB)`],
  ['no activity_id', { fields: base.fields }, 'activity_id is required'],
  ['a system activity', { ...base, activity_id: 'act::aclk' }, 'activity_id "act::aclk" is Ortto\'s own system activity (Ad clicked): it takes no events through the API; send a custom activity (act:cm:<name>)'],
  ['a malformed activity_id', { ...base, activity_id: 'product-purchase' }, 'activity_id "product-purchase" must look like act:cm:<name>'],
  ['an unknown definition', { ...base, activity_id: 'act:cm:nope' }, 'activity act:cm:nope does not exist'],
  ['an archived definition', { ...base, activity_id: 'act:cm:gone' }, 'activity act:cm:gone is archived and takes no new events'],
  ['attributes not an object', { ...base, attributes: [] }, 'attributes must be an object'],
  ['more than 15 attributes', { ...base, attributes: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`str:cm:a${i}`, 'x'])) },
    'attributes holds 16 attributes, more than the limit of 15'],
  ['an attribute of another definition', { ...base, attributes: { 'str:cm:colour': 'red' } }, 'str:cm:colour is not an attribute of act:cm:product-purchase'],
  ['an attribute under the wrong type', { ...base, attributes: { 'str:cm:quantity': '2' } },
    'str:cm:quantity: attribute quantity is integer, send it as int:cm:quantity'],
  ['an attribute value of the wrong type', { ...base, attributes: { 'int:cm:quantity': '2' } }, 'int:cm:quantity must be an integer'],
  ['a conversion value on a definition that tracks none', { ...base, activity_id: 'act:cm:no-value', attributes: { 'int::v': 100 } },
    'int::v: act:cm:no-value does not track conversion value'],
  ['a fractional conversion value', { ...base, attributes: { 'int::v': 15.3 } },
    'int::v must be an integer (the conversion value × 1000, e.g. 15300 for $15.30)'],
  ['an unknown merge_strategy', { ...base, merge_strategy: 4 }, 'merge_strategy must be 1 (append only), 2 (overwrite existing) or 3 (ignore)'],
  ['a malformed person_id', { ...base, person_id: 'abc' }, 'person_id "abc" is not a person id (24 hex characters)'],
  ['merge_by with three fields', { ...base, merge_by: ['str::email', 'str::ei', 'phn::phone'] }, 'merge_by must hold one or two field IDs'],
  ['merge_by on an account field', { ...base, merge_by: ['str:o:name'] }, 'merge_by: "str:o:name" is not a person field ID'],
  ['merge_by on a field that cannot identify', { ...base, merge_by: ['bol::p'] },
    'merge_by: "bol::p" cannot identify a person (use a str, int or phn field)'],
  ['fields not an object', { ...base, fields: 'ann@example.com' }, 'fields must be an object'],
  ['a malformed field ID', { ...base, fields: { email: 'ann@example.com' } }, 'fields: "email" is not a field ID (<type>:<namespace>:<name>, e.g. str::email)'],
  ['a custom field under another type', { ...base, fields: { ...base.fields, 'str:cm:member-id': '7' } },
    'fields: str:cm:member-id conflicts with the existing field int:cm:member-id'],
  ['an account field on a person', { ...base, fields: { ...base.fields, 'str:o:name': 'Acme' } }, 'fields: str:o:name is not a person field'],
  ['an unknown built-in field', { ...base, fields: { ...base.fields, 'str::favourite-colour': 'red' } }, 'fields: str::favourite-colour is not a person field'],
  ['a field value of the wrong type', { ...base, fields: { ...base.fields, 'bol::p': 'yes' } }, 'fields: bol::p must be a boolean'],
  ['an e-mail that is not one', { ...base, fields: { 'str::email': 'ann.example.com' } }, 'fields: str::email "ann.example.com" is not an e-mail address'],
  ['no merge key value', { ...base, fields: { 'str::first': 'Ann' } },
    'no usable merge key: fields has no value for str::email (merge_by), and no person_id was given'],
  ['a blank merge key value', { ...base, fields: { 'str::email': null } },
    'no usable merge key: fields has no value for str::email (merge_by), and no person_id was given'],
  ['a created that is not a date-time', { ...base, created: '2026-11-01' }, 'created must be an ISO-8601 date-time such as 2025-10-15T14:30:00Z'],
  ['created more than 5 minutes ahead', { ...base, created: new Date(NOW.getTime() + 6 * 60_000).toISOString() }, MESSAGES.future],
  ['created past a 90-day retention', { ...base, created: ago(91) }, MESSAGES.tooOld90],
  ['created past a longer retention', { ...base, activity_id: 'act:cm:long-kept', created: ago(366) }, MESSAGES.tooOldRetention],
  ['an empty key', { ...base, key: '' }, 'key must be a non-empty string of at most 255 characters'],
  ['a key of 256 characters', { ...base, key: 'k'.repeat(256) }, 'key must be a non-empty string of at most 255 characters'],
  ['a key that is not a string', { ...base, key: 7 }, 'key must be a non-empty string of at most 255 characters'],
  ['a location that is not an object', { ...base, location: 'Sydney' }, 'location must be an object'],
  ['a malformed source_ip', { ...base, location: { source_ip: '999.1.1.1' } }, 'location.source_ip "999.1.1.1" is not an IPv4 or IPv6 address'],
];

describe('parseActivity refuses', () => {
  for (const [what, raw, error, ctx] of refusals) {
    it(`${what}: ${error}`, () => {
      const result = parseActivity(raw, context(ctx));
      assert.deepEqual(result, { ok: false, error });
    });
  }
});

describe('parseActivity accepts', () => {
  it('an activity keyed by e-mail, with the e-mail trimmed and lower-cased as stored and as merge key', () => {
    const r = parseActivity({ ...base, fields: { 'str::email': '  Ann@Example.COM ' } }, context());
    assert.ok(r.ok);
    assert.equal(r.value.fields['str::email'], 'ann@example.com');
    assert.deepEqual(r.value.target, { type: 'key', key: { fieldId: 'str::email', value: 'ann@example.com' }, mergeBy: ['str::email'] });
    assert.equal(r.value.created, NOW);
    assert.equal(r.value.backdated, false);
    assert.equal(r.value.queue, false);
  });

  it('the fallback merge key when the first has no value', () => {
    const r = parseActivity({ ...base, merge_by: ['str::email', 'phn::phone'], fields: { 'phn::phone': { c: '61', n: '401234567' } } }, context());
    assert.ok(r.ok);
    assert.deepEqual(r.value.target.type === 'key' && r.value.target.key, { fieldId: 'phn::phone', value: '+61401234567' });
  });

  it('a person_id instead of a merge key, and ignores fields then', () => {
    const r = parseActivity({ ...base, person_id: '0063f2c474bc15d72affcdcc', fields: { 'str::first': 'Ann' } }, context());
    assert.ok(r.ok);
    assert.deepEqual(r.value.target, { type: 'direct', id: '0063f2c474bc15d72affcdcc' });
    assert.deepEqual(r.value.fields, {});
  });

  it('a new custom field once, and maps an attribute onto its person field unless the request sets that field', () => {
    const r = parseActivity({ ...base, attributes: { 'str:cm:city': 'Hobart' }, fields: { ...base.fields, 'int:cm:visits': 3, 'int:cm:visits2': 1 } }, context());
    assert.ok(r.ok);
    assert.deepEqual(r.value.newCustomFields, [{ name: 'visits', type: 'int' }, { name: 'visits2', type: 'int' }]);
    assert.equal(r.value.fields['str:cm:last-city'], 'Hobart');
    const own = parseActivity({ ...base, attributes: { 'str:cm:city': 'Hobart' }, fields: { ...base.fields, 'str:cm:last-city': 'Perth' } }, context());
    assert.ok(own.ok);
    assert.equal(own.value.fields['str:cm:last-city'], 'Perth');
  });

  it('a created within 90 days synchronously, an older one within retention to the queue (sync) or now (worker)', () => {
    const recent = parseActivity({ ...base, created: ago(89) }, context());
    assert.ok(recent.ok);
    assert.equal(recent.value.queue, false);
    assert.equal(recent.value.backdated, true);
    const old = parseActivity({ ...base, activity_id: 'act:cm:long-kept', created: ago(200) }, context());
    assert.ok(old.ok);
    assert.equal(old.value.queue, true);
    const worker = parseActivity({ ...base, activity_id: 'act:cm:long-kept', created: ago(200) }, context({ queueBackdated: false }));
    assert.ok(worker.ok);
    assert.equal(worker.value.queue, false);
  });

  it('the liberal shapes: geo as {"name"}, an all-empty phone as no value', () => {
    const r = parseActivity({ ...base, fields: { ...base.fields, 'geo::city': { name: 'Hobart' }, 'phn::phone': { c: '', n: '' } } }, context());
    assert.ok(r.ok);
    assert.equal(r.value.fields['geo::city'], 'Hobart');
    assert.equal('phn::phone' in r.value.fields, false);
  });

  it('account activities by account fields, refusing person fields', () => {
    const ctx = context({ subject: ACCOUNT, mergeBy: ['str:o:website'], customTypes: new Map() });
    const r = parseActivity({ activity_id: 'act:cm:product-purchase', fields: { 'str:o:website': 'acme.com', 'int:oc:seats': 5 } }, ctx);
    assert.ok(r.ok);
    assert.deepEqual(r.value.newCustomFields, [{ name: 'seats', type: 'int' }]);
    assert.deepEqual(r.value.customFields, [{ name: 'seats', type: 'int' }]);
    // Known to the batch already (an earlier activity named it): not new, but still named.
    const known = parseActivity({ activity_id: 'act:cm:product-purchase', fields: { 'str:o:website': 'acme.com', 'int:oc:seats': 6 } }, { ...ctx, customTypes: new Map([['seats', 'int']]) });
    assert.ok(known.ok);
    assert.deepEqual(known.value.newCustomFields, []);
    assert.deepEqual(known.value.customFields, [{ name: 'seats', type: 'int' }]);
    const refused = parseActivity({ activity_id: 'act:cm:product-purchase', fields: { 'str:o:website': 'acme.com', 'str::email': 'a@b.c' } }, ctx);
    assert.deepEqual(refused, { ok: false, error: 'fields: str::email is not an account field' });
  });
});

describe('parseRecordFields', () => {
  it('checks record fields by the same rules as an activity\'s', () => {
    assert.deepEqual(parseRecordFields({ 'bol::p': 'yes' }, PERSON, new Map()), { ok: false, error: 'fields: bol::p must be a boolean' });
    assert.deepEqual(parseRecordFields({ 'str::email': 'A@B.C' }, PERSON, new Map()), { ok: true, value: { fields: { 'str::email': 'a@b.c' }, newCustomFields: [], customFields: [] } });
  });
});

describe('acknowledgedEventId', () => {
  it('answers a keyed activity the id its event will have, any other the fresh id', () => {
    const created = '2026-10-30T00:00:00Z';
    const raw = { ...base, key: 'order-1', created };
    assert.equal(acknowledgedEventId(raw, 'inst', 'person', NOW, 'fresh'), keyedEventId('inst', 'person', 'product-purchase', 'order-1', new Date(created)));
    assert.equal(acknowledgedEventId({ ...base, key: 'order-1' }, 'inst', 'person', NOW, 'fresh'), keyedEventId('inst', 'person', 'product-purchase', 'order-1', NOW));
    assert.equal(acknowledgedEventId(base, 'inst', 'person', NOW, 'fresh'), 'fresh');
    assert.equal(acknowledgedEventId({ ...raw, created: 'soon' }, 'inst', 'person', NOW, 'fresh'), 'fresh');
  });
});
