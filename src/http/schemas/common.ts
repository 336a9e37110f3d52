import { Type } from '@fastify/type-provider-typebox';

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

/** The error responses every authenticated route may give, for the OpenAPI document. */
export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  413: Type.Ref('ErrorBody'),
  415: Type.Ref('ErrorBody'),
  429: Type.Ref('RateLimitBody'),
  500: Type.Ref('ErrorBody'),
};
