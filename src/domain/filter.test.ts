import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_FILTER_CONDITIONS, parseFilter } from './filter.js';

const OPERATORS = '$and, $or, $str::is, $str::is_not, $str::contains, $str::starts_with, $int::is, $int::greater_than, $int::less_than, $bol::is, $has_any_value, $has_no_value';

describe('parseFilter accepts', () => {
  const cases: Array<[unknown, unknown]> = [
    [{ '$str::is': { field_id: 'str::first', value: 'Ann' } }, { op: 'str_is', fieldId: 'str::first', value: 'Ann' }],
    [{ '$str::is': { field_id: 'str::email', value: ' Ann@Example.COM ' } }, { op: 'str_is', fieldId: 'str::email', value: 'ann@example.com' }],
    [{ '$str::is': { field_id: 'str::ei', value: ' Ext-1 ' } }, { op: 'str_is', fieldId: 'str::ei', value: ' Ext-1 ' }],
    [{ '$str::is_not': { field_id: 'str::first', value: 'Ann' } }, { op: 'str_is_not', fieldId: 'str::first', value: 'Ann' }],
    [{ '$str::contains': { field_id: 'str::first', value: 'nn' } }, { op: 'str_contains', fieldId: 'str::first', value: 'nn' }],
    [{ '$str::starts_with': { field_id: 'str::first', value: 'A' } }, { op: 'str_starts_with', fieldId: 'str::first', value: 'A' }],
    [{ '$int::is': { field_id: 'int:cm:age', value: 3 } }, { op: 'int_is', fieldId: 'int:cm:age', value: 3 }],
    [{ '$int::greater_than': { field_id: 'int:cm:age', value: 3 } }, { op: 'int_greater_than', fieldId: 'int:cm:age', value: 3 }],
    [{ '$int::less_than': { field_id: 'int:cm:age', value: 3 } }, { op: 'int_less_than', fieldId: 'int:cm:age', value: 3 }],
    [{ '$bol::is': { field_id: 'bol::p', value: false } }, { op: 'bol_is', fieldId: 'bol::p', value: false }],
    [{ $has_any_value: { field_id: 'str::first' } }, { op: 'has_any_value', fieldId: 'str::first' }],
    [{ $has_no_value: { field_id: 'str::first', value: 'ignored' } }, { op: 'has_no_value', fieldId: 'str::first' }],
    [
      { $and: [{ $has_any_value: { field_id: 'str::first' } }, { $or: [{ '$bol::is': { field_id: 'bol::p', value: true } }] }] },
      { op: 'and', items: [{ op: 'has_any_value', fieldId: 'str::first' }, { op: 'or', items: [{ op: 'bol_is', fieldId: 'bol::p', value: true }] }] },
    ],
  ];
  for (const [raw, expected] of cases) {
    it(JSON.stringify(raw), () => assert.deepEqual(parseFilter(raw), { ok: true, value: expected }));
  }
});

describe('parseFilter refuses', () => {
  const many = { $or: Array.from({ length: MAX_FILTER_CONDITIONS }, () => ({ $has_any_value: { field_id: 'str::first' } })) };
  const cases: Array<[string, unknown, string]> = [
    ['not an object', 'str::first', 'filter must be an object'],
    ['an array', [], 'filter must be an object'],
    ['two operators', { $and: [], $or: [] }, `filter must have exactly one operator (${OPERATORS})`],
    ['no operator', {}, `filter must have exactly one operator (${OPERATORS})`],
    ['an unknown operator', { '$str::ends_with': { field_id: 'str::first', value: 'n' } }, `filter: unknown operator $str::ends_with (use ${OPERATORS})`],
    ['an empty $and', { $and: [] }, 'filter.$and must be a non-empty array of filters'],
    ['a bad condition inside $or', { $or: [{ $has_any_value: { field_id: 'first' } }] }, 'filter.$or[0].$has_any_value.field_id must be a field ID such as str::email'],
    ['a leaf that is not an object', { '$str::is': 'Ann' }, 'filter.$str::is must be an object with field_id'],
    ['a value of the wrong type', { '$int::is': { field_id: 'int:cm:age', value: '3' } }, 'filter.$int::is.value must be a number'],
    ['a missing value', { '$bol::is': { field_id: 'bol::p' } }, 'filter.$bol::is.value must be a boolean'],
    ['more than the most conditions', many, `filter has more than ${MAX_FILTER_CONDITIONS} conditions`],
  ];
  for (const [what, raw, error] of cases) {
    it(`${what}: ${error}`, () => assert.deepEqual(parseFilter(raw), { ok: false, error }));
  }
});
