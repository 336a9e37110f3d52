// The web console: the static single-page app built by Vite into dist/console (at install/build,
// never at start), served at / and /console/…. Files are read only when first requested (and then
// kept: they change only with a new build), so the console costs the API's start nothing.
// Hashed assets are cached for a year; index.html is never cached, so a new build shows at once.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../../package-root.js';
import { sendError } from './errors.js';

/** No inline script or style, no other origin, no framing: data the console shows cannot run. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

export function consoleDir(): string {
  return path.join(packageRoot(), 'dist', 'console');
}

export function registerConsole(app: FastifyInstance, dir = consoleDir()): void {
  const cache = new Map<string, Buffer>();
  const read = async (file: string): Promise<Buffer | undefined> => {
    const hit = cache.get(file);
    if (hit) return hit;
    try {
      const data = await fs.readFile(path.join(dir, file));
      cache.set(file, data);
      return data;
    } catch {
      return undefined;
    }
  };
  const secure = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');

  const index = async (_request: unknown, reply: FastifyReply) => {
    const html = await read('index.html');
    if (!html) return sendError(reply, 'unavailable', 'the console is not built: run `npm run build`');
    return secure(reply).header('cache-control', 'no-cache').type(TYPES['.html']!).send(html);
  };

  app.get('/', { schema: { hide: true } }, index);
  app.get('/console', { schema: { hide: true } }, index);
  app.get('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const asset = /^assets\/([A-Za-z0-9_.-]+)$/.exec(rest);
    if (!asset) {
      // Client-side routes (/console/people/…) get the app; a file-like path that is not an asset is a 404.
      if (/\.[a-z0-9]+$/i.test(rest)) return sendError(reply, 'not_found', `no console file /console/${rest}`);
      return index(request, reply);
    }
    const name = asset[1]!;
    const data = name.startsWith('.') ? undefined : await read(path.join('assets', name));
    if (!data) return sendError(reply, 'not_found', `no console file /console/${rest}`);
    return secure(reply)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(TYPES[path.extname(name)] ?? 'application/octet-stream')
      .send(data);
  });
}
