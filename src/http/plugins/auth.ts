// API-key authentication for /v1 (the X-Api-Key header, name case-insensitive), and the optional
// per-key request rate limit. The key is hashed before it is looked up and is never logged.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../store/db.js';
import { authenticate, isKnownKey, type AuthContext } from '../../store/instances.js';
import { sendError, sendRateLimited } from './errors.js';

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

/**
 * Wrong-key attempts per source address in a fixed one-minute window: past the limit, the address
 * gets 429 until the window ends (a key that authenticated before in this process still passes,
 * so one bad client behind a shared address does not lock out the good ones).
 */
class FailureLimiter {
  private windows = new Map<string, { start: number; failures: number }>();
  constructor(private readonly perMinute: number, private readonly windowMs = 60_000) {}

  /** Seconds until the address may try again, or 0. */
  blockedFor(address: string): number {
    const w = this.windows.get(address);
    if (!w || w.failures < this.perMinute) return 0;
    const left = w.start + this.windowMs - Date.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  fail(address: string): void {
    const now = Date.now();
    let w = this.windows.get(address);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size > 100_000) this.windows.clear();
      w = { start: now, failures: 0 };
      this.windows.set(address, w);
    }
    w.failures++;
  }
}

export function registerAuth(app: FastifyInstance, db: Db, rateLimitPerSecond: number, authFailuresPerMinute = 0): void {
  const limiter = rateLimitPerSecond > 0 ? new RateLimiter(rateLimitPerSecond) : undefined;
  const failures = authFailuresPerMinute > 0 ? new FailureLimiter(authFailuresPerMinute) : undefined;
  app.decorateRequest('auth', null as unknown as AuthContext);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers['x-api-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) return sendError(reply, 'unauthorized', 'missing X-Api-Key header');
    const address = request.ip;
    if (failures) {
      const wait = failures.blockedFor(address);
      if (wait > 0 && !isKnownKey(key)) return sendRateLimited(reply, wait, 'too many requests with a wrong API key from this address');
    }
    const auth = await authenticate(db, key);
    if (!auth) {
      failures?.fail(address);
      return sendError(reply, 'unauthorized', 'invalid API key');
    }
    if (limiter) {
      const wait = limiter.take(auth.keyId);
      if (wait > 0) return sendRateLimited(reply, wait, 'rate limit');
    }
    request.auth = auth;
  });
}
