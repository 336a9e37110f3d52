// Every failure leaves as Ortto's error body {request_id, code, error, details?}; clients never
// see the inside of a 5xx. 404 vs 405 is decided by asking the router whether the path exists
// under another method.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, ERROR_STATUS, type ErrorKind, type ItemFailure } from '../../errors.js';
import { isDatabaseUnavailable, QUERY_CANCELED, sqlStateOf } from '../../store/sqlstate.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/attributes/0/name` → `attributes[0].name`. */
function elementOf(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  if (extra) parts.push(extra);
  let out = '';
  for (const part of parts) {
    const p = part.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  }
  return out;
}

export function describeValidationError(error: AjvError, context = 'body'): string {
  const { keyword, params } = error;
  if (keyword === 'required') return `${elementOf(error.instancePath, String(params['missingProperty']))} is required`;
  const element = elementOf(error.instancePath) || `the request ${context}`;
  switch (keyword) {
    case 'type': {
      const t = String(params['type']);
      const article = /^[aeiou]/.test(t) ? 'an' : 'a';
      return `${element} must be ${article} ${t}`;
    }
    case 'enum':
      return `${element} must be one of: ${(params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'maxItems':
      return `${element} must hold at most ${String(params['limit'])} items`;
    case 'minItems':
      return `${element} must hold at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`;
    case 'minimum':
    case 'maximum':
      return `${element} must be ${keyword === 'minimum' ? '>=' : '<='} ${String(params['limit'])}`;
    case 'maxLength':
      return `${element} must be at most ${String(params['limit'])} characters`;
    case 'additionalProperties':
      return `${elementOf(error.instancePath, String(params['additionalProperty']))} is not a valid element`;
    default:
      return `${element} ${error.message ?? 'is invalid'}`;
  }
}

/** Answers an error of the vocabulary (src/errors.ts) in Ortto's error body, with the kind's status. */
export function sendError(reply: FastifyReply, kind: ErrorKind, message: string, details?: ItemFailure[]): FastifyReply {
  return sendErrorStatus(reply, ERROR_STATUS[kind], message, details);
}

/**
 * The same body for a status outside the vocabulary: the emulator's drain timeout (504) and
 * faults, and Fastify's other 4xx passed through. Everything else goes through sendError.
 */
export function sendErrorStatus(reply: FastifyReply, status: number, message: string, details?: ItemFailure[]): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ request_id: reply.request.id, code: status, error: message, ...(details ? { details } : {}) });
}

/** Ortto's other shape, for 429 only: `{"error": {"code": "rate-limit", message, "try-in-seconds"}}` and Retry-After. */
export function sendRateLimited(reply: FastifyReply, waitSeconds: number, message: string): FastifyReply {
  return reply
    .code(ERROR_STATUS.rate_limited)
    .header('retry-after', String(waitSeconds))
    .type('application/json; charset=utf-8')
    .send({ error: { code: 'rate-limit', message, 'try-in-seconds': waitSeconds } });
}

/** Fastify's own error codes, each mapped to an error kind and a message a client can act on. */
function fastifyErrorMessage(error: FastifyError, request: FastifyRequest, bodyLimitBytes: number): { kind: ErrorKind; message: string } | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { kind: 'payload_too_large', message: `request body is larger than the limit of ${bodyLimitBytes} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { kind: 'unsupported_media_type', message: `content type ${request.headers['content-type'] ?? '(none)'} is not supported: send application/json` };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { kind: 'bad_request', message: 'request body is empty: send a JSON object' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { kind: 'bad_request', message: 'request body is not valid JSON' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { kind: 'bad_request', message: 'Content-Length does not match the body' };
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) {
    return { kind: 'bad_request', message: `request body is not valid JSON: ${error.message}` };
  }
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error.kind, error.message, error.details);
    if (error.validation) {
      return sendError(reply, 'bad_request', describeValidationError(error.validation[0] as AjvError, error.validationContext));
    }
    if (isDatabaseUnavailable(error)) {
      // Nothing of the request was acknowledged; the same request may be sent again.
      request.log.warn({ err: { message: error.message } }, 'database unavailable');
      reply.header('retry-after', '1');
      return sendError(reply, 'unavailable', 'the database is unavailable: retry the request');
    }
    if (sqlStateOf(error) === QUERY_CANCELED) {
      reply.header('retry-after', '1');
      return sendError(reply, 'unavailable', 'the read took longer than the read timeout (READ_STATEMENT_TIMEOUT_MS): narrow the filter or ask for fewer records');
    }
    const known = fastifyErrorMessage(error, request, bodyLimitBytes);
    if (known) return sendError(reply, known.kind, known.message);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendErrorStatus(reply, status, error.message);
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 'internal', 'internal server error: the failure is logged under this request_id');
  });

  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((method) => method !== request.method && app.hasRoute({ url, method }));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(reply, 'method_not_allowed', `method ${request.method} is not allowed on ${url}: use ${allowed.join(' or ')}`);
    }
    return sendError(reply, 'not_found', `no endpoint ${request.method} ${url}`);
  });
}
