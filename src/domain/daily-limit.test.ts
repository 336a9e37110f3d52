import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DAY_MS, busiestWindowAround, needsStoredTimes, newRecordBound, nextLimitBound, refuseOverLimit, storedCountBound, storedSpanFor,
} from './daily-limit.js';

const H = 60 * 60 * 1000;
const T0 = Date.parse('2026-11-01T12:00:00Z');

/** Deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(a: T[], r: () => number): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Brute force: the fullest window (a, a + 24 h] over a set of times ends at one of them. */
function fullestWindow(times: number[]): number {
  let best = 0;
  for (const p of times) best = Math.max(best, times.filter((x) => x > p - DAY_MS && x <= p).length);
  return best;
}

function accept(limit: number, stored: number[], times: number[]): number[] {
  const refused = refuseOverLimit(limit, stored, times.map((t, id) => ({ id, t })));
  return times.filter((_, i) => !refused.has(i));
}

describe('daily limit rule', () => {
  it('60 events within a minute: the 50 earliest are taken, whatever the order they come in', () => {
    const times = Array.from({ length: 60 }, (_, i) => T0 + i * 1000);
    const r = rng(1);
    for (const order of [times, [...times].reverse(), shuffle(times, r), shuffle(times, r)]) {
      const taken = accept(50, [], order).sort((a, b) => a - b);
      assert.deepEqual(taken, times.slice(0, 50));
    }
  });

  it('a backdated event cannot overfill a window that later events already filled', () => {
    const stored = Array.from({ length: 50 }, (_, i) => T0 + i * 1000);
    // 5 hours before the stored ones: every window holding it also holds some of them, and the
    // window (T0 − 5 h − 1 ms, T0 + 19 h − 1 ms] holds all 50.
    assert.deepEqual(accept(50, stored, [T0 - 5 * H]), []);
    // More than 24 hours before the first stored one: no window holds both.
    assert.deepEqual(accept(50, stored, [T0 - DAY_MS]), [T0 - DAY_MS]);
    // 1 ms later it shares a window with the first stored one only; a minute later, with all 50.
    assert.deepEqual(accept(50, stored, [T0 - DAY_MS + 1]), [T0 - DAY_MS + 1]);
    assert.deepEqual(accept(50, stored, [T0 - DAY_MS + 60_000]), []);
  });

  it('the window is (created − 24 h, created]: an event exactly 24 hours after another is in a new window', () => {
    const stored = [T0];
    assert.deepEqual(accept(1, stored, [T0 + DAY_MS]), [T0 + DAY_MS]);
    assert.deepEqual(accept(1, stored, [T0 + DAY_MS - 1]), []);
  });

  it('stored events count; events of the same instant are taken in request order', () => {
    const refused = refuseOverLimit(3, [T0, T0 + 1], [{ id: 7, t: T0 + 5 }, { id: 2, t: T0 + 5 }, { id: 9, t: T0 - 5 }]);
    assert.deepEqual([...refused].sort(), [2, 7]);
  });

  it('candidates of requests decided together are taken by rank first: the same as deciding each request after the one before', () => {
    const first = [{ id: 0, t: T0, rank: 0 }];
    const second = [{ id: 1, t: T0 - 2 * H, rank: 1 }, { id: 2, t: T0 - H, rank: 1 }];
    assert.deepEqual([...refuseOverLimit(2, [], [...second, ...first])], [2]);
    // One request after the other gives the same.
    assert.equal(refuseOverLimit(2, [], first).size, 0);
    assert.deepEqual([...refuseOverLimit(2, [T0], second)], [2]);
    // Without ranks the earliest created are taken instead.
    assert.deepEqual([...refuseOverLimit(2, [], [...second, ...first].map(({ id, t }) => ({ id, t })))], [0]);
  });

  it('0 is no limit', () => {
    assert.equal(refuseOverLimit(0, [T0], [{ id: 1, t: T0 }]).size, 0);
  });

  it('random arrivals, split into requests of random sizes in random order: no window ever exceeds the limit, and one request\'s result does not depend on its order', () => {
    const r = rng(42);
    for (let round = 0; round < 200; round++) {
      const limit = 1 + Math.floor(r() * 8);
      const n = 5 + Math.floor(r() * 60);
      const all = Array.from({ length: n }, () => T0 + Math.floor(r() * 3 * DAY_MS));
      let stored: number[] = [];
      let rest = shuffle(all, r);
      while (rest.length > 0) {
        const size = 1 + Math.floor(r() * 10);
        const request = rest.slice(0, size);
        rest = rest.slice(size);
        const taken = accept(limit, stored, request).sort((a, b) => a - b);
        const again = accept(limit, stored, shuffle(request, r)).sort((a, b) => a - b);
        assert.deepEqual(again, taken, 'the same request in another order takes the same events');
        stored = [...stored, ...taken];
        assert.ok(fullestWindow(stored) <= limit, `round ${round}: a window holds ${fullestWindow(stored)} > ${limit}`);
      }
    }
  });

  it('busiestWindowAround counts the fullest window that contains t', () => {
    const times = [T0 - 22 * H, T0 - H, T0 + H, T0 + 22 * H];
    // (T0 − 23 h, T0 + H] holds the first three, (T0 − 2 h, T0 + 22 h] the last three; none holds all four.
    assert.equal(busiestWindowAround(times, T0), 3);
    assert.equal(busiestWindowAround(times, T0 + 30 * H), 1);
    assert.deepEqual(storedSpanFor([{ id: 0, t: T0 }, { id: 1, t: T0 + H }]), { from: T0 - DAY_MS, to: T0 + H + DAY_MS });
  });
});

describe('the limit bound kept with a record', () => {
  it('a new record counts its events, and a decision within the limit needs no stored times', () => {
    let b = nextLimitBound(newRecordBound(), new Map(), [{ definition: 'buy', t: T0 }, { definition: 'buy', t: T0 + 1 }]);
    assert.equal(storedCountBound(b, 'buy', T0 - DAY_MS), 2);
    assert.equal(storedCountBound(b, 'other', T0 - DAY_MS), 0);
    assert.equal(needsStoredTimes(3, 2, 1), false);
    assert.equal(needsStoredTimes(3, 2, 2), true);
    b = nextLimitBound(b, new Map(), [{ definition: 'other', t: T0 }]);
    assert.equal(storedCountBound(b, 'other', T0 - DAY_MS), 1);
  });

  it('an unknown bound stays unknown until a complete read sets it; a read counts from its start', () => {
    assert.equal(nextLimitBound(null, new Map(), [{ definition: 'buy', t: T0 }]), null);
    assert.equal(storedCountBound(null, 'buy', T0), undefined);
    const b = nextLimitBound(null, new Map([['buy', { from: T0 - DAY_MS, count: 4 }]]), [{ definition: 'buy', t: T0 }]);
    assert.equal(storedCountBound(b, 'buy', T0 - DAY_MS), 5);
    // A span that reaches before what the read saw is not answered by the bound.
    assert.equal(storedCountBound(b, 'buy', T0 - DAY_MS - 1), undefined);
    assert.equal(storedCountBound(b, 'other', T0), undefined);
    // An event before the bound's start is not counted by it (and is not in a span it answers).
    assert.equal(storedCountBound(nextLimitBound(b, new Map(), [{ definition: 'buy', t: T0 - 2 * DAY_MS }]), 'buy', T0 - DAY_MS), 5);
  });

  it('the bound never undercounts: whenever it says no stored times are needed, the rule refuses nothing', () => {
    const r = rng(7);
    for (let round = 0; round < 300; round++) {
      const limit = 1 + Math.floor(r() * 6);
      let bound = newRecordBound();
      const stored: number[] = [];
      for (let batch = 0; batch < 6; batch++) {
        const now = T0 + batch * 6 * 60 * 60 * 1000;
        const candidates = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => ({ id: i, t: now - Math.floor(r() * 2 * DAY_MS) }));
        const { from } = storedSpanFor(candidates);
        const refused = refuseOverLimit(limit, stored, candidates);
        if (!needsStoredTimes(limit, storedCountBound(bound, 'buy', from), candidates.length)) assert.equal(refused.size, 0);
        const taken = candidates.filter((c) => !refused.has(c.id));
        stored.push(...taken.map((c) => c.t));
        bound = nextLimitBound(bound, new Map(), taken.map((c) => ({ definition: 'buy', t: c.t })))!;
      }
    }
  });
});
