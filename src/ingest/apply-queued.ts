// Applies several queued requests of one instance and kind as one batch, in one transaction: one
// set of look-ups, locks and writes for all their activities instead of one per request, so the
// worker drains faster than requests arrive. Each activity keeps its own request's merge_by,
// merge_strategy and receipt time; results and dead letters go back to the row they came from.
// The outcome is that of applying the rows one after another in queue order (same records, same
// merges in order, same de-duplication; the daily limit decides over all of them by created).
import type { IpLocation } from '../domain/location.js';
import { isMergeStrategy } from '../domain/merge.js';
import { SUBJECTS } from '../domain/subjects.js';
import type { Sql } from '../store/db.js';
import { addDeadLetters, type QueueRow } from '../store/queue.js';
import { applyBatch, type BatchItem, type ItemResult } from './apply-batch.js';

export interface AppliedRow {
  row: QueueRow;
  results: ItemResult[];
}

export async function applyQueuedRows(
  tx: Sql, rows: QueueRow[], dailyLimit: number, ipLocations: ReadonlyMap<string, IpLocation>,
): Promise<AppliedRow[]> {
  if (rows.length === 0) return [];
  const first = rows[0]!;
  for (const r of rows) {
    if (r.instance_id !== first.instance_id || r.kind !== first.kind) throw new Error('applyQueuedRows: rows of one instance and kind only');
  }
  const subject = SUBJECTS[first.kind];
  const items: BatchItem[] = [];
  const origin: Array<{ row: number; index: number }> = [];
  let latest = new Date(first.payload.received_at);
  rows.forEach((row, r) => {
    const { payload } = row;
    const now = new Date(payload.received_at);
    if (now > latest) latest = now;
    const request = { mergeBy: payload.merge_by, strategy: isMergeStrategy(payload.merge_strategy) ? payload.merge_strategy : 2, now } as const;
    for (const i of payload.items) {
      origin.push({ row: r, index: i.index });
      items.push({ index: items.length, eventId: i.event_id, activity: i.activity, request: { ...request, mergeBy: [...request.mergeBy] } });
    }
  });
  const results = await applyBatch(tx, {
    instanceId: first.instance_id, subject, mergeBy: first.payload.merge_by, strategy: 2, dailyLimit, now: latest, mode: 'worker', ipLocations,
  }, items);

  const applied: AppliedRow[] = rows.map((row) => ({ row, results: [] }));
  for (const r of results) {
    const o = origin[r.index]!;
    applied[o.row]!.results.push({ ...r, index: o.index });
  }
  for (const a of applied) {
    a.results.sort((x, y) => x.index - y.index);
    const byIndex = new Map(a.row.payload.items.map((i) => [i.index, i]));
    await addDeadLetters(tx, a.row.instance_id, a.row.kind, a.row.enqueued_at, a.results.flatMap((r) =>
      r.status === 'invalid' || r.status === 'rate_limited'
        ? [{ index: r.index, eventId: byIndex.get(r.index)!.event_id, activity: byIndex.get(r.index)!.activity, status: r.status, error: r.error }]
        : []));
  }
  return applied;
}
