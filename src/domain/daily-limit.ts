// The rolling 24-hour limit on events of one activity for one record, as a pure rule.
//
// Invariant: no 24-hour window of `created` times, (a, a + 24 h] for any a, ever holds more than
// `limit` accepted events of one (record, activity). A new event at t is accepted when every such
// window containing t still holds fewer than `limit` accepted events (stored ones and those
// accepted earlier by the same decision); windows that lie after t count too, so a backdated or
// out-of-order event cannot overfill a window that later events already filled.
//
// Order independence: within one decision the candidates are taken by `created` (then by their
// position in the request), so the same set of events always yields the same accepted set however
// the request orders them. Across requests what was accepted stays accepted, and the invariant
// holds whatever the order of arrival. Requests applied together in one decision (sync requests
// grouped into one transaction, ingest/sync-batcher.ts) give each candidate its request's rank:
// an earlier request's candidates are taken first, as if it had committed first.
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface LimitCandidate {
  /** Caller's handle (e.g. the batch index of the first activity of a de-duplicated event). */
  id: number;
  /** `created` in ms since the epoch. */
  t: number;
  /** The position of its request among requests decided together (0 when alone): lower ranks are taken first. */
  rank?: number;
}

/** The largest count of `times` in any window (a, a + 24 h] that contains t. `times` sorted ascending. */
export function busiestWindowAround(times: readonly number[], t: number): number {
  // The count, as a function of a in [t − 24 h, t), is highest where a point has just entered the
  // window (a = p − 24 h) or at its left end (a = t − 24 h): evaluating there is exact.
  // Times are whole milliseconds, so a < p <= a + D is a + 1 <= p < a + D + 1.
  const countIn = (a: number) => lowerBound(times, a + DAY_MS + 1) - lowerBound(times, a + 1);
  let best = countIn(t - DAY_MS);
  // Points p in [t, t + D) enter a window containing t at a = p − D.
  const end = lowerBound(times, t + DAY_MS);
  for (let i = lowerBound(times, t); i < end; i++) {
    const n = countIn(times[i]! - DAY_MS);
    if (n > best) best = n;
  }
  return best;
}

/**
 * Which candidates of one (record, activity) are accepted, given the `stored` accepted events' times
 * (any order). Returns the ids of the refused candidates.
 */
export function refuseOverLimit(limit: number, stored: readonly number[], candidates: readonly LimitCandidate[]): Set<number> {
  const refused = new Set<number>();
  if (limit <= 0 || candidates.length === 0) return refused;
  const times = [...stored].sort((a, b) => a - b);
  const order = [...candidates].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0) || a.t - b.t || a.id - b.id);
  for (const c of order) {
    if (busiestWindowAround(times, c.t) + 1 > limit) {
      refused.add(c.id);
      continue;
    }
    times.splice(lowerBound(times, c.t), 0, c.t);
  }
  return refused;
}

/** The span of stored times a decision over `candidates` needs: windows reach 24 h either side. */
export function storedSpanFor(candidates: readonly LimitCandidate[]): { from: number; to: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const c of candidates) {
    if (c.t < min) min = c.t;
    if (c.t > max) max = c.t;
  }
  return { from: min - DAY_MS, to: max + DAY_MS };
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---- A bound kept with each record, so that most decisions need no stored times ----
//
// The record's row keeps, per definition, [since, count]: at most `count` stored events of that
// record and definition have created >= since (ms). Deleted events (retention) may still be
// counted: the bound only ever overcounts, so it can only send a decision to the stored times,
// never change its outcome. `''` holds [since] for every definition without an entry of its own
// (none since then): a new record knows it has no events at all. null: nothing known yet.

/** Per definition [since, count]; `''`: [since] for the definitions without an entry. */
export type LimitBound = Record<string, number[]>;

/** Before any created time: a new record has no stored events since then. */
const EARLIEST = -8.64e15;

export function newRecordBound(): LimitBound {
  return { '': [EARLIEST] };
}

/** At most how many stored events of `definition` have created > from, or undefined when the bound does not reach back so far. */
export function storedCountBound(bound: LimitBound | null, definition: string, from: number): number | undefined {
  if (!bound) return undefined;
  const own = bound[definition];
  const since = own ? own[0] : bound['']?.[0];
  // Times are whole milliseconds: created > from is created >= from + 1.
  if (since === undefined || since > from + 1) return undefined;
  return own ? own[1] ?? 0 : 0;
}

/**
 * Whether a decision over `candidates` needs the stored times: it cannot refuse any when every
 * stored event in its span and every candidate together stay within the limit (a window holding
 * the limit needs that many events in the span).
 */
export function needsStoredTimes(limit: number, storedBound: number | undefined, candidates: number): boolean {
  return limit > 0 && (storedBound === undefined || storedBound + candidates > limit);
}

/**
 * The bound after a batch: `complete` gives, per definition, what a read of every stored event
 * with created > from found (count); `added` the created times of the events the batch adds.
 * Returns `bound` itself when nothing changed.
 */
export function nextLimitBound(
  bound: LimitBound | null, complete: ReadonlyMap<string, { from: number; count: number }>, added: ReadonlyArray<{ definition: string; t: number }>,
): LimitBound | null {
  let next: LimitBound | null = null;
  const edit = (): LimitBound => (next ??= { ...(bound ?? {}) });
  for (const [definition, r] of complete) edit()[definition] = [r.from + 1, r.count];
  for (const a of added) {
    const current: LimitBound | null = next ?? bound;
    const own = current?.[a.definition];
    const since = own ? own[0]! : current?.['']?.[0];
    if (since === undefined) continue; // nothing known: stays unknown
    if (a.t < since) continue; // before what the bound counts
    edit()[a.definition] = [since, (own?.[1] ?? 0) + 1];
  }
  return next ?? bound;
}
