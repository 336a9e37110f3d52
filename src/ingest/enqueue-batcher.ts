// Group commit for async requests. Each acknowledgement must wait for its commit (durable before
// acknowledged), and a commit is a WAL flush: one per request caps the acknowledge rate. Requests
// that arrive while a flush is under way wait for the next one and share its single INSERT and
// commit. A lone request is written at once (no added delay); every caller is answered only after
// its own rows are committed, and a failed flush fails exactly the requests it carried.
import type { Kind } from '../domain/subjects.js';
import type { Db } from '../store/db.js';
import { enqueueMany, type QueuedPayload } from '../store/queue.js';

interface Pending {
  row: { instanceId: string; kind: Kind; payload: QueuedPayload };
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Requests in one flush at most (bounds the statement's size: 64 × 2 MiB). */
const MAX_BATCH = 64;

export class EnqueueBatcher {
  private waiting: Pending[] = [];
  private inFlight = 0;

  /** maxInFlight: flushes under way at once (connections they may use). */
  constructor(private readonly db: Db, private readonly maxInFlight = 2) {}

  enqueue(instanceId: string, kind: Kind, payload: QueuedPayload): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ row: { instanceId, kind, payload }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.inFlight++;
      enqueueMany(this.db, batch.map((p) => p.row)).then(
        () => batch.forEach((p) => p.resolve()),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      ).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }
}
