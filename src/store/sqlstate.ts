// SQLSTATE codes this project acts on, and which failures make the store run a transaction again,
// in one place. Decisions are made on codes (or the RetryTransaction class), never on message text.
export const SQLSTATE = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set([SQLSTATE.serializationFailure, SQLSTATE.deadlockDetected]);

export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code.length === 5) return code;
  }
  return undefined;
}

/**
 * Thrown inside Db.transaction's fn to have the store roll back and run fn again from the start,
 * as it does on a serialization failure or deadlock: for conflicts the code detects itself (a
 * concurrent request took a key this one was creating). After MAX_TRANSACTION_ATTEMPTS the caller
 * gets it.
 */
export class RetryTransaction extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RetryTransaction';
  }
}

/** A failure after which the whole transaction is run again: 40001, 40P01 or RetryTransaction. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RetryTransaction) return true;
  const code = sqlStateOf(error);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

export const MAX_TRANSACTION_ATTEMPTS = 5;

/**
 * After a failed attempt of a transaction: whether to run it again (the failure is retryable and
 * fewer than MAX_TRANSACTION_ATTEMPTS were made), having waited the back-off when so.
 */
export async function retryAfter(error: unknown, attempt: number): Promise<boolean> {
  if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryable(error)) return false;
  await new Promise((r) => setTimeout(r, retryDelayMs(attempt)));
  return true;
}

/** Back-off between retried transactions: a few ms, growing, with jitter so retries spread out. */
export function retryDelayMs(attempt: number): number {
  return Math.random() * 5 * 2 ** attempt;
}

/**
 * The database could not be reached or dropped the connection (the request may be retried):
 * SQLSTATE class 08 (connection exception), 57P01–57P03 (terminated by an administrator, a crash,
 * or a start-up), 53300 (too many connections). The drivers wrap such faults, and faults of the
 * connection itself (no SQLSTATE), in DatabaseUnavailableError.
 */
export function isConnectionSqlState(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300');
}

/** A statement cancelled by its statement timeout (or a cancel request). */
export const QUERY_CANCELED = '57014';

export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return error instanceof DatabaseUnavailableError;
}

/** Classes of SQLSTATE that mean the data sent does not fit (22 data exception, 23 integrity). */
const INPUT_CLASSES: ReadonlySet<string> = new Set(['22', '23']);

/** The database refused the values given (not a fault of the server). */
export function isRefusedInput(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code !== undefined && INPUT_CLASSES.has(code.slice(0, 2));
}
