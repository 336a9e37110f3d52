// Wire schemas of the activity event endpoints (create, dead letters); the read-back ones are in
// read-back.ts. They document every element (and so drive the OpenAPI document and the SDK's
// types); the per-activity checks that must fail one activity and not the request are the
// domain's (domain/activity-input.ts), so the routes validate only the envelope (see
// PERSON_ENVELOPE_VALIDATION below).
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { MAX_OFFSET, literals } from './common.js';

const FieldValues = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Field ID → value, e.g. {"str::email": "a@example.com"}; null clears a value',
});

export const Location = Type.Object(
  {
    source_ip: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    custom: Type.Optional(Type.Union([
      Type.Object({
        name: Type.Optional(Type.String()),
        city: Type.Optional(Type.String({ description: 'As real Ortto accepts it (recorded)' })),
        region: Type.Optional(Type.String()),
        country: Type.Optional(Type.String()),
        country_code: Type.Optional(Type.String()),
        postal_code: Type.Optional(Type.String({ description: 'As real Ortto accepts it (recorded)' })),
        latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
        longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
        timezone: Type.Optional(Type.String()),
      }),
      Type.Null(),
    ])),
    address: Type.Optional(Type.Union([
      Type.Object({
        address1: Type.Optional(Type.String()),
        city: Type.Optional(Type.String()),
        region: Type.Optional(Type.String()),
        country: Type.Optional(Type.String()),
        postal_code: Type.Optional(Type.String()),
      }),
      Type.Null(),
    ])),
  },
  { $id: 'Location' },
);

const MergeBy = Type.Array(Type.String(), { minItems: 1, maxItems: 2, description: 'Main and optional fallback field ID' });
const MergeStrategy = Type.Integer({ minimum: 1, maximum: 3, description: '1 append only, 2 overwrite existing (default), 3 ignore' });

const activityCommon = {
  activity_id: Type.String({ description: 'act:cm:<name>' }),
  attributes: Type.Optional(FieldValues),
  fields: Type.Optional(FieldValues),
  merge_by: Type.Optional(MergeBy),
  merge_strategy: Type.Optional(MergeStrategy),
  created: Type.Optional(Type.String({ description: 'ISO-8601 time the event happened (backdating)' })),
  key: Type.Optional(Type.String({ description: 'With created: makes the event idempotent' })),
  location: Type.Optional(Type.Ref('Location')),
};

export const PersonActivityInput = Type.Object(
  { ...activityCommon, person_id: Type.Optional(Type.String({ description: 'Names the person directly; fields and merge_by are then ignored' })) },
  { $id: 'PersonActivityInput' },
);

export const AccountActivityInput = Type.Object(
  {
    ...activityCommon,
    'str:o:organization_id': Type.Optional(Type.String({ description: 'Names the account directly; fields and merge_by are then ignored' })),
  },
  { $id: 'AccountActivityInput' },
);

function envelope(item: TSchema) {
  return Type.Object({
    activities: Type.Array(item, { minItems: 1, maxItems: 100 }),
    async: Type.Optional(Type.Boolean()),
    merge_by: Type.Optional(MergeBy),
    merge_strategy: Type.Optional(MergeStrategy),
  });
}

export const CreatePersonActivitiesBody = envelope(Type.Ref('PersonActivityInput'));
export const CreateAccountActivitiesBody = envelope(Type.Ref('AccountActivityInput'));

/**
 * The same envelope with its items unchecked: an item that is wrong fails that activity only
 * (status "invalid"), so item checks happen per activity in the domain, not in the route schema.
 */
export const PERSON_ENVELOPE_VALIDATION = envelope(Type.Unknown());
export const ACCOUNT_ENVELOPE_VALIDATION = PERSON_ENVELOPE_VALIDATION;

// Key order as Ortto's responses show it: <id>, status, <record status>, activity_id.
function activityResult(idKey: 'person_id' | 'account_id', statusKey: 'person_status' | 'account_status', $id: string) {
  return Type.Object(
    {
      [idKey]: Type.Optional(Type.String()),
      status: literals(['ingested', 'queued', 'invalid', 'rate_limited']),
      [statusKey]: Type.Optional(literals(['created', 'merged', 'queued'])),
      activity_id: Type.Optional(Type.String({ description: "The new event's 24-hex id" })),
      error: Type.Optional(Type.String({ description: 'Why the activity was not taken (invalid, rate_limited)' })),
    },
    { $id },
  );
}

export const PersonActivityResult = activityResult('person_id', 'person_status', 'PersonActivityResult');
export const AccountActivityResult = activityResult('account_id', 'account_status', 'AccountActivityResult');

export const CreatePersonActivitiesResponse = Type.Object({ activities: Type.Array(Type.Ref('PersonActivityResult')) });
export const CreateAccountActivitiesResponse = Type.Object({ activities: Type.Array(Type.Ref('AccountActivityResult')) });

export const DeadLettersBody = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET })),
});

export const DeadLettersResponse = Type.Object({
  dead_letters: Type.Array(Type.Object({
    id: Type.Integer(),
    kind: Type.String({ description: 'person | account' }),
    activity_index: Type.Integer({ description: 'Index of the activity in its request' }),
    activity_id: Type.Union([Type.String(), Type.Null()], { description: 'The event id the activity was acknowledged with' }),
    activity: Type.Unknown({ description: 'The activity as it was sent' }),
    status: Type.String({ description: 'invalid | rate_limited | failed' }),
    error: Type.String(),
    enqueued_at: Type.String(),
    failed_at: Type.String(),
  })),
  total: Type.Integer(),
  queued_requests: Type.Integer({ description: 'Requests still waiting in the queue' }),
});
