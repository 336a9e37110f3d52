// POST /v1/activities/create and /v1/accounts/activities/create: the request-level rules (the
// envelope, merge defaults, async acknowledgement) around the group commits of async requests
// (enqueue-batcher.ts) and of sync ones (sync-batcher.ts).
import { acknowledgedEventId } from '../domain/activity-input.js';
import { checkMergeBy } from '../domain/identity.js';
import { newIds } from '../domain/ids.js';
import { queueableProblem } from '../domain/json-text.js';
import type { MergeStrategy } from '../domain/merge.js';
import { PROFILES, type Profile } from '../domain/profiles.js';
import type { Subject } from '../domain/subjects.js';
import { badRequest, type ItemFailure } from '../errors.js';
import type { AuthContext } from '../store/instances.js';
import { queuedRequestText, type QueuedPayload, type QueuedRequest } from '../store/queue.js';
import type { ActivityFeed } from './activity-feed.js';
import type { ItemResult } from './apply-batch.js';
import { resolveIps } from './ip-location.js';
import type { SyncRequest } from './sync-batcher.js';

export interface CreateActivitiesBody {
  activities: unknown[];
  async?: boolean;
  merge_by?: string[];
  merge_strategy?: number;
}

export type WireResult = Record<string, string>;

/** The record id an activity names itself (person_id / str:o:organization_id), if any. */
function namedId(subject: Subject, activity: unknown): string | undefined {
  const direct = (activity as Record<string, unknown> | null)?.[subject.directIdElement];
  return typeof direct === 'string' && direct !== '' ? direct : undefined;
}

export function toWire(subject: Subject, r: ItemResult, activity?: unknown, profile: Profile = PROFILES.docs): WireResult {
  return profile.activityItem(subject.idKey, subject.statusKey, r, namedId(subject, activity));
}

export function mergeDefaults(subject: Subject, auth: AuthContext, body: CreateActivitiesBody): { mergeBy: string[]; strategy: MergeStrategy } {
  if (body.merge_by !== undefined) {
    const problem = checkMergeBy(body.merge_by, subject, 'merge_by');
    if (problem) throw badRequest(problem);
  }
  return {
    mergeBy: body.merge_by ?? (subject.kind === 'person' ? auth.personMergeBy : auth.accountMergeBy),
    strategy: (body.merge_strategy as MergeStrategy | undefined) ?? auth.mergeStrategy,
  };
}

export interface IngestSettings {
  dailyLimit: number;
  geoipEnabled: boolean;
  /** Commits async requests to the queue (the app's EnqueueBatcher: shared commits under load). */
  enqueue: (instanceId: string, kind: Subject['kind'], payload: QueuedPayload) => Promise<void>;
  /** Applies a sync request after its commit (the app's SyncBatcher: shared transactions under load). */
  applySync: (request: SyncRequest) => Promise<ItemResult[]>;
  /** Told what was taken, after the commit. */
  feed?: ActivityFeed;
  /** The request's X-Request-Id, carried into the queue and the feed. */
  requestId?: string;
  /** "Now" for this request (the instance's clock); real time when absent. */
  now?: Date;
  /** The body was parsed by the JSON body plugin, which refused what the store cannot keep (see queueableProblem). */
  bodyChecked?: boolean;
  /**
   * The JSON text the body was parsed from (http/plugins/json-body.ts), when at hand: an async
   * request queues it as received rather than serialising every activity again.
   */
  rawBody?: string;
  /** The Ortto response profile (answer shapes, deferred item validation); docs when absent. */
  profile?: Profile;
}

export async function createActivities(
  subject: Subject, auth: AuthContext, body: CreateActivitiesBody, settings: IngestSettings,
): Promise<WireResult[]> {
  const { dailyLimit } = settings;
  const profile = settings.profile ?? PROFILES.docs;
  const { mergeBy, strategy } = mergeDefaults(subject, auth, body);
  const now = settings.now ?? new Date();
  const eventIds = newIds(body.activities.length, now);
  const items = body.activities.map((activity, index) => ({ index, eventId: eventIds[index]!, activity }));

  if (body.async === true) {
    // One pass, results in request order: only what the worker can at least keep as a dead letter
    // is acknowledged as queued, and a keyed activity with the id its event has or will have.
    const results: ItemResult[] = new Array(items.length);
    const toQueue: typeof items = [];
    for (const item of items) {
      const problem = queueableProblem(item.activity, settings.bodyChecked === true);
      if (problem) {
        results[item.index] = { index: item.index, status: 'invalid', error: problem };
        continue;
      }
      item.eventId = acknowledgedEventId(item.activity, auth.instanceId, subject.kind, now, item.eventId);
      toQueue.push(item);
    }
    if (toQueue.length === 0) {
      const details: ItemFailure[] = results.map((f) => ({ index: f.index, status: 'invalid', error: (f as { error: string }).error }));
      throw badRequest(details[0]!.error, details);
    }
    // Durable before acknowledged: the request is committed to the queue, then answered.
    const head: Omit<QueuedRequest, 'items'> = {
      merge_by: mergeBy, merge_strategy: strategy, received_at: now.toISOString(),
      ...(settings.requestId ? { request_id: settings.requestId } : {}),
    };
    const payload: QueuedPayload = settings.rawBody !== undefined
      ? queuedRequestText(head, toQueue.map((i) => ({ index: i.index, event_id: i.eventId })), settings.rawBody)
      : { ...head, items: toQueue.map((i) => ({ index: i.index, event_id: i.eventId, activity: i.activity })) };
    await settings.enqueue(auth.instanceId, subject.kind, payload);
    for (const i of toQueue) {
      const direct = namedId(subject, i.activity);
      results[i.index] = direct ? { index: i.index, status: 'queued', eventId: i.eventId, directId: direct } : { index: i.index, status: 'queued', eventId: i.eventId };
    }
    emit(settings, auth.instanceId, subject, 'async', items, results);
    return results.map((r) => toWire(subject, r, items[r.index]!.activity, profile));
  }

  const ipLocations = await resolveIps(body.activities, settings.geoipEnabled);
  // Applied with the other requests of the instance that arrive meanwhile (sync-batcher.ts), with
  // the answer it would get alone: the all-refused 400, dead letters of the deferItemValidation profile.
  const results = await settings.applySync({
    instanceId: auth.instanceId, subject, mergeBy, strategy, dailyLimit, now, ipLocations,
    ...(settings.requestId ? { requestId: settings.requestId } : {}), deadLetterFailures: profile.deferItemValidation, items,
  });
  emit(settings, auth.instanceId, subject, 'sync', items, results, profile.deferItemValidation);
  return results.map((r) => toWire(subject, r, items[r.index]!.activity, profile));
}

function emit(
  settings: IngestSettings, instanceId: string, subject: Subject, mode: 'sync' | 'async',
  items: Array<{ index: number; activity: unknown }>, results: ItemResult[], deadLettered = false,
): void {
  if (!settings.feed?.listening) return;
  settings.feed.emit({
    instanceId, kind: subject.kind, mode, requestId: settings.requestId, at: new Date(), results,
    activities: new Map(items.map((i) => [i.index, i.activity])), ...(deadLettered ? { deadLettered } : {}),
  });
}
