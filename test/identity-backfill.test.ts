// The merge-key rule lives in domain/identity.ts; the backfill that indexes values records already
// hold when a field first becomes a merge key (store/records.ts addIdentityFields) is the same rule
// in SQL. These tests run that SQL on the store the environment selects and compare it with the
// TypeScript function, value by value.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFieldId } from '../src/domain/field-types.js';
import { identityValue } from '../src/domain/identity.js';
import { createInstance } from '../src/store/instances.js';
import { addIdentityFields, identityValueSql } from '../src/store/records.js';
import { STORE_KIND, openTestDb, type TestDb } from './helpers/store.js';

let testDb: TestDb;
before(async () => {
  testDb = await openTestDb();
});
after(() => testDb.drop());

const samples: Record<string, unknown[]> = {
  'str::email': ['ann@example.com', 'Ann@Example.COM', '  bo@example.com\t', '\u00a0cy@example.com\u3000', '', '   ', '\n', 42, true, null, ['a@b.c'], { x: 1 }],
  'str::ei': ['Ext-1', ' Ext-2 ', 'MiXeD', '', ' ', '\t\u2028', 'ünïcödé', 0, false, null, ['x']],
  'int:cm:member-no': [0, 42, -7, 9007199254740991, 1.5, '42', true, null, [1], { n: 1 }],
  'phn::phone': [
    { c: '61', n: '401234567' }, { phone: '+61 (401) 234-567' }, { phone: '0401 234 567', parse_with_country_code: true },
    { n: '+61 401 234 567' }, { c: '', n: '401' }, { c: '61' }, { c: 61, n: '401' }, { phone: 61401, n: '401' },
    { c: '', n: '' }, {}, { phone: '' }, '+61401234567', 61401234567, null, [],
  ],
  'bol::p': [true, false],
  'geo::city': ['Hobart'],
  'dtz::b': ['2000-01-01'],
};

describe(`the merge-key backfill SQL on the ${STORE_KIND} store gives identityValue's answers`, () => {
  for (const [fieldId, values] of Object.entries(samples)) {
    it(fieldId, async () => {
      const field = parseFieldId(fieldId)!;
      const expr = identityValueSql(fieldId, '$1::jsonb');
      if (expr === undefined) {
        for (const v of values) assert.equal(identityValue(field, v), undefined, `${fieldId} ${JSON.stringify(v)} is a key in TS only`);
        return;
      }
      for (const v of values) {
        const got: Array<{ key: string | null }> = await testDb.db.query(`select ${expr} as key`, [JSON.stringify(v)]);
        assert.equal(got[0]!.key ?? undefined, identityValue(field, v), `${fieldId} ${JSON.stringify(v)}`);
      }
    });
  }

  it('addIdentityFields indexes the values stored records hold, as identityValue keys them; the first record keeps a shared value', async () => {
    const db = testDb.db;
    const instanceId = await createInstance(db, 'backfill');
    const records: Array<[string, Record<string, unknown>]> = [
      ['00000000000000000000000a', { 'str::ei': 'Ext-1', 'phn::phone': { c: '61', n: '401234567' }, 'int:cm:member-no': 7 }],
      ['00000000000000000000000b', { 'str::ei': ' ', 'phn::phone': { n: '0401 111 222' }, 'int:cm:member-no': 7 }],
      ['00000000000000000000000c', { 'str::ei': 'Ext-3', 'phn::phone': { phone: '+61 401 234 567' } }],
      ['00000000000000000000000d', { 'bol::p': true }],
    ];
    for (const [id, fields] of records) {
      await db.query("insert into records (instance_id, kind, id, fields) values ($1, 'person', $2, $3::jsonb)", [instanceId, id, JSON.stringify(fields)]);
    }
    const fieldIds = ['int:cm:member-no', 'phn::phone', 'str::ei'];
    await addIdentityFields(db, instanceId, 'person', fieldIds);
    const rows = await db.query<{ field_id: string; value: string; record_id: string }>(
      "select field_id, value, record_id from record_identities where instance_id = $1 and kind = 'person' order by field_id, value",
      [instanceId],
    );
    const expected = new Map<string, { field_id: string; value: string; record_id: string }>();
    for (const [id, fields] of records) {
      for (const fieldId of fieldIds) {
        const value = identityValue(parseFieldId(fieldId)!, fields[fieldId]);
        const k = `${fieldId} ${value}`;
        if (value !== undefined && !expected.has(k)) expected.set(k, { field_id: fieldId, value, record_id: id });
      }
    }
    const sorted = [...expected.values()].sort((a, b) => (a.field_id + a.value < b.field_id + b.value ? -1 : 1));
    assert.deepEqual(rows, sorted);
    assert.equal(rows.length, 5);
  });
});
