// `activity-cdp serve`: open the store, make sure there is a key to use, serve the API, and close
// gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the database).
import type { Config } from '../config.js';
import type { ProfileName } from '../domain/profiles.js';
import { LOG_REDACT } from '../log-redact.js';
import type { Db } from '../store/db.js';
import { addApiKey, countInstances, createInstance, generateKey, keyExists } from '../store/instances.js';
import { openStore, type OpenedStore } from '../store/open.js';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/deps.js';
import type { Emulator } from '../emulator/emulator.js';
import { ActivityFeed } from '../ingest/activity-feed.js';
import { Worker } from '../ingest/worker.js';
import { RetentionSweeper } from '../ingest/retention.js';

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

/**
 * Opens the store, builds the app (with the emulator API when config.emulatorApi), starts the
 * in-process worker and listens: the one start path of `serve`, `emulator` and the test helper.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const startedAt = performance.now();
  // Load the HTTP app while the store opens: PGlite's start is mostly asynchronous (WebAssembly
  // compilation, file reads), so the two overlap and the first request is answered sooner.
  const appModule = import('../http/app.js');
  appModule.catch(() => {});
  const store = await (options.openStore ?? (() => openStore(config, 'serve')))();
  try {
    const { buildApp } = await appModule;
    const { db } = store;
    let worker: Worker | undefined;
    const feed = new ActivityFeed();
    // Loaded only in emulator mode: `serve` does not pay for it.
    const emulator = config.emulatorApi
      ? new (await import('../emulator/emulator.js')).Emulator({ db, feed, journalMaxRequests: config.emulatorJournalMaxRequests, drainTimeoutMs: config.emulatorDrainTimeoutMs,
        ...(options.emulatorProfile ? { defaultProfile: options.emulatorProfile } : {}) })
      : undefined;
    await options.prepare?.(db, emulator);
    const app = await buildApp({
      db,
      readDb: store.readDb,
      config,
      feed,
      ...(emulator ? { emulator, clock: emulator.clocks } : {}),
      logger: options.logger ?? { level: config.logLevel, redact: LOG_REDACT },
      notifyQueue: () => worker?.notify(),
    });
    if (config.workerEnabled) {
      worker = new Worker(db, {
        defaultLimits: config,
        geoipEnabled: config.geoipEnabled,
        pollMs: config.workerPollMs,
        concurrency: db.kind === 'pglite' ? 1 : config.workerConcurrency,
        batchRows: config.workerBatchRows,
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
    worker?.start();
    sweeper?.start();
    return {
      app, db, address, emulator, ms: Math.round(performance.now() - startedAt),
      async close() {
        try {
          await app.close();
          await worker?.stop();
          await sweeper?.stop();
        } finally {
          await store.close();
        }
      },
    };
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}

export async function serve(config: Config): Promise<void> {
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
