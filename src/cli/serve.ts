// `activity-cdp serve`: open the store, make sure there is a key to use, serve the API, and close
// gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the database).
import type { Config } from '../config.js';
import { LOG_REDACT } from '../log-redact.js';
import type { Db } from '../store/db.js';
import { addApiKey, countInstances, createInstance, generateKey, keyExists } from '../store/instances.js';
import { openStore } from '../store/open.js';
import { ActivityFeed } from '../ingest/activity-feed.js';
import { Worker } from '../ingest/worker.js';

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

export async function serve(config: Config): Promise<void> {
  const startedAt = performance.now();
  // Load the HTTP app while the store opens: PGlite's start is mostly asynchronous (WebAssembly
  // compilation, file reads), so the two overlap and the first request is answered sooner.
  const appModule = import('../http/app.js');
  appModule.catch(() => {});
  const store = await openStore(config, 'serve');
  const { buildApp } = await appModule;
  const { db } = store;
  await bootstrapKeys(db, config.bootstrapApiKeys);

  let worker: Worker | undefined;
  const feed = new ActivityFeed();
  const app = await buildApp({
    db,
    config,
    feed,
    logger: { level: config.logLevel, redact: LOG_REDACT },
    notifyQueue: () => worker?.notify(),
  });
  if (config.workerEnabled) {
    worker = new Worker(db, {
      activityDailyLimit: config.activityDailyLimit,
      geoipEnabled: config.geoipEnabled,
      pollMs: config.workerPollMs,
      concurrency: db.kind === 'pglite' ? 1 : config.workerConcurrency,
      log: app.log,
      feed,
    });
  }

  let closing: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (closing) return closing;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    closing = (async () => {
      try {
        await app.close();
        await worker?.stop();
      } finally {
        await store.close();
      }
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
    return closing;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // Nothing was created yet (the first instance waits for a successful listen): close and let
    // the command report the cause in one line.
    await app.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
  // The first instance is made only once the port is ours, so its key is never lost to a failed start.
  let firstKey: string | undefined;
  if (config.bootstrapApiKeys.length === 0 && (await countInstances(db)) === 0) {
    firstKey = generateKey();
    await db.transaction(async (tx) => {
      const instanceId = await createInstance(tx, 'default');
      await addApiKey(tx, instanceId, firstKey!);
    });
  }
  worker?.start();
  const ms = Math.round(performance.now() - startedAt);
  const where = `ready on ${address} (API docs: ${address}/docs, OpenAPI: ${address}/openapi.json)`;
  app.log.info({ store: db.kind, ms }, where);
  // Also on stdout whatever LOG_LEVEL says, for people and for scripts that wait for the server.
  if (['warn', 'error', 'fatal', 'silent'].includes(config.logLevel)) process.stdout.write(`activity-cdp ${where} (${db.kind}, ${ms} ms)\n`);
  if (firstKey) {
    // Printed once, to the terminal only (never to the log): the store keeps only its hash.
    process.stdout.write(
      [
        '',
        'Created a first instance. Its API key (shown only now, keep it):',
        `  ${firstKey}`,
        '',
        'Try it:',
        `  curl -s ${address}/v1/instance-schema/get -H 'X-Api-Key: ${firstKey}' -H 'Content-Type: application/json' -d '{"namespaces": []}'`,
        '',
      ].join('\n') + '\n',
    );
  }
}
