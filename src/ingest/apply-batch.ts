// Applies one batch of activities inside a transaction: the same rules for a synchronous request
// and for the worker draining the queue. A few set-based statements per batch, whatever its size.
import { parseActivity, type ParsedActivity } from '../domain/activity-input.js';
import type { IndexedActivity, Outcome } from '../domain/batch-plan.js';
import { definitionNameOf, type Definition } from '../domain/definitions.js';
import type { FieldType } from '../domain/field-types.js';
import { keyedEventId } from '../domain/ids.js';
import type { ResolvedKey } from '../domain/identity.js';
import type { Fields, MergeStrategy } from '../domain/merge.js';
import type { Subject } from '../domain/subjects.js';
import type { IpLocation } from '../domain/location.js';
import type { Sql } from '../store/db.js';
import { loadBatchContext } from '../store/batch-context.js';
import { registerCustomFields } from '../store/custom-fields.js';
import { enqueue, type QueuedItem } from '../store/queue.js';
import { queueableProblem } from '../domain/json-text.js';
import { RetryTransaction } from '../store/sqlstate.js';
import { JoinedFirstUse, resolveAndWrite } from './resolve-and-write.js';

export interface BatchItem {
  index: number;
  /** The event id acknowledged for this activity (queued ones keep theirs). */
  eventId: string;
  activity: unknown;
  /**
   * The request-level defaults of the request this item came in, when a batch joins several
   * requests (the worker applying queued rows together, grouped sync requests); else the context's.
   * Items of one request share one such object.
   */
  request?: BatchRequest;
  /** Its index in its own request when a joined batch renumbers items (what it queues carries that one). */
  requestIndex?: number;
}

export interface BatchRequest {
  mergeBy: string[];
  strategy: MergeStrategy;
  now: Date;
  /** Its X-Request-Id (what it queues carries it). */
  requestId?: string;
  /** Its position among the requests of the batch, in arrival order (the daily limit takes earlier ones first). */
  rank?: number;
}

export interface BatchSettings {
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
  /** The items come from several sync requests that must each get the answer it would alone (see JoinedFirstUse). */
  joined?: boolean;
}

export type ItemResult = Outcome | { index: number; status: 'queued'; eventId: string; directId?: string };

export async function applyBatch(tx: Sql, ctx: BatchSettings, items: BatchItem[]): Promise<ItemResult[]> {
  const { instanceId, subject } = ctx;
  const kind = subject.kind;
  const names = [...new Set(items.map((i) => definitionNameOf((i.activity as { activity_id?: unknown })?.activity_id)).filter((n): n is string => !!n))];
  const { definitions, customTypes: storedTypes, identityFields } = await loadBatchContext(tx, instanceId, kind, names);

  // Parse in request order; a custom field's type is set by the first activity that is taken.
  const types = new Map<string, FieldType>(storedTypes);
  const results: ItemResult[] = [];
  const batch: IndexedActivity[] = [];
  // By request: what is queued is each request's own (its defaults, receipt time and request id).
  const toQueue = new Map<BatchRequest | undefined, QueuedItem[]>();
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
    if (ctx.joined && parsed.value.newCustomFields.length > 0) throw new JoinedFirstUse(`custom field ${parsed.value.newCustomFields[0]!.name}`);
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
      let queued = toQueue.get(item.request);
      if (!queued) toQueue.set(item.request, (queued = []));
      queued.push({ index: item.requestIndex ?? item.index, event_id: eventId, activity: item.activity });
      const directId = parsed.value.target.type === 'direct' ? parsed.value.target.id : undefined;
      results.push({ index: item.index, status: 'queued', eventId, ...(directId ? { directId } : {}) });
      continue;
    }
    batch.push(item.request?.rank === undefined ? { index: item.index, activity: parsed.value, eventId } : { index: item.index, activity: parsed.value, eventId, rank: item.request.rank });
  }

  if (batch.length > 0) results.push(...(await resolveAndWrite(tx, ctx, batch, identityFields)));

  for (const [request, queued] of toQueue) {
    const requestId = request ? request.requestId : ctx.requestId;
    await enqueue(tx, instanceId, kind, {
      merge_by: request?.mergeBy ?? ctx.mergeBy, merge_strategy: request?.strategy ?? ctx.strategy,
      received_at: (request?.now ?? ctx.now).toISOString(), items: queued,
      ...(requestId ? { request_id: requestId } : {}),
    });
  }
  // Custom fields are registered by the activities that were taken (queued ones register when
  // applied): every field a taken activity names that the instance did not have, even when an
  // earlier activity of the batch, not taken, named it first.
  const taken = new Map<string, FieldType>();
  for (const r of results) {
    if (r.status !== 'ingested') continue;
    for (const f of parsedByIndex.get(r.index)!.customFields) if (!storedTypes.has(f.name) && !taken.has(f.name)) taken.set(f.name, f.type);
  }
  await registerTaken(tx, instanceId, kind, taken);
  return results.sort((a, b) => a.index - b.index);
}

/**
 * Registers the custom fields taken activities or records used first; a concurrent request that
 * claimed one with another type first makes the whole transaction run again (it then sees the
 * stored type and refuses the clash).
 */
async function registerTaken(tx: Sql, instanceId: string, kind: Subject['kind'], taken: ReadonlyMap<string, FieldType>): Promise<void> {
  if (taken.size === 0) return;
  const stored = await registerCustomFields(tx, instanceId, kind, [...taken].map(([name, type]) => ({ name, type })));
  for (const [name, type] of taken) {
    if (stored.get(name) !== type) throw new RetryTransaction(`concurrent claim of custom field ${name}; retrying`);
  }
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
 * registration as applyBatch (resolve-and-write.ts), writing no events.
 */
export async function applyRecords(tx: Sql, ctx: Omit<BatchSettings, 'mode' | 'ipLocations' | 'dailyLimit'>, items: RecordItem[]): Promise<Outcome[]> {
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
      created: ctx.now, backdated: false, eventKey: null, location: undefined, queue: false, newCustomFields: item.newCustomFields, customFields: item.newCustomFields,
    };
    batch.push({ index: item.index, activity, eventId: '', recordOnly: true });
  }
  const outcomes = batch.length > 0 ? await resolveAndWrite(tx, { ...ctx, dailyLimit: 0 }, batch, identityFields) : [];
  const taken = new Map<string, FieldType>();
  const byIndex = new Map(items.map((i) => [i.index, i]));
  for (const o of outcomes) {
    if (o.status !== 'ingested') continue;
    for (const f of byIndex.get(o.index)!.newCustomFields) if (!taken.has(f.name)) taken.set(f.name, f.type);
  }
  await registerTaken(tx, instanceId, subject.kind, taken);
  return [...failures, ...outcomes].sort((a, b) => a.index - b.index);
}

export type { ParsedActivity };
