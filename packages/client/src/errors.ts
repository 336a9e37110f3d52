// The SDK's one error type. Every failure of a call (an HTTP error, a network failure, a timeout)
// is an ActivityCdpError carrying the server's `request_id` and the closed error vocabulary the
// server speaks (ERROR_STATUS, generated from src/errors.ts), never a bare string.
import { ERROR_STATUS, type ErrorKind } from './generated/types.js';

/** The server's error kinds, plus the failures that happen before an HTTP status exists. */
export type ErrorCode =
  | ErrorKind
  /** Connection refused / reset, DNS failure: nothing was answered. */
  | 'network_error'
  /** No complete answer within `timeoutMs`. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** A 2xx whose body is not the JSON the endpoint promises. */
  | 'invalid_response'
  /** A 4xx outside the vocabulary (e.g. a proxy's 407); other 5xx count as unavailable. */
  | 'http_error';

/** One activity that failed inside a request, as the server lists it in `details`. */
export interface ItemFailure {
  index: number;
  status: string;
  error: string;
}

export interface ActivityCdpErrorInit {
  status: number;
  code: ErrorCode;
  request_id?: string | undefined;
  details?: ItemFailure[] | undefined;
  retryable: boolean;
  tryInSeconds?: number | undefined;
  attempts?: number;
  body?: unknown;
  cause?: unknown;
}

export class ActivityCdpError extends Error {
  /** HTTP status; 0 when no response arrived (network error, timeout, abort). */
  readonly status: number;
  readonly code: ErrorCode;
  /** The server's request id (also its X-Request-Id header): quote it when reporting a problem. */
  readonly request_id: string | undefined;
  /** Per-activity failures, when the server refused every activity of a request. */
  readonly details: ItemFailure[] | undefined;
  /** True for network errors, timeouts, 5xx and 429: the same request may succeed later. */
  readonly retryable: boolean;
  /** From a 429's `try-in-seconds` (or Retry-After): how long the server asked to wait. */
  readonly tryInSeconds: number | undefined;
  /** How many times the request was sent before giving up. */
  readonly attempts: number;
  /** The parsed response body, when there was one. */
  readonly body: unknown;

  constructor(message: string, init: ActivityCdpErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ActivityCdpError';
    this.status = init.status;
    this.code = init.code;
    this.request_id = init.request_id;
    this.details = init.details;
    this.retryable = init.retryable;
    this.tryInSeconds = init.tryInSeconds;
    this.attempts = init.attempts ?? 1;
    this.body = init.body;
  }
}

export function isActivityCdpError(value: unknown): value is ActivityCdpError {
  return value instanceof ActivityCdpError;
}

const KIND_OF_STATUS = new Map<number, ErrorKind>(
  (Object.entries(ERROR_STATUS) as Array<[ErrorKind, number]>).map(([kind, status]) => [status, kind]),
);

/** The vocabulary's kind for an HTTP status; other 5xx (502, 504 from proxies) count as unavailable. */
export function codeOfStatus(status: number): ErrorCode {
  return KIND_OF_STATUS.get(status) ?? (status >= 500 ? 'unavailable' : 'http_error');
}

/** Only what may succeed when sent again unchanged: 429 and 5xx (never other 4xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
