// POST /v1/definitions/activity/create (https://help.ortto.com/developer/latest/api-reference/activity/create.html),
// PUT /v1/definitions/activity/modify (this project's extension) and
// DELETE /v1/definitions/activity/delete, which archives (https://help.ortto.com/developer/latest/api-reference/activity/delete.html).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { archiveDefinitionByFieldId, createDefinition, modifyDefinition } from '../../../catalog/definitions.js';
import { effectiveLimits } from '../../../domain/limits.js';
import type { AppDeps } from '../../deps.js';
import { profileOf } from '../../profile.js';
import { errorResponses } from '../../schemas/common.js';
import {
  ArchiveDefinitionBody, ArchiveResponse, CreateDefinitionBody, CustomActivityResponse, ModifyDefinitionBody,
} from '../../schemas/definitions.js';
import { definitionChanges, definitionInput } from '../../wire/definitions.js';
import { inOrder } from '../../in-order.js';

export const definitionRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  const tags = ['definitions'];

  app.post('/definitions/activity/create', {
    schema: {
      tags, summary: 'Create a custom activity definition',
      body: CreateDefinitionBody,
      response: { 200: CustomActivityResponse, ...errorResponses('forbidden') },
    },
    serializerCompiler: inOrder,
  }, async (request) => {
    const { maxCustomActivities } = effectiveLimits(request.auth, deps.config);
    const def = await createDefinition(deps.db, request.auth.instanceId, definitionInput(request.body), maxCustomActivities, deps.clock?.now(request.auth.instanceId));
    return { custom_activity: profileOf(request, deps.config).customActivity(def) };
  });

  app.put('/definitions/activity/modify', {
    schema: {
      tags, summary: 'Modify a custom activity definition (extension: not in the source documents)',
      body: ModifyDefinitionBody,
      response: { 200: CustomActivityResponse, ...errorResponses('not_found') },
    },
    serializerCompiler: inOrder,
  }, async (request) => {
    const { activity_field_id } = request.body;
    const def = await modifyDefinition(deps.db, request.auth.instanceId, activity_field_id, definitionChanges(request.body), deps.clock?.now(request.auth.instanceId));
    return { custom_activity: profileOf(request, deps.config).customActivity(def) };
  });

  app.delete('/definitions/activity/delete', {
    schema: {
      tags, summary: 'Archive a custom activity definition',
      body: ArchiveDefinitionBody,
      response: { 200: ArchiveResponse, ...errorResponses('not_found') },
    },
  }, async (request) => {
    const archived = await archiveDefinitionByFieldId(deps.db, request.auth.instanceId, request.body.activity_field_id, deps.clock?.now(request.auth.instanceId));
    return { archived_activity: archived };
  });
};
