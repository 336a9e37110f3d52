// API-key authentication for /v1 (the X-Api-Key header, name case-insensitive), and the optional
// per-key request rate limit. The key is hashed before it is looked up and is never logged.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../store/db.js';
import { authenticate, type AuthContext } from '../../store/instances.js';
import { sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
}

/** A one-second fixed window per key; per process (a node behind a balancer counts its own share). */
class RateLimiter {
  private windows = new Map<string, { second: number; count: number }>();
  constructor(private readonly perSecond: number) {}

  /** Seconds to wait, or 0 when the request may go. */
  take(keyId: string): number {
    const second = Math.floor(Date.now() / 1000);
    const w = this.windows.get(keyId);
    if (!w || w.second !== second) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(keyId, { second, count: 1 });
      return 0;
    }
    w.count++;
    return w.count > this.perSecond ? 1 : 0;
  }
}

export function registerAuth(app: FastifyInstance, db: Db, rateLimitPerSecond: number): void {
  const limiter = rateLimitPerSecond > 0 ? new RateLimiter(rateLimitPerSecond) : undefined;
  app.decorateRequest('auth', null as unknown as AuthContext);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers['x-api-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) return sendError(reply, 401, 'missing X-Api-Key header');
    const auth = await authenticate(db, key);
    if (!auth) return sendError(reply, 401, 'invalid API key');
    if (limiter) {
      const wait = limiter.take(auth.keyId);
      if (wait > 0) {
        return reply.code(429).header('retry-after', String(wait)).send({
          error: { code: 'rate-limit', message: 'rate limit', 'try-in-seconds': wait },
        });
      }
    }
    request.auth = auth;
  });
}
