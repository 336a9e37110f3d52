// Read-back: POST /v1/person/get, /v1/person/get/activities, /v1/accounts/get,
// /v1/accounts/get/activities (Ortto has them; the source documents do not describe them).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ACCOUNT, PERSON } from '../../../domain/subjects.js';
import { getRecordActivities, getRecords } from '../../../read/read-back.js';
import type { AppDeps } from '../../app.js';
import { profileOf } from '../../profile.js';
import {
  GetAccountActivitiesBody, GetAccountsBody, GetAccountsResponse, GetActivitiesResponse, GetPersonActivitiesBody,
  GetPersonsBody, GetPersonsResponse,
} from '../../schemas/read-back.js';
import { errorResponses } from '../../schemas/common.js';

/** Keys leave in Ortto's recorded order, which the schema serializer would change; the schema documents them. */
const inOrder = () => (data: unknown) => JSON.stringify(data);

export const recordRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  const notFound = { 404: { $ref: 'ErrorBody' } };

  app.post('/person/get', {
    schema: { tags: ['persons'], summary: 'List persons', body: GetPersonsBody, response: { 200: GetPersonsResponse, ...errorResponses } },
    serializerCompiler: inOrder,
  }, async (request) => {
    const { records, ...page } = await getRecords(deps.db, request.auth.instanceId, PERSON, request.body, profileOf(request, deps.config));
    return { contacts: records, ...page };
  });

  app.post('/person/get/activities', {
    schema: {
      tags: ['persons'], summary: "A person's activity events, newest first",
      body: GetPersonActivitiesBody, response: { 200: GetActivitiesResponse, ...notFound, ...errorResponses },
    },
    serializerCompiler: inOrder,
  }, async (request) => getRecordActivities(
    deps.db, request.auth.instanceId, PERSON, request.body.person_id, request.body, profileOf(request, deps.config),
  ));

  app.post('/accounts/get', {
    schema: { tags: ['accounts'], summary: 'List accounts', body: GetAccountsBody, response: { 200: GetAccountsResponse, ...errorResponses } },
    serializerCompiler: inOrder,
  }, async (request) => {
    const { records, ...page } = await getRecords(deps.db, request.auth.instanceId, ACCOUNT, request.body, profileOf(request, deps.config));
    return { accounts: records, ...page };
  });

  app.post('/accounts/get/activities', {
    schema: {
      tags: ['accounts'], summary: "An account's activity events, newest first",
      body: GetAccountActivitiesBody, response: { 200: GetActivitiesResponse, ...notFound, ...errorResponses },
    },
    serializerCompiler: inOrder,
  }, async (request) => getRecordActivities(
    deps.db, request.auth.instanceId, ACCOUNT, request.body.account_id, request.body, profileOf(request, deps.config),
  ));
};
