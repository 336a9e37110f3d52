// Wire schemas of POST /v1/person/merge and /v1/accounts/merge (Ortto's, recorded). Records are
// checked one by one in the domain (an invalid field fails that record), so the route validates
// the envelope only.
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { literals } from './common.js';

export const MAX_MERGE_RECORDS = 100;

const MergeRecord = Type.Object({
  fields: Type.Record(Type.String(), Type.Unknown(), { description: 'Field ID → value; null clears a value' }),
});

function envelope(listKey: 'people' | 'accounts', item: TSchema) {
  return Type.Object({
    [listKey]: Type.Array(item, { minItems: 1, maxItems: MAX_MERGE_RECORDS }),
    merge_by: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 2, description: 'Field IDs that identify a record; default the API key\'s' })),
    merge_strategy: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: '1 append only, 2 overwrite existing (default), 3 ignore' })),
    find_strategy: Type.Optional(Type.Integer({ minimum: 0, maximum: 2, description: '0 any merge_by key (default), 1 the next key only if the previous has no value, 2 all keys must match' })),
    skip_non_existing: Type.Optional(Type.Boolean({ description: 'Update only: a record not found is skipped' })),
    async: Type.Optional(Type.Boolean({ description: 'Accepted; the merge is applied before the answer either way' })),
    suppression_list_field_id: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Accepted and ignored' })),
  });
}

export const MergePeopleBody = envelope('people', MergeRecord);
export const MergeAccountsBody = envelope('accounts', MergeRecord);
export const MERGE_PEOPLE_ENVELOPE = envelope('people', Type.Unknown());
export const MERGE_ACCOUNTS_ENVELOPE = envelope('accounts', Type.Unknown());

function result(idKey: 'person_id' | 'account_id') {
  return Type.Object({
    [idKey]: Type.Optional(Type.String()),
    status: literals(['created', 'merged', 'skipped', 'invalid']),
    error: Type.Optional(Type.String({ description: 'Why the record was not taken (invalid)' })),
  });
}

export const MergePeopleResponse = Type.Object({ people: Type.Array(result('person_id')) });
export const MergeAccountsResponse = Type.Object({ accounts: Type.Array(result('account_id')) });
