// Every setting, read from the environment and validated once at start. No other file reads
// process.env. A bad value stops the start with a message naming it.
import path from 'node:path';

export interface Config {
  /** TCP port the API listens on. */
  port: number;
  /** Interface the API binds to; 0.0.0.0 to serve other machines. */
  host: string;
  /** postgres:// URL selects PostgreSQL; undefined selects the embedded store in dataDir. */
  databaseUrl: string | undefined;
  /** Folder of the embedded (PGlite) store; one process at a time may open it. */
  dataDir: string;
  /** Keys that get their own instance at start if they do not exist yet. */
  bootstrapApiKeys: string[];
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string;
  /** Largest request body accepted, refused while reading (Ortto: 2 MB). */
  bodyLimitBytes: number;
  /** Default cap on live custom activity definitions per instance (403 past it). */
  maxCustomActivities: number;
  /** Default cap on events of one activity per person/account per rolling 24 h; 0 = none. */
  activityDailyLimit: number;
  /** PostgreSQL connections per process. */
  pgPoolSize: number;
  /** Run the async-queue worker inside `serve` (turn off when running `worker` processes). */
  workerEnabled: boolean;
  /** How often an idle worker looks for queued requests. */
  workerPollMs: number;
  /** Resolve location.source_ip to country/region/city with the bundled offline IP database. */
  geoipEnabled: boolean;
  /** Queue rows a worker process applies at once (PostgreSQL; the embedded store runs one at a time). */
  workerConcurrency: number;
  /** Requests per second allowed per API key; 0 = no limit (429 past it). */
  rateLimitPerSecond: number;
  /** Bytes a live-stream client (/_stream/activities) may fall behind before it is dropped. */
  streamClientBufferBytes: number;
  /** Interval of the live stream's keep-alive comment, so idle proxies keep the connection. */
  streamHeartbeatMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env['DATABASE_URL'] || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const logLevel = env['LOG_LEVEL'] || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const bootstrapApiKeys = (env['BOOTSTRAP_API_KEYS'] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const key of bootstrapApiKeys) {
    if (key.length < 16 || !/^[\x21-\x7e]+$/.test(key)) {
      throw new ConfigError('BOOTSTRAP_API_KEYS: each key must be at least 16 printable characters without spaces');
    }
  }
  const host = env['HOST'] || '127.0.0.1';
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host,
    databaseUrl,
    dataDir: path.resolve(env['DATA_DIR'] || './data'),
    bootstrapApiKeys,
    logLevel,
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 2 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxCustomActivities: int(env, 'MAX_CUSTOM_ACTIVITIES', 100, 1, 100_000),
    activityDailyLimit: int(env, 'ACTIVITY_DAILY_LIMIT', 50, 0, 1_000_000),
    pgPoolSize: int(env, 'PG_POOL_SIZE', 10, 1, 1000),
    workerEnabled: bool(env, 'WORKER_ENABLED', true),
    workerPollMs: int(env, 'WORKER_POLL_MS', 200, 10, 60_000),
    geoipEnabled: bool(env, 'GEOIP_ENABLED', true),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 2, 1, 64),
    rateLimitPerSecond: int(env, 'RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000),
    streamClientBufferBytes: int(env, 'STREAM_CLIENT_BUFFER_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    streamHeartbeatMs: int(env, 'STREAM_HEARTBEAT_MS', 15_000, 100, 600_000),
  };
}
