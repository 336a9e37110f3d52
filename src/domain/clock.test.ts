import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstanceClocks } from './clock.js';

test('an instance clock is real time until set; frozen stays put, advanced moves; per instance', () => {
  let real = Date.parse('2026-01-01T00:00:00Z');
  const clocks = new InstanceClocks(() => real);
  assert.equal(clocks.now('a').toISOString(), '2026-01-01T00:00:00.000Z');
  clocks.freeze('a', new Date('2030-01-01T00:00:00Z'));
  real += 5000;
  assert.deepEqual(clocks.view('a'), { now: new Date('2030-01-01T00:00:00Z'), frozen: true });
  clocks.advance('a', 60);
  assert.equal(clocks.now('a').toISOString(), '2030-01-01T00:01:00.000Z');
  assert.equal(clocks.now('b').toISOString(), '2026-01-01T00:00:05.000Z', "b keeps real time");
  clocks.advance('b', -5);
  real += 1000;
  assert.deepEqual(clocks.view('b'), { now: new Date('2026-01-01T00:00:01.000Z'), frozen: false });
  clocks.reset('a');
  assert.equal(clocks.now('a').getTime(), real);
  clocks.resetAll();
  assert.equal(clocks.now('b').getTime(), real);
});
