// Swagger UI at /docs, loaded on the first request to it. @fastify/swagger-ui (with yaml and
// @fastify/static) took longer to load than the rest of the app, and serving the API does not need
// it: it now runs in a small Fastify instance of its own, built on the first /docs request, to
// which /docs requests are passed (inject). It reads the document from this app's @fastify/swagger.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

type Transform = (spec: Readonly<Record<string, unknown>>, request: FastifyRequest) => unknown;

/** Headers of the inner answer that the outer reply sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

export function registerDocs(app: FastifyInstance, transformSpecification: Transform): void {
  let docs: Promise<FastifyInstance> | undefined;
  const load = async (): Promise<FastifyInstance> => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    const inner = Fastify({ logger: false });
    // swagger-ui depends on @fastify/swagger by name; this stands for it with the outer app's document.
    const swagger = Object.assign(
      async (f: FastifyInstance) => {
        f.decorate('swagger', ((options?: { yaml?: boolean }) => app.swagger(options as never)) as never);
      },
      { [Symbol.for('skip-override')]: true, [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' } },
    );
    await inner.register(swagger);
    await inner.register(swaggerUi, {
      routePrefix: '/docs',
      transformSpecification: (spec, request) => transformSpecification(spec as Record<string, unknown>, request) as never,
      transformSpecificationClone: false,
    });
    await inner.ready();
    return inner;
  };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    docs ??= load().catch((error: unknown) => {
      docs = undefined;
      throw error;
    });
    const inner = await docs;
    const res = await inner.inject({ method: request.method as 'GET', url: request.url, headers: request.headers });
    reply.code(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    }
    return reply.send(res.rawPayload);
  };
  app.get('/docs', { schema: { hide: true } }, handler);
  app.get('/docs/*', { schema: { hide: true } }, handler);
}
