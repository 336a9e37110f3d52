// POST /v1/activities/create (person events, https://help.ortto.com/a-271-create-a-custom-activity-event-create),
// POST /v1/accounts/activities/create (account events, https://help.ortto.com/a-890-create-an-account-custom-activity-event-create),
// and POST /v1/activities/dead-letters/get (queued activities that turned out invalid: this
// project's extension).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { effectiveLimits } from '../../../domain/limits.js';
import { ACCOUNT, PERSON, type Subject } from '../../../domain/subjects.js';
import { createActivities, type CreateActivitiesBody, type IngestSettings } from '../../../ingest/create-activities.js';
import { getDeadLetters } from '../../../read/dead-letters.js';
import type { AppDeps } from '../../deps.js';
import { rawJsonText } from '../../plugins/json-body.js';
import { profileOf } from '../../profile.js';
import {
  ACCOUNT_ENVELOPE_VALIDATION, CreateAccountActivitiesBody, CreateAccountActivitiesResponse, CreatePersonActivitiesBody,
  CreatePersonActivitiesResponse, DeadLettersBody, DeadLettersResponse, PERSON_ENVELOPE_VALIDATION,
} from '../../schemas/activities.js';
import { errorResponses } from '../../schemas/common.js';
import { inOrder } from '../../in-order.js';

/** enqueue, applySync: the app's group commits for async and sync requests (buildApp makes one of each for every route). */
export const activityRoutes = (
  deps: AppDeps, enqueue: IngestSettings['enqueue'], applySync: IngestSettings['applySync'],
): FastifyPluginAsyncTypebox => async (app) => {
  const create = async (subject: Subject, request: FastifyRequest, body: CreateActivitiesBody) => {
    const activities = await createActivities(subject, request.auth, body, {
      dailyLimit: effectiveLimits(request.auth, deps.config).activityDailyLimit,
      geoipEnabled: deps.config.geoipEnabled, enqueue, applySync, bodyChecked: true, feed: deps.feed, requestId: request.id,
      ...(body.async === true ? { rawBody: rawJsonText(request.body) } : {}),
      now: deps.clock?.now(request.auth.instanceId),
      profile: profileOf(request, deps.config),
    });
    if (activities.some((a) => a['status'] === 'queued')) deps.notifyQueue?.();
    return { activities };
  };

  app.post('/activities/create', {
    schema: {
      tags: ['activities'], summary: 'Create person activity events',
      body: PERSON_ENVELOPE_VALIDATION,
      response: { 200: CreatePersonActivitiesResponse, ...errorResponses() },
    },
    config: { openapiBody: CreatePersonActivitiesBody },
    serializerCompiler: inOrder,
  }, (request) => create(PERSON, request, request.body));

  app.post('/accounts/activities/create', {
    schema: {
      tags: ['activities'], summary: 'Create account activity events',
      body: ACCOUNT_ENVELOPE_VALIDATION,
      response: { 200: CreateAccountActivitiesResponse, ...errorResponses() },
    },
    config: { openapiBody: CreateAccountActivitiesBody },
    serializerCompiler: inOrder,
  }, (request) => create(ACCOUNT, request, request.body));

  app.post('/activities/dead-letters/get', {
    schema: {
      tags: ['activities'], summary: 'Queued activities that could not be applied, with their reasons (extension)',
      body: DeadLettersBody,
      response: { 200: DeadLettersResponse, ...errorResponses() },
    },
  }, (request) => getDeadLetters(deps.db, request.auth.instanceId, request.body));
};
