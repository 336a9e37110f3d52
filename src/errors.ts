// The one closed vocabulary of API failures and their HTTP statuses. The server, the OpenAPI
// document and the SDK all speak it; the wire body is Ortto's `{request_id, code, error, details?}`.

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorKind = keyof typeof ERROR_STATUS;

export interface ItemFailure {
  /** Position in the request (person/merge in production-2025 leaves it out, as recorded). */
  index?: number;
  status: 'invalid' | 'rate_limited';
  error: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: ItemFailure[],
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[kind];
  }
}

export const badRequest = (message: string, details?: ItemFailure[]) => new ApiError('bad_request', message, details);
export const notFound = (message: string) => new ApiError('not_found', message);
export const forbidden = (message: string) => new ApiError('forbidden', message);
