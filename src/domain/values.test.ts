import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkValue, type FieldType } from './field-types.js';

const cases: Array<[FieldType, unknown, true | string]> = [
  ['str', 'London', true],
  ['str', '', true],
  ['str', 'x'.repeat(255), true],
  ['str', 'x'.repeat(256), 'f is longer than 255 characters'],
  ['str', 5, 'f must be a string'],
  ['txt', 'x'.repeat(4000), true],
  ['txt', 'x'.repeat(4001), 'f is longer than 4000 characters'],
  ['int', 0, true],
  ['int', 15300, true],
  ['int', 1.5, 'f must be an integer'],
  ['int', '3', 'f must be an integer'],
  ['bol', false, true],
  ['bol', 'true', 'f must be a boolean'],
  ['sst', ['a', 'b'], true],
  ['sst', ['a', 1], 'f must be an array of strings'],
  ['obj', { products: [] }, true],
  ['obj', [{ item_id: '1' }], true],
  ['obj', 'x', 'f must be a JSON object or array'],
  ['tme', '2025-10-15T14:30:00Z', true],
  ['tme', '2025-10-15T14:30:00.123+10:00', true],
  ['tme', '2025-10-15', 'f must be an ISO-8601 date-time string'],
  ['dtz', { year: 2025, month: 2, day: 28, timezone: 'Australia/Sydney' }, true],
  ['dtz', { year: 2025, month: 2, day: 29 }, 'f is not a real date'],
  ['dtz', { year: 2025, month: 2, day: 1, timezone: 'Mars/Olympus' }, 'f has an unknown timezone (use an IANA name such as Australia/Sydney)'],
  ['dtz', '2025-11-15', true],
  ['dtz', '2025-11-15T18:00:00Z', true],
  ['dtz', 'tomorrow', 'f must be a date object or an ISO-8601 string'],
  ['phn', { c: '61', n: '401234567' }, true],
  ['phn', { phone: '+61401234567', parse_with_country_code: true }, true],
  ['phn', '+61401234567', 'f must be a phone object'],
  ['phn', { c: '+61', n: '401234567' }, 'f.c must be a country calling code such as "61"'],
];

for (const [type, value, expected] of cases) {
  it(`${type} ${JSON.stringify(value).slice(0, 40)} → ${expected === true ? 'accepted' : expected}`, () => {
    const result = checkValue(type, value, 'f');
    if (expected === true) assert.deepEqual(result, { ok: true });
    else assert.deepEqual(result, { ok: false, error: expected });
  });
}

it('answers a time zone the same way the second time (the verdict is cached)', async () => {
  const { isValidTimeZone } = await import('./values.js');
  for (let i = 0; i < 2; i++) {
    assert.equal(isValidTimeZone('Australia/Sydney'), true);
    assert.equal(isValidTimeZone('Mars/Olympus'), false);
  }
});
