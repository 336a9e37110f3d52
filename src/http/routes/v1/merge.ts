// POST /v1/person/merge and POST /v1/accounts/merge: create or update persons / accounts without
// an activity (Ortto's; RudderStack's identify and Pipedream call them).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ACCOUNT, PERSON, type Subject } from '../../../domain/subjects.js';
import { mergeRecords, type MergeBody, type MergeOutcome } from '../../../ingest/merge-records.js';
import type { AuthContext } from '../../../store/instances.js';
import type { AppDeps } from '../../deps.js';
import { profileOf } from '../../profile.js';
import { errorResponses } from '../../schemas/common.js';
import {
  MERGE_ACCOUNTS_ENVELOPE, MERGE_PEOPLE_ENVELOPE, MergeAccountsBody, MergeAccountsResponse, MergePeopleBody, MergePeopleResponse,
} from '../../schemas/merge.js';
import { inOrder } from '../../in-order.js';

function toWire(subject: Subject, o: MergeOutcome): Record<string, string> {
  switch (o.status) {
    case 'created':
    case 'merged':
      return { [subject.idKey]: o.recordId, status: o.status };
    case 'skipped':
      return { status: 'skipped' };
    default:
      return { status: 'invalid', error: o.error };
  }
}

export const mergeRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  const handler = (subject: Subject, listKey: 'people' | 'accounts') =>
    async (request: { id: string; body: unknown; auth: AuthContext }) => {
      const body = request.body as MergeBody & Record<string, unknown[]>;
      const outcomes = await mergeRecords(deps.db, subject, request.auth, body[listKey]!, body, {
        feed: deps.feed, requestId: request.id, profile: profileOf(request, deps.config),
      });
      return { [listKey]: outcomes.map((o) => toWire(subject, o)) };
    };

  app.post('/person/merge', {
    schema: {
      tags: ['persons'], summary: 'Create or update persons (up to 100), without an activity',
      body: MERGE_PEOPLE_ENVELOPE, response: { 200: MergePeopleResponse, ...errorResponses() },
    },
    config: { openapiBody: MergePeopleBody },
    serializerCompiler: inOrder,
  }, handler(PERSON, 'people'));

  app.post('/accounts/merge', {
    schema: {
      tags: ['accounts'], summary: 'Create or update accounts (up to 100), without an activity',
      body: MERGE_ACCOUNTS_ENVELOPE, response: { 200: MergeAccountsResponse, ...errorResponses() },
    },
    config: { openapiBody: MergeAccountsBody },
    serializerCompiler: inOrder,
  }, handler(ACCOUNT, 'accounts'));
};
