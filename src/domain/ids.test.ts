import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ID_PATTERN, newId, newIds } from './ids.js';

it('makes 24-hex ids: "00" + unix seconds in 8 hex digits + 14 random hex digits', () => {
  const at = new Date('2023-02-20T02:18:28Z');
  const id = newId(at);
  assert.match(id, ID_PATTERN);
  assert.equal(id.slice(0, 10), '0063f2d814'.slice(0, 2) + Math.floor(at.getTime() / 1000).toString(16).padStart(8, '0'));
});

it('ids sort by creation time', () => {
  const a = newId(new Date('2024-01-01T00:00:00Z'));
  const b = newId(new Date('2024-01-01T00:00:01Z'));
  assert.ok(a < b);
});

it('newIds makes distinct ids of the same form', () => {
  const ids = newIds(1000);
  assert.equal(new Set(ids).size, 1000);
  for (const id of ids) assert.match(id, ID_PATTERN);
});
