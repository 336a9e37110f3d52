// What the command says before and instead of starting: the server commands' help, the version,
// and start-up failures as one line naming the cause and the fix (no stack trace). Kept free of
// heavy imports so that `--help` and `--version` answer at once.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';

export const SERVE_HELP = `Usage: activity-cdp serve

Serves the API. Settings come from the environment (README lists them all); the main ones:
  PORT=8080              TCP port (0 = any free port)
  HOST=127.0.0.1         interface to bind (0.0.0.0 to serve other machines)
  DATA_DIR=./data        the embedded store's folder (created on first start)
  DATABASE_URL=postgres://user@host:5432/db   use PostgreSQL >= 15 instead
  BOOTSTRAP_API_KEYS=k1,k2                    keys that get an instance each at start
  LOG_LEVEL=info         fatal, error, warn, info, debug, trace, silent

On an empty store the first start creates an instance and prints its API key once.
Once ready: API docs at /docs, the OpenAPI document at /openapi.json,
probes at /livez (process up) and /readyz (database reachable, migrations applied).`;

export const WORKER_HELP = `Usage: activity-cdp worker

Drains the async queue without serving HTTP (scale-out on PostgreSQL: start API nodes with
WORKER_ENABLED=false and as many workers as you like). Settings from the environment:
  DATABASE_URL, WORKER_CONCURRENCY (queued requests applied at once), WORKER_POLL_MS, LOG_LEVEL`;

export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

interface SystemError {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
  message?: string;
}

/** The PostgreSQL server, user and database a URL names, for messages (never its password). */
function describeUrl(databaseUrl: string | undefined): { host: string; port: string; user: string; database: string } | undefined {
  if (!databaseUrl) return undefined;
  try {
    const u = new URL(databaseUrl);
    return {
      host: decodeURIComponent(u.hostname) || 'localhost',
      port: u.port || '5432',
      user: decodeURIComponent(u.username) || 'postgres',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres',
    };
  } catch {
    return undefined;
  }
}

/** One line saying why the start failed and what to do; the error's own message otherwise. */
export function startupFailure(error: unknown, databaseUrl?: string): string {
  const e = (error ?? {}) as SystemError;
  const pg = describeUrl(databaseUrl);
  if (e.code === 'EADDRINUSE' && e.syscall === 'listen') {
    return `port ${e.port ?? ''} on ${e.address ?? 'this host'} is already in use: stop what holds it, or set PORT to a free port (PORT=0 picks one)`;
  }
  if (e.code === 'EACCES' && e.syscall === 'listen') {
    return `no permission to listen on port ${e.port ?? ''}: set PORT to 1024 or above`;
  }
  if (e.code === 'EADDRNOTAVAIL' && e.syscall === 'listen') {
    return `HOST ${e.address ?? ''} is not an address of this machine: set HOST to 127.0.0.1, 0.0.0.0 or one of its addresses`;
  }
  if (e.code === '3D000' && pg) {
    return `PostgreSQL database "${pg.database}" does not exist on ${pg.host}:${pg.port}: create it with  createdb -h ${pg.host} -p ${pg.port} -U ${pg.user} ${pg.database}  (or fix DATABASE_URL)`;
  }
  if ((e.code === '28P01' || e.code === '28000') && pg) {
    return `PostgreSQL on ${pg.host}:${pg.port} refused the login of user "${pg.user}": fix the user or password in DATABASE_URL`;
  }
  if (e.code === 'ECONNREFUSED' && pg) {
    return `cannot reach PostgreSQL at ${pg.host}:${pg.port} (connection refused): start it, or fix DATABASE_URL`;
  }
  if ((e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') && pg) {
    return `cannot resolve the PostgreSQL host "${pg.host}": fix DATABASE_URL`;
  }
  if ((e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'EPERM') && e.syscall !== 'listen') {
    return `cannot write ${(error as { path?: string }).path ?? 'the data folder'} (${e.code}): set DATA_DIR to a folder this user may write`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `failed: ${message.split('\n')[0]}`;
}
