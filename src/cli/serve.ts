// `activity-cdp serve`: open the store, make sure there is a key to use, serve the API, and close
// gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the database).
import type { Config } from '../config.js';
import type { ProfileName } from '../domain/profiles.js';
import { LOG_REDACT } from '../log-redact.js';
import type { Db } from '../store/db.js';
import { addApiKey, countInstances, createInstance, generateKey, hashKeysAhead, keyExists } from '../store/instances.js';
import { openStore, type OpenedStore } from '../store/open.js';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/deps.js';
import type { Emulator } from '../emulator/emulator.js';
import { ActivityFeed } from '../ingest/activity-feed.js';
import { Worker } from '../ingest/worker.js';
import { RetentionSweeper } from '../ingest/retention.js';
import { startMark } from '../start-trace.js';

/** Gives each bootstrap key that does not exist yet its own new instance. */
export async function bootstrapKeys(db: Db, keys: string[]): Promise<number> {
  let created = 0;
  for (const key of keys) {
    await db.transaction(async (tx) => {
      if (await keyExists(tx, key)) return;
      const instanceId = await createInstance(tx, 'bootstrap');
      await addApiKey(tx, instanceId, key);
      created++;
    });
  }
  return created;
}

export interface StartOptions {
  /** The store to serve (default: the one the configuration names). */
  openStore?: () => Promise<OpenedStore>;
  /** Runs after the store is open and before the app is built (keys, instances, seeds). */
  prepare?: (db: Db, emulator: Emulator | undefined) => Promise<void>;
  /** The profile of emulator instances created without one (the emulator's --profile). */
  emulatorProfile?: ProfileName;
  /** Overrides the configured logger (the in-process test helper runs without one). */
  logger?: AppDeps['logger'];
}

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  address: string;
  emulator: Emulator | undefined;
  /** ms from the call to listening. */
  ms: number;
  /** Stops accepting, finishes in-flight requests, stops the worker, closes the store. */
  close(): Promise<void>;
}

/** The embedded store's idle worker looks at least this often (rows retried later fall due unannounced). */
const IDLE_POLL_MAX_MS = 2_000;

/**
 * A Db for the store being opened: its calls wait for the store, and once it is open they are the
 * store's own (its methods are copied over), so the app and the emulator can be built while the
 * store starts (the embedded store starts in its own thread) instead of after it.
 */
function whenOpen(opening: Promise<Db>, kind: Db['kind']): Db {
  const db: { -readonly [K in keyof Db]: Db[K] } = {
    kind,
    query: (text, params, name) => opening.then((d) => d.query(text, params, name)),
    exec: (text) => opening.then((d) => d.exec(text)),
    transaction: (fn) => opening.then((d) => d.transaction(fn)),
    close: () => opening.then((d) => d.close()),
  };
  opening.then((d) => {
    db.kind = d.kind;
    db.query = (text, params, name) => d.query(text, params, name);
    db.exec = (text) => d.exec(text);
    db.transaction = (fn) => d.transaction(fn);
    db.close = () => d.close();
    if (d.poolStats) db.poolStats = () => d.poolStats!();
    if (d.procedure) db.procedure = (name, args) => d.procedure!(name, args);
  }, () => {});
  return db;
}

/**
 * Opens the store, builds the app (with the emulator API when config.emulatorApi), starts the
 * in-process worker and listens: the one start path of `serve`, `emulator` and the test helper.
 * The app is loaded and built while the store opens; the store's first statements are the
 * start's own (keys, instances), the worker's first look follows one poll interval later.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const startedAt = performance.now();
  startMark('startServer');
  const opening = (options.openStore ?? (() => openStore(config, 'serve')))();
  opening.catch(() => {});
  const db = whenOpen(opening.then((s) => s.db), config.databaseUrl ? 'postgres' : 'pglite');
  const readDb = whenOpen(opening.then((s) => s.readDb), db.kind);
  let worker: Worker | undefined;
  const feed = new ActivityFeed();
  let app: FastifyInstance;
  let emulator: Emulator | undefined;
  try {
    const { buildApp } = await import('../http/app.js');
    startMark('app module loaded');
    // Loaded only in emulator mode: `serve` does not pay for it.
    emulator = config.emulatorApi
      ? new (await import('../emulator/emulator.js')).Emulator({ db, feed, journalMaxRequests: config.emulatorJournalMaxRequests, drainTimeoutMs: config.emulatorDrainTimeoutMs,
        ...(options.emulatorProfile ? { defaultProfile: options.emulatorProfile } : {}) })
      : undefined;
    app = await buildApp({
      db,
      readDb,
      config,
      feed,
      ...(emulator ? { emulator, clock: emulator.clocks } : {}),
      logger: options.logger ?? { level: config.logLevel, redact: LOG_REDACT },
      notifyQueue: () => worker?.notify(),
    });
    // Its plugins and routes load now too (listen would do it), still while the store opens.
    await app.ready();
    startMark('app built');
  } catch (error) {
    await opening.then((s) => s.close(), () => {}).catch(() => {});
    throw error;
  }
  let store: OpenedStore;
  try {
    store = await opening;
    startMark('store open and migrated');
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  let workerStart: NodeJS.Timeout | undefined;
  try {
    await options.prepare?.(db, emulator);
    if (config.workerEnabled) {
      worker = new Worker(db, {
        defaultLimits: config,
        geoipEnabled: config.geoipEnabled,
        pollMs: config.workerPollMs,
        concurrency: store.db.kind === 'pglite' ? 1 : config.workerConcurrency,
        batchRows: config.workerBatchRows,
        // The embedded store's queue is this process's alone, so its idle worker can back off.
        ...(store.db.kind === 'pglite' ? { idlePollMaxMs: IDLE_POLL_MAX_MS } : {}),
        log: app.log,
        feed,
      });
    }
    emulator?.attachWorker(worker);
    // Event retention is swept where the queue worker runs.
    const sweeper = config.workerEnabled
      ? new RetentionSweeper(db, { intervalMs: config.retentionSweepMs, batchRows: config.retentionBatchRows, maxBatches: 100, log: app.log })
      : undefined;
    const address = await app.listen({ port: config.port, host: config.host });
    startMark('listening');
    // The worker's first look waits one poll interval (queued work notifies it at once), so the
    // start's own statements and the first requests do not queue behind it on the embedded store.
    if (worker) workerStart = setTimeout(() => worker!.start(), config.workerPollMs);
    sweeper?.start();
    return {
      app, db: store.db, address, emulator, ms: Math.round(performance.now() - startedAt),
      async close() {
        try {
          clearTimeout(workerStart);
          await app.close();
          await worker?.stop();
          await sweeper?.stop();
        } finally {
          await store.close();
        }
      },
    };
  } catch (error) {
    clearTimeout(workerStart);
    await app.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
}

export async function serve(config: Config): Promise<void> {
  hashKeysAhead(config.bootstrapApiKeys);
  const server = await startServer(config, {
    async prepare(db) {
      await bootstrapKeys(db, config.bootstrapApiKeys);
    },
  });
  const { app, db, address, ms } = server;
  installShutdown(server);
  // The first instance is made only once the port is ours, so its key is never lost to a failed start.
  let firstKey: string | undefined;
  if (config.bootstrapApiKeys.length === 0 && (await countInstances(db)) === 0) {
    firstKey = generateKey();
    await db.transaction(async (tx) => {
      const instanceId = await createInstance(tx, 'default');
      await addApiKey(tx, instanceId, firstKey!);
    });
  }
  const where = `ready on ${address} (API docs: ${address}/docs, OpenAPI: ${address}/openapi.json)`;
  app.log.info({ store: db.kind, ms }, where);
  // Also on stdout whatever LOG_LEVEL says, for people and for scripts that wait for the server.
  if (['warn', 'error', 'fatal', 'silent'].includes(config.logLevel)) process.stdout.write(`activity-cdp ${where} (${db.kind}, ${ms} ms)\n`);
  app.log.info(`console on ${address}/`);
  if (firstKey) {
    // Printed once, to the terminal only (never to the log): the store keeps only its hash.
    process.stdout.write(
      [
        '',
        'Created a first instance. Its API key (shown only now, keep it):',
        `  ${firstKey}`,
        '',
        `Open the console at ${address}/ and sign in with that key.`,
        '',
        'Try it:',
        `  curl -s ${address}/v1/instance-schema/get -H 'X-Api-Key: ${firstKey}' -H 'Content-Type: application/json' -d '{"namespaces": []}'`,
        '',
      ].join('\n') + '\n',
    );
  }
}

/** Graceful stop on SIGTERM / SIGINT: finish in-flight requests, stop the worker, close the store. */
export function installShutdown(server: RunningServer): void {
  let closing: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (closing) return closing;
    server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    closing = server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
    return closing;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
