// In-process notifications of what ingestion did, sent after its transaction committed: the
// emulator's request journal, the console's live stream and the metrics listen to it. A listener
// never changes or delays ingestion: it is called synchronously after the commit and its errors
// are swallowed (a listener that needs async work queues it itself).
import type { Kind } from '../domain/subjects.js';
import type { ItemResult } from './apply-batch.js';

export interface AppliedBatch {
  instanceId: string;
  kind: Kind;
  /** 'sync': answered by the request itself; 'async': acknowledged as queued (nothing applied yet); 'worker': applied from the queue. */
  mode: 'sync' | 'async' | 'worker';
  /** What sent them: activity events (the default), or person/merge / accounts/merge (records only: no events, eventId ''). */
  source?: 'activities' | 'merge';
  /** The X-Request-Id of the request that sent the activities (for worker batches: the one that queued them), when known. */
  requestId: string | undefined;
  /** When the batch committed. */
  at: Date;
  /** One result per activity, in request order; `index` is the activity's position in its request. */
  results: ItemResult[];
  /** The activities as sent, by the same index. */
  activities: ReadonlyMap<number, unknown>;
  /** The items that failed were kept as dead letters (the worker's, and production-2025's deferred validation). */
  deadLettered?: boolean;
}

export type FeedListener = (batch: AppliedBatch) => void;

export class ActivityFeed {
  private readonly listeners = new Set<FeedListener>();

  /** Adds a listener; returns the function that removes it. */
  on(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listening(): boolean {
    return this.listeners.size > 0;
  }

  emit(batch: AppliedBatch): void {
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // A listener's fault is its own: ingestion already committed and must not fail for it.
      }
    }
  }
}
