// SQLSTATE codes this project acts on, in one place. Decisions are made on codes, never on
// message text.
export const SQLSTATE = {
    uniqueViolation: '23505',
    serializationFailure: '40001',
    deadlockDetected: '40P01',
};
export const RETRYABLE_SQLSTATES = new Set([SQLSTATE.serializationFailure, SQLSTATE.deadlockDetected]);
export function sqlStateOf(error) {
    if (typeof error === 'object' && error !== null && 'code' in error) {
        const code = error.code;
        if (typeof code === 'string' && code.length === 5)
            return code;
    }
    return undefined;
}
export function isRetryable(error) {
    const code = sqlStateOf(error);
    return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}
export const MAX_TRANSACTION_ATTEMPTS = 5;
/** Back-off between retried transactions: a few ms, growing, with jitter so retries spread out. */
export function retryDelayMs(attempt) {
    return Math.random() * 5 * 2 ** attempt;
}
