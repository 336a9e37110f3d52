// Applies one batch of activities inside a transaction: the same rules for a synchronous request
// and for the worker draining the queue. A few set-based statements per batch, whatever its size.
import { parseActivity, type ParsedActivity } from '../domain/activity-input.js';
import {
  identityKey, limitedActivities, limitProbes, planBatch, resolveRecords, type IndexedActivity, type Outcome,
} from '../domain/batch-plan.js';
import { storedSpanFor } from '../domain/daily-limit.js';
import { definitionNameOf, type Definition } from '../domain/definitions.js';
import type { FieldType } from '../domain/field-types.js';
import { parseFieldId } from '../domain/field-types.js';
import { keyedEventId, newId } from '../domain/ids.js';
import { identityValue, type ResolvedKey } from '../domain/identity.js';
import type { Fields, MergeStrategy } from '../domain/merge.js';
import type { Subject } from '../domain/subjects.js';
import type { IpLocation } from '../domain/location.js';
import type { Sql } from '../store/db.js';
import { loadBatchContext } from '../store/batch-context.js';
import { registerCustomFields } from '../store/custom-fields.js';
import { findStoredEvents, storedEventTimes } from '../store/events.js';
import { writeBatch } from '../store/write-batch.js';
import { enqueue, type QueuedItem } from '../store/queue.js';
import { queueableProblem } from '../domain/json-text.js';
import {
  addIdentityFields, claimIdentities, findAndLockRecords, releaseIdentities,
} from '../store/records.js';
import { RetryTransaction, SQLSTATE, sqlStateOf } from '../store/sqlstate.js';

/** Rounds of claiming new records' keys before the whole transaction is retried instead. */
const MAX_CLAIM_ROUNDS = 20;

export interface BatchItem {
  index: number;
  /** The event id acknowledged for this activity (queued ones keep theirs). */
  eventId: string;
  activity: unknown;
  /**
   * The request-level defaults of the request this item came in, when a batch joins several
   * requests (the worker applying queued rows together); else the context's.
   */
  request?: { mergeBy: string[]; strategy: MergeStrategy; now: Date };
}

export interface BatchContext {
  instanceId: string;
  subject: Subject;
  mergeBy: string[];
  strategy: MergeStrategy;
  dailyLimit: number;
  now: Date;
  /** 'sync' queues activities backdated past 90 days; 'worker' ingests them. */
  mode: 'sync' | 'worker';
  /** source_ip → location, resolved before the transaction (ingest/ip-location.ts). */
  ipLocations?: ReadonlyMap<string, IpLocation>;
  /** The X-Request-Id of the request, carried with what it queues (the journal attaches outcomes by it). */
  requestId?: string;
}

export type ItemResult = Outcome | { index: number; status: 'queued'; eventId: string; directId?: string };

export async function applyBatch(tx: Sql, ctx: BatchContext, items: BatchItem[]): Promise<ItemResult[]> {
  const { instanceId, subject } = ctx;
  const kind = subject.kind;
  const names = [...new Set(items.map((i) => definitionNameOf((i.activity as { activity_id?: unknown })?.activity_id)).filter((n): n is string => !!n))];
  const { definitions, customTypes: storedTypes, identityFields } = await loadBatchContext(tx, instanceId, kind, names);

  // Parse in request order; a custom field's type is set by the first activity that is taken.
  const types = new Map<string, FieldType>(storedTypes);
  const results: ItemResult[] = [];
  const batch: IndexedActivity[] = [];
  const toQueue: QueuedItem[] = [];
  const parsedByIndex = new Map<number, ParsedActivity>();
  for (const item of items) {
    const parsed = parseActivity(item.activity, {
      subject, definitions, customTypes: types,
      mergeBy: item.request?.mergeBy ?? ctx.mergeBy, strategy: item.request?.strategy ?? ctx.strategy, now: item.request?.now ?? ctx.now,
      queueBackdated: ctx.mode === 'sync', ipLocations: ctx.ipLocations,
    });
    if (!parsed.ok) {
      results.push({ index: item.index, status: 'invalid', error: parsed.error });
      continue;
    }
    for (const f of parsed.value.newCustomFields) types.set(f.name, f.type);
    parsedByIndex.set(item.index, parsed.value);
    // A keyed event's id is derived from what makes it one event, so that every request for it
    // (concurrent, repeated, sync or async) answers the same id.
    const { eventKey } = parsed.value;
    const eventId = eventKey !== null
      ? keyedEventId(instanceId, kind, parsed.value.definition.name, eventKey, parsed.value.created)
      : item.eventId;
    if (parsed.value.queue) {
      // Backdated past 90 days: queued, so it must be something the worker can keep.
      const problem = queueableProblem(item.activity);
      if (problem) {
        results.push({ index: item.index, status: 'invalid', error: problem });
        continue;
      }
      toQueue.push({ index: item.index, event_id: eventId, activity: item.activity });
      const directId = parsed.value.target.type === 'direct' ? parsed.value.target.id : undefined;
      results.push({ index: item.index, status: 'queued', eventId, ...(directId ? { directId } : {}) });
      continue;
    }
    batch.push({ index: item.index, activity: parsed.value, eventId });
  }

  if (batch.length > 0) results.push(...(await ingest(tx, ctx, batch, identityFields)));

  if (toQueue.length > 0) {
    await enqueue(tx, instanceId, kind, {
      merge_by: ctx.mergeBy, merge_strategy: ctx.strategy, received_at: ctx.now.toISOString(), items: toQueue,
      ...(ctx.requestId ? { request_id: ctx.requestId } : {}),
    });
  }
  // Custom fields are registered by the activities that were taken (queued ones register when applied).
  const taken = new Map<string, FieldType>();
  for (const r of results) {
    if (r.status !== 'ingested') continue;
    for (const f of parsedByIndex.get(r.index)!.newCustomFields) if (!taken.has(f.name)) taken.set(f.name, f.type);
  }
  if (taken.size > 0) {
    const stored = await registerCustomFields(tx, instanceId, kind, [...taken].map(([name, type]) => ({ name, type })));
    for (const [name, type] of taken) {
      if (stored.get(name) !== type) throw new RetryTransaction(`concurrent claim of custom field ${name}; retrying`);
    }
  }
  return results.sort((a, b) => a.index - b.index);
}

async function ingest(tx: Sql, ctx: BatchContext, batch: IndexedActivity[], identityFields: Set<string>): Promise<Outcome[]> {
  const { instanceId, subject } = ctx;
  const kind = subject.kind;

  // Every field used as a merge key identifies records from now on.
  const keyFields = new Set<string>();
  for (const { activity } of batch) if (activity.target.type === 'key') for (const f of activity.target.mergeBy) keyFields.add(f);
  const added = [...keyFields].filter((f) => !identityFields.has(f));
  if (added.length > 0) {
    await addIdentityFields(tx, instanceId, kind, added.sort());
    for (const f of added) identityFields.add(f);
  }

  // Who holds each key and identity value the batch carries.
  const probe = new Map<string, { fieldId: string; value: string }>();
  for (const { activity } of batch) {
    if (activity.target.type === 'key') probe.set(identityKey(activity.target.key.fieldId, activity.target.key.value), activity.target.key);
    for (const fieldId of identityFields) {
      const f = parseFieldId(fieldId);
      const v = f && identityValue(f, activity.fields[fieldId]);
      if (v !== undefined) probe.set(identityKey(fieldId, v), { fieldId, value: v });
    }
  }
  const directIds = [...new Set(batch.flatMap(({ activity }) => (activity.target.type === 'direct' ? [activity.target.id] : [])))];
  const { owners, records: existingRecords, archived } = await findAndLockRecords(tx, instanceId, kind, [...probe.values()], directIds);

  const pairs = batch
    .filter((b) => b.activity.eventKey !== null)
    .map((b) => ({ definition: b.activity.definition.name, key: b.activity.eventKey!, created: b.activity.created }));
  const storedEvents = await findStoredEvents(tx, instanceId, kind, pairs);

  // Claim every identity value of the records this batch creates (the merge key and the other
  // key values its fields carry, e.g. the phone beside the e-mail) before anything else is
  // written, in one statement in key order: two requests creating one person by different keys
  // then meet on the same rows, and one waits for the other. A key that a concurrent request
  // committed meanwhile now has an owner: look it up, lock it, resolve again (keeping the keys
  // already won). Each round leaves fewer keys in contest, so this ends.
  const reserved = new Map<string, string>();
  const lostElsewhere = new Set<string>();
  let resolved = resolveRecords(batch, subject, owners, existingRecords, () => newId(ctx.now), reserved);
  for (let round = 1; ; round++) {
    const creating = new Map<string, { fieldId: string; value: string; recordId: string }>();
    const targetKeys = new Set<string>();
    for (const { index, activity } of batch) {
      const r = resolved.resolutions.get(index);
      if (!r?.created || activity.target.type !== 'key') continue;
      const tk = identityKey(activity.target.key.fieldId, activity.target.key.value);
      targetKeys.add(tk);
      if (!reserved.has(tk) && !creating.has(tk)) creating.set(tk, { ...activity.target.key, recordId: r.recordId });
      for (const fieldId of identityFields) {
        const f = parseFieldId(fieldId);
        const v = f && identityValue(f, activity.fields[fieldId]);
        if (v === undefined) continue;
        const k = identityKey(fieldId, v);
        if (owners.has(k) || reserved.has(k) || creating.has(k) || lostElsewhere.has(k)) continue;
        creating.set(k, { fieldId, value: v, recordId: r.recordId });
      }
    }
    if (creating.size === 0) break;
    const won = await claimIdentities(tx, instanceId, kind, [...creating.values()]);
    const lostKeys: Array<{ fieldId: string; value: string }> = [];
    for (const [k, c] of creating) {
      if (won.has(k)) reserved.set(k, c.recordId);
      else if (targetKeys.has(k)) lostKeys.push(c);
      else lostElsewhere.add(k); // another record holds it now; it stays there
    }
    if (lostKeys.length === 0) break;
    if (round >= MAX_CLAIM_ROUNDS) throw new RetryTransaction(`concurrent claim of ${lostKeys.length} merge keys; retrying`);
    const taken = await findAndLockRecords(tx, instanceId, kind, lostKeys, []);
    for (const [k, id] of taken.owners) owners.set(k, id);
    for (const [id, rec] of taken.records) if (!existingRecords.has(id)) existingRecords.set(id, rec);
    for (const id of taken.archived) archived.add(id);
    resolved = resolveRecords(batch, subject, owners, existingRecords, () => newId(ctx.now), reserved);
  }
  const { resolutions, failures } = resolved;
  // Values won for a record this batch no longer creates (its merge key was lost after all) are
  // given up, so that the plan gives them to whichever record ends up holding them.
  const born = new Set<string>();
  for (const r of resolutions.values()) if (r.created) born.add(r.recordId);
  const orphaned: Array<{ fieldId: string; value: string; recordId: string }> = [];
  for (const [k, recordId] of reserved) {
    if (born.has(recordId)) continue;
    const sep = k.indexOf('\u0000');
    orphaned.push({ fieldId: k.slice(0, sep), value: k.slice(sep + 1), recordId });
    reserved.delete(k);
  }
  await releaseIdentities(tx, instanceId, kind, orphaned);
  // Archived records take no events until restored: the activity fails in its place.
  for (const [index, r] of resolutions) {
    if (r.created || !archived.has(r.recordId)) continue;
    resolutions.delete(index);
    failures.push({ index, status: 'invalid', error: `${subject.label} ${r.recordId} is archived` });
  }
  // The won keys are this batch's now; the plan must not claim them again.
  const held = new Map(owners);
  for (const [k, id] of reserved) held.set(k, id);

  let limited = new Set<number>();
  if (ctx.dailyLimit > 0) {
    // Records only (person/merge) count against no limit.
    const { probes, groups } = limitProbes(batch.filter((b) => !b.recordOnly), resolutions, storedEvents);
    // Records this batch creates have no stored events.
    const reads = [...probes.values()]
      .filter((p) => !born.has(p.recordId))
      .map((p) => ({ recordId: p.recordId, definition: p.definition, ...storedSpanFor(p.candidates) }));
    limited = limitedActivities(ctx.dailyLimit, probes, groups, await storedEventTimes(tx, instanceId, kind, reads));
  }
  const plan = planBatch({
    subject, batch, resolutions, existingRecords, owners: held, identityFields, storedEvents, limited, dailyLimit: ctx.dailyLimit,
  });

  // Values claimed up front for a new record that its final fields do not hold (a later activity
  // of the batch changed them) or for a record that is not written after all (every activity on
  // it refused) are given up: a merge key always names a record that holds it.
  const written = new Map(plan.records.map((r) => [r.id, r]));
  const stale: Array<{ fieldId: string; value: string; recordId: string }> = [];
  for (const [k, recordId] of reserved) {
    const sep = k.indexOf('\u0000');
    const fieldId = k.slice(0, sep);
    const value = k.slice(sep + 1);
    const record = written.get(recordId);
    const f = parseFieldId(fieldId);
    if (record && f && identityValue(f, record.fields[fieldId]) === value) continue;
    stale.push({ fieldId, value, recordId });
  }
  // Released values first (a record whose key value changed), then every write in one statement.
  await releaseIdentities(tx, instanceId, kind, [...plan.releases, ...stale]);
  const activate = plan.activated.filter((name) => batch.some((b) => b.activity.definition.name === name && b.activity.definition.state !== 'active'));
  try {
    await writeBatch(tx, instanceId, kind, { claims: plan.claims, records: plan.records, events: plan.events, activate, now: ctx.now });
  } catch (error) {
    // Concurrent requests for one keyed event insert the same derived id: the loser of that race
    // meets the primary key, not the de-duplication index. Run again, it finds the stored event.
    if (sqlStateOf(error) === SQLSTATE.uniqueViolation) throw new RetryTransaction('concurrent claim of an event; retrying');
    throw error;
  }
  return [...failures, ...plan.outcomes];
}

// ---- person/merge, accounts/merge: records without events, on the same pipeline ----

/** A record to create or merge, already checked (domain/activity-input.ts parseRecordFields). */
export interface RecordItem {
  index: number;
  fields: Fields;
  key: ResolvedKey;
  strategy: MergeStrategy;
  newCustomFields: Array<{ name: string; type: FieldType }>;
}

/** Stands in for a definition: record-only items write no event, so none of it is read but `touch`. */
const NO_DEFINITION: Definition = {
  name: '', iconId: '', trackConversionValue: false, touch: false, filterable: false, visibleInFeeds: false,
  displayStyle: { type: 'activity' }, attributes: [], retentionDays: 0, state: 'active',
  createdAt: new Date(0), editedAt: new Date(0), archivedAt: null,
};

/**
 * Creates or merges records through the same identity claims, merge strategies and custom-field
 * registration as applyBatch (the claim loop of `ingest`), writing no events.
 */
export async function applyRecords(tx: Sql, ctx: Omit<BatchContext, 'mode' | 'ipLocations' | 'dailyLimit'>, items: RecordItem[]): Promise<Outcome[]> {
  const { instanceId, subject } = ctx;
  const { customTypes, identityFields } = await loadBatchContext(tx, instanceId, subject.kind, []);
  // A custom field's type is set by the first record that uses it; later ones must agree.
  const types = new Map<string, FieldType>(customTypes);
  const batch: IndexedActivity[] = [];
  const failures: Outcome[] = [];
  for (const item of items) {
    const clash = item.newCustomFields.find((f) => types.has(f.name) && types.get(f.name) !== f.type);
    if (clash) {
      failures.push({ index: item.index, status: 'invalid', error: `fields: ${clash.type}:${subject.customNamespace}:${clash.name} conflicts with the existing field ${types.get(clash.name)}:${subject.customNamespace}:${clash.name}` });
      continue;
    }
    for (const f of item.newCustomFields) types.set(f.name, f.type);
    const activity: ParsedActivity = {
      definition: NO_DEFINITION, attributes: {}, fields: item.fields, target: { type: 'key', key: item.key, mergeBy: ctx.mergeBy }, strategy: item.strategy,
      created: ctx.now, backdated: false, eventKey: null, location: undefined, queue: false, newCustomFields: item.newCustomFields,
    };
    batch.push({ index: item.index, activity, eventId: '', recordOnly: true });
  }
  const outcomes = batch.length > 0 ? await ingest(tx, { ...ctx, dailyLimit: 0, mode: 'sync' }, batch, identityFields) : [];
  const taken = new Map<string, FieldType>();
  const byIndex = new Map(items.map((i) => [i.index, i]));
  for (const o of outcomes) {
    if (o.status !== 'ingested') continue;
    for (const f of byIndex.get(o.index)!.newCustomFields) if (!taken.has(f.name)) taken.set(f.name, f.type);
  }
  if (taken.size > 0) {
    const stored = await registerCustomFields(tx, instanceId, subject.kind, [...taken].map(([name, type]) => ({ name, type })));
    for (const [name, type] of taken) {
      if (stored.get(name) !== type) throw new RetryTransaction(`concurrent claim of custom field ${name}; retrying`);
    }
  }
  return [...failures, ...outcomes].sort((a, b) => a.index - b.index);
}

export type { ParsedActivity };
