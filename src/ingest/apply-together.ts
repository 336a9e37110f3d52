// One transaction applying a group of sync requests (ingest/sync-batcher.ts) as one batch, each
// request answered as it would be alone. On the embedded store it runs in the store's own thread,
// beside PGlite (Db.procedure): the transaction then goes from one statement to the next without
// waiting for the HTTP thread's turn, which request parsing and answers hold as often as not. (On
// PostgreSQL the same in a thread with a pool of its own was measured: no faster, 6 % more CPU.)
import type { IpLocation } from '../domain/location.js';
import { SUBJECTS, type Kind } from '../domain/subjects.js';
import { ApiError, badRequest, type ErrorKind, type ItemFailure } from '../errors.js';
import type { Db, Sql } from '../store/db.js';
import { fromWireError, toWireError, type WireError } from '../store/pglite-protocol.js';
import { addDeadLetters, type QueueRow } from '../store/queue.js';
import { DatabaseUnavailableError, isRetryable } from '../store/sqlstate.js';
import { applyBatch, type BatchItem, type BatchRequest, type BatchSettings, type ItemResult } from './apply-batch.js';
import { DrainStepFailed, drainStep, type DrainStep, type DrainStepOptions } from './drain-step.js';
import { JoinedFirstUse } from './resolve-and-write.js';

/** A sync request: the batch settings of one request alone (`now` is the instance's clock read at the request). */
export interface SyncRequest extends Pick<BatchSettings, 'instanceId' | 'subject' | 'mergeBy' | 'strategy' | 'dailyLimit' | 'now' | 'requestId'> {
  ipLocations: ReadonlyMap<string, IpLocation>;
  /** The deferItemValidation profile: refused items are kept as dead letters, and there is no all-refused 400. */
  deadLetterFailures: boolean;
  items: Array<{ index: number; eventId: string; activity: unknown }>;
}

/** Requests whose items were all refused, by position in the group, with the 400 each answers. */
export class AllRefused extends Error {
  constructor(readonly refused: Map<number, Error>) {
    super('requests whose items were all refused');
  }
}

/** Applies the requests as one batch in tx; the results of each, in its own indexes. */
export async function applyTogether(tx: Sql, requests: SyncRequest[]): Promise<ItemResult[][]> {
  const first = requests[0]!;
  const joined = requests.length > 1;
  const items: BatchItem[] = [];
  const origin: Array<{ member: number; index: number }> = [];
  let now = first.now;
  let ipLocations = first.ipLocations;
  if (joined) {
    const merged = new Map<string, IpLocation>();
    for (const r of requests) for (const [ip, loc] of r.ipLocations) merged.set(ip, loc);
    ipLocations = merged;
  }
  requests.forEach((r, member) => {
    // The batch's instant (records' and events' written times, new ids) is the latest request's, as the worker does.
    if (r.now > now) now = r.now;
    const request: BatchRequest = {
      mergeBy: r.mergeBy, strategy: r.strategy, now: r.now, ...(r.requestId ? { requestId: r.requestId } : {}), ...(joined ? { rank: member } : {}),
    };
    for (const i of r.items) {
      origin.push({ member, index: i.index });
      items.push({ index: items.length, requestIndex: i.index, eventId: i.eventId, activity: i.activity, request });
    }
  });
  const results = await applyBatch(tx, {
    instanceId: first.instanceId, subject: first.subject, mergeBy: first.mergeBy, strategy: first.strategy, dailyLimit: first.dailyLimit,
    now, mode: 'sync', ipLocations, ...(first.requestId ? { requestId: first.requestId } : {}), joined,
  }, items);

  const answers: ItemResult[][] = requests.map(() => []);
  for (const r of results) {
    const o = origin[r.index]!;
    answers[o.member]!.push({ ...r, index: o.index });
  }
  const refused = new Map<number, Error>();
  const failuresOf = (out: ItemResult[]) => out.filter((r): r is Extract<ItemResult, { error: string }> => r.status === 'invalid' || r.status === 'rate_limited');
  answers.forEach((out, member) => {
    if (requests[member]!.deadLetterFailures) return;
    const failures = failuresOf(out);
    if (failures.length === out.length) {
      // Nothing was taken: the request fails as a whole and writes nothing.
      const details: ItemFailure[] = failures.map((f) => ({ index: f.index, status: f.status, error: f.error }));
      refused.set(member, badRequest(failures[0]!.error, details));
    }
  });
  if (refused.size > 0) throw new AllRefused(refused);
  for (const [member, r] of requests.entries()) {
    if (!r.deadLetterFailures) continue;
    // Acknowledged as queued like the rest; what failed is kept with its reason and its request's time.
    const byIndex = new Map(r.items.map((i) => [i.index, i]));
    await addDeadLetters(tx, r.instanceId, r.subject.kind, r.now, failuresOf(answers[member]!).map((f) => ({
      index: f.index, eventId: byIndex.get(f.index)!.eventId, activity: byIndex.get(f.index)!.activity, status: f.status, error: f.error,
    })));
  }
  return answers;
}

/** The names under which the embedded store's thread knows the procedures (Db.procedure). */
const APPLY_TOGETHER = 'applyTogether';
const DRAIN_STEP = 'drainStep';

/** Applies the group in one transaction: in the store's thread when the store runs procedures there, else here. */
export async function applyGroup(db: Db, requests: SyncRequest[]): Promise<ItemResult[][]> {
  if (!db.procedure) return db.transaction((tx) => applyTogether(tx, requests));
  const outcome = (await db.procedure(APPLY_TOGETHER, requests.map(toClonable))) as ProcedureOutcome;
  if ('error' in outcome) throw decodeError(outcome.error);
  return outcome.value as ItemResult[][];
}

/**
 * The store thread's side of Db.procedure: runs the named procedure in tx and encodes its outcome,
 * an error included, as data that crosses threads (classes do not).
 */
export async function runProcedure(tx: Sql, name: string, args: unknown): Promise<unknown> {
  if (name === APPLY_TOGETHER) return applyTogether(tx, (args as ClonableRequest[]).map(fromClonable));
  if (name === DRAIN_STEP) {
    const { instanceId, options } = args as { instanceId: string; options: DrainStepOptions };
    let claimed: QueueRow[] = [];
    try {
      return await drainStep(tx, instanceId, options, (rows) => (claimed = rows));
    } catch (error) {
      // A retry (run again from its claim) stays as it is; anything else goes back with the rows it claimed.
      if (isRetryable(error) || claimed.length === 0) throw error;
      throw new DrainStepFailed(error instanceof Error ? error : new Error(String(error)), claimed);
    }
  }
  throw new Error(`no procedure ${name}`);
}

/** The worker's step (drain-step.ts) in the store's thread; a failure after its claim is a DrainStepFailed. */
export async function runDrainStep(db: Db, instanceId: string, options: DrainStepOptions): Promise<DrainStep | undefined> {
  const outcome = (await db.procedure!(DRAIN_STEP, { instanceId, options })) as ProcedureOutcome;
  if ('error' in outcome) throw decodeError(outcome.error);
  return outcome.value as DrainStep | undefined;
}

export type ProcedureOutcome = { value: unknown } | { error: EncodedError };

/** A request as structured-clone data: its subject by kind (a Subject holds functions). */
type ClonableRequest = Omit<SyncRequest, 'subject'> & { kind: Kind };

const toClonable = ({ subject, ...rest }: SyncRequest): ClonableRequest => ({ ...rest, kind: subject.kind });
const fromClonable = ({ kind, ...rest }: ClonableRequest): SyncRequest => ({ ...rest, subject: SUBJECTS[kind] });

export type EncodedError =
  | { type: 'api'; kind: ErrorKind; message: string; details?: ItemFailure[] }
  | { type: 'all-refused'; refused: Array<[number, EncodedError]> }
  | { type: 'joined-first-use'; message: string }
  | { type: 'unavailable'; message: string }
  | { type: 'drain-step-failed'; cause: EncodedError; claimed: QueueRow[] }
  | { type: 'other'; wire: WireError };

export function encodeError(error: unknown): EncodedError {
  if (error instanceof ApiError) return { type: 'api', kind: error.kind, message: error.message, ...(error.details ? { details: error.details } : {}) };
  if (error instanceof AllRefused) return { type: 'all-refused', refused: [...error.refused].map(([i, e]) => [i, encodeError(e)]) };
  if (error instanceof JoinedFirstUse) return { type: 'joined-first-use', message: error.message };
  if (error instanceof DatabaseUnavailableError) return { type: 'unavailable', message: error.message };
  if (error instanceof DrainStepFailed) return { type: 'drain-step-failed', cause: encodeError(error.cause), claimed: error.claimed };
  return { type: 'other', wire: toWireError(error) };
}

export function decodeError(e: EncodedError): Error {
  switch (e.type) {
    case 'api':
      return new ApiError(e.kind, e.message, e.details);
    case 'all-refused':
      return new AllRefused(new Map(e.refused.map(([i, x]) => [i, decodeError(x)])));
    case 'joined-first-use':
      return Object.assign(new JoinedFirstUse(''), { message: e.message });
    case 'unavailable':
      return Object.assign(new DatabaseUnavailableError(''), { message: e.message });
    case 'drain-step-failed':
      return new DrainStepFailed(decodeError(e.cause), e.claimed);
    case 'other': {
      // The worker dead-letters a TypeError or RangeError at once (a data fault): they keep their class.
      const Native = e.wire.name === 'TypeError' ? TypeError : e.wire.name === 'RangeError' ? RangeError : undefined;
      return Native ? Object.assign(new Native(e.wire.message), e.wire.fields) : fromWireError(e.wire);
    }
  }
}
