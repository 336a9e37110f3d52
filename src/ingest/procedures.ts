// The ingest layer's procedures (Db.procedure): transactions that the embedded store runs in its
// own thread, beside PGlite, so that they go from one statement to the next without waiting for the
// HTTP thread's turn, which request parsing and answers hold as often as not. Here: the callers'
// side (applyGroup, applyDrainStep, which run the transaction in place on a store without
// procedures), the store thread's side (runProcedure), and the encoding of their outcomes and
// errors as data that crosses threads (classes do not). (On PostgreSQL the same in a thread with a
// pool of its own was measured: no faster, 6 % more CPU.)
import { SUBJECTS, type Kind } from '../domain/subjects.js';
import { ApiError, type ErrorKind, type ItemFailure } from '../errors.js';
import type { Db, Sql } from '../store/db.js';
import { fromWireError, toWireError, type WireError } from '../store/pglite-protocol.js';
import type { QueueRow } from '../store/queue.js';
import { DatabaseUnavailableError, isRetryable } from '../store/sqlstate.js';
import type { ItemResult } from './apply-batch.js';
import { AllRefused, applyTogether, type SyncRequest } from './apply-together.js';
import { DrainStepFailed, drainStep, type DrainStep, type DrainStepOptions } from './drain-step.js';
import { JoinedFirstUse } from './resolve-and-write.js';

/** The names under which the embedded store's thread knows the procedures (Db.procedure). */
const APPLY_TOGETHER = 'applyTogether';
const DRAIN_STEP = 'drainStep';

/** Runs a procedure in the store's thread (Db.procedure); its error, decoded, is thrown here. */
async function call(db: Db & Required<Pick<Db, 'procedure'>>, name: string, args: unknown): Promise<unknown> {
  const outcome = (await db.procedure(name, args)) as ProcedureOutcome;
  if ('error' in outcome) throw decodeError(outcome.error);
  return outcome.value;
}

/** Applies the group in one transaction: in the store's thread when the store runs procedures there, else here. */
export async function applyGroup(db: Db, requests: SyncRequest[]): Promise<ItemResult[][]> {
  if (!hasProcedures(db)) return db.transaction((tx) => applyTogether(tx, requests));
  return (await call(db, APPLY_TOGETHER, requests.map(toClonable))) as ItemResult[][];
}

/**
 * The worker's step (drain-step.ts) in one transaction: in the store's thread when the store runs
 * procedures there, else here. claimed is told the rows the step took, as drainStep tells it,
 * also when the step then fails.
 */
export async function applyDrainStep(
  db: Db, instanceId: string, options: DrainStepOptions, claimed: (rows: QueueRow[]) => void,
): Promise<DrainStep | undefined> {
  if (!hasProcedures(db)) {
    return db.transaction((tx) => {
      claimed([]);
      return drainStep(tx, instanceId, options, claimed);
    });
  }
  try {
    return (await call(db, DRAIN_STEP, { instanceId, options })) as DrainStep | undefined;
  } catch (error) {
    if (!(error instanceof DrainStepFailed)) throw error;
    claimed(error.claimed);
    throw error.cause;
  }
}

const hasProcedures = (db: Db): db is Db & Required<Pick<Db, 'procedure'>> => db.procedure !== undefined;

/**
 * The store thread's side of Db.procedure: runs the named procedure in tx (the thread encodes what
 * it returns or throws with encodeError below).
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
