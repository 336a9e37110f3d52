// One step of the queue's worker (worker.ts), as one transaction: claim an instance's oldest due
// rows, apply them together (apply-queued.ts), or keep an unreadable one as a raw dead letter.
// The worker runs it through procedures.ts applyDrainStep: in place, or in the embedded store's
// own thread, where the transaction goes from statement to statement without waiting for the HTTP
// thread's turn.
import { effectiveLimits, type Limits } from '../domain/limits.js';
import type { Sql } from '../store/db.js';
import { instanceLimits } from '../store/instances.js';
import { addRawDeadLetters, claimBatch, type QueueRow } from '../store/queue.js';
import { applyQueuedRows, type AppliedRow } from './apply-queued.js';
import { resolveIps } from './ip-location.js';

/** Rows of one instance per transaction by default: 8 requests of 100 activities at most. */
export const DEFAULT_BATCH_ROWS = 8;

export interface DrainStepOptions {
  batchRows: number;
  geoipEnabled: boolean;
  /** The server's limits (config), for an instance that has none of its own. */
  defaultLimits: Limits;
}

/** The rows the step claimed and what each did; results undefined: the one row was unreadable (kept as a raw dead letter). */
export interface DrainStep {
  rows: QueueRow[];
  results: AppliedRow[] | undefined;
}

/** A step that failed in another thread, with the rows it had claimed (the worker's failure handling counts their attempts). */
export class DrainStepFailed extends Error {
  constructor(override readonly cause: Error, readonly claimed: QueueRow[]) {
    super(cause.message);
    this.name = 'DrainStepFailed';
  }
}

/** A row the worker can read as a request: anything else becomes raw dead letters at once. */
function readableRow(row: QueueRow): boolean {
  const p = row.payload as unknown as Record<string, unknown> | null;
  return typeof p === 'object' && p !== null && Array.isArray(p['items']) && typeof p['received_at'] === 'string'
    && Array.isArray(p['merge_by']) && (p['items'] as unknown[]).every((i) => typeof i === 'object' && i !== null
      && Number.isInteger((i as Record<string, unknown>)['index']) && typeof (i as Record<string, unknown>)['event_id'] === 'string');
}

/**
 * Claims and applies the instance's oldest due rows in tx; undefined when none was free. claimed
 * is told the rows as soon as they are claimed.
 */
export async function drainStep(tx: Sql, instanceId: string, options: DrainStepOptions, claimed: (rows: QueueRow[]) => void): Promise<DrainStep | undefined> {
  const rows = await claimBatch(tx, instanceId, options.batchRows);
  if (rows.length === 0) return undefined;
  claimed(rows);
  const ipLocations = await resolveIps(rows.flatMap((r) => Array.isArray(r.payload?.items) ? r.payload.items.map((i) => i?.activity) : []), options.geoipEnabled);
  const row = rows[0]!;
  // Together with others, an unreadable row fails the joint attempt and is then claimed alone.
  if (rows.length > 1 && !rows.every(readableRow)) throw new Error('a queued request could not be read');
  if (!readableRow(row)) {
    // Kept whole as one raw dead letter, in the transaction whose claim deleted it.
    await addRawDeadLetters(tx, row.instance_id, row.kind, row.enqueued_at, [
      { index: 0, eventId: null, activity: row.payload as unknown, status: 'failed', error: 'the queued request could not be read' },
    ]);
    return { rows, results: undefined };
  }
  const { activityDailyLimit } = effectiveLimits(await instanceLimits(tx, instanceId), options.defaultLimits);
  return { rows, results: await applyQueuedRows(tx, rows, activityDailyLimit, ipLocations) };
}
