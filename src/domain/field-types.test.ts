import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DISPLAY_TYPES, DISPLAY_TYPE_OF_PREFIX, FIELD_TYPES, FIELD_TYPE_RULES, KEY_TYPES, PREFIX_OF_DISPLAY_TYPE, fieldTypeRule, normalizeValue, parseFieldId,
} from './field-types.js';

describe('the field-type table', () => {
  it('stores every display type under exactly one prefix', () => {
    for (const d of DISPLAY_TYPES) {
      const owners = FIELD_TYPES.filter((t) => (FIELD_TYPE_RULES[t].displayTypes as readonly string[]).includes(d));
      assert.equal(owners.length, 1, `${d} is stored under ${owners.join(', ') || 'no prefix'}`);
    }
    assert.deepEqual(PREFIX_OF_DISPLAY_TYPE, {
      text: 'str', email: 'str', link: 'str', single_select: 'str', large_text: 'txt', phone: 'phn',
      integer: 'int', decimal: 'int', currency: 'int', date: 'dtz', time: 'tme', bool: 'bol', multi_select: 'sst', object: 'obj',
    });
  });

  it('shows a custom field by the display type of its prefix', () => {
    assert.deepEqual(DISPLAY_TYPE_OF_PREFIX, {
      str: 'text', txt: 'large_text', phn: 'phone', int: 'integer', dtz: 'date', tme: 'time', bol: 'bool', sst: 'multi_select', obj: 'object', geo: 'geo',
    });
  });

  it('lets str, int and phn values be merge keys, and no other type', () => {
    assert.deepEqual(KEY_TYPES, ['str', 'int', 'phn']);
  });

  it('knows exactly its prefixes: a field ID of another prefix is not one', () => {
    assert.equal(parseFieldId('xyz:cm:thing'), undefined);
    assert.equal(parseFieldId('toString:cm:x'), undefined);
    assert.equal(fieldTypeRule('constructor'), undefined);
    assert.equal(parseFieldId('geo::city')?.type, 'geo');
  });

  it('takes the liberal shapes of geo and phone values, and passes others unchanged', () => {
    assert.deepEqual(normalizeValue('geo', { name: 'Hobart' }), { none: false, value: 'Hobart' });
    assert.deepEqual(normalizeValue('geo', {}), { none: true });
    assert.deepEqual(normalizeValue('phn', { c: '', n: '', parse_with_country_code: true }), { none: true });
    assert.deepEqual(normalizeValue('phn', null), { none: false, value: null });
    assert.deepEqual(normalizeValue('str', { name: 'x' }), { none: false, value: { name: 'x' } });
  });
});

describe('CSV cells', () => {
  const cases: Array<[keyof typeof FIELD_TYPE_RULES, string, unknown]> = [
    ['str', ' Ann ', ' Ann '],
    ['int', ' 42 ', 42],
    ['bol', 'Yes', true],
    ['bol', '0', false],
    ['sst', 'a | b ||', ['a', 'b']],
    ['sst', '["a|b"]', ['a|b']],
    ['phn', '{"c":"61","n":"401"}', { c: '61', n: '401' }],
    ['dtz', '2000-01-01', '2000-01-01'],
    ['dtz', '{"year":2000,"month":1,"day":1}', { year: 2000, month: 1, day: 1 }],
    ['obj', '[1]', [1]],
    ['geo', '{"name":"Hobart"}', { name: 'Hobart' }],
    ['tme', '2025-10-15T14:30:00Z', '2025-10-15T14:30:00Z'],
  ];
  for (const [type, text, value] of cases) {
    it(`${type} ${JSON.stringify(text)} → ${JSON.stringify(value)}`, () => assert.deepEqual(FIELD_TYPE_RULES[type].csv(text), value));
  }
  it('refuses a cell its type cannot read', () => {
    assert.throws(() => FIELD_TYPE_RULES.int.csv('4.5'), /"4.5" is not a whole number/);
    assert.throws(() => FIELD_TYPE_RULES.bol.csv('maybe'), /"maybe" is not true or false/);
  });
});
