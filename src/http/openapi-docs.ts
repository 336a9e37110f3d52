// What the OpenAPI document says about each operation beyond its schemas: a stable operationId,
// a description, a request example that works against a fresh server in this order (the first
// creates the definition the others use), and the errors every operation may answer (a route's
// own, such as 404, are in its schema). Applied by the swagger transform (app.ts);
// finishDocument() sets `servers` from the request and describes every status.
import type { ErrorKind } from '../errors.js';
import { errorResponsesOf } from './schemas/common.js';

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
  /** Absent: the route's own description. */
  description?: string;
  /** The request body's example; absent for operations without a body. */
  example?: unknown;
}

export const OPERATION_DOCS: Record<string, OperationDoc> = {
  'POST /v1/definitions/activity/create': {
    operationId: 'createActivityDefinition',
    description:
      'Creates a custom activity definition. Its `activity_field_id` is `act:cm:<name>`; each attribute gets the field ID ' +
      '`<type prefix>:cm:<attribute name>`. The definition is `awaiting_implementation` until its first event. ' +
      '403 when the instance already has its limit of live custom activities.',
    example: PURCHASE_DEFINITION,
  },
  'PUT /v1/definitions/activity/modify': {
    operationId: 'modifyActivityDefinition',
    summary: 'Modify a custom activity definition',
    description: 'Changes a definition: the elements given replace the stored ones; the others stay. 404 for an unknown definition.',
    example: { activity_field_id: 'act:cm:product-purchase', icon_id: 'star-icon' },
  },
  'POST /v1/instance-schema/get': {
    operationId: 'getInstanceSchema',
    description:
      "The instance's fields and custom activity definitions (archived ones marked), in Ortto's shape: namespaces by id, each " +
      'with its fields by field ID. Ask for `""` (persons, `cm` the same), `o` (accounts, `oc` the same), or `[]` for both.',
    example: { namespaces: [''] },
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
  },
  'PUT /v1/person/archive': {
    operationId: 'archivePersons',
    description:
      'Archives persons: the ones in `inclusion_ids` (take a `person_id` from `getPersons` or from `createPersonActivities`), ' +
      'or every active one with `all_rows_selected: true`, less `exclusion_ids`. Archived persons leave the reads and take ' +
      'no events until restored. The answer counts them in `archived_contacts`.',
    example: { inclusion_ids: ['006b03a96f8c2ad358048644'] },
  },
  'PUT /v1/person/restore': {
    operationId: 'restorePersons',
    description:
      'Restores archived persons (`inclusion_ids`, or every archived one with `all_rows_selected: true`, less `exclusion_ids`): ' +
      'they are read and take events again. The answer counts them in `restored_contacts`.',
    example: { inclusion_ids: ['006b03a96f8c2ad358048644'] },
  },
  'DELETE /v1/person/delete': {
    operationId: 'deletePersons',
    description:
      'Deletes archived persons for good, with their events and merge keys: the archived ones in `inclusion_ids`, or every ' +
      'archived one with `all_rows_selected: true`. Active persons are never deleted: archive them first. ' +
      'The answer counts them in `deleted_contacts`.',
    example: { all_rows_selected: true },
  },
  'PUT /v1/accounts/archive': {
    operationId: 'archiveAccounts',
    description:
      'Archives accounts: the ones in `inclusion_ids` (take an `account_id` from `getAccounts` or from `createAccountActivities`), ' +
      'or every active one with `all_rows_selected: true`, less `exclusion_ids`. The answer counts them in `archived_organizations`.',
    example: { inclusion_ids: ['006b03a96f8c2ad358048645'] },
  },
  'PUT /v1/accounts/restore': {
    operationId: 'restoreAccounts',
    description:
      'Restores archived accounts (`inclusion_ids`, or every archived one with `all_rows_selected: true`, less `exclusion_ids`). ' +
      'The answer counts them in `restored_organizations`.',
    example: { inclusion_ids: ['006b03a96f8c2ad358048645'] },
  },
  'DELETE /v1/accounts/delete': {
    operationId: 'deleteAccounts',
    description:
      'Deletes archived accounts for good, with their events and merge keys (`inclusion_ids`, or every archived one with ' +
      '`all_rows_selected: true`). Active accounts are never deleted: archive them first. The answer counts them in `deleted_accounts`.',
    example: { all_rows_selected: true },
  },
  'POST /v1/activities/export': {
    operationId: 'exportPersonActivities',
    example: { activities: ['act:cm:product-purchase'], limit: 1000 },
  },
  'POST /v1/accounts/activities/export': {
    operationId: 'exportAccountActivities',
    example: { activities: ['act:cm:product-purchase'], limit: 1000 },
  },
  'POST /v1/person/merge': {
    operationId: 'mergePersons',
    description:
      'Creates or updates up to 100 persons without an activity, by the same merge rules as activity events (`merge_by`, ' +
      '`merge_strategy`, `find_strategy`; `skip_non_existing: true` only updates). Answers each in request order with its ' +
      '`person_id` and `status` (`created`, `merged`, `skipped` or `invalid`); only when every record fails is it a 400.',
    example: {
      people: [{ fields: { 'str::email': 'sam@example.com', 'str::first': 'Sam' } }],
      merge_by: ['str::email'],
      merge_strategy: 2,
      find_strategy: 0,
    },
  },
  'POST /v1/accounts/merge': {
    operationId: 'mergeAccounts',
    description:
      'Creates or updates up to 100 accounts without an activity, by the same merge rules as account events. Answers each in ' +
      'request order with its `account_id` and `status`; only when every record fails is it a 400.',
    example: {
      accounts: [{ fields: { 'str:o:name': 'Globex', 'str:o:website': 'https://globex.example' } }],
      merge_by: ['str:o:name'],
      merge_strategy: 2,
    },
  },
  'DELETE /v1/definitions/activity/delete': {
    operationId: 'archiveActivityDefinition',
    description: 'Archives a definition: its events stay readable, it takes no new events. Archiving an archived one is a 400, an unknown one a 404.',
    example: { activity_field_id: 'act:cm:product-purchase' },
  },
  // The emulator API (on only in emulator mode or with EMULATOR_API=true), tag `emulator`.
  'POST /_emulator/instances': {
    operationId: 'emulatorCreateInstance',
    description:
      'Creates a fresh, isolated instance and answers its `instance_id` and `api_key`; send that key as X-Api-Key to the ' +
      'Ortto API and to the other emulator calls. Optional: its response profile, default merge keys, merge strategy and daily limit.',
    example: { profile: 'docs', merge_by: ['str::email'], merge_strategy: 2, daily_limit: 50 },
  },
  'POST /_emulator/reset': {
    operationId: 'emulatorReset',
    description:
      "Empties the instance of the X-Api-Key (definitions, persons, accounts, events, journal, faults; its clock back to real time), " +
      'or every instance with `{"all": true}` (no key needed). Keys and settings stay.',
    example: {},
  },
  'GET /_emulator/requests': {
    operationId: 'emulatorListRequests',
    description:
      "The instance's request journal, newest first: each Ortto API request with its body, the answer sent and every " +
      "activity's final outcome; filter by `path`, `since` and `limit`.",
  },
  'DELETE /_emulator/requests': {
    operationId: 'emulatorClearRequests',
    description: "Clears the instance's request journal; the instance's data stays.",
  },
  'POST /_emulator/drain': {
    operationId: 'emulatorDrain',
    description:
      "Answers once every queued request of the instance (async or backdated activities) is applied, with how many were; " +
      '504 when that takes longer than EMULATOR_DRAIN_TIMEOUT_MS.',
    example: {},
  },
  'PUT /_emulator/clock': {
    operationId: 'emulatorSetClock',
    description:
      "Sets the instance's clock: `now` freezes it at that RFC 3339 instant, `advance_seconds` moves it (negative: back). " +
      'Event times, the 90-day and 24-hour windows and ids follow it.',
    example: { advance_seconds: 3600 },
  },
  'GET /_emulator/clock': {
    operationId: 'emulatorGetClock',
    description: "The instance's current time on its clock, and whether that clock is frozen.",
  },
  'DELETE /_emulator/clock': {
    operationId: 'emulatorResetClock',
    description: "Puts the instance's clock back on real time.",
  },
  'POST /_emulator/faults': {
    operationId: 'emulatorAddFault',
    description:
      "Makes the instance's next `count` Ortto API requests (to `path`, or any) answer `status`, after `delay_ms`; " +
      "429 answers carry Ortto's rate-limit body with `try_in_seconds`. Emulator calls are never faulted.",
    example: { path: '/v1/activities/create', status: 503, count: 1 },
  },
  'GET /_emulator/faults': {
    operationId: 'emulatorListFaults',
    description: "The instance's armed faults, with how many requests each still applies to.",
  },
  'DELETE /_emulator/faults': {
    operationId: 'emulatorClearFaults',
    description: "Disarms every fault of the instance.",
  },
  'GET /_emulator/snapshot': {
    operationId: 'emulatorGetSnapshot',
    description: "The instance's data (definitions, custom fields, persons, accounts, merge keys and events) as one JSON document, for `PUT /_emulator/snapshot`.",
  },
  'PUT /_emulator/snapshot': {
    operationId: 'emulatorPutSnapshot',
    description:
      'Empties the instance and loads a document from `GET /_emulator/snapshot`, all or nothing (a 400 loads nothing); ' +
      'answers how many rows of each section were loaded.',
    example: { version: 1 },
  },
};

/** Errors every operation may answer, besides those in its schema. */
const COMMON_ERRORS: readonly ErrorKind[] = [
  'bad_request', 'unauthorized', 'method_not_allowed', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'internal', 'unavailable',
];

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
    for (const [status, body] of Object.entries(errorResponsesOf(...COMMON_ERRORS))) {
      if (!(status in response)) response[status] = body;
    }
  }
  if (!doc) return schema.response ? { ...schema, response } : schema;
  const out: RouteSchema = { ...schema, operationId: doc.operationId, description: doc.description ?? schema['description'], response };
  if (doc.summary) out['summary'] = doc.summary;
  if (schema.body && typeof schema.body === 'object' && doc.example !== undefined) out.body = { ...(schema.body as object), examples: [doc.example] };
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
