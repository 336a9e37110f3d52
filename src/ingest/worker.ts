// Drains the durable queue: claims the oldest row (others skip it), applies it with exactly the
// rules of a synchronous request, writes dead letters for activities that turn out invalid, and
// deletes the row, all in one transaction. A crash anywhere rolls back to "still queued".
import type { FastifyBaseLogger } from 'fastify';
import { isMergeStrategy } from '../domain/merge.js';
import { SUBJECTS } from '../domain/subjects.js';
import type { Db, Sql } from '../store/db.js';
import { addDeadLetters, claimBatchOfInstance, claimNext, recordAttemptFailure, type QueueRow } from '../store/queue.js';
import type { ActivityFeed } from './activity-feed.js';
import { applyBatch, type ItemResult } from './apply-batch.js';
import { applyQueuedRows } from './apply-queued.js';
import { resolveIps } from './ip-location.js';
import type { IpLocation } from '../domain/location.js';

/** After this many failed attempts (faults, not invalid activities) a row's activities become dead letters. */
export const MAX_ATTEMPTS = 5;

export interface WorkerOptions {
  /** Default daily limit when the instance has none of its own. */
  activityDailyLimit: number;
  pollMs: number;
  concurrency: number;
  geoipEnabled?: boolean;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Told what each applied row did, after its commit. */
  feed?: ActivityFeed;
  /** Queued rows of one instance applied together in one transaction (1 = one at a time). */
  batchRows?: number;
}

/** Rows of one instance per transaction by default: 8 requests of 100 activities at most. */
export const DEFAULT_BATCH_ROWS = 8;

async function dailyLimitOf(sql: Sql, instanceId: string, fallback: number): Promise<number> {
  const rows = await sql.query<{ activity_daily_limit: number | null }>(
    'select activity_daily_limit from instances where id = $1', [instanceId], 'instance_daily_limit',
  );
  return rows[0]?.activity_daily_limit ?? fallback;
}

async function applyRow(tx: Sql, row: QueueRow, fallbackLimit: number, ipLocations: ReadonlyMap<string, IpLocation>): Promise<ItemResult[]> {
  const subject = SUBJECTS[row.kind];
  const { payload } = row;
  const strategy = isMergeStrategy(payload.merge_strategy) ? payload.merge_strategy : 2;
  const results = await applyBatch(tx, {
    instanceId: row.instance_id, subject, mergeBy: payload.merge_by, strategy,
    dailyLimit: await dailyLimitOf(tx, row.instance_id, fallbackLimit),
    now: new Date(payload.received_at), mode: 'worker', ipLocations,
  }, payload.items.map((i) => ({ index: i.index, eventId: i.event_id, activity: i.activity })));
  const byIndex = new Map(payload.items.map((i) => [i.index, i]));
  await addDeadLetters(tx, row.instance_id, row.kind, row.enqueued_at, results.flatMap((r) =>
    r.status === 'invalid' || r.status === 'rate_limited'
      ? [{ index: r.index, eventId: byIndex.get(r.index)!.event_id, activity: byIndex.get(r.index)!.activity, status: r.status, error: r.error }]
      : []));
  return results;
}

/** The oldest due row came alone: the claim is rolled back and the one-row path takes it. */
class SingleRow extends Error {}

export class Worker {
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void) | undefined;
  private pending = false;
  /** Rows the last processOne took (applied, dead-lettered or sent back to retry). */
  private lastRows = 1;

  constructor(private readonly db: Db, private readonly options: WorkerOptions) {}

  /** Processes one queued row if there is one; true when it did. */
  async processOne(): Promise<boolean> {
    const batchRows = this.options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.lastRows = 1;
    if (batchRows > 1) {
      const many = await this.processMany(batchRows);
      if (many !== 'single') return many;
    }
    let claimed: QueueRow | undefined;
    try {
      const applied = await this.db.transaction(async (tx) => {
        claimed = undefined;
        const row = await claimNext(tx);
        if (!row) return undefined;
        claimed = row;
        const ipLocations = await resolveIps(row.payload.items.map((i) => i.activity), this.options.geoipEnabled ?? true);
        return { row, results: await applyRow(tx, row, this.options.activityDailyLimit, ipLocations) };
      });
      if (!applied) return false;
      const { feed } = this.options;
      if (feed?.listening) {
        const { row, results } = applied;
        feed.emit({
          instanceId: row.instance_id, kind: row.kind, mode: 'worker', requestId: row.payload.request_id, at: new Date(), results,
          activities: new Map(row.payload.items.map((i) => [i.index, i.activity])),
        });
      }
      return true;
    } catch (error) {
      if (!claimed) throw error;
      const row: QueueRow = claimed;
      const message = error instanceof Error ? error.message : String(error);
      this.options.log?.error({ err: error, queue_id: row.id, attempts: row.attempts + 1 }, 'queued request failed');
      if (row.attempts + 1 >= MAX_ATTEMPTS) {
        await this.db.transaction(async (tx) => {
          const again = await tx.query('delete from ingest_queue where id = $1 returning id', [row.id]);
          if (again.length === 0) return;
          await addDeadLetters(tx, row.instance_id, row.kind, row.enqueued_at, row.payload.items.map((i) => ({
            index: i.index, eventId: i.event_id, activity: i.activity, status: 'failed', error: `not applied after ${MAX_ATTEMPTS} attempts: ${message}`,
          })));
        });
      } else {
        await recordAttemptFailure(this.db, row.id, message, 1000 * 2 ** row.attempts);
      }
      return true;
    }
  }

  /**
   * Claims up to `maxRows` due rows of one instance and applies them together. 'single' when the
   * oldest due row came alone (it is then left to the one-row path, with its failure handling). If
   * the joint transaction fails, every row counts one failed attempt and is due again at once: a
   * row that failed before is always claimed alone, so an innocent row is applied on its own next
   * time and a poison row meets the one-row path's dead-letter handling.
   */
  private async processMany(maxRows: number): Promise<boolean | 'single'> {
    let claimed: QueueRow[] = [];
    try {
      const applied = await this.db.transaction(async (tx) => {
        claimed = [];
        const rows = await claimBatchOfInstance(tx, maxRows);
        if (rows.length === 0) return undefined;
        if (rows.length === 1) throw new SingleRow();
        claimed = rows;
        this.lastRows = rows.length;
        const first = rows[0]!;
        const ipLocations = await resolveIps(rows.flatMap((r) => r.payload.items.map((i) => i.activity)), this.options.geoipEnabled ?? true);
        return applyQueuedRows(tx, rows, await dailyLimitOf(tx, first.instance_id, this.options.activityDailyLimit), ipLocations);
      });
      if (!applied) return false;
      const { feed } = this.options;
      if (feed?.listening) {
        for (const { row, results } of applied) {
          feed.emit({
            instanceId: row.instance_id, kind: row.kind, mode: 'worker', requestId: row.payload.request_id, at: new Date(), results,
            activities: new Map(row.payload.items.map((i) => [i.index, i.activity])),
          });
        }
      }
      return true;
    } catch (error) {
      if (error instanceof SingleRow) return 'single';
      if (claimed.length === 0) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.options.log?.warn({ err: error, queue_ids: claimed.map((r) => r.id) }, 'queued requests applied together failed; each is retried alone');
      for (const row of claimed) await recordAttemptFailure(this.db, row.id, `applied with others: ${message}`, 0);
      return true;
    }
  }

  /** Processes until the queue has nothing due. */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.processOne()) n += this.lastRows;
    return n;
  }

  /** New work was queued: look now rather than at the next poll. */
  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.processOne();
      } catch (error) {
        this.options.log?.error({ err: error }, 'worker could not claim work');
      }
      if (worked || !this.running) continue;
      if (this.pending) {
        this.pending = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Finishes the row in hand, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await Promise.all(this.loops);
    this.loops = [];
  }
}
