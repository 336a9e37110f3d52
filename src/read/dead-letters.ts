// POST /v1/activities/dead-letters/get (this project's extension): a page of the instance's
// queued activities that could not be applied, newest first, with how many there are and how
// many requests are still queued.
import type { Sql } from '../store/db.js';
import { listDeadLetters, queueDepth } from '../store/queue.js';

export const DEFAULT_DEAD_LETTERS_LIMIT = 50;

export async function getDeadLetters(sql: Sql, instanceId: string, page: { limit?: number; offset?: number }) {
  const { rows, total } = await listDeadLetters(sql, instanceId, page.limit ?? DEFAULT_DEAD_LETTERS_LIMIT, page.offset ?? 0);
  return {
    dead_letters: rows.map((r) => ({
      id: Number(r.id), kind: r.kind, activity_index: r.activity_index, activity_id: r.event_id,
      // An activity whose JSON could not be stored as jsonb is kept as text.
      activity: r.activity_text !== null ? JSON.parse(r.activity_text) as unknown : r.activity,
      status: r.status, error: r.error, enqueued_at: r.enqueued_at.toISOString(), failed_at: r.failed_at.toISOString(),
    })),
    total,
    queued_requests: await queueDepth(sql, instanceId),
  };
}
