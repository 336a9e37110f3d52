import { Type } from '@fastify/type-provider-typebox';
import { ERROR_STATUS, type ErrorKind } from '../../errors.js';

/** Paging offsets stay far inside PostgreSQL's bigint (JSON integers like 1e308 would not). */
export const MAX_OFFSET = 1_000_000_000;

/** A closed set of string values (documented and typed as a union). */
export function literals<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Union(values.map((v) => Type.Literal(v)), options);
}

export const ErrorBody = Type.Object(
  {
    request_id: Type.String({ format: 'uuid' }),
    code: Type.Integer(),
    error: Type.String(),
    details: Type.Optional(
      Type.Array(
        Type.Object({
          index: Type.Optional(Type.Integer()),
          status: literals(['invalid', 'rate_limited']),
          error: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'ErrorBody', description: "Ortto's error body" },
);

export const RateLimitBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Literal('rate-limit'),
      message: Type.String(),
      'try-in-seconds': Type.Integer(),
    }),
  },
  { $id: 'RateLimitBody', description: "Ortto's rate-limit body (HTTP 429)" },
);

/** Ortto's error body, as a response schema (also for the emulator's 504, a status outside the vocabulary). */
export const errorBodyRef = Type.Ref('ErrorBody');
const rateLimitBodyRef = Type.Ref('RateLimitBody');

/** The body an error kind is answered with: Ortto's rate-limit body for 429, its error body otherwise. */
export function errorSchema(kind: ErrorKind): typeof errorBodyRef | typeof rateLimitBodyRef {
  return kind === 'rate_limited' ? rateLimitBodyRef : errorBodyRef;
}

type StatusOf<K extends ErrorKind> = (typeof ERROR_STATUS)[K];

/** Response schemas for exactly these error kinds, keyed by their status (ERROR_STATUS). */
export function errorResponsesOf<const K extends ErrorKind>(...kinds: K[]): Record<StatusOf<K>, ReturnType<typeof errorSchema>> {
  return Object.fromEntries(kinds.map((kind) => [ERROR_STATUS[kind], errorSchema(kind)])) as Record<StatusOf<K>, ReturnType<typeof errorSchema>>;
}

/** The errors every authenticated /v1 route may answer (its route schema lists them, so they are serialized by it). */
export const V1_ERRORS = ['bad_request', 'unauthorized', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'internal'] as const;

/** A /v1 route's error responses: the common ones plus the route's own (e.g. not_found). */
export function errorResponses<const K extends ErrorKind>(...also: K[]) {
  return errorResponsesOf<(typeof V1_ERRORS)[number] | K>(...V1_ERRORS, ...also);
}
