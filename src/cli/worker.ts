// `activity-cdp worker`: drains the async queue without serving HTTP. On PostgreSQL run as many as
// you like beside API nodes started with WORKER_ENABLED=false; rows are claimed with
// `for update skip locked`, so each is applied by exactly one worker.
import pino from 'pino';
import type { Config } from '../config.js';
import { LOG_REDACT } from '../log-redact.js';
import { Worker } from '../ingest/worker.js';
import { RetentionSweeper } from '../ingest/retention.js';
import { openStore } from '../store/open.js';

export async function runWorker(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel, redact: LOG_REDACT });
  const store = await openStore(config, 'worker');
  const worker = new Worker(store.db, {
    defaultLimits: config,
    geoipEnabled: config.geoipEnabled,
    pollMs: config.workerPollMs,
    concurrency: store.db.kind === 'pglite' ? 1 : config.workerConcurrency,
    batchRows: config.workerBatchRows,
    log,
  });
  const sweeper = new RetentionSweeper(store.db, { intervalMs: config.retentionSweepMs, batchRows: config.retentionBatchRows, maxBatches: 100, log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker stopping: finishing the row in hand');
    void worker.stop().then(() => sweeper.stop()).then(() => store.close()).then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  worker.start();
  sweeper.start();
  log.info({ store: store.db.kind, concurrency: config.workerConcurrency }, 'worker ready');
  // Also on stdout whatever LOG_LEVEL says, for people and for scripts that wait for it.
  if (!log.isLevelEnabled('info')) process.stdout.write(`activity-cdp worker ready (${store.db.kind}, concurrency ${config.workerConcurrency})\n`);
}
