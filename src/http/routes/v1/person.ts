// Person read-back: POST /v1/person/get and /v1/person/get/activities (Ortto has them; the
// source documents do not describe them). The logic is read/read-back.ts, shared with accounts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PERSON } from '../../../domain/subjects.js';
import { getRecordActivities, getRecords } from '../../../read/read-back.js';
import type { AppDeps } from '../../deps.js';
import { profileOf } from '../../profile.js';
import { errorResponses } from '../../schemas/common.js';
import { GetActivitiesResponse, GetPersonActivitiesBody, GetPersonsBody, GetPersonsResponse } from '../../schemas/read-back.js';
import { inOrder } from '../../in-order.js';

/** Read-only: give it the read pool (deps.readDb) as its db. */
export const personRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/person/get', {
    schema: { tags: ['persons'], summary: 'List persons', body: GetPersonsBody, response: { 200: GetPersonsResponse, ...errorResponses() } },
    serializerCompiler: inOrder,
  }, async (request) => {
    const { records, ...page } = await getRecords(deps.db, request.auth.instanceId, PERSON, request.body, profileOf(request, deps.config));
    return { contacts: records, ...page };
  });

  app.post('/person/get/activities', {
    schema: {
      tags: ['persons'], summary: "A person's activity events, newest first",
      body: GetPersonActivitiesBody, response: { 200: GetActivitiesResponse, ...errorResponses('not_found') },
    },
    serializerCompiler: inOrder,
  }, async (request) => getRecordActivities(
    deps.db, request.auth.instanceId, PERSON, request.body.person_id, request.body, profileOf(request, deps.config),
  ));
};
