// The HTTP app as a plugin-built instance without listen(): cli/serve.ts listens, tests inject.
import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { EnqueueBatcher } from '../ingest/enqueue-batcher.js';
import { SyncBatcher } from '../ingest/sync-batcher.js';
import type { AppDeps } from './deps.js';
import { registerActivityStream } from './plugins/activity-stream.js';
import { registerAuth } from './plugins/auth.js';
import { registerConsole } from './plugins/console.js';
import { registerDocs } from './plugins/docs.js';
import { registerErrorHandling } from './plugins/errors.js';
import { clientErrorHandler } from './plugins/client-errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerLingeringClose } from './plugins/lingering-close.js';
import { registerMetrics } from './metrics.js';
import { lazyCompilersFactory } from './lazy-schemas.js';
import { registerWire } from './plugins/wire.js';
import { definitionRoutes } from './routes/v1/definitions.js';
import { instanceSchemaRoutes } from './routes/v1/instance-schema.js';
import { activityRoutes } from './routes/v1/activities.js';
import { personRoutes } from './routes/v1/person.js';
import { accountRoutes } from './routes/v1/accounts.js';
import { recordLifecycleRoutes } from './routes/v1/record-lifecycle.js';
import { exportRoutes } from './routes/v1/export.js';
import { mergeRoutes } from './routes/v1/merge.js';
import { probeRoutes } from './routes/probes.js';
import { documentOperation, finishDocument } from './openapi-docs.js';
import { SHARED_SCHEMAS } from './schemas/shared.js';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const logger = deps.logger ?? false;
  const app = Fastify({
    ...(typeof logger === 'object' && 'info' in logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger }),
    bodyLimit: deps.config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    schemaController: { compilersFactory: lazyCompilersFactory() as never },
    return503OnClosing: true,
    // A request (headers and body) not received within BODY_TIMEOUT_MS is answered 408
    // (clientErrorHandler). Node enforces it only when the headers timeout is not longer, and
    // checks its connections every connectionsCheckingInterval, so the answer is at most that late.
    requestTimeout: deps.config.bodyTimeoutMs,
    http: {
      requestTimeout: deps.config.bodyTimeoutMs,
      headersTimeout: Math.min(60_000, deps.config.bodyTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, Math.ceil(deps.config.bodyTimeoutMs / 4)),
    },
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // During a graceful shutdown, answers to requests still in flight close their connection, so
  // that a keep-alive client does not hold the server open until its idle timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  registerLingeringClose(app);
  registerErrorHandling(app, deps.config.bodyLimitBytes);
  registerJsonBody(app);
  await registerWire(app);
  // Sync requests of one instance share transactions under load (group commit).
  const syncBatcher = new SyncBatcher(deps.db, { maxInFlight: deps.config.syncBatchInFlight, maxActivities: deps.config.syncBatchMaxActivities });
  if (deps.config.metricsEnabled) registerMetrics(app, deps.db, deps.feed, syncBatcher);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'activity-cdp',
        description: "Custom activities API, wire-compatible with Ortto's public custom-activities API.",
        version: '0.1.0',
      },
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } },
      },
      security: [{ apiKey: [] }],
    },
    // Routes whose items are checked per activity validate only the envelope; the document shows
    // the full request schema (route config openapiBody).
    transform: ({ schema, url, route }) => {
      const documented = (route.config as { openapiBody?: unknown } | undefined)?.openapiBody;
      const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
      return { schema: documentOperation(method, url, (documented ? { ...schema, body: documented } : schema) as never), url } as never;
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  const origin = (request: { protocol: string; host: string }) => `${request.protocol}://${request.host}`;
  registerDocs(app, (spec, request) => finishDocument(spec as never, origin(request)));
  app.get('/openapi.json', { schema: { hide: true } }, async (request) => finishDocument(app.swagger(), origin(request)));
  probeRoutes(app, deps.db);

  if (deps.emulator) await (await import('./routes/emulator/index.js')).registerEmulator(app, deps, deps.emulator);
  registerConsole(app);
  registerActivityStream(app, deps);

  // Async requests of every route share its commits (group commit under load).
  const batcher = new EnqueueBatcher(deps.db);
  const enqueue = batcher.enqueue.bind(batcher);
  await app.register(async (v1) => {
    registerAuth(v1, deps.db, deps.config.rateLimitPerSecond, deps.config.authFailuresPerMinute);
    if (deps.emulator) deps.emulator.registerV1Hooks(v1);
    await v1.register(definitionRoutes(deps));
    await v1.register(instanceSchemaRoutes(deps));
    await v1.register(activityRoutes(deps, enqueue, syncBatcher.apply.bind(syncBatcher)));
    await v1.register(personRoutes({ ...deps, db: deps.readDb ?? deps.db }));
    await v1.register(accountRoutes({ ...deps, db: deps.readDb ?? deps.db }));
    await v1.register(recordLifecycleRoutes(deps));
    await v1.register(exportRoutes({ ...deps, db: deps.readDb ?? deps.db }));
    await v1.register(mergeRoutes(deps));
  }, { prefix: '/v1' });

  return app;
}
