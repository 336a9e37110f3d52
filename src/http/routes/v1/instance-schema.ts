// POST /v1/instance-schema/get
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withEventStats } from '../../../catalog/definition-stats.js';
import { NAMESPACE_ALIASES, instanceSchema } from '../../../catalog/instance-schema.js';
import { badRequest } from '../../../errors.js';
import { definitionEventStats } from '../../../store/definition-stats.js';
import type { AppDeps } from '../../deps.js';
import { profileOf } from '../../profile.js';
import { errorResponses } from '../../schemas/common.js';
import { InstanceSchemaBody, InstanceSchemaResponse } from '../../schemas/definitions.js';
import { inOrder } from '../../in-order.js';

export const instanceSchemaRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/instance-schema/get', {
    schema: {
      tags: ['schema'], summary: "The instance's fields and activity definitions",
      body: InstanceSchemaBody,
      response: { 200: InstanceSchemaResponse, ...errorResponses() },
    },
    serializerCompiler: inOrder,
  }, async (request) => {
    const namespaces = request.body.namespaces;
    const unknown = namespaces?.find((n) => !(n in NAMESPACE_ALIASES));
    if (unknown !== undefined) throw badRequest(`namespaces: "${unknown}" is not one of: "" (persons), o (accounts)`);
    const profile = profileOf(request, deps.config);
    if (request.body.event_stats !== true) return instanceSchema(deps.db, request.auth.instanceId, namespaces, profile);
    const [answer, stats] = await Promise.all([
      instanceSchema(deps.db, request.auth.instanceId, namespaces, profile),
      definitionEventStats(deps.db, request.auth.instanceId),
    ]);
    return withEventStats(answer, stats);
  });
};
