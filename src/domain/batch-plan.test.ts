import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ParsedActivity } from './activity-input.js';
import {
  dedupeKey, eventParts, identityKey, limitPairKey, limitProbes, limitedActivities, planBatch, resolveRecords,
  type IndexedActivity, type PlanInput, type Resolution, type StoredEvent, type StoredRecord,
} from './batch-plan.js';
import type { Definition } from './definitions.js';
import type { Fields } from './merge.js';
import { PERSON } from './subjects.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const H = 60 * 60 * 1000;
const DEF: Definition = {
  name: 'purchase', iconId: 'cart-icon', trackConversionValue: false, touch: true, filterable: true, visibleInFeeds: true,
  displayStyle: { type: 'activity' }, attributes: [], retentionDays: 90, state: 'active', createdAt: NOW, editedAt: NOW, archivedAt: null,
};

const EMAIL = 'str::email';
const PHONE = 'phn::phone';
const ALICE = '00000000000000000000000a';
const BOB = '00000000000000000000000b';

interface Spec {
  email?: string;
  direct?: string;
  fields?: Fields;
  attributes?: Record<string, unknown>;
  key?: string;
  created?: Date;
  recordOnly?: boolean;
}

/** A parsed activity, as parseActivity leaves it (fields already normalised). */
function activity(index: number, spec: Spec): IndexedActivity {
  const fields: Fields = { ...(spec.email !== undefined ? { [EMAIL]: spec.email } : {}), ...spec.fields };
  const parsed: ParsedActivity = {
    definition: DEF,
    attributes: spec.attributes ?? {},
    fields,
    target: spec.direct !== undefined
      ? { type: 'direct', id: spec.direct }
      : { type: 'key', key: { fieldId: EMAIL, value: spec.email! }, mergeBy: [EMAIL] },
    strategy: 2,
    created: spec.created ?? NOW,
    backdated: spec.created !== undefined,
    eventKey: spec.key ?? null,
    location: undefined,
    queue: false,
    newCustomFields: [],
    customFields: [],
  };
  return { index, activity: parsed, eventId: `event-${index}`, ...(spec.recordOnly ? { recordOnly: true } : {}) };
}

function sequentialIds(): () => string {
  let n = 0;
  return () => `new-${++n}`;
}

const stored = (fields: Fields): StoredRecord => ({ fields, firstSeenAt: null, lastSeenAt: null });

describe('resolveRecords', () => {
  it('finds a stored record by its merge key, creates one for an unknown key, and fails an unknown person_id', () => {
    const owners = new Map([[identityKey(EMAIL, 'ann@example.com'), ALICE]]);
    const existing = new Map([[ALICE, stored({ [EMAIL]: 'ann@example.com' })]]);
    const { resolutions, failures } = resolveRecords(
      [activity(0, { email: 'ann@example.com' }), activity(1, { email: 'bo@example.com' }), activity(2, { direct: BOB })],
      PERSON, owners, existing, sequentialIds(),
    );
    assert.deepEqual(resolutions.get(0), { index: 0, recordId: ALICE, created: false });
    assert.deepEqual(resolutions.get(1), { index: 1, recordId: 'new-1', created: true });
    assert.equal(resolutions.has(2), false);
    assert.deepEqual(failures, [{ index: 2, status: 'invalid', error: `person_id ${BOB} does not exist` }]);
  });

  it('puts two activities with one new key on one new record, created by the first', () => {
    const { resolutions } = resolveRecords(
      [activity(0, { email: 'ann@example.com' }), activity(1, { email: 'ann@example.com' })], PERSON, new Map(), new Map(), sequentialIds(),
    );
    assert.deepEqual([...resolutions.values()], [
      { index: 0, recordId: 'new-1', created: true },
      { index: 1, recordId: 'new-1', created: false },
    ]);
  });

  it('finds a record created earlier in the batch by another key value its fields carry', () => {
    const first = activity(0, { email: 'ann@example.com', fields: { [PHONE]: { c: '61', n: '401234567' } } });
    const second = activity(1, { fields: { [PHONE]: { phone: '+61 401 234 567' } } });
    second.activity.target = { type: 'key', key: { fieldId: PHONE, value: '+61401234567' }, mergeBy: [PHONE] };
    const { resolutions } = resolveRecords([first, second], PERSON, new Map(), new Map(), sequentialIds());
    assert.equal(resolutions.get(1)!.recordId, 'new-1');
    assert.equal(resolutions.get(1)!.created, false);
  });

  it('keeps the ids already reserved for new records when resolving again', () => {
    const reserved = new Map([[identityKey(EMAIL, 'ann@example.com'), 'kept-id']]);
    const { resolutions } = resolveRecords([activity(0, { email: 'ann@example.com' })], PERSON, new Map(), new Map(), sequentialIds(), reserved);
    assert.deepEqual(resolutions.get(0), { index: 0, recordId: 'kept-id', created: true });
  });
});

function plan(over: Partial<PlanInput> & Pick<PlanInput, 'batch'>) {
  const existingRecords = over.existingRecords ?? new Map();
  const owners = over.owners ?? new Map();
  const resolutions = over.resolutions ?? resolveRecords(over.batch, PERSON, owners, existingRecords, sequentialIds()).resolutions;
  return planBatch({
    subject: PERSON, resolutions, existingRecords, owners, identityFields: new Set([EMAIL]), storedEvents: new Map(),
    limited: new Set(), dailyLimit: 0, ...over,
  });
}

describe('planBatch: events and duplicates', () => {
  it('merges activities with the same created + key in one batch into one event; the later attributes win, a null clears', () => {
    const p = plan({
      batch: [
        activity(0, { email: 'ann@example.com', key: 'order-1', attributes: { 'str:cm:colour': 'red', 'int:cm:qty': 1 } }),
        activity(1, { email: 'ann@example.com', key: 'order-1', attributes: { 'str:cm:colour': 'blue', 'int:cm:qty': null } }),
        activity(2, { email: 'ann@example.com', key: 'order-2' }),
      ],
    });
    assert.equal(p.events.length, 2);
    assert.deepEqual(p.events[0]!.attributes, { 'str:cm:colour': 'blue' });
    assert.deepEqual(p.events[0]!.cleared, ['int:cm:qty']);
    assert.deepEqual(p.outcomes.map((o) => o.status === 'ingested' && [o.eventId, o.deduplicated ?? false]), [
      ['event-0', false], ['event-0', true], ['event-2', false],
    ]);
  });

  it('repeats merged into one event leave each activity\'s prepared parts as they were', () => {
    const batch = [
      activity(0, { email: 'ann@example.com', key: 'order-1', attributes: { 'str:cm:colour': 'red', 'int:cm:qty': 1 } }),
      activity(1, { email: 'ann@example.com', key: 'order-1', attributes: { 'str:cm:colour': 'blue', 'int:cm:qty': null } }),
      activity(2, { email: 'ann@example.com', key: 'order-2', attributes: { 'str:cm:colour': 'green' } }),
    ];
    // As the write does before it locks the records.
    const before = batch.map((b) => structuredClone(eventParts(b)));
    const p = plan({ batch });
    assert.deepEqual(p.events[0]!.attributes, { 'str:cm:colour': 'blue' });
    assert.deepEqual(p.events[0]!.cleared, ['int:cm:qty']);
    assert.deepEqual(batch.map((b) => eventParts(b)), before);
    assert.equal(eventParts(batch[0]!).dedupeKey, dedupeKey('purchase', 'order-1', NOW));
  });

  it('the same key at another created time is another event', () => {
    const p = plan({
      batch: [
        activity(0, { email: 'ann@example.com', key: 'order-1' }),
        activity(1, { email: 'ann@example.com', key: 'order-1', created: new Date(NOW.getTime() - H) }),
      ],
    });
    assert.equal(p.events.length, 2);
  });

  it('updates the stored event with the same created + key instead of adding one, on its own record', () => {
    const storedEvents = new Map<string, StoredEvent>([
      [dedupeKey('purchase', 'order-1', NOW), { id: 'stored-event', recordId: BOB, attributes: { 'str:cm:colour': 'red' } }],
    ]);
    const p = plan({ batch: [activity(0, { email: 'ann@example.com', key: 'order-1', attributes: { 'str:cm:colour': 'green' } })], storedEvents });
    assert.equal(p.events.length, 1);
    assert.deepEqual({ ...p.events[0]!, created: undefined }, {
      id: 'stored-event', recordId: BOB, definition: 'purchase', created: undefined, key: 'order-1',
      attributes: { 'str:cm:colour': 'green' }, cleared: [], location: null, existing: true,
    });
    assert.equal(p.outcomes[0]!.status === 'ingested' && p.outcomes[0]!.deduplicated, true);
  });

  it('a record-only item (person/merge) writes the record and no event', () => {
    const p = plan({ batch: [activity(0, { email: 'ann@example.com', recordOnly: true })] });
    assert.deepEqual(p.events, []);
    assert.deepEqual(p.outcomes, [{ index: 0, status: 'ingested', recordId: 'new-1', recordStatus: 'created', eventId: '' }]);
    assert.deepEqual(p.activated, []);
  });

  it('a new record starts with the subject\'s defaults, then the first activity\'s fields; later ones merge', () => {
    const p = plan({
      batch: [
        activity(0, { email: 'ann@example.com', fields: { 'str::first': 'Ann', 'bol::p': false } }),
        activity(1, { email: 'ann@example.com', fields: { 'str::last': 'Lee' } }),
      ],
    });
    assert.deepEqual(p.records.map((r) => [r.id, r.isNew, r.fields]), [
      ['new-1', true, { 'bol::p': false, 'bol::sp': false, [EMAIL]: 'ann@example.com', 'str::first': 'Ann', 'str::last': 'Lee' }],
    ]);
    assert.deepEqual(p.outcomes.map((o) => o.status === 'ingested' && o.recordStatus), ['created', 'merged']);
  });

  it('marks a stored record the batch did not change as unchanged, and moves seen times for touch definitions', () => {
    const fields = { [EMAIL]: 'ann@example.com', 'str::first': 'Ann' };
    const existingRecords = new Map([[ALICE, { fields, firstSeenAt: NOW, lastSeenAt: NOW }]]);
    const owners = new Map([[identityKey(EMAIL, 'ann@example.com'), ALICE]]);
    const same = plan({ batch: [activity(0, { email: 'ann@example.com', fields: { 'str::first': 'Ann' } })], existingRecords, owners });
    assert.equal(same.records[0]!.unchanged, true);
    const later = new Date(NOW.getTime() + H);
    const moved = plan({ batch: [activity(0, { email: 'ann@example.com', created: later })], existingRecords, owners });
    assert.equal(moved.records[0]!.unchanged, undefined);
    assert.deepEqual([moved.records[0]!.firstSeenAt, moved.records[0]!.lastSeenAt], [NOW, later]);
  });
});

describe('planBatch: merge-key claims and releases', () => {
  it('claims the keys of a new record, except those the caller has already claimed', () => {
    const p = plan({ batch: [activity(0, { email: 'ann@example.com', fields: { [PHONE]: { c: '61', n: '401234567' } } })], identityFields: new Set([EMAIL, PHONE]) });
    assert.deepEqual(p.claims, [
      { fieldId: EMAIL, value: 'ann@example.com', recordId: 'new-1' },
      { fieldId: PHONE, value: '+61401234567', recordId: 'new-1' },
    ]);
    const held = plan({
      batch: [activity(0, { email: 'ann@example.com' })],
      owners: new Map([[identityKey(EMAIL, 'ann@example.com'), 'new-1']]),
      resolutions: new Map<number, Resolution>([[0, { index: 0, recordId: 'new-1', created: true }]]),
    });
    assert.deepEqual(held.claims, []);
  });

  it('releases the old value and claims the new one when a stored record\'s key value changes', () => {
    const existingRecords = new Map([[ALICE, stored({ [EMAIL]: 'ann@old.example' })]]);
    const owners = new Map([[identityKey(EMAIL, 'ann@old.example'), ALICE]]);
    const p = plan({ batch: [activity(0, { direct: ALICE, fields: { [EMAIL]: 'ann@new.example' } })], existingRecords, owners });
    assert.deepEqual(p.releases, [{ fieldId: EMAIL, value: 'ann@old.example', recordId: ALICE }]);
    assert.deepEqual(p.claims, [{ fieldId: EMAIL, value: 'ann@new.example', recordId: ALICE }]);
  });

  it('does not claim a value another record holds, nor release one the record does not hold', () => {
    const existingRecords = new Map([[ALICE, stored({ [EMAIL]: 'ann@example.com' })], [BOB, stored({ [EMAIL]: 'bo@example.com' })]]);
    // ALICE's stored value is owned by BOB (the first record to hold a value keeps it).
    const owners = new Map([[identityKey(EMAIL, 'ann@example.com'), BOB], [identityKey(EMAIL, 'bo@example.com'), BOB]]);
    const p = plan({ batch: [activity(0, { direct: ALICE, fields: { [EMAIL]: 'bo@example.com' } })], existingRecords, owners });
    assert.deepEqual(p.releases, []);
    assert.deepEqual(p.claims, []);
  });

  it('claims a value once when two records of the batch end up holding it', () => {
    const existingRecords = new Map([[ALICE, stored({})], [BOB, stored({})]]);
    const p = plan({
      batch: [activity(0, { direct: ALICE, fields: { [EMAIL]: 'x@example.com' } }), activity(1, { direct: BOB, fields: { [EMAIL]: 'x@example.com' } })],
      existingRecords,
    });
    assert.deepEqual(p.claims, [{ fieldId: EMAIL, value: 'x@example.com', recordId: ALICE }]);
  });
});

describe('the daily limit (rolling 24 hours)', () => {
  const batch = (times: number[], key?: (i: number) => string | undefined) =>
    times.map((t, i) => activity(i, { email: 'ann@example.com', created: new Date(NOW.getTime() - t * H), key: key?.(i) }));

  function limited(dailyLimit: number, b: IndexedActivity[], storedHoursAgo: number[] = [], storedEvents = new Map<string, StoredEvent>()) {
    const owners = new Map([[identityKey(EMAIL, 'ann@example.com'), ALICE]]);
    const existingRecords = new Map([[ALICE, stored({ [EMAIL]: 'ann@example.com' })]]);
    const { resolutions } = resolveRecords(b, PERSON, owners, existingRecords, sequentialIds());
    const { probes, groups } = limitProbes(b, resolutions, storedEvents);
    const storedTimes = new Map([[limitPairKey(ALICE, 'purchase'), storedHoursAgo.map((h) => NOW.getTime() - h * H)]]);
    return { set: limitedActivities(dailyLimit, probes, groups, storedTimes), resolutions, probes, owners, existingRecords };
  }

  it('refuses the events past the limit within 24 hours, counting stored ones', () => {
    assert.deepEqual([...limited(2, batch([3, 2, 1])).set], [2]);
    assert.deepEqual([...limited(2, batch([3, 2, 1]), [5]).set].sort(), [1, 2]);
  });

  it('does not count stored events older than 24 hours before the new ones', () => {
    assert.deepEqual([...limited(2, batch([2, 1]), [30, 26]).set], []);
  });

  it('refuses nothing at limit 0 (no limit)', () => {
    assert.deepEqual([...limited(0, batch([3, 2, 1, 0])).set], []);
  });

  it('counts repeats of one created + key in the batch once, and refuses them together', () => {
    const sameKey = batch([1, 1, 1], () => 'order-1');
    assert.deepEqual([...limited(1, sameKey).set], []);
    const { set } = limited(1, batch([2, 1, 1], (i) => (i === 0 ? 'a' : 'b')));
    assert.deepEqual([...set].sort(), [1, 2]);
  });

  it('does not count a repeat of a stored event', () => {
    const storedEvents = new Map<string, StoredEvent>([
      [dedupeKey('purchase', 'order-1', new Date(NOW.getTime() - H)), { id: 'e', recordId: ALICE, attributes: {} }],
    ]);
    const { probes } = limited(1, batch([1], () => 'order-1'), [1], storedEvents);
    assert.equal(probes.size, 0);
  });

  it('answers a refused activity rate_limited with the limit in the message', () => {
    const b = batch([3, 2, 1]);
    const { set, resolutions, owners, existingRecords } = limited(2, b);
    const p = plan({ batch: b, resolutions, owners, existingRecords, limited: set, dailyLimit: 2 });
    assert.deepEqual(p.outcomes[2], {
      index: 2, status: 'rate_limited', error: 'more than 2 events of act:cm:purchase for this person in 24 hours',
    });
    assert.equal(p.events.length, 2);
  });
});
