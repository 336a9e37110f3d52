// One transaction applying a group of sync requests (ingest/sync-batcher.ts) as one batch, each
// request answered as it would be alone. It runs where procedures.ts sends it: on the embedded
// store in the store's own thread, beside PGlite.
import type { IpLocation } from '../domain/location.js';
import { badRequest, type ItemFailure } from '../errors.js';
import type { Sql } from '../store/db.js';
import { addDeadLetters } from '../store/queue.js';
import { applyBatch, type BatchItem, type BatchRequest, type BatchSettings, type ItemResult } from './apply-batch.js';

/** A sync request: the batch settings of one request alone (`now` is the instance's clock read at the request). */
export interface SyncRequest extends Pick<BatchSettings, 'instanceId' | 'subject' | 'mergeBy' | 'strategy' | 'dailyLimit' | 'now' | 'requestId'> {
  ipLocations: ReadonlyMap<string, IpLocation>;
  /** The deferItemValidation profile: refused items are kept as dead letters, and there is no all-refused 400. */
  deadLetterFailures: boolean;
  items: Array<{ index: number; eventId: string; activity: unknown }>;
}

/** Requests whose items were all refused, by position in the group, with the 400 each answers. */
export class AllRefused extends Error {
  constructor(readonly refused: Map<number, Error>) {
    super('requests whose items were all refused');
  }
}

/** Applies the requests as one batch in tx; the results of each, in its own indexes. */
export async function applyTogether(tx: Sql, requests: SyncRequest[]): Promise<ItemResult[][]> {
  const first = requests[0]!;
  const joined = requests.length > 1;
  const items: BatchItem[] = [];
  const origin: Array<{ member: number; index: number }> = [];
  let now = first.now;
  let ipLocations = first.ipLocations;
  if (joined) {
    const merged = new Map<string, IpLocation>();
    for (const r of requests) for (const [ip, loc] of r.ipLocations) merged.set(ip, loc);
    ipLocations = merged;
  }
  requests.forEach((r, member) => {
    // The batch's instant (records' and events' written times, new ids) is the latest request's, as the worker does.
    if (r.now > now) now = r.now;
    const request: BatchRequest = {
      mergeBy: r.mergeBy, strategy: r.strategy, now: r.now, ...(r.requestId ? { requestId: r.requestId } : {}), ...(joined ? { rank: member } : {}),
    };
    for (const i of r.items) {
      origin.push({ member, index: i.index });
      items.push({ index: items.length, requestIndex: i.index, eventId: i.eventId, activity: i.activity, request });
    }
  });
  const results = await applyBatch(tx, {
    instanceId: first.instanceId, subject: first.subject, mergeBy: first.mergeBy, strategy: first.strategy, dailyLimit: first.dailyLimit,
    now, mode: 'sync', ipLocations, ...(first.requestId ? { requestId: first.requestId } : {}), joined,
  }, items);

  const answers: ItemResult[][] = requests.map(() => []);
  for (const r of results) {
    const o = origin[r.index]!;
    answers[o.member]!.push({ ...r, index: o.index });
  }
  const refused = new Map<number, Error>();
  const failuresOf = (out: ItemResult[]) => out.filter((r): r is Extract<ItemResult, { error: string }> => r.status === 'invalid' || r.status === 'rate_limited');
  answers.forEach((out, member) => {
    if (requests[member]!.deadLetterFailures) return;
    const failures = failuresOf(out);
    if (failures.length === out.length) {
      // Nothing was taken: the request fails as a whole and writes nothing.
      const details: ItemFailure[] = failures.map((f) => ({ index: f.index, status: f.status, error: f.error }));
      refused.set(member, badRequest(failures[0]!.error, details));
    }
  });
  if (refused.size > 0) throw new AllRefused(refused);
  for (const [member, r] of requests.entries()) {
    if (!r.deadLetterFailures) continue;
    // Acknowledged as queued like the rest; what failed is kept with its reason and its request's time.
    const byIndex = new Map(r.items.map((i) => [i.index, i]));
    await addDeadLetters(tx, r.instanceId, r.subject.kind, r.now, failuresOf(answers[member]!).map((f) => ({
      index: f.index, eventId: byIndex.get(f.index)!.eventId, activity: byIndex.get(f.index)!.activity, status: f.status, error: f.error,
    })));
  }
  return answers;
}

