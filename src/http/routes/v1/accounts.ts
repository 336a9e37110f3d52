// Account read-back: POST /v1/accounts/get and /v1/accounts/get/activities (Ortto has them; the
// source documents do not describe them). The logic is read/read-back.ts, shared with persons.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ACCOUNT } from '../../../domain/subjects.js';
import { getRecordActivities, getRecords } from '../../../read/read-back.js';
import type { AppDeps } from '../../deps.js';
import { profileOf } from '../../profile.js';
import { errorResponses } from '../../schemas/common.js';
import { GetAccountActivitiesBody, GetAccountsBody, GetAccountsResponse, GetActivitiesResponse } from '../../schemas/read-back.js';
import { inOrder } from '../../in-order.js';

/** Read-only: give it the read pool (deps.readDb) as its db. */
export const accountRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/accounts/get', {
    schema: { tags: ['accounts'], summary: 'List accounts', body: GetAccountsBody, response: { 200: GetAccountsResponse, ...errorResponses() } },
    serializerCompiler: inOrder,
  }, async (request) => {
    const { records, ...page } = await getRecords(deps.db, request.auth.instanceId, ACCOUNT, request.body, profileOf(request, deps.config));
    return { accounts: records, ...page };
  });

  app.post('/accounts/get/activities', {
    schema: {
      tags: ['accounts'], summary: "An account's activity events, newest first",
      body: GetAccountActivitiesBody, response: { 200: GetActivitiesResponse, ...errorResponses('not_found') },
    },
    serializerCompiler: inOrder,
  }, async (request) => getRecordActivities(
    deps.db, request.auth.instanceId, ACCOUNT, request.body.account_id, request.body, profileOf(request, deps.config),
  ));
};
