// Probes for orchestrators and scripts: GET /livez (the process answers), GET /readyz (the
// database answers and every migration this code knows is applied; 503 in Ortto's error shape
// otherwise), and /healthz, the older name of /readyz. Logged only at warn and above, so that a
// probe every second does not fill the info log.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/db.js';
import { appliedMigrationCount, loadMigrations } from '../../store/migrate.js';
import { sendError } from '../plugins/errors.js';

export function probeRoutes(app: FastifyInstance, db: Db): void {
  const expected = loadMigrations().length;
  const opts = { logLevel: 'warn' as const, schema: { hide: true } };
  app.get('/livez', opts, async () => ({ status: 'ok' }));
  const ready = async (_request: unknown, reply: import('fastify').FastifyReply) => {
    let applied: number;
    try {
      applied = await appliedMigrationCount(db);
    } catch {
      return sendError(reply, 'unavailable', 'not ready: the database does not answer (or holds no schema yet)');
    }
    if (applied < expected) return sendError(reply, 'unavailable', `not ready: ${applied} of ${expected} migrations applied`);
    return { status: 'ok' };
  };
  app.get('/readyz', opts, ready);
  app.get('/healthz', opts, ready);
}
