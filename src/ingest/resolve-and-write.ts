// The part of ingestion that applyBatch (activities) and applyRecords (person/merge,
// accounts/merge) share, for activities already parsed: find and lock the records the batch
// names, claim the merge keys of the records it creates (the claim loop: concurrent requests for
// one new key create exactly one record), refuse what is over the daily limit, then plan the
// batch (domain/batch-plan.ts) and write it in one statement.
import {
  eventParts, identityKey, limitedActivities, limitPairKey, limitProbes, planBatch, resolveRecords, type IndexedActivity, type LimitProbe, type Outcome,
  type Resolution, type StoredEvent,
} from '../domain/batch-plan.js';
import {
  needsStoredTimes, newRecordBound, nextLimitBound, storedCountBound, storedSpanFor, type LimitBound,
} from '../domain/daily-limit.js';
import { newId, newIds } from '../domain/ids.js';
import { identityValues } from '../domain/identity.js';
import type { Subject } from '../domain/subjects.js';
import type { Sql } from '../store/db.js';
import { findStoredEvents, storedEventTimes, type LimitRead } from '../store/events.js';
import {
  addIdentityFields, claimIdentities, findAndLockRecords, releaseIdentities,
} from '../store/records.js';
import { RetryTransaction, SQLSTATE, sqlStateOf } from '../store/sqlstate.js';
import { writeBatch } from '../store/write-batch.js';

/**
 * Thrown by applyBatch (and resolveAndWrite) when a batch joining several requests (BatchSettings.joined) would make an
 * instance's first use of a custom field or merge-key field: which later activities see it then
 * depends on the order the requests commit in, so the caller applies them one by one instead.
 * Rare: it happens once per field and instance.
 */
export class JoinedFirstUse extends Error {
  constructor(what: string) {
    super(`a joined batch makes the first use of ${what}; apply its requests one by one`);
    this.name = 'JoinedFirstUse';
  }
}

/** Rounds of claiming new records' keys before the whole transaction is retried instead. */
const MAX_CLAIM_ROUNDS = 20;

/** What the write needs of the batch's context (apply-batch.ts BatchSettings has it). */
export interface WriteContext {
  instanceId: string;
  subject: Subject;
  /** 0 = no limit (person/merge, accounts/merge count against none). */
  dailyLimit: number;
  now: Date;
  /** Several requests joined in one batch: a merge-key field's first use throws JoinedFirstUse (apply-batch.ts). */
  joined?: boolean;
}

export async function resolveAndWrite(tx: Sql, ctx: WriteContext, batch: IndexedActivity[], identityFields: Set<string>): Promise<Outcome[]> {
  const { instanceId, subject } = ctx;
  const kind = subject.kind;

  // Every field used as a merge key identifies records from now on.
  const keyFields = new Set<string>();
  for (const { activity } of batch) if (activity.target.type === 'key') for (const f of activity.target.mergeBy) keyFields.add(f);
  const added = [...keyFields].filter((f) => !identityFields.has(f));
  if (added.length > 0) {
    if (ctx.joined) throw new JoinedFirstUse(`merge-key field ${added[0]!}`);
    await addIdentityFields(tx, instanceId, kind, added.sort());
    for (const f of added) identityFields.add(f);
  }

  // Who holds each key and identity value the batch carries.
  const probe = new Map<string, { fieldId: string; value: string }>();
  for (const { activity } of batch) {
    if (activity.target.type === 'key') probe.set(identityKey(activity.target.key.fieldId, activity.target.key.value), activity.target.key);
    for (const [fieldId, v] of identityValues(activity.fields, identityFields)) probe.set(identityKey(fieldId, v), { fieldId, value: v });
  }
  const directIds = [...new Set(batch.flatMap(({ activity }) => (activity.target.type === 'direct' ? [activity.target.id] : [])))];
  const pairs = batch
    .filter((b) => b.activity.eventKey !== null)
    .map((b) => ({ definition: b.activity.definition.name, key: b.activity.eventKey!, created: b.activity.created }));
  // What does not depend on stored state is made before the records are locked: other batches
  // wait on those locks until this one commits. Each event's parts (its dedupe key, used three
  // times, and its attributes split), and the ids of the records the batch may create: one random
  // draw (one per id cost about 5 µs each, 30 a bench batch); rounds of claims make more if needed.
  let mayCreate = 0;
  for (const b of batch) {
    if (b.activity.target.type === 'key') mayCreate++;
    if (!b.recordOnly) eventParts(b);
  }
  const freshIds = newIds(mayCreate, ctx.now);
  const nextId = () => freshIds.pop() ?? newId(ctx.now);
  const { owners, records: existingRecords, archived, limitBounds } = await findAndLockRecords(tx, instanceId, kind, [...probe.values()], directIds);
  // Reads of the daily limit that found every stored event of a pair after `from` (to = Infinity), by
  // limitPairKey: what the records' bounds are set from.
  const completeReads = new Map<string, { recordId: string; definition: string; from: number; count: number }>();
  const noteReads = (reads: readonly LimitRead[], times: ReadonlyMap<string, number[]>) => {
    for (const r of reads) {
      if (r.to !== Infinity) continue;
      const pk = limitPairKey(r.recordId, r.definition);
      completeReads.set(pk, { recordId: r.recordId, definition: r.definition, from: r.from, count: times.get(pk)?.length ?? 0 });
    }
  };

  // Read by the first claim of the loop below when there is one (round trips saved), else after
  // it: the stored keyed events, and the daily limit's stored times of the records resolved so far
  // (a pair the final resolution adds or widens is read after the loop).
  let storedEvents: Map<string, StoredEvent> | undefined;
  let prefetchedTimes: { reads: Map<string, LimitRead>; times: Map<string, number[]> } | undefined;

  // Claim every identity value of the records this batch creates (the merge key and the other
  // key values its fields carry, e.g. the phone beside the e-mail) before anything else is
  // written, in one statement in key order: two requests creating one person by different keys
  // then meet on the same rows, and one waits for the other. A key that a concurrent request
  // committed meanwhile now has an owner: look it up, lock it, resolve again (keeping the keys
  // already won). Each round leaves fewer keys in contest, so this ends.
  const reserved = new Map<string, string>();
  const lostElsewhere = new Set<string>();
  let resolved = resolveRecords(batch, subject, owners, existingRecords, nextId, reserved);
  for (let round = 1; ; round++) {
    const creating = new Map<string, { fieldId: string; value: string; recordId: string }>();
    const targetKeys = new Set<string>();
    for (const { index, activity } of batch) {
      const r = resolved.resolutions.get(index);
      if (!r?.created || activity.target.type !== 'key') continue;
      const tk = identityKey(activity.target.key.fieldId, activity.target.key.value);
      targetKeys.add(tk);
      if (!reserved.has(tk) && !creating.has(tk)) creating.set(tk, { ...activity.target.key, recordId: r.recordId });
      for (const [fieldId, v] of identityValues(activity.fields, identityFields)) {
        const k = identityKey(fieldId, v);
        if (owners.has(k) || reserved.has(k) || creating.has(k) || lostElsewhere.has(k)) continue;
        creating.set(k, { fieldId, value: v, recordId: r.recordId });
      }
    }
    if (creating.size === 0) break;
    const first = storedEvents === undefined;
    const early = first && ctx.dailyLimit > 0 ? limitReads(ctx, batch, resolved.resolutions, new Map(), limitBounds) : [];
    const claimed = await claimIdentities(tx, instanceId, kind, [...creating.values()], first ? { eventPairs: pairs, limitReads: early } : {});
    if (first) {
      storedEvents = claimed.storedEvents;
      prefetchedTimes = { reads: new Map(early.map((r) => [limitPairKey(r.recordId, r.definition), r])), times: claimed.storedTimes };
      noteReads(early, claimed.storedTimes);
    }
    const won = claimed.won;
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
    for (const [id, bound] of taken.limitBounds) if (!limitBounds.has(id)) limitBounds.set(id, bound);
    resolved = resolveRecords(batch, subject, owners, existingRecords, nextId, reserved);
  }
  storedEvents ??= await findStoredEvents(tx, instanceId, kind, pairs);
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
    const times = new Map<string, number[]>();
    const missing: LimitRead[] = [];
    for (const p of probes.values()) {
      if (born.has(p.recordId)) continue;
      const read = limitRead(ctx, p, limitBounds.get(p.recordId) ?? null);
      if (!read) continue; // within the limit whatever the stored times are
      const pk = limitPairKey(p.recordId, p.definition);
      const early = prefetchedTimes?.reads.get(pk);
      if (!early || early.from > read.from || early.to < read.to) {
        missing.push(read);
        continue;
      }
      // Read over a span that holds this one: the same times once cut to it.
      const within = (prefetchedTimes!.times.get(pk) ?? []).filter((t) => t > read.from && t < read.to);
      if (within.length > 0) times.set(pk, within);
    }
    const missingTimes = await storedEventTimes(tx, instanceId, kind, missing);
    for (const [pk, list] of missingTimes) times.set(pk, list);
    noteReads(missing, missingTimes);
    limited = limitedActivities(ctx.dailyLimit, probes, groups, times);
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
    if (record && identityValues(record.fields, [fieldId]).get(fieldId) === value) continue;
    stale.push({ fieldId, value, recordId });
  }
  // Released values first (a record whose key value changed), then every write in one statement.
  await releaseIdentities(tx, instanceId, kind, [...plan.releases, ...stale]);
  const activate = plan.activated.filter((name) => batch.some((b) => b.activity.definition.name === name && b.activity.definition.state !== 'active'));
  try {
    await writeBatch(tx, instanceId, kind, {
      claims: plan.claims, records: plan.records, events: plan.events, activate, now: ctx.now,
      limitBounds: nextBounds(ctx.dailyLimit > 0, plan.records, plan.events, limitBounds, completeReads),
    });
  } catch (error) {
    // Concurrent requests for one keyed event insert the same derived id: the loser of that race
    // meets the primary key, not the de-duplication index. Run again, it finds the stored event.
    if (sqlStateOf(error) === SQLSTATE.uniqueViolation) throw new RetryTransaction('concurrent claim of an event; retrying');
    throw error;
  }
  return [...failures, ...plan.outcomes];
}

/** The daily limit's reads for a resolution: each (existing record, definition) whose bound does not decide it, and the span its candidates need. */
function limitReads(
  ctx: WriteContext, batch: IndexedActivity[], resolutions: ReadonlyMap<number, Resolution>, storedEvents: ReadonlyMap<string, StoredEvent>,
  bounds: ReadonlyMap<string, LimitBound | null>,
): LimitRead[] {
  const created = new Set<string>();
  for (const r of resolutions.values()) if (r.created) created.add(r.recordId);
  const { probes } = limitProbes(batch.filter((b) => !b.recordOnly), resolutions, storedEvents);
  const reads: LimitRead[] = [];
  for (const p of probes.values()) {
    if (created.has(p.recordId)) continue;
    const read = limitRead(ctx, p, bounds.get(p.recordId) ?? null);
    if (read) reads.push(read);
  }
  return reads;
}

/**
 * The read a (record, definition)'s candidates need, or undefined when the record's bound shows
 * they are within the limit whatever the stored times are. A read that reaches the present is made
 * open-ended (every later stored event too: there are none or few), so that the record's bound can
 * be set from what it finds.
 */
function limitRead(ctx: WriteContext, p: LimitProbe, bound: LimitBound | null): LimitRead | undefined {
  const span = storedSpanFor(p.candidates);
  if (!needsStoredTimes(ctx.dailyLimit, storedCountBound(bound, p.definition, span.from), p.candidates.length)) return undefined;
  return { recordId: p.recordId, definition: p.definition, from: span.from, to: span.to >= ctx.now.getTime() ? Infinity : span.to };
}

/**
 * The records' new daily-limit bounds (domain/daily-limit.ts nextLimitBound) after the planned
 * writes: a new record's from its events, a locked one's from its stored bound, the complete reads
 * of its pairs and the events added to it. Only changed bounds are returned. Without a limit no
 * bound is kept: a record that gains events loses its bound (null, once), so that such batches
 * cost no record writes, and a limit turned on later reads the stored events.
 */
function nextBounds(
  limited: boolean,
  records: ReadonlyArray<{ id: string; isNew: boolean }>, events: ReadonlyArray<{ recordId: string; definition: string; created: Date; existing: boolean }>,
  stored: ReadonlyMap<string, LimitBound | null>, completeReads: ReadonlyMap<string, { recordId: string; definition: string; from: number; count: number }>,
): Map<string, LimitBound | null> {
  const added = new Map<string, Array<{ definition: string; t: number }>>();
  for (const e of events) {
    if (e.existing) continue;
    let list = added.get(e.recordId);
    if (!list) added.set(e.recordId, (list = []));
    list.push({ definition: e.definition, t: e.created.getTime() });
  }
  const complete = new Map<string, Map<string, { from: number; count: number }>>();
  for (const r of completeReads.values()) {
    let m = complete.get(r.recordId);
    if (!m) complete.set(r.recordId, (m = new Map()));
    m.set(r.definition, { from: r.from, count: r.count });
  }
  const out = new Map<string, LimitBound | null>();
  if (!limited) {
    for (const id of added.keys()) if (stored.get(id)) out.set(id, null);
    return out;
  }
  const none = new Map<string, { from: number; count: number }>();
  for (const r of records) {
    if (!r.isNew) continue;
    out.set(r.id, nextLimitBound(newRecordBound(), none, added.get(r.id) ?? []));
  }
  for (const id of new Set([...added.keys(), ...complete.keys()])) {
    if (out.has(id) || !stored.has(id)) continue;
    const before = stored.get(id) ?? null;
    const after = nextLimitBound(before, complete.get(id) ?? none, added.get(id) ?? []);
    if (after !== before) out.set(id, after);
  }
  return out;
}
