import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ID_PATTERN, isoString, keyedEventId, newId, newIds } from './ids.js';

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

it('a keyed event id depends only on instance, kind, definition, key and created', () => {
  const at = new Date('2026-11-01T10:00:00.123Z');
  const a = keyedEventId('i1', 'person', 'order', 'k-1', at);
  assert.match(a, ID_PATTERN);
  assert.equal(a, keyedEventId('i1', 'person', 'order', 'k-1', new Date('2026-11-01T12:00:00.123+02:00')));
  assert.equal(a.slice(2, 10), Math.floor(at.getTime() / 1000).toString(16));
  for (const other of [
    keyedEventId('i2', 'person', 'order', 'k-1', at), keyedEventId('i1', 'account', 'order', 'k-1', at),
    keyedEventId('i1', 'person', 'orders', 'k-1', at), keyedEventId('i1', 'person', 'order', 'k-2', at),
    keyedEventId('i1', 'person', 'order', 'k-1', new Date(at.getTime() + 1)),
  ]) assert.notEqual(other, a);
});

it('a keyed event id is the one earlier versions gave (stored events and acknowledged ids keep it)', () => {
  // Computed with createHash('sha256') before the one-shot crypto.hash: the digest must not change.
  assert.equal(keyedEventId('i1', 'person', 'order', 'k-1', new Date('2026-11-01T10:00:00.123Z')), '006ae70da0e984efe51995e8');
});

it('isoString writes what toISOString writes, for any date (and throws for an invalid one)', () => {
  const edges = [0, -1, 1, 999, 1000, Date.UTC(999, 11, 31, 23, 59, 59, 999), Date.UTC(1000, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(10000, 0, 1), Date.UTC(2024, 1, 29, 12, 0, 0, 7), Date.UTC(2026, 11, 1, 9, 5, 3, 45), -62198755200000, 8.64e15, -8.64e15];
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const times = [...edges, ...Array.from({ length: 20_000 }, () => Math.floor((random() - 0.3) * 4e14))];
  for (const t of times) assert.equal(isoString(new Date(t)), new Date(t).toISOString(), String(t));
  assert.throws(() => isoString(new Date(NaN)), RangeError);
});
