// Sends any number of activity events: splits them into requests the server accepts (at most
// 100 activities and 2 MiB each), sends those with bounded concurrency, and puts one outcome per
// input activity back in input order. Failures of single activities are values, not exceptions.
import { ActivityCdpError } from './errors.js';
import type { ActivityStatus } from './field-ids.js';

/** The server's limits (Ortto's too): activities per request and request body bytes. */
export const MAX_ACTIVITIES_PER_REQUEST = 100;
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

export interface CreateActivitiesOptions {
  /** Ask the server to queue the events and answer at once (status "queued"). */
  async?: boolean;
  /** Default merge_by for every activity that has none of its own. */
  merge_by?: string[];
  /** Default merge_strategy: 1 append only, 2 overwrite existing, 3 ignore. */
  merge_strategy?: 1 | 2 | 3;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /**
   * Exactly-once retries (default true): before the first attempt, each activity without a `key`
   * gets a generated `key` (a random UUID), and each without `created` gets `created` = now (ISO
   * 8601), in a copy (your objects are not changed). The server treats the same key + created as
   * one event, so a request retried after a lost answer does not make a second event. Set false
   * to send activities exactly as given (a retry after a lost answer may then duplicate events).
   */
  assignKeys?: boolean;
  /** Smaller requests than the server's limits (tests, slow links); capped at the limits. */
  maxActivitiesPerRequest?: number;
  maxRequestBytes?: number;
  /** Called after each request with how many activities have an outcome so far. */
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/** An activity the client could not get an answer for (request-level failure). */
export interface ActivityNotTaken {
  status: 'failed';
  error: string;
  cause: ActivityCdpError;
}

export type Outcome<R> = (Omit<R, 'status'> & { status: ActivityStatus }) | ActivityNotTaken;

/** Request-level failures that would fail every other request too: stop sending. */
const FATAL_STATUSES = new Set([401, 403, 404, 405, 415]);

/** UTF-8 byte length without allocating (counts a surrogate pair as 4 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function randomKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface Chunk {
  indices: number[];
  body: string;
}

/** Splits serialised activities into request bodies; items too big for any request fail alone. */
export function planRequests(
  items: string[],
  envelope: Record<string, unknown>,
  maxCount: number,
  maxBytes: number,
): { chunks: Chunk[]; tooLarge: number[] } {
  const rest = JSON.stringify(envelope).slice(1, -1);
  const open = '{"activities":[';
  const close = `]${rest === '' ? '' : ',' + rest}}`;
  const overhead = utf8Length(open) + utf8Length(close);
  const chunks: Chunk[] = [];
  const tooLarge: number[] = [];
  let current: { indices: number[]; parts: string[]; bytes: number } = { indices: [], parts: [], bytes: overhead };
  const flush = () => {
    if (current.indices.length === 0) return;
    chunks.push({ indices: current.indices, body: open + current.parts.join(',') + close });
    current = { indices: [], parts: [], bytes: overhead };
  };
  items.forEach((item, index) => {
    const size = utf8Length(item);
    if (overhead + size > maxBytes) {
      tooLarge.push(index);
      return;
    }
    const added = size + (current.parts.length > 0 ? 1 : 0);
    if (current.indices.length >= maxCount || current.bytes + added > maxBytes) flush();
    current.bytes += size + (current.parts.length > 0 ? 1 : 0);
    current.indices.push(index);
    current.parts.push(item);
  });
  flush();
  return { chunks, tooLarge };
}

export async function createInBatches<A extends { key?: string; created?: string }, R extends { status: string }>(
  activities: readonly A[],
  options: CreateActivitiesOptions,
  send: (body: string, signal: AbortSignal | undefined) => Promise<{ activities: R[] }>,
): Promise<Array<Outcome<R>>> {
  const assignKeys = options.assignKeys ?? true;
  const now = new Date().toISOString();
  const items = activities.map((a) => {
    if (!assignKeys) return JSON.stringify(a);
    return JSON.stringify({ ...a, key: a.key ?? randomKey(), created: a.created ?? now });
  });
  const envelope: Record<string, unknown> = {};
  if (options.async !== undefined) envelope['async'] = options.async;
  if (options.merge_by !== undefined) envelope['merge_by'] = options.merge_by;
  if (options.merge_strategy !== undefined) envelope['merge_strategy'] = options.merge_strategy;
  const maxCount = Math.max(1, Math.min(MAX_ACTIVITIES_PER_REQUEST, options.maxActivitiesPerRequest ?? MAX_ACTIVITIES_PER_REQUEST));
  const maxBytes = Math.min(MAX_REQUEST_BYTES, options.maxRequestBytes ?? MAX_REQUEST_BYTES);
  const { chunks, tooLarge } = planRequests(items, envelope, maxCount, maxBytes);

  const results = new Array<Outcome<R> | undefined>(activities.length);
  let done = 0;
  const report = () => options.onProgress?.({ done, total: activities.length });
  for (const index of tooLarge) {
    const cause = new ActivityCdpError(`activity is larger than a whole request may be (${maxBytes} bytes)`, {
      status: 0, code: 'payload_too_large', retryable: false, attempts: 0,
    });
    results[index] = { status: 'failed', error: cause.message, cause };
    done++;
  }

  let fatal: ActivityCdpError | undefined;
  const failAll = (chunk: Chunk, cause: ActivityCdpError) => {
    for (const index of chunk.indices) results[index] = { status: 'failed', error: cause.message, cause };
  };
  const run = async (chunk: Chunk) => {
    if (fatal) return failAll(chunk, fatal);
    try {
      const answer = await send(chunk.body, options.signal);
      const list = Array.isArray(answer?.activities) ? answer.activities : [];
      chunk.indices.forEach((index, i) => {
        const r = list[i];
        if (r && typeof r.status === 'string') results[index] = r as unknown as Outcome<R>;
        else {
          const cause = new ActivityCdpError(`the answer holds ${list.length} results for ${chunk.indices.length} activities`, {
            status: 200, code: 'invalid_response', retryable: false, body: answer,
          });
          results[index] = { status: 'failed', error: cause.message, cause };
        }
      });
    } catch (error) {
      if (!(error instanceof ActivityCdpError)) throw error;
      if (error.status === 413 && chunk.indices.length > 1) {
        // A server with a smaller body limit than Ortto's 2 MB: send the two halves instead
        // (each half again if need be); a single activity that is still too large fails alone.
        const half = Math.ceil(chunk.indices.length / 2);
        for (const part of [chunk.indices.slice(0, half), chunk.indices.slice(half)]) {
          const { chunks: sub } = planRequests(part.map((i) => items[i]!), envelope, part.length, maxBytes);
          for (const c of sub) await run({ indices: c.indices.map((j) => part[j]!), body: c.body });
        }
        return;
      }
      if (error.status === 400 && error.details && error.details.length > 0) {
        // Every activity of this request was refused: each gets its own reason.
        failAll(chunk, error);
        for (const d of error.details) {
          const index = chunk.indices[d.index];
          if (index !== undefined) results[index] = { status: d.status, error: d.error } as unknown as Outcome<R>;
        }
      } else {
        if (FATAL_STATUSES.has(error.status) || error.code === 'aborted') fatal = error;
        failAll(chunk, error);
      }
    }
    done += chunk.indices.length;
    report();
  };

  let next = 0;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const worker = async () => {
    while (next < chunks.length) await run(chunks[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  if (chunks.length === 0) report();
  return results as Array<Outcome<R>>;
}
