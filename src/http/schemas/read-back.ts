// Wire schemas of the read-back endpoints: POST /v1/person/get, /v1/accounts/get and their
// /get/activities (routes/v1/person.ts, accounts.ts), in Ortto's recorded shapes.
import { Type } from '@fastify/type-provider-typebox';
import { MAX_OFFSET } from './common.js';

const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 40, description: '1..40, default 20' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET })),
};

const Timeframe = Type.Optional(Type.Unknown({ description: '{"type": "last-<N>-days" | "today" | "all-time"}: only events created since then' }));
export const GetPersonActivitiesBody = Type.Object({
  person_id: Type.String(),
  activities: Type.Optional(Type.Array(Type.String(), { description: 'Only these activity field IDs (act:cm:<name>; system ones act::<code> match nothing here)' })),
  timeframe: Timeframe,
  ...Paging,
});
export const GetAccountActivitiesBody = Type.Object({
  account_id: Type.String(),
  activities: Type.Optional(Type.Array(Type.String())),
  timeframe: Timeframe,
  ...Paging,
});

export const ActivityEvent = Type.Object(
  {
    id: Type.String(),
    attr: Type.Record(Type.String(), Type.Unknown()),
    created_at: Type.String({ description: 'RFC 3339; production-2025: second precision' }),
    field_id: Type.String({ description: 'act:cm:<name>' }),
    location: Type.Optional(Type.Unknown({ description: 'docs profile (extension)' })),
    key: Type.Optional(Type.String({ description: 'docs profile (extension)' })),
    render_cmds: Type.Array(Type.Object({ content: Type.String() })),
  },
  { $id: 'ActivityEvent' },
);

export const GetActivitiesResponse = Type.Object({
  activities: Type.Union([Type.Array(Type.Ref('ActivityEvent')), Type.Null()], { description: 'null when there are none' }),
  meta: Type.Object({
    total_activities: Type.Integer(),
    field_ids: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The activities filter, or null' }),
    has_more: Type.Boolean(),
    retention: Type.Object({ type: Type.Literal('time'), max_value: Type.Integer({ description: 'Days kept' }) }),
  }),
  offset: Type.Integer(),
  next_offset: Type.Integer(),
});

export const Filter = Type.Unknown({
  $id: 'Filter',
  description:
    '{"$str::is": {"field_id", "value"}}, {"$has_any_value": {"field_id"}}, {"$and": [filters]}, {"$or": [filters]} ' +
    '(also $str::is_not, $str::contains, $str::starts_with, $int::is, $int::greater_than, $int::less_than, $bol::is, $has_no_value)',
});

const RecordsBody = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: '1..500, default 50' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET })),
  fields: Type.Optional(Type.Array(Type.String(), { description: 'Field IDs to return; default all' })),
  filter: Type.Optional(Type.Ref('Filter')),
  cursor_id: Type.Optional(Type.String({ description: "The previous page's cursor_id: the next page, stable while records are added" })),
};
export const GetPersonsBody = Type.Object(RecordsBody);
export const GetAccountsBody = Type.Object(RecordsBody);

const Record_ = Type.Object(
  {
    id: Type.String(),
    fields: Type.Record(Type.String(), Type.Unknown()),
    created_at: Type.Optional(Type.String({ description: 'docs profile (extension)' })),
    first_seen_at: Type.Optional(Type.String({ description: 'Earliest event of a touch activity' })),
    last_seen_at: Type.Optional(Type.String({ description: 'Latest event of a touch activity' })),
  },
  { $id: 'Record' },
);
export const RecordSchema = Record_;

const RecordsMeta = Type.Object({
  total_contacts: Type.Integer(),
  total_organizations: Type.Integer(),
  total_matches: Type.Integer(),
  total_subscribers: Type.Integer(),
});
const recordsPage = {
  meta: RecordsMeta,
  offset: Type.Integer(),
  next_offset: Type.Integer(),
  cursor_id: Type.String({ description: 'Pass it back as cursor_id for the next page' }),
  has_more: Type.Boolean(),
};
export const GetPersonsResponse = Type.Object({ contacts: Type.Array(Type.Ref('Record')), ...recordsPage });
export const GetAccountsResponse = Type.Object({ accounts: Type.Array(Type.Ref('Record')), ...recordsPage });
