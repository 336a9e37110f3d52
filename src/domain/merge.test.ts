import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mergeFields, newRecordFields } from './merge.js';

const stored = { 'str::first': 'Billie', 'str::last': null, 'str::email': 'b@example.com' };

it('1 append only fills empty fields and leaves set ones', () => {
  assert.deepEqual(mergeFields(stored, { 'str::first': 'Kate', 'str::last': 'Holiday', 'str::ei': null }, 1), {
    'str::first': 'Billie', 'str::last': 'Holiday', 'str::email': 'b@example.com',
  });
});

it('2 overwrite replaces sent fields and null clears them', () => {
  assert.deepEqual(mergeFields(stored, { 'str::first': 'Kate', 'str::email': null }, 2), { 'str::first': 'Kate', 'str::last': null });
});

it('3 ignore leaves an existing record unchanged', () => {
  assert.deepEqual(mergeFields(stored, { 'str::first': 'Kate' }, 3), stored);
});

it('a new record takes the sent fields over the defaults and drops nulls', () => {
  assert.deepEqual(newRecordFields({ 'bol::p': false, 'str::first': null }, { 'bol::p': true, 'bol::sp': false }), { 'bol::p': false, 'bol::sp': false });
});

it('"" and 0 are values, not empties, for append only', () => {
  assert.deepEqual(mergeFields({ a: '', b: 0 }, { a: 'x', b: 1 }, 1), { a: '', b: 0 });
});
