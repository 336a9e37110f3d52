import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldId } from './field-types.js';
import { checkMergeBy, identityValue, identityValues, resolveKey } from './identity.js';
import { ACCOUNT, PERSON } from './subjects.js';

// [field ID, value, key text or undefined when the value cannot identify a record]
const values: Array<[string, unknown, string | undefined]> = [
  ['str::email', 'Ann@Example.COM', 'ann@example.com'],
  ['str::email', '  ann@example.com  ', 'ann@example.com'],
  ['str::email', '   ', undefined],
  ['str::ei', 'Ext-1', 'Ext-1'],
  ['str::ei', ' Ext-1 ', ' Ext-1 '],
  ['str::ei', '', undefined],
  ['str::ei', '  ', undefined],
  ['str::ei', 42, undefined],
  ['str:cm:member', 'M', 'M'],
  ['int:cm:member-no', 42, '42'],
  ['int:cm:member-no', -7, '-7'],
  ['int:cm:member-no', 1.5, undefined],
  ['int:cm:member-no', '42', undefined],
  ['phn::phone', { c: '61', n: '401234567' }, '+61401234567'],
  ['phn::phone', { phone: '+61 (401) 234-567' }, '+61401234567'],
  ['phn::phone', { phone: '0401 234 567', parse_with_country_code: true }, '+0401234567'],
  ['phn::phone', { n: '401234567' }, '+401234567'],
  ['phn::phone', { c: '', n: '' }, undefined],
  ['phn::phone', '+61401234567', undefined],
  ['bol::p', true, undefined],
  ['dtz::b', '2000-01-01', undefined],
  ['geo::city', 'Hobart', undefined],
  ['str::email', null, undefined],
  ['str::email', undefined, undefined],
];

describe('identityValue', () => {
  for (const [fieldId, value, expected] of values) {
    it(`${fieldId} ${JSON.stringify(value)} → ${expected ?? 'no key'}`, () => {
      assert.equal(identityValue(parseFieldId(fieldId)!, value), expected);
    });
  }
});

describe('checkMergeBy', () => {
  const cases: Array<[unknown, typeof PERSON, string | undefined]> = [
    [['str::email'], PERSON, undefined],
    [['str::email', 'phn::phone'], PERSON, undefined],
    [['int:cm:member-no'], PERSON, undefined],
    [['str:o:website'], ACCOUNT, undefined],
    [['str:oc:crm-id'], ACCOUNT, undefined],
    [[], PERSON, 'merge_by must hold one or two field IDs'],
    [['str::email', 'str::ei', 'phn::phone'], PERSON, 'merge_by must hold one or two field IDs'],
    ['str::email', PERSON, 'merge_by must hold one or two field IDs'],
    [['email'], PERSON, 'merge_by: "email" is not a person field ID'],
    [['str::unknown-built-in'], PERSON, 'merge_by: "str::unknown-built-in" is not a person field ID'],
    [['str:oc:crm-id'], PERSON, 'merge_by: "str:oc:crm-id" is not a person field ID'],
    [['str::email'], ACCOUNT, 'merge_by: "str::email" is not an account field ID'],
    [['bol::p'], PERSON, 'merge_by: "bol::p" cannot identify a person (use a str, int or phn field)'],
    [['geo:o:city'], ACCOUNT, 'merge_by: "geo:o:city" cannot identify an account (use a str, int or phn field)'],
  ];
  for (const [mergeBy, subject, expected] of cases) {
    it(`${JSON.stringify(mergeBy)} for ${subject.aLabel} → ${expected ?? 'accepted'}`, () => {
      assert.equal(checkMergeBy(mergeBy, subject, 'merge_by'), expected);
    });
  }
});

describe('resolveKey', () => {
  it('takes the first merge_by field with a usable value, else the fallback, else none', () => {
    const mergeBy = ['str::email', 'phn::phone'];
    assert.deepEqual(resolveKey(mergeBy, { 'str::email': 'A@B.C', 'phn::phone': { c: '61', n: '401' } }), { fieldId: 'str::email', value: 'a@b.c' });
    assert.deepEqual(resolveKey(mergeBy, { 'str::email': ' ', 'phn::phone': { c: '61', n: '401' } }), { fieldId: 'phn::phone', value: '+61401' });
    assert.equal(resolveKey(mergeBy, { 'str::first': 'Ann' }), undefined);
  });
});

describe('identityValues', () => {
  it('gives the key text of each identity field with a usable value, and nothing for the others', () => {
    const fields = { 'str::email': 'Ann@Example.com', 'phn::phone': { c: '', n: '' }, 'int:cm:no': 7, 'str::first': 'Ann' };
    assert.deepEqual(
      [...identityValues(fields, ['str::email', 'phn::phone', 'int:cm:no', 'str::ei', 'not-a-field-id'])],
      [['str::email', 'ann@example.com'], ['int:cm:no', '7']],
    );
  });
});
