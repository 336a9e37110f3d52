// Every setting of the server and worker, read from the environment and validated once at start.
// No other server file reads process.env (the client commands' ACTIVITY_CDP_API_KEY and
// ACTIVITY_CDP_BASE_URL are read in cli/client-options.ts). A bad value stops the start with a
// message naming it.
import path from 'node:path';
import { PROFILE_NAMES, isProfileName, type ProfileName } from './domain/profiles.js';

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
  /** Named prepared statements on PostgreSQL; false behind pgbouncer < 1.21 in transaction pooling mode. */
  pgNamedStatements: boolean;
  /** Run the async-queue worker inside `serve` (turn off when running `worker` processes). */
  workerEnabled: boolean;
  /** How often an idle worker looks for queued requests. */
  workerPollMs: number;
  /** Resolve location.source_ip to country/region/city with the bundled offline IP database. */
  geoipEnabled: boolean;
  /** Claims a worker process runs at once, each of up to workerBatchRows rows (PostgreSQL; the embedded store runs one). */
  workerConcurrency: number;
  /** Queued requests (rows) of one instance a worker applies in one transaction; 1 = one at a time. */
  workerBatchRows: number;
  /**
   * Sync activity transactions under way at once per instance and kind; requests arriving while
   * that many run wait and share the next (group commit). 1 = one at a time per instance.
   */
  syncBatchInFlight: number;
  /** Activities one shared sync transaction applies at most (a larger request still runs, alone). */
  syncBatchMaxActivities: number;
  /** Requests per second allowed per API key; 0 = no limit (429 past it). */
  rateLimitPerSecond: number;
  /** Time to receive a whole request (headers and body); a slower client gets 408 and the connection is closed. */
  bodyTimeoutMs: number;
  /** How long start-up keeps retrying an unreachable PostgreSQL (with back-off) before it gives up. */
  databaseStartTimeoutMs: number;
  /** PostgreSQL connections per process for reads (person/account read-back), apart from the writes' pool. */
  pgReadPoolSize: number;
  /**
   * A read statement running longer is cancelled and answered 503 (PostgreSQL; 0 = no limit). Not
   * sent with PG_NAMED_STATEMENTS=false (a transaction pooler refuses it): the role's own setting then.
   */
  readStatementTimeoutMs: number;
  /** Wrong-key attempts allowed per source address per minute; past it 429 until the minute ends (0 = no limit). */
  authFailuresPerMinute: number;
  /** How often the worker sweeps events past their instance's retention (instances set --event-retention-days). */
  retentionSweepMs: number;
  /** Events deleted per statement by the retention sweep (bounds each statement's locks and time). */
  retentionBatchRows: number;
  /** Serve GET /metrics (Prometheus text, no API key, counts only); off hides it (404). */
  metricsEnabled: boolean;
  /** Serve the emulator API under /_emulator (on in `emulator` mode; 404 otherwise). */
  emulatorApi: boolean;
  /** Requests the emulator's journal keeps per instance (older ones are dropped). */
  emulatorJournalMaxRequests: number;
  /** How long POST /_emulator/drain waits for an instance's queue to empty (504 past it). */
  emulatorDrainTimeoutMs: number;
  /** Ortto response profile of instances that set none: docs (the source documents) or production-2025 (as recorded). */
  orttoProfile: ProfileName;
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
    if (key.length < 24 || !/^[\x21-\x7e]+$/.test(key)) {
      throw new ConfigError('BOOTSTRAP_API_KEYS: each key must be at least 24 printable characters without spaces');
    }
  }
  const host = env['HOST'] || '127.0.0.1';
  const orttoProfile = env['ORTTO_PROFILE'] || 'docs';
  if (!isProfileName(orttoProfile)) throw new ConfigError(`ORTTO_PROFILE must be one of ${PROFILE_NAMES.join(', ')}, got "${orttoProfile}"`);
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
    pgNamedStatements: bool(env, 'PG_NAMED_STATEMENTS', true),
    workerEnabled: bool(env, 'WORKER_ENABLED', true),
    workerPollMs: int(env, 'WORKER_POLL_MS', 200, 10, 60_000),
    geoipEnabled: bool(env, 'GEOIP_ENABLED', true),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 2, 1, 64),
    workerBatchRows: int(env, 'WORKER_BATCH_ROWS', 8, 1, 64),
    syncBatchInFlight: int(env, 'SYNC_BATCH_IN_FLIGHT', 2, 1, 64),
    syncBatchMaxActivities: int(env, 'SYNC_BATCH_MAX_ACTIVITIES', 1000, 1, 100_000),
    rateLimitPerSecond: int(env, 'RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000),
    bodyTimeoutMs: int(env, 'BODY_TIMEOUT_MS', 30_000, 100, 3_600_000),
    databaseStartTimeoutMs: int(env, 'DATABASE_START_TIMEOUT_MS', 30_000, 0, 3_600_000),
    pgReadPoolSize: int(env, 'PG_READ_POOL_SIZE', 3, 1, 1000),
    readStatementTimeoutMs: int(env, 'READ_STATEMENT_TIMEOUT_MS', 10_000, 0, 3_600_000),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
    metricsEnabled: bool(env, 'METRICS_ENABLED', true),
    retentionSweepMs: int(env, 'RETENTION_SWEEP_MS', 60_000, 1000, 86_400_000),
    retentionBatchRows: int(env, 'RETENTION_BATCH_ROWS', 1000, 1, 100_000),
    emulatorApi: bool(env, 'EMULATOR_API', false),
    emulatorJournalMaxRequests: int(env, 'EMULATOR_JOURNAL_MAX_REQUESTS', 1000, 1, 100_000),
    emulatorDrainTimeoutMs: int(env, 'EMULATOR_DRAIN_TIMEOUT_MS', 10_000, 10, 600_000),
    orttoProfile,
    streamClientBufferBytes: int(env, 'STREAM_CLIENT_BUFFER_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    streamHeartbeatMs: int(env, 'STREAM_HEARTBEAT_MS', 15_000, 100, 600_000),
  };
}

/** The `emulator` command's own settings (each flag also an environment variable). */
export interface EmulatorSettings {
  /** Folder to keep the store in; undefined = in memory, gone when the process ends. */
  dataDir: string | undefined;
  /** Fixed API keys, each its own instance (none: one generated key). */
  keys: string[];
  /** Response profile of the instances the emulator creates. */
  profile: ProfileName;
  /** A snapshot (GET /_emulator/snapshot) loaded into the start instances. */
  seedFile: string | undefined;
  /** Print the ready line as one JSON line {"url", "api_key"}. */
  json: boolean;
}

/** Command-line values of `activity-cdp emulator`; each wins over its environment variable. */
export interface EmulatorFlags {
  port?: string;
  host?: string;
  'data-dir'?: string;
  key?: string[];
  profile?: string;
  seed?: string;
  json?: boolean;
}

/**
 * Settings of `activity-cdp emulator`: the server's (PORT, HOST, LOG_LEVEL...) with the emulator
 * API on, quiet logs (warn) unless LOG_LEVEL says otherwise, and its own EMULATOR_* variables.
 */
export function loadEmulatorConfig(flags: EmulatorFlags, env: Env = process.env): { config: Config; emulator: EmulatorSettings } {
  const merged: Env = {
    ...env,
    LOG_LEVEL: env['LOG_LEVEL'] || 'warn',
    EMULATOR_API: 'true',
    ...(flags.port !== undefined ? { PORT: flags.port } : {}),
    ...(flags.host !== undefined ? { HOST: flags.host } : {}),
  };
  const config = loadConfig(merged);
  const dataDir = flags['data-dir'] ?? (env['EMULATOR_DATA_DIR'] || undefined);
  const keys = flags.key && flags.key.length > 0
    ? flags.key
    : (env['EMULATOR_KEYS'] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  for (const key of keys) {
    if (!/^[\x21-\x7e]{8,200}$/.test(key)) throw new ConfigError('--key / EMULATOR_KEYS: each key must be 8 to 200 printable characters without spaces');
  }
  const profile = flags.profile ?? (env['EMULATOR_PROFILE'] || 'docs');
  if (!isProfileName(profile)) {
    throw new ConfigError(`--profile / EMULATOR_PROFILE must be one of ${PROFILE_NAMES.join(', ')}, got "${profile}"`);
  }
  const seed = flags.seed ?? (env['EMULATOR_SEED_FILE'] || undefined);
  return {
    config: { ...config, dataDir: dataDir ? path.resolve(dataDir) : config.dataDir },
    emulator: {
      dataDir: dataDir ? path.resolve(dataDir) : undefined,
      keys,
      profile,
      seedFile: seed ? path.resolve(seed) : undefined,
      json: flags.json ?? bool(env, 'EMULATOR_JSON', false),
    },
  };
}
