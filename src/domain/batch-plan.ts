// The in-memory plan of one batch of activities, in request order: which record each activity
// lands on (created or merged), the records' final fields, the merge-key claims, the events to
// write (duplicates of a created + key pair merged into one), and the daily limit. Pure: the
// store supplies snapshots and performs the writes as a few set-based statements.
import type { ParsedActivity } from './activity-input.js';
import { refuseOverLimit, type LimitCandidate } from './daily-limit.js';
import { identityValues } from './identity.js';
import { isoString } from './ids.js';
import { mergeFields, newRecordFields, type Fields } from './merge.js';
import type { Subject } from './subjects.js';

export interface StoredRecord {
  fields: Fields;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
}

export interface StoredEvent {
  id: string;
  recordId: string;
  attributes: Record<string, unknown>;
}

export const identityKey = (fieldId: string, value: string) => `${fieldId}\u0000${value}`;
export const dedupeKey = (definition: string, key: string, created: Date) => `${definition}\u0000${key}\u0000${isoString(created)}`;

export interface IndexedActivity {
  index: number;
  activity: ParsedActivity;
  /** A pre-assigned event id (queued activities keep the id they were acknowledged with). */
  eventId: string;
  /** person/merge, accounts/merge: the record only, no event (no limit, no de-duplication). */
  recordOnly?: boolean;
  /** The position of its request when several are applied together (the daily limit takes earlier requests first). */
  rank?: number;
  /** Filled by eventParts (the batch computes them before it locks its records). */
  parts?: EventParts;
}

/** What an activity's event is made of that does not depend on stored state. */
export interface EventParts {
  /** dedupeKey of a keyed event; undefined without a key. */
  dedupeKey: string | undefined;
  /** Attributes to set (the non-null ones), and those sent as null (a de-duplicated event drops them). */
  set: Record<string, unknown>;
  cleared: string[];
}

/**
 * An activity's event parts, computed once: the write calls this for every activity before it
 * locks its records, so that the time other batches wait on those locks holds none of this work.
 */
export function eventParts(b: IndexedActivity): EventParts {
  if (b.parts) return b.parts;
  const { activity } = b;
  const { set, cleared } = splitNulls(activity.attributes);
  b.parts = {
    dedupeKey: activity.eventKey !== null ? dedupeKey(activity.definition.name, activity.eventKey, activity.created) : undefined,
    set, cleared,
  };
  return b.parts;
}

export interface Resolution {
  index: number;
  recordId: string;
  created: boolean;
}

export type Outcome =
  | { index: number; status: 'ingested'; recordId: string; recordStatus: 'created' | 'merged'; eventId: string; deduplicated?: true }
  | { index: number; status: 'invalid' | 'rate_limited'; error: string };

/**
 * Phase 1: each activity's record, in request order. Unknown direct ids fail the activity.
 * `reserved` holds merge keys this transaction has already claimed for new records, with the ids
 * it gave them, so that resolving again (after losing another key to a concurrent request) keeps them.
 */
export function resolveRecords(
  batch: IndexedActivity[],
  subject: Subject,
  owners: ReadonlyMap<string, string>,
  existing: ReadonlyMap<string, StoredRecord>,
  newId: () => string,
  reserved: ReadonlyMap<string, string> = new Map(),
): { resolutions: Map<number, Resolution>; failures: Outcome[] } {
  const claimed = new Map<string, string>();
  const resolutions = new Map<number, Resolution>();
  const failures: Outcome[] = [];
  const born = new Set<string>();
  for (const { index, activity } of batch) {
    const { target } = activity;
    if (target.type === 'direct') {
      if (!existing.has(target.id)) {
        failures.push({ index, status: 'invalid', error: `${subject.directIdElement} ${target.id} does not exist` });
        continue;
      }
      resolutions.set(index, { index, recordId: target.id, created: false });
      continue;
    }
    const k = identityKey(target.key.fieldId, target.key.value);
    let recordId = claimed.get(k) ?? owners.get(k);
    let created = false;
    if (recordId === undefined) {
      recordId = reserved.get(k) ?? newId();
      claimed.set(k, recordId);
      born.add(recordId);
      created = true;
    }
    resolutions.set(index, { index, recordId, created });
    // Later activities of the batch find this record by the other keys its fields carry.
    for (const [fieldId, v] of identityValues(activity.fields, Object.keys(activity.fields))) {
      const ik = identityKey(fieldId, v);
      if (!owners.has(ik) && !claimed.has(ik)) claimed.set(ik, recordId);
    }
  }
  return { resolutions, failures };
}

export interface RecordWrite {
  id: string;
  fields: Fields;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  isNew: boolean;
  /** A stored record the batch left as it was (no fields or seen times changed): not rewritten. */
  unchanged?: boolean;
}

/** Deep equality of JSON values (field values as parsed from requests and from jsonb). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  if (ka.length !== Object.keys(ob).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(ob, k) && sameJson((a as Record<string, unknown>)[k], ob[k]));
}

const sameTime = (a: Date | null, b: Date | null) => (a === null ? b === null : b !== null && a.getTime() === b.getTime());

export interface EventWrite {
  id: string;
  recordId: string;
  definition: string;
  created: Date;
  key: string | null;
  /** Attributes to set (non-null values). */
  attributes: Record<string, unknown>;
  /** Attributes a de-duplicated event drops (sent as null). */
  cleared: string[];
  location: unknown;
  /** An update of a stored event (same created + key), not a new one. */
  existing: boolean;
}

export interface IdentityWrite {
  fieldId: string;
  value: string;
  recordId: string;
}

export interface BatchPlan {
  outcomes: Outcome[];
  records: RecordWrite[];
  events: EventWrite[];
  claims: IdentityWrite[];
  releases: IdentityWrite[];
  /** Definition names that received events. */
  activated: string[];
}

export interface PlanInput {
  subject: Subject;
  batch: IndexedActivity[];
  resolutions: ReadonlyMap<number, Resolution>;
  existingRecords: ReadonlyMap<string, StoredRecord>;
  /**
   * Who holds each merge key, including the keys the caller has already claimed for the records
   * this batch creates (so the plan claims only other identity values).
   */
  owners: ReadonlyMap<string, string>;
  /** Fields whose values identify records on this instance. */
  identityFields: ReadonlySet<string>;
  storedEvents: ReadonlyMap<string, StoredEvent>;
  /** Batch indexes the daily limit refuses (limitedActivities). */
  limited: ReadonlySet<number>;
  /** 0 = no limit (for the message). */
  dailyLimit: number;
}

/** The new events of one (record, definition) that the daily limit decides on. */
export interface LimitProbe {
  recordId: string;
  definition: string;
  /** One per new event: id = the batch index of its first activity. */
  candidates: LimitCandidate[];
}

export const limitPairKey = (recordId: string, definition: string) => `${recordId}\u0000${definition}`;

/**
 * The new events the daily limit decides on, by (record, definition): repeats of a stored event
 * are not counted, and repeats of an event within the batch count once, on the record of its
 * first activity. `groups` maps each first activity to the later ones that repeat it.
 */
export function limitProbes(
  batch: readonly IndexedActivity[], resolutions: ReadonlyMap<number, Resolution>, storedEvents: ReadonlyMap<string, StoredEvent>,
): { probes: Map<string, LimitProbe>; groups: Map<number, number[]> } {
  const probes = new Map<string, LimitProbe>();
  const groups = new Map<number, number[]>();
  const firstByDedupe = new Map<string, number>();
  for (const b of batch) {
    const { index, activity, rank } = b;
    const resolution = resolutions.get(index);
    if (!resolution) continue;
    const def = activity.definition.name;
    const dk = eventParts(b).dedupeKey;
    if (dk !== undefined) {
      if (storedEvents.has(dk)) continue;
      const first = firstByDedupe.get(dk);
      if (first !== undefined) {
        groups.get(first)!.push(index);
        continue;
      }
      firstByDedupe.set(dk, index);
      groups.set(index, []);
    }
    const pk = limitPairKey(resolution.recordId, def);
    let probe = probes.get(pk);
    if (!probe) probes.set(pk, (probe = { recordId: resolution.recordId, definition: def, candidates: [] }));
    probe.candidates.push(rank === undefined ? { id: index, t: activity.created.getTime() } : { id: index, t: activity.created.getTime(), rank });
  }
  return { probes, groups };
}

/** The batch indexes the limit refuses, given the stored events' created times (ms) by pair key. */
export function limitedActivities(
  dailyLimit: number, probes: ReadonlyMap<string, LimitProbe>, groups: ReadonlyMap<number, number[]>,
  storedTimes: ReadonlyMap<string, readonly number[]>,
): Set<number> {
  const limited = new Set<number>();
  if (dailyLimit <= 0) return limited;
  for (const [pk, probe] of probes) {
    for (const index of refuseOverLimit(dailyLimit, storedTimes.get(pk) ?? [], probe.candidates)) {
      limited.add(index);
      for (const repeat of groups.get(index) ?? []) limited.add(repeat);
    }
  }
  return limited;
}

function splitNulls(attributes: Record<string, unknown>): { set: Record<string, unknown>; cleared: string[] } {
  const set: Record<string, unknown> = {};
  const cleared: string[] = [];
  for (const [k, v] of Object.entries(attributes)) {
    if (v === null) cleared.push(k);
    else set[k] = v;
  }
  return { set, cleared };
}

/** Phase 2: limits, de-duplication, field merges and the writes, in request order. */
export function planBatch(input: PlanInput): BatchPlan {
  const { subject, batch, resolutions, existingRecords, owners, identityFields, storedEvents, limited, dailyLimit } = input;
  const outcomes: Outcome[] = [];
  const working = new Map<string, RecordWrite>();
  const events = new Map<string, EventWrite>();
  const eventsByDedupe = new Map<string, EventWrite>();
  const activated = new Set<string>();

  for (const b of batch) {
    const { index, activity, eventId, recordOnly } = b;
    const resolution = resolutions.get(index);
    if (!resolution) continue;
    const { recordId } = resolution;
    const def = activity.definition.name;
    const dk = recordOnly ? undefined : eventParts(b).dedupeKey;
    const batchDuplicate = dk !== undefined ? eventsByDedupe.get(dk) : undefined;
    const storedDuplicate = dk !== undefined && !batchDuplicate ? storedEvents.get(dk) : undefined;

    if (!recordOnly && limited.has(index)) {
      outcomes.push({
        index, status: 'rate_limited',
        error: `more than ${dailyLimit} events of act:cm:${def} for this ${subject.label} in 24 hours`,
      });
      continue;
    }

    // The record: created by its first activity taken, merged by the rest.
    let record = working.get(recordId);
    const creates = !record && !existingRecords.has(recordId);
    if (!record) {
      const stored = existingRecords.get(recordId);
      record = stored
        ? { id: recordId, fields: stored.fields, firstSeenAt: stored.firstSeenAt, lastSeenAt: stored.lastSeenAt, isNew: false }
        : { id: recordId, fields: newRecordFields({}, subject.newRecordDefaults), firstSeenAt: null, lastSeenAt: null, isNew: true };
      working.set(recordId, record);
    }
    // Only the first activity taken on a new record creates it; every later one merges into it.
    record.fields = creates
      ? newRecordFields(activity.fields, record.fields)
      : mergeFields(record.fields, activity.fields, activity.strategy);
    if (subject.appliesTouch && activity.definition.touch) {
      const t = activity.created;
      if (!record.firstSeenAt || t < record.firstSeenAt) record.firstSeenAt = t;
      if (!record.lastSeenAt || t > record.lastSeenAt) record.lastSeenAt = t;
    }
    if (recordOnly) {
      outcomes.push({ index, status: 'ingested', recordId, recordStatus: resolution.created ? 'created' : 'merged', eventId: '' });
      continue;
    }

    // The event: new, or merged into the one with the same created + key.
    const { set, cleared } = eventParts(b);
    let event: EventWrite;
    if (batchDuplicate) {
      event = batchDuplicate;
      // A new object: the first activity's attributes are its prepared parts, which stay as they were.
      const merged = { ...event.attributes };
      for (const k of cleared) delete merged[k];
      event.attributes = Object.assign(merged, set);
      event.cleared = [...new Set([...event.cleared.filter((k) => !(k in set)), ...cleared])];
    } else if (storedDuplicate) {
      event = {
        id: storedDuplicate.id, recordId: storedDuplicate.recordId, definition: def, created: activity.created,
        key: activity.eventKey, attributes: set, cleared, location: activity.location ?? null, existing: true,
      };
      events.set(event.id, event);
      eventsByDedupe.set(dk!, event);
    } else {
      event = {
        id: eventId, recordId, definition: def, created: activity.created, key: activity.eventKey,
        attributes: set, cleared: [], location: activity.location ?? null, existing: false,
      };
      events.set(event.id, event);
      if (dk !== undefined) eventsByDedupe.set(dk, event);
    }
    activated.add(def);
    outcomes.push({
      index, status: 'ingested', recordId,
      recordStatus: creates ? 'created' : 'merged',
      eventId: event.id,
      // The same created + key as an event already taken: one event (the journal says so).
      ...(batchDuplicate || storedDuplicate ? { deduplicated: true as const } : {}),
    });
  }

  // Merge-key claims and releases from the records' final fields.
  const claims: IdentityWrite[] = [];
  const releases: IdentityWrite[] = [];
  const claimedNow = new Set<string>();
  for (const record of working.values()) {
    const next = identityValues(record.fields, identityFields);
    const before = record.isNew ? new Map<string, string>() : identityValues(existingRecords.get(record.id)!.fields, identityFields);
    for (const [fieldId, value] of before) {
      if (next.get(fieldId) !== value && owners.get(identityKey(fieldId, value)) === record.id) {
        releases.push({ fieldId, value, recordId: record.id });
      }
    }
    for (const [fieldId, value] of next) {
      const k = identityKey(fieldId, value);
      const owner = owners.get(k);
      if (owner === record.id || claimedNow.has(k)) continue;
      if (owner !== undefined && !releases.some((r) => r.fieldId === fieldId && r.value === value)) continue;
      claimedNow.add(k);
      claims.push({ fieldId, value, recordId: record.id });
    }
  }
  for (const record of working.values()) {
    if (record.isNew) continue;
    const stored = existingRecords.get(record.id)!;
    if (sameTime(stored.firstSeenAt, record.firstSeenAt) && sameTime(stored.lastSeenAt, record.lastSeenAt) && sameJson(stored.fields, record.fields)) {
      record.unchanged = true;
    }
  }
  outcomes.sort((a, b) => a.index - b.index);
  return { outcomes, records: [...working.values()], events: [...events.values()], claims, releases, activated: [...activated] };
}
