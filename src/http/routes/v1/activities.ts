// POST /v1/activities/create (person events, spec 001/002), POST /v1/accounts/activities/create
// (account events, spec 000), and POST /v1/activities/dead-letters/get (queued activities that
// turned out invalid: this project's extension).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { effectiveLimits } from '../../../domain/limits.js';
import { ACCOUNT, PERSON, type Subject } from '../../../domain/subjects.js';
import { createActivities, type CreateActivitiesBody } from '../../../ingest/create-activities.js';
import { EnqueueBatcher } from '../../../ingest/enqueue-batcher.js';
import { listDeadLetters, queueDepth } from '../../../store/queue.js';
import type { AppDeps } from '../../app.js';
import { profileOf } from '../../profile.js';
import {
  ACCOUNT_ENVELOPE_VALIDATION, CreateAccountActivitiesBody, CreateAccountActivitiesResponse, CreatePersonActivitiesBody,
  CreatePersonActivitiesResponse, DeadLettersBody, DeadLettersResponse, PERSON_ENVELOPE_VALIDATION,
} from '../../schemas/activities.js';
import { errorResponses } from '../../schemas/common.js';

/**
 * The create responses keep Ortto's key order (person_id, status, person_status, activity_id),
 * which the schema serializer would change (it writes required keys first); the schema still
 * documents them.
 */
const inOrder = () => (data: unknown) => JSON.stringify(data);

export const activityRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  const batcher = new EnqueueBatcher(deps.db);
  const enqueue = batcher.enqueue.bind(batcher);
  const handler = (subject: Subject) => async (request: { id: string; body: unknown; auth: import('../../../store/instances.js').AuthContext }) => {
    const activities = await createActivities(deps.db, subject, request.auth, request.body as CreateActivitiesBody, {
      dailyLimit: effectiveLimits(request.auth, deps.config).activityDailyLimit, geoipEnabled: deps.config.geoipEnabled, enqueue, bodyChecked: true, feed: deps.feed, requestId: request.id,
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
      response: { 200: CreatePersonActivitiesResponse, ...errorResponses },
    },
    config: { openapiBody: CreatePersonActivitiesBody },
    serializerCompiler: inOrder,
  }, handler(PERSON));

  app.post('/accounts/activities/create', {
    schema: {
      tags: ['activities'], summary: 'Create account activity events',
      body: ACCOUNT_ENVELOPE_VALIDATION,
      response: { 200: CreateAccountActivitiesResponse, ...errorResponses },
    },
    config: { openapiBody: CreateAccountActivitiesBody },
    serializerCompiler: inOrder,
  }, handler(ACCOUNT));

  app.post('/activities/dead-letters/get', {
    schema: {
      tags: ['activities'], summary: 'Queued activities that could not be applied, with their reasons (extension)',
      body: DeadLettersBody,
      response: { 200: DeadLettersResponse, ...errorResponses },
    },
  }, async (request) => {
    const { rows, total } = await listDeadLetters(deps.db, request.auth.instanceId, request.body.limit ?? 50, request.body.offset ?? 0);
    return {
      dead_letters: rows.map((r) => ({
        id: Number(r.id), kind: r.kind, activity_index: r.activity_index, activity_id: r.event_id,
        activity: r.activity_text !== null ? JSON.parse(r.activity_text) as unknown : r.activity,
        status: r.status, error: r.error, enqueued_at: r.enqueued_at.toISOString(), failed_at: r.failed_at.toISOString(),
      })),
      total,
      queued_requests: await queueDepth(deps.db, request.auth.instanceId),
    };
  });
};
