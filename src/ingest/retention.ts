// The retention sweep: for each instance with event_retention_days, deletes its events older than
// that in bounded batches (each its own short statement), so that ingestion is never blocked.
// Runs beside the queue worker (serve with WORKER_ENABLED, or `activity-cdp worker`).
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../store/db.js';
import { deleteEventsBefore, instancesWithRetention } from '../store/retention.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  /** Events deleted per statement. */
  batchRows: number;
  /** Statements per instance in one sweep at most; the rest waits for the next sweep. */
  maxBatches: number;
  /** The clock (tests move it). */
  now?: () => Date;
}

/** One sweep over every instance with a retention; returns the events deleted. */
export async function pruneExpiredEvents(db: Db, options: RetentionOptions): Promise<number> {
  const now = (options.now ?? (() => new Date()))();
  let deleted = 0;
  for (const { id, days } of await instancesWithRetention(db)) {
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    for (let batch = 0; batch < options.maxBatches; batch++) {
      const n = await deleteEventsBefore(db, id, cutoff, options.batchRows);
      deleted += n;
      if (n < options.batchRows) break;
    }
  }
  return deleted;
}

/** Sweeps every intervalMs until stopped; a failed sweep is logged and tried again next time. */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly options: RetentionOptions & { intervalMs: number; log?: Pick<FastifyBaseLogger, 'info' | 'error'> },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    try {
      const n = await pruneExpiredEvents(this.db, this.options);
      if (n > 0) this.options.log?.info({ deleted_events: n }, 'retention: deleted expired events');
    } catch (error) {
      this.options.log?.error({ err: error }, 'retention sweep failed');
    }
  }

  /** Finishes the sweep in hand (its current statement), then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
