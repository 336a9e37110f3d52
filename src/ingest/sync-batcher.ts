// Group commit for sync activity requests (POST /v1/activities/create, /v1/accounts/activities/create).
// Concurrent requests of one instance mostly name the same records, so one transaction per request
// makes them queue on each other's row locks, and every request pays its own round trips (on the
// embedded store, a hop to the store's thread per statement). Here each instance and kind has at
// most `maxInFlight` transactions under way; requests that arrive meanwhile wait and are applied
// together in the next one, as one applyBatch with each item carrying its own request's defaults
// (merge_by, merge_strategy, "now", request id), like the worker's queued rows (apply-queued.ts).
// A lone request runs at once, through the same code (a group of one).
//
// Each request is answered after the commit of the transaction that applied it, with the answer it
// would get alone, applied after the requests before it in the group:
// - the daily limit takes an earlier request's events first (the candidates' rank);
// - a request whose items are all refused answers 400 and writes nothing: the group is rolled back
//   and run again without it;
// - a group that would make an instance's first use of a custom field or merge-key field
//   (JoinedFirstUse), or that fails with an error other than a lost database, is run again one
//   request at a time, so that only the culprit gets its error;
// - what a request queues (backdated activities) and its dead letters are its own.
import type { Db } from '../store/db.js';
import { isDatabaseUnavailable } from '../store/sqlstate.js';
import type { ItemResult } from './apply-batch.js';
import { AllRefused, type SyncRequest } from './apply-together.js';
import { applyGroup } from './procedures.js';

export type { SyncRequest } from './apply-together.js';

export interface SyncBatcherOptions {
  /** Transactions under way at once per instance and kind; requests arriving meanwhile wait for the next. */
  maxInFlight: number;
  /** Activities in one transaction at most (a larger request still runs, alone). */
  maxActivities: number;
}

interface Pending {
  request: SyncRequest;
  resolve: (results: ItemResult[]) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  waiting: Pending[];
  inFlight: number;
}

export class SyncBatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly listeners = new Set<(requests: number, activities: number) => void>();

  constructor(private readonly db: Db, private readonly options: SyncBatcherOptions) {}

  /** Applies the request (alone or with others of its instance and kind); resolves after its commit. */
  apply(request: SyncRequest): Promise<ItemResult[]> {
    const key = `${request.instanceId}\u0000${request.subject.kind}\u0000${request.dailyLimit}\u0000${request.deadLetterFailures ? 1 : 0}`;
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { waiting: [], inFlight: 0 }));
    const result = new Promise<ItemResult[]>((resolve, reject) => lane.waiting.push({ request, resolve, reject }));
    this.pump(key, lane);
    return result;
  }

  /** Requests waiting for a transaction of their instance to finish, over all instances. */
  waiting(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.waiting.length;
    return n;
  }

  /** Told the size of every committed transaction (requests and activities it applied), for the metrics. */
  onCommit(listener: (requests: number, activities: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private pump(key: string, lane: Lane): void {
    while (lane.inFlight < this.options.maxInFlight && lane.waiting.length > 0) {
      let activities = lane.waiting[0]!.request.items.length;
      let n = 1;
      while (n < lane.waiting.length && activities + lane.waiting[n]!.request.items.length <= this.options.maxActivities) {
        activities += lane.waiting[n]!.request.items.length;
        n++;
      }
      const group = lane.waiting.splice(0, n);
      lane.inFlight++;
      void this.run(group).finally(() => {
        lane.inFlight--;
        if (lane.inFlight === 0 && lane.waiting.length === 0) this.lanes.delete(key);
        else this.pump(key, lane);
      });
    }
  }

  /** Settles every request of the group; never rejects. */
  private async run(group: Pending[]): Promise<void> {
    let members = group;
    while (members.length > 0) {
      try {
        const answers = await applyGroup(this.db, members.map((p) => p.request));
        this.committed(members);
        members.forEach((p, i) => p.resolve(answers[i]!));
        return;
      } catch (error) {
        if (error instanceof AllRefused) {
          // They keep the 400 they got; the rest run again without them (nothing of theirs is written).
          for (const [i, e] of error.refused) members[i]!.reject(e);
          members = members.filter((_, i) => !error.refused.has(i));
          continue;
        }
        if (members.length === 1) {
          members[0]!.reject(error);
          return;
        }
        if (isDatabaseUnavailable(error)) {
          for (const p of members) p.reject(error);
          return;
        }
        // A first use whose outcome depends on order, or a failure: one request at a time, in order.
        for (const p of members) await this.run([p]);
        return;
      }
    }
  }

  private committed(members: Pending[]): void {
    if (this.listeners.size === 0) return;
    const activities = members.reduce((n, p) => n + p.request.items.length, 0);
    for (const l of this.listeners) l(members.length, activities);
  }
}
