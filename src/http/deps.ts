// What the HTTP app is built from (buildApp's argument), in its own module so that routes and
// plugins can name it without importing app.ts, which imports them.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Emulator } from '../emulator/emulator.js';
import type { ActivityFeed } from '../ingest/activity-feed.js';
import type { Db } from '../store/db.js';

export interface AppDeps {
  db: Db;
  /** Reads that may be heavy (read-back) go here: on PostgreSQL its own pool with a statement timeout. Default: db. */
  readDb?: Db;
  config: Config;
  /** Called when a request queued work, so an in-process worker looks at once. */
  notifyQueue?: () => void;
  /** In-process notifications of ingested activities (journal, live stream, metrics). */
  feed?: ActivityFeed;
  /** "Now" per instance (the emulator's clocks); real time when absent. */
  clock?: Clock;
  /** The emulator API and its request hooks (emulator mode or EMULATOR_API=true). */
  emulator?: Emulator;
  /** A pino logger, or false for none (tests). */
  logger?: FastifyBaseLogger | boolean | Record<string, unknown>;
}
