// POST /v1/instance-schema/get
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withEventStats } from '../../../catalog/definition-stats.js';
import { instanceSchema } from '../../../catalog/instance-schema.js';
import { badRequest } from '../../../errors.js';
import { definitionEventStats } from '../../../store/definition-stats.js';
import type { AppDeps } from '../../app.js';
import { errorResponses } from '../../schemas/common.js';
import { InstanceSchemaBody, InstanceSchemaResponse } from '../../schemas/definitions.js';

const KNOWN = new Set(['', 'cm', 'o', 'oc']);

export const instanceSchemaRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/instance-schema/get', {
    schema: {
      tags: ['schema'], summary: "The instance's fields and activity definitions",
      body: InstanceSchemaBody,
      response: { 200: InstanceSchemaResponse, ...errorResponses },
    },
  }, async (request) => {
    const namespaces = request.body.namespaces;
    const unknown = namespaces?.find((n) => !KNOWN.has(n));
    if (unknown !== undefined) throw badRequest(`namespaces: "${unknown}" is not one of: "", cm, o, oc`);
    if (request.body.event_stats !== true) return instanceSchema(deps.db, request.auth.instanceId, namespaces);
    const [answer, stats] = await Promise.all([
      instanceSchema(deps.db, request.auth.instanceId, namespaces),
      definitionEventStats(deps.db, request.auth.instanceId),
    ]);
    return withEventStats(answer, stats);
  });
};
