// The Fastify ceiling: the same framework, body limit and JSON body parsing as the server, with an
// empty handler and no database. Its request rate for the benchmark's bodies is the most the HTTP
// layer alone can do on this machine.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 });
app.post('/*', async () => ({ activities: [] }));
await app.listen({ port: Number(process.env['PORT'] ?? 0), host: process.env['HOST'] ?? '127.0.0.1' });
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
