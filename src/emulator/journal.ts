// The emulator's request journal: per instance, the last N requests with their bodies and answers,
// and for activity (and merge) requests each item's outcome. Outcomes come from the activity feed
// by request id, so an async item's entry moves from `queued` to its final outcome once the worker
// applied it. Headers are never kept: API keys cannot appear in it.
import type { AppliedBatch } from '../ingest/activity-feed.js';
import type { ItemResult } from '../ingest/apply-batch.js';

export type OutcomeName = 'created' | 'merged' | 'deduplicated' | 'queued' | 'invalid' | 'rate_limited' | 'dead_letter' | 'skipped';

export interface ItemOutcome {
  index: number;
  outcome: OutcomeName;
  /** Why an item was not taken (invalid, rate_limited, dead_letter). */
  error?: string;
  person_id?: string;
  account_id?: string;
  activity_id?: string;
}

export interface JournalEntry {
  request_id: string;
  method: string;
  path: string;
  /** On the instance's clock. */
  received_at: string;
  status: number | null;
  request: unknown;
  response: unknown;
  outcomes: ItemOutcome[] | null;
  /** Set when the emulator answered (or delayed) the request with an injected fault. */
  fault?: { status: number | null; delay_ms: number };
}

/** One item's final word, from what ingestion reported. Failures kept as dead letters (the worker's, production-2025's deferred ones) say so. */
export function toOutcome(kind: AppliedBatch['kind'], deadLettered: boolean, r: ItemResult): ItemOutcome {
  const idKey = kind === 'person' ? 'person_id' : 'account_id';
  const result = r as unknown as { status: string; error?: string; recordId?: string; eventId?: string; recordStatus?: string; deduplicated?: boolean; directId?: string };
  switch (result.status) {
    case 'ingested':
      return {
        index: r.index,
        outcome: result.deduplicated ? 'deduplicated' : result.recordStatus === 'created' ? 'created' : 'merged',
        ...(result.recordId ? { [idKey]: result.recordId } : {}),
        ...(result.eventId ? { activity_id: result.eventId } : {}),
      };
    case 'queued':
      return { index: r.index, outcome: 'queued', ...(result.directId ? { [idKey]: result.directId } : {}), ...(result.eventId ? { activity_id: result.eventId } : {}) };
    case 'invalid':
    case 'rate_limited':
      return { index: r.index, outcome: deadLettered ? 'dead_letter' : result.status, error: result.error ?? '' };
    default:
      // Statuses other seams add (e.g. person/merge's created / merged / skipped) pass through.
      return {
        index: r.index, outcome: result.status as OutcomeName, ...(result.error ? { error: result.error } : {}),
        ...(result.recordId ? { [idKey]: result.recordId } : {}),
      };
  }
}

export interface JournalQuery {
  path?: string;
  limit?: number;
  /** Only requests received after this instant. */
  since?: Date;
}

export class RequestJournal {
  private readonly byInstance = new Map<string, JournalEntry[]>();
  /** request id → its entry, for outcomes that arrive later (the worker). */
  private readonly byRequest = new Map<string, { instanceId: string; entry: JournalEntry }>();

  constructor(private readonly maxPerInstance: number) {}

  start(instanceId: string, entry: JournalEntry): void {
    let list = this.byInstance.get(instanceId);
    if (!list) this.byInstance.set(instanceId, (list = []));
    list.push(entry);
    this.byRequest.set(entry.request_id, { instanceId, entry });
    while (list.length > this.maxPerInstance) {
      const dropped = list.shift()!;
      this.byRequest.delete(dropped.request_id);
    }
  }

  get(requestId: string): JournalEntry | undefined {
    return this.byRequest.get(requestId)?.entry;
  }

  /** A committed batch: its items' outcomes replace what was known (queued → final). */
  record(batch: AppliedBatch): void {
    if (!batch.requestId) return;
    const found = this.byRequest.get(batch.requestId);
    if (!found || found.instanceId !== batch.instanceId) return;
    const { entry } = found;
    const outcomes = new Map((entry.outcomes ?? []).map((o) => [o.index, o]));
    const deadLettered = batch.mode === 'worker' || batch.deadLettered === true;
    for (const r of batch.results) outcomes.set(r.index, toOutcome(batch.kind, deadLettered, r));
    entry.outcomes = [...outcomes.values()].sort((a, b) => a.index - b.index);
  }

  /** Newest first. */
  list(instanceId: string, query: JournalQuery = {}): JournalEntry[] {
    const list = this.byInstance.get(instanceId) ?? [];
    const out: JournalEntry[] = [];
    const limit = query.limit ?? this.maxPerInstance;
    for (let i = list.length - 1; i >= 0 && out.length < limit; i--) {
      const e = list[i]!;
      if (query.path !== undefined && e.path !== query.path) continue;
      if (query.since !== undefined && !(new Date(e.received_at) > query.since)) continue;
      out.push(e);
    }
    return out;
  }

  clear(instanceId: string): void {
    for (const e of this.byInstance.get(instanceId) ?? []) this.byRequest.delete(e.request_id);
    this.byInstance.delete(instanceId);
  }

  clearAll(): void {
    this.byInstance.clear();
    this.byRequest.clear();
  }
}
