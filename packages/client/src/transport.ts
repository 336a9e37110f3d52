// One JSON request with a timeout and safe retries: network errors, timeouts, 5xx and 429 are
// sent again after an exponential back-off with jitter (a 429 waits the `try-in-seconds` the
// server asked for); every other 4xx is returned at once, since sending it again cannot help.
import { ActivityCdpError, codeOfStatus, isRetryableStatus, type ItemFailure } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportSettings {
  baseUrl: string;
  apiKey: string;
  /** Per attempt: from sending the request to having read the whole answer. */
  timeoutMs: number;
  /** Attempts after the first one. */
  maxRetries: number;
  /** First back-off; it doubles each retry, with jitter, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A 429 asking to wait longer than this is not retried: the error goes back to the caller. */
  maxRetryDelayMs: number;
  fetch: FetchLike;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal, 0));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal!, 0));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortedError(signal: AbortSignal, attempts: number): ActivityCdpError {
  return new ActivityCdpError('the request was aborted by the caller', {
    status: 0, code: 'aborted', retryable: false, attempts, cause: signal.reason,
  });
}

/** Equal jitter: half the exponential delay, plus a random share of the other half. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** attempt);
  return exp / 2 + random() * (exp / 2);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads both of Ortto's error shapes: `{request_id, code, error, details?}` and the 429 body. */
function errorFromResponse(res: Response, body: unknown, text: string, attempts: number): ActivityCdpError {
  const status = res.status;
  const b = (body ?? {}) as Record<string, unknown>;
  const requestId = typeof b['request_id'] === 'string' ? b['request_id'] : res.headers.get('x-request-id') ?? undefined;
  let message: string;
  let tryInSeconds: number | undefined;
  if (typeof b['error'] === 'string') {
    message = b['error'];
  } else if (b['error'] !== null && typeof b['error'] === 'object') {
    const inner = b['error'] as Record<string, unknown>;
    message = typeof inner['message'] === 'string' ? inner['message'] : `HTTP ${status}`;
    if (typeof inner['try-in-seconds'] === 'number') tryInSeconds = inner['try-in-seconds'];
  } else {
    message = text.trim() !== '' && text.length < 300 ? `HTTP ${status}: ${text.trim()}` : `HTTP ${status} ${res.statusText}`.trim();
  }
  if (tryInSeconds === undefined && status === 429) {
    const retryAfter = Number(res.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter >= 0) tryInSeconds = retryAfter;
  }
  const details = Array.isArray(b['details']) ? (b['details'] as ItemFailure[]) : undefined;
  return new ActivityCdpError(message, {
    status, code: codeOfStatus(status), request_id: requestId, details,
    retryable: isRetryableStatus(status), tryInSeconds, attempts, body,
  });
}

/**
 * Sends `body` (already serialised JSON, or undefined) and returns the parsed 200 answer, or
 * throws an ActivityCdpError once retries are used up or the failure is not retryable.
 */
export async function requestJson<T>(
  settings: TransportSettings,
  method: string,
  path: string,
  body: string | undefined,
  options: RequestOptions = {},
): Promise<T> {
  const url = settings.baseUrl.replace(/\/+$/, '') + path;
  const outer = options.signal;
  for (let attempt = 0; ; attempt++) {
    if (outer?.aborted) throw abortedError(outer, attempt);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, settings.timeoutMs);
    const onAbort = () => controller.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    let error: ActivityCdpError;
    try {
      const headers: Record<string, string> = { 'x-api-key': settings.apiKey, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await settings.fetch(url, { method, headers, body, signal: controller.signal });
      const text = await res.text();
      const parsed = parseJson(text);
      if (res.ok) {
        if (parsed === undefined || parsed === null || typeof parsed !== 'object') {
          throw new ActivityCdpError(`${method} ${path} answered ${res.status} without a JSON body`, {
            status: res.status, code: 'invalid_response', retryable: false, attempts: attempt + 1,
            request_id: res.headers.get('x-request-id') ?? undefined, body: text,
          });
        }
        return parsed as T;
      }
      error = errorFromResponse(res, parsed, text, attempt + 1);
    } catch (thrown) {
      if (thrown instanceof ActivityCdpError) throw thrown;
      if (outer?.aborted) throw abortedError(outer, attempt + 1);
      error = timedOut
        ? new ActivityCdpError(`no answer from ${url} within ${settings.timeoutMs} ms`, {
          status: 0, code: 'timeout', retryable: true, attempts: attempt + 1, cause: thrown,
        })
        : new ActivityCdpError(`could not reach ${url}: ${describeNetworkError(thrown)}`, {
          status: 0, code: 'network_error', retryable: true, attempts: attempt + 1, cause: thrown,
        });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
    if (!error.retryable || attempt >= settings.maxRetries) throw error;
    let delay = backoffDelay(attempt, settings.backoffMs, settings.maxBackoffMs);
    if (error.tryInSeconds !== undefined) {
      const asked = error.tryInSeconds * 1000;
      if (asked > settings.maxRetryDelayMs) throw error;
      // What the server asked for, plus a little jitter so that many clients do not come back at once.
      delay = asked + Math.random() * Math.min(250, settings.backoffMs);
    }
    await sleep(delay, outer);
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } })?.cause;
  const code = cause?.code ?? cause?.errors?.find((e) => e?.code)?.code;
  if (code) return code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
