// Drains the durable queue: the oldest due rows choose an instance, whose oldest rows it claims
// (others skip them), applies them with exactly the rules of a synchronous request (several
// requests of one instance as one batch), writes dead letters for activities that turn out
// invalid, and deletes the rows, all in one transaction. A crash anywhere rolls back to "still queued".
import type { FastifyBaseLogger } from 'fastify';
import type { Limits } from '../domain/limits.js';
import type { Db } from '../store/db.js';
import { addDeadLetters, addRawDeadLetters, dueInstances, recordAttemptFailure, removeQueued, type QueueRow } from '../store/queue.js';
import { isDatabaseUnavailable, sqlStateOf } from '../store/sqlstate.js';
import { errorSummary, LogThrottle } from './log-throttle.js';
import type { ActivityFeed } from './activity-feed.js';
import { DEFAULT_BATCH_ROWS, type DrainStepOptions } from './drain-step.js';
import { applyDrainStep } from './procedures.js';

/** After this many failed attempts (faults, not invalid activities) a row's activities become dead letters. */
export const MAX_ATTEMPTS = 5;

export interface WorkerOptions {
  /** The server's limits (config), for an instance that has none of its own. */
  defaultLimits: Limits;
  pollMs: number;
  concurrency: number;
  geoipEnabled?: boolean;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Told what each applied row did, after its commit. */
  feed?: ActivityFeed;
  /** Queued rows of one instance applied together in one transaction (1 = one at a time). */
  batchRows?: number;
  /**
   * When set, each empty poll in a row doubles the wait, from pollMs up to this, and work or
   * notify() brings it back to pollMs at once. Only for a store no other process enqueues into
   * (the embedded one, whose folder one process holds), where every new row notifies.
   */
  idlePollMaxMs?: number;
}

export { DEFAULT_BATCH_ROWS } from './drain-step.js';

/** How many of the oldest due rows are looked at to choose the instances to claim from. */
const DUE_SCAN = 32;
/** Back-off of a row whose dead letters could not be written either (it is retried, never blocks). */
const DEAD_LETTER_RETRY_MS = 60_000;

/** Failures that no retry can cure (the data itself): dead letters at once. */
function isDataFault(error: unknown): boolean {
  return sqlStateOf(error)?.startsWith('22') === true || error instanceof TypeError || error instanceof RangeError;
}

export class Worker {
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void) | undefined;
  private pending = false;
  private readonly errors: LogThrottle;
  /** Rows the last processOne took (applied, dead-lettered or sent back to retry). */
  private lastRows = 1;

  constructor(private readonly db: Db, private readonly options: WorkerOptions) {
    this.errors = new LogThrottle(options.log);
  }

  /** Processes one queued row if there is one; true when it did (applied, dead-lettered or backed off). */
  async processOne(): Promise<boolean> {
    for (const instanceId of await dueInstances(this.db, DUE_SCAN)) {
      if (await this.processInstance(instanceId)) return true;
    }
    return false;
  }

  /**
   * Claims and applies the instance's oldest due rows; false when none was free. Rows that never
   * failed are claimed together (up to batchRows) and applied as one batch; if that joint
   * transaction fails, each row counts one failed attempt and is due again at once, and a row that
   * failed before is always claimed alone, so an innocent row is next applied on its own and a
   * poison row meets the one-row handling (dead letters).
   */
  private async processInstance(instanceId: string): Promise<boolean> {
    let claimed: QueueRow[] = [];
    this.lastRows = 1;
    try {
      const options: DrainStepOptions = {
        batchRows: this.options.batchRows ?? DEFAULT_BATCH_ROWS, geoipEnabled: this.options.geoipEnabled ?? true, defaultLimits: this.options.defaultLimits,
      };
      const applied = await applyDrainStep(this.db, instanceId, options, (rows) => {
        claimed = rows;
        this.lastRows = Math.max(1, rows.length);
      });
      if (!applied) return false;
      if (!applied.results) {
        const row = applied.rows[0]!;
        this.errors.error({ queue_id: row.id, instance_id: row.instance_id }, 'queued request could not be read: kept as a dead letter');
        return true;
      }
      const { feed } = this.options;
      if (feed?.listening) {
        for (const { row, results } of applied.results) {
          feed.emit({
            instanceId: row.instance_id, kind: row.kind, mode: 'worker', requestId: row.payload.request_id, at: new Date(), results,
            activities: new Map(row.payload.items.map((i) => [i.index, i.activity])),
          });
        }
      }
      return true;
    } catch (error) {
      // Unreachable database: not the rows' fault, so no attempt is counted (the claim rolled back).
      if (claimed.length === 0 || isDatabaseUnavailable(error)) throw error;
      const summary = errorSummary(error);
      if (claimed.length > 1) {
        this.errors.error({ err: summary, queue_ids: claimed.map((r) => r.id), instance_id: instanceId }, 'queued requests applied together failed; each is retried alone');
        for (const row of claimed) {
          await recordAttemptFailure(this.db, row.instance_id, row.id, `applied with others: ${summary.message}`, 0).catch(() => {});
        }
        return true;
      }
      const row = claimed[0]!;
      this.errors.error({ err: summary, queue_id: row.id, instance_id: row.instance_id, attempts: row.attempts + 1 }, 'queued request failed');
      try {
        if (isDataFault(error)) {
          await this.deadLetter(row, 'failed', `not applied: ${summary.message}`);
        } else if (row.attempts + 1 >= MAX_ATTEMPTS) {
          await this.deadLetter(row, 'failed', `not applied after ${MAX_ATTEMPTS} attempts: ${summary.message}`);
        } else {
          await recordAttemptFailure(this.db, row.instance_id, row.id, summary.message, 1000 * 2 ** row.attempts);
        }
      } catch (again) {
        // The database refused even that (it may be down): the row stays queued, retried later.
        this.errors.error({ err: errorSummary(again), queue_id: row.id, instance_id: row.instance_id }, 'could not record a failed queued request');
        await recordAttemptFailure(this.db, row.instance_id, row.id, summary.message, DEAD_LETTER_RETRY_MS).catch(() => {});
      }
      return true;
    }
  }

  /**
   * Turns a row into dead letters and deletes it, in one transaction. When its activities cannot
   * be stored as jsonb, their JSON text is kept instead, which can always be written.
   */
  private async deadLetter(row: QueueRow, status: string, error: string): Promise<void> {
    const letters = row.payload.items.map((i) => ({ index: i.index, eventId: i.event_id, activity: i.activity, status, error }));
    const write = (raw: boolean) => this.db.transaction(async (tx) => {
      if (!(await removeQueued(tx, row.instance_id, row.id))) return;
      if (raw) await addRawDeadLetters(tx, row.instance_id, row.kind, row.enqueued_at, letters);
      else await addDeadLetters(tx, row.instance_id, row.kind, row.enqueued_at, letters);
    });
    try {
      await write(false);
    } catch {
      await write(true);
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
    let waitMs = this.options.pollMs;
    while (this.running) {
      let worked = false;
      try {
        worked = await this.processOne();
      } catch (error) {
        // The database is unreachable or refused the claim: logged (bounded), retried next poll.
        this.errors.error({ err: errorSummary(error) }, 'worker could not claim work');
      }
      if (worked || !this.running || this.pending) waitMs = this.options.pollMs;
      if (worked || !this.running) continue;
      if (this.pending) {
        this.pending = false;
        continue;
      }
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.wake = undefined;
      const max = this.options.idlePollMaxMs;
      waitMs = woken || max === undefined ? this.options.pollMs : Math.min(Math.max(max, this.options.pollMs), waitMs * 2);
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
