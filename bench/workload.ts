// The benchmark's workload: the activity definitions it creates, and the request bodies of 100
// activities it sends. Shared by the orchestrator (definitions, seeding) and the load generator.
//
// Mix of one request (person events; account events are the same with str:o:name):
// - 70 % existing records (picked uniformly among the seeded ones), 30 % new ones;
// - about 10 % of the slots repeat a record already used earlier in the same request (the case
//   that makes a naive set-based upsert fail with 21000);
// - half the events carry `key` + `created` (created up to 10 days back, so never queued for
//   retention and never in the future).

/** A definition the harness creates through the API (POST /v1/definitions/activity/create). */
export const DEFINITIONS = [
  {
    name: 'bench-purchase',
    icon_id: 'cart-icon',
    track_conversion_value: true,
    touch: true,
    filterable: true,
    visible_in_feeds: true,
    display_style: { type: 'activity_attribute', attribute: 'bp-product' },
    attributes: [
      { name: 'bp-product', display_type: 'text' },
      { name: 'bp-quantity', display_type: 'integer' },
      { name: 'bp-price', display_type: 'currency' },
      { name: 'bp-purchased-on', display_type: 'date' },
      { name: 'bp-gift', display_type: 'bool' },
      { name: 'bp-tags', display_type: 'multi_select' },
    ],
  },
  {
    name: 'bench-page-view',
    icon_id: 'globe-icon',
    track_conversion_value: false,
    touch: true,
    filterable: true,
    visible_in_feeds: true,
    display_style: { type: 'activity_template', template: 'Viewed {{pv-title}}' },
    attributes: [
      { name: 'pv-url', display_type: 'link' },
      { name: 'pv-title', display_type: 'text' },
      { name: 'pv-seconds', display_type: 'integer' },
      { name: 'pv-viewed-at', display_type: 'time' },
    ],
  },
  {
    name: 'bench-signup',
    icon_id: 'user-icon',
    track_conversion_value: false,
    touch: false,
    filterable: true,
    visible_in_feeds: true,
    display_style: { type: 'activity' },
    attributes: [
      { name: 'su-plan', display_type: 'single_select' },
      { name: 'su-seats', display_type: 'integer' },
      { name: 'su-trial', display_type: 'bool' },
      { name: 'su-source', display_type: 'text' },
      { name: 'su-meta', display_type: 'object' },
    ],
  },
] as const;

/** Small, fast, seedable PRNG (mulberry32), so runs send comparable bodies. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
const PLANS = ['free', 'starter', 'team', 'business', 'enterprise'];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** Attribute values for one event of definition `d`, by display type, always valid. */
function attributes(r: () => number, d: number, now: number): Record<string, unknown> {
  switch (d) {
    case 0: {
      const day = new Date(now - Math.floor(r() * 30) * 86_400_000);
      return {
        'int::v': Math.floor(r() * 200_000),
        'str:cm:bp-product': `${pick(r, WORDS)} ${pick(r, WORDS)} desk`,
        'int:cm:bp-quantity': 1 + Math.floor(r() * 5),
        'int:cm:bp-price': Math.floor(r() * 100_000) * 10,
        'dtz:cm:bp-purchased-on': { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), timezone: 'Australia/Sydney' },
        'bol:cm:bp-gift': r() < 0.2,
        'sst:cm:bp-tags': [pick(r, WORDS), pick(r, WORDS)],
      };
    }
    case 1:
      return {
        'str:cm:pv-url': `https://shop.example/${pick(r, WORDS)}/${Math.floor(r() * 10_000)}`,
        'str:cm:pv-title': `${pick(r, WORDS)} ${pick(r, WORDS)} page`,
        'int:cm:pv-seconds': Math.floor(r() * 600),
        'tme:cm:pv-viewed-at': new Date(now - Math.floor(r() * 3_600_000)).toISOString(),
      };
    default:
      return {
        'str:cm:su-plan': pick(r, PLANS),
        'int:cm:su-seats': 1 + Math.floor(r() * 50),
        'bol:cm:su-trial': r() < 0.5,
        'str:cm:su-source': pick(r, WORDS),
        'obj:cm:su-meta': { campaign: pick(r, WORDS), utm: { source: pick(r, WORDS), medium: 'email' } },
      };
  }
}

export type Subject = 'person' | 'account';

export interface MixOptions {
  subject: Subject;
  /** Records seeded before the run: existing ones are picked in [0, existing). */
  existing: number;
  /** Unique per load-generator process: names new records and keys. */
  prefix: string;
  async: boolean;
  activitiesPerRequest: number;
  existingShare: number;
  duplicateShare: number;
  keyedShare: number;
}

export const DEFAULT_MIX = { activitiesPerRequest: 100, existingShare: 0.7, duplicateShare: 0.1, keyedShare: 0.5 };

export function existingPersonEmail(i: number): string {
  return `p${i}@bench.example`;
}
export function existingAccountName(i: number): string {
  return `Bench Account ${i}`;
}

function recordFields(subject: Subject, identity: string, r: () => number): Record<string, unknown> {
  if (subject === 'account') return { 'str:o:name': identity };
  return { 'str::email': identity, 'str::first': pick(r, WORDS), 'str::last': pick(r, WORDS) };
}

/** Makes request bodies of the mix; `counter` keeps new records and keys unique. */
export class BodyMaker {
  private readonly r: () => number;
  private counter = 0;
  constructor(private readonly opts: MixOptions, seed: number) {
    this.r = rng(seed);
  }

  next(): { body: string; activities: number } {
    const { subject, existing, prefix, activitiesPerRequest, existingShare, duplicateShare, keyedShare } = this.opts;
    const r = this.r;
    const now = Date.now();
    const used: string[] = [];
    const activities: unknown[] = [];
    for (let i = 0; i < activitiesPerRequest; i++) {
      let identity: string;
      if (used.length > 0 && r() < duplicateShare) {
        identity = pick(r, used);
      } else if (existing > 0 && r() < existingShare) {
        const n = Math.floor(r() * existing);
        identity = subject === 'person' ? existingPersonEmail(n) : existingAccountName(n);
      } else {
        const n = this.counter++;
        identity = subject === 'person' ? `${prefix}-${n}@new.bench.example` : `${prefix} New Account ${n}`;
      }
      used.push(identity);
      const d = Math.floor(r() * DEFINITIONS.length);
      const activity: Record<string, unknown> = {
        activity_id: `act:cm:${DEFINITIONS[d]!.name}`,
        attributes: attributes(r, d, now),
        fields: recordFields(subject, identity, r),
      };
      if (r() < keyedShare) {
        activity['key'] = `${prefix}-k${this.counter++}`;
        activity['created'] = new Date(now - Math.floor(r() * 10 * 86_400_000)).toISOString();
      }
      activities.push(activity);
    }
    const envelope: Record<string, unknown> = { activities };
    if (this.opts.async) envelope['async'] = true;
    return { body: JSON.stringify(envelope), activities: activitiesPerRequest };
  }
}

/** A body of only new records [from, to), one event each: used to seed the existing records. */
export function seedBody(subject: Subject, from: number, to: number): string {
  const r = rng(from + 1);
  const now = Date.now();
  const activities: unknown[] = [];
  for (let i = from; i < to; i++) {
    const d = i % DEFINITIONS.length;
    const identity = subject === 'person' ? existingPersonEmail(i) : existingAccountName(i);
    const activity: Record<string, unknown> = { activity_id: `act:cm:${DEFINITIONS[d]!.name}`, attributes: attributes(r, d, now), fields: recordFields(subject, identity, r) };
    // Half keyed, as in the load: the stored events then look like the ones the load adds, and
    // the planner's statistics of the de-dupe index are those of a table in use.
    if (i % 2 === 0) {
      activity['key'] = `seed-${subject}-${i}`;
      activity['created'] = new Date(now - Math.floor(r() * 10 * 86_400_000)).toISOString();
    }
    activities.push(activity);
  }
  return JSON.stringify({ activities });
}
