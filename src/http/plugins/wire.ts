// Wire details as real Ortto answers (recorded): every JSON body is `Content-Type:
// application/json` (no charset) and ends with a newline; CORS is open (`*`) and a preflight
// `OPTIONS` is answered with the allowed methods in `Allow` too; a `text/plain` body is refused
// with 415 (only JSON bodies are parsed).
import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

const METHODS = 'GET, POST, PUT, DELETE, OPTIONS';

export async function registerWire(app: FastifyInstance): Promise<void> {
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyCors, {
    origin: '*',
    methods: METHODS,
    allowedHeaders: ['Content-Type', 'X-Api-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 86_400,
    strictPreflight: false,
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'OPTIONS') reply.header('allow', METHODS);
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !type.startsWith('application/json')) return payload;
    reply.header('content-type', 'application/json');
    if (typeof payload === 'string' && !payload.endsWith('\n')) return payload + '\n';
    return payload;
  });
}
