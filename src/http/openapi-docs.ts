// What the OpenAPI document says about each operation beyond its schemas: a stable operationId,
// a description, a request example that works against a fresh server in this order (the first
// creates the definition the others use), and the error statuses the route can answer besides
// the common ones. Applied by the swagger transform (app.ts); finishDocument() sets `servers`
// from the request and describes every status.

const PURCHASE_DEFINITION = {
  name: 'product-purchase',
  icon_id: 'cart-icon',
  track_conversion_value: true,
  touch: true,
  filterable: true,
  visible_in_feeds: true,
  display_style: { type: 'activity_attribute', attribute: 'product-name' },
  attributes: [
    { name: 'product-name', display_type: 'text' },
    { name: 'quantity', display_type: 'integer' },
    { name: 'plan', display_type: 'text', field_id: 'str:cm:last-plan' },
  ],
};

interface OperationDoc {
  operationId: string;
  summary?: string;
  description: string;
  example: unknown;
  /** Statuses this operation answers beyond 400, 401, 405, 413, 415, 429, 500 and 503. */
  errors?: number[];
}

export const OPERATION_DOCS: Record<string, OperationDoc> = {
  'POST /v1/definitions/activity/create': {
    operationId: 'createActivityDefinition',
    description:
      'Creates a custom activity definition. Its `activity_field_id` is `act:cm:<name>`; each attribute gets the field ID ' +
      '`<type prefix>:cm:<attribute name>`. The definition is `awaiting_implementation` until its first event. ' +
      '403 when the instance already has its limit of live custom activities.',
    example: PURCHASE_DEFINITION,
    errors: [403],
  },
  'PUT /v1/definitions/activity/modify': {
    operationId: 'modifyActivityDefinition',
    summary: 'Modify a custom activity definition',
    description: 'Changes a definition: the elements given replace the stored ones; the others stay. 404 for an unknown definition.',
    example: { activity_field_id: 'act:cm:product-purchase', icon_id: 'star-icon' },
    errors: [404],
  },
  'POST /v1/instance-schema/get': {
    operationId: 'getInstanceSchema',
    description: "The instance's fields and custom activity definitions (archived ones marked), for the namespaces asked for (`[]` = all).",
    example: { namespaces: ['cm'] },
  },
  'POST /v1/activities/create': {
    operationId: 'createPersonActivities',
    description:
      'Records up to 100 person activity events. Each activity finds or creates its person by `person_id` or `merge_by` ' +
      'and answers in request order with `status` (`ingested`, `queued`, `invalid` or `rate_limited`). Only when every ' +
      'activity fails is the answer a 400, with each failure in `details`. `async: true` queues the events.',
    example: {
      activities: [
        {
          activity_id: 'act:cm:product-purchase',
          attributes: { 'str:cm:product-name': 'Premium Plan', 'int:cm:quantity': 2, 'int::v': 15300 },
          fields: { 'str::email': 'billie@example.com', 'str::first': 'Billie' },
          location: { source_ip: '119.18.0.218' },
        },
      ],
      merge_by: ['str::email'],
    },
  },
  'POST /v1/accounts/activities/create': {
    operationId: 'createAccountActivities',
    description:
      'Records up to 100 account (organization) activity events; like person events, with account fields or ' +
      '`str:o:organization_id` naming the account.',
    example: {
      activities: [
        {
          activity_id: 'act:cm:product-purchase',
          attributes: { 'str:cm:product-name': 'Team Plan', 'int::v': 99000 },
          fields: { 'str:o:name': 'Acme', 'str:o:website': 'https://acme.example' },
        },
      ],
      merge_by: ['str:o:name'],
    },
  },
  'POST /v1/activities/dead-letters/get': {
    operationId: 'getDeadLetters',
    summary: 'Queued activities that could not be applied, with their reasons',
    description: "This server's addition to Ortto's API: queued (async or backdated) activities that failed when applied, newest first, with the reason, and how many requests are still queued.",
    example: { limit: 50, offset: 0 },
  },
  'POST /v1/person/get': {
    operationId: 'getPersons',
    description: 'Lists persons with the fields asked for, optionally filtered (`$str::is`, `$has_any_value`, `$and`, ...), a page at a time.',
    example: { limit: 20, fields: ['str::email', 'str::first'], filter: { '$str::is': { field_id: 'str::email', value: 'billie@example.com' } } },
  },
  'POST /v1/person/get/activities': {
    operationId: 'getPersonActivities',
    description: "A person's activity events, newest first, each with its display text (`render_cmds`). Take `person_id` from `getPersons` or from `createPersonActivities`; 404 for an unknown person.",
    example: { person_id: '006b03a96f8c2ad358048644', limit: 20 },
    errors: [404],
  },
  'POST /v1/accounts/get': {
    operationId: 'getAccounts',
    description: 'Lists accounts with the fields asked for, optionally filtered, a page at a time.',
    example: { limit: 20, fields: ['str:o:name', 'str:o:website'] },
  },
  'POST /v1/accounts/get/activities': {
    operationId: 'getAccountActivities',
    description: "An account's activity events, newest first. Take `account_id` from `getAccounts` or from `createAccountActivities`; 404 for an unknown account.",
    example: { account_id: '006b03a96f8c2ad358048645', limit: 20 },
    errors: [404],
  },
  'DELETE /v1/definitions/activity/delete': {
    operationId: 'archiveActivityDefinition',
    description: 'Archives a definition: its events stay readable, it takes no new events. Archiving an archived one is a 400, an unknown one a 404.',
    example: { activity_field_id: 'act:cm:product-purchase' },
    errors: [404],
  },
};

/** Statuses every operation may answer, besides those in its schema. */
const COMMON_ERRORS = [400, 401, 405, 413, 415, 429, 500, 503];

export const STATUS_DESCRIPTIONS: Record<string, string> = {
  '200': 'Success',
  '400': 'Malformed JSON, an element missing or of the wrong type (named), or a rule broken (named)',
  '401': 'No X-Api-Key, or a wrong or revoked key',
  '403': "Over the instance's limit",
  '404': 'Not found (named)',
  '405': 'Known path, wrong method (the Allow header lists the right one)',
  '413': 'Body over the size limit, refused while it is read',
  '415': 'A body that is not application/json',
  '429': "Over the key's request rate: Ortto's rate-limit body with try-in-seconds",
  '500': 'A fault of the server: no internals; the log has them under the request_id',
  '503': 'The server is shutting down or not ready: retry on another node or later',
  '504': 'Timed out',
};

interface RouteSchema {
  body?: unknown;
  response?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The route's documented schema with this module's operationId, description, example and errors. */
export function documentOperation(method: string, url: string, schema: RouteSchema): RouteSchema {
  const doc = OPERATION_DOCS[`${method} ${url}`];
  const response: Record<string, unknown> = { ...(schema.response ?? {}) };
  if (schema.response) {
    for (const status of [...COMMON_ERRORS, ...(doc?.errors ?? [])]) {
      if (!(status in response)) response[status] = status === 429 ? { $ref: 'RateLimitBody' } : { $ref: 'ErrorBody' };
    }
  }
  if (!doc) return schema.response ? { ...schema, response } : schema;
  const out: RouteSchema = { ...schema, operationId: doc.operationId, description: doc.description, response };
  if (doc.summary) out['summary'] = doc.summary;
  if (schema.body && typeof schema.body === 'object') out.body = { ...(schema.body as object), examples: [doc.example] };
  return out;
}

interface OpenApiDocument {
  servers?: Array<{ url: string; description?: string }>;
  paths?: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
}

/** A copy of the document for one request: `servers` is where that request came, every status described. */
export function finishDocument<T extends object>(doc: T, origin: string): T {
  const copy = structuredClone(doc) as T & OpenApiDocument;
  copy.servers = [{ url: origin, description: 'this server' }];
  for (const ops of Object.values(copy.paths ?? {})) {
    for (const op of Object.values(ops)) {
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        const described = STATUS_DESCRIPTIONS[status];
        if (res && (described || !res.description || res.description === 'Default Response')) res.description = described ?? 'Answer';
      }
    }
  }
  return copy;
}
