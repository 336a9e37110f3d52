// GET /metrics in Prometheus text format (prom-client): requests by route and status with latency
// histograms, activities by outcome (from the activity feed), queue depth, oldest age and worker
// lag per kind, dead letters, database pool use, and the process's own metrics (event-loop lag,
// memory, CPU). No API key; turned off with METRICS_ENABLED=false. Labels never carry an
// instance, a record or a key: only routes, statuses, kinds and outcomes.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ActivityFeed } from '../ingest/activity-feed.js';
import type { SyncBatcher } from '../ingest/sync-batcher.js';
import type { Db } from '../store/db.js';
import { deadLetterCounts, queueStats } from '../store/ops-stats.js';

const KINDS = ['person', 'account'] as const;

export function registerMetrics(app: FastifyInstance, db: Db, feed: ActivityFeed | undefined, syncBatcher?: SyncBatcher): void {
  // A registry per app (tests run several apps in one process).
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'activity_cdp_' });

  const requests = new Counter({
    name: 'activity_cdp_http_requests_total', help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  });
  const latency = new Histogram({
    name: 'activity_cdp_http_request_duration_seconds', help: 'Time from request to answer, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const activities = new Counter({
    name: 'activity_cdp_activities_total',
    help: 'Activities by kind, mode (sync: answered by the request; async: acknowledged as queued; worker: applied from the queue) and outcome',
    labelNames: ['kind', 'mode', 'outcome'] as const, registers: [registry],
  });
  const scrapeErrors = new Counter({
    name: 'activity_cdp_metrics_store_errors_total', help: 'Scrapes whose store counts could not be read (the store gauges keep their last values)',
    registers: [registry],
  });

  // Store gauges are read once per scrape (the first collect), shared by the four gauges.
  let pending: Promise<{ queue: Awaited<ReturnType<typeof queueStats>>; dead: Awaited<ReturnType<typeof deadLetterCounts>> } | undefined> | undefined;
  const storeCounts = () => {
    pending ??= (async () => {
      try {
        return { queue: await queueStats(db), dead: await deadLetterCounts(db) };
      } catch {
        scrapeErrors.inc();
        return undefined;
      }
    })();
    return pending;
  };
  const queueGauge = (name: string, help: string, pick: (q: Awaited<ReturnType<typeof queueStats>>[number]) => number) =>
    new Gauge({
      name, help, labelNames: ['kind'] as const, registers: [registry],
      async collect() {
        const counts = await storeCounts();
        if (!counts) return;
        for (const kind of KINDS) {
          const q = counts.queue.find((r) => r.kind === kind);
          this.set({ kind }, q ? pick(q) : 0);
        }
      },
    });
  queueGauge('activity_cdp_queue_depth', 'Queued requests waiting for the worker, by kind', (q) => q.depth);
  queueGauge('activity_cdp_queue_oldest_age_seconds', 'Age of the oldest queued request, by kind (0 when none)', (q) => q.oldestAgeSeconds);
  queueGauge('activity_cdp_worker_lag_seconds', 'How long the oldest due queued request has waited past its due time, by kind', (q) => q.lagSeconds);
  new Gauge({
    name: 'activity_cdp_dead_letters', help: 'Queued activities that could not be applied, kept with their reason, by kind and status',
    labelNames: ['kind', 'status'] as const, registers: [registry],
    async collect() {
      const counts = await storeCounts();
      if (!counts) return;
      this.reset();
      for (const d of counts.dead) this.set({ kind: d.kind, status: d.status }, d.count);
    },
  });
  if (db.poolStats) {
    const stats = db.poolStats.bind(db);
    new Gauge({
      name: 'activity_cdp_db_pool_connections', help: 'PostgreSQL pool connections by state (busy, idle) and clients waiting for one',
      labelNames: ['state'] as const, registers: [registry],
      collect() {
        const s = stats();
        this.set({ state: 'busy' }, s.total - s.idle);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });
  }

  if (syncBatcher) {
    const requestsPerCommit = new Histogram({
      name: 'activity_cdp_sync_batch_requests', help: 'Sync activity requests applied per committed transaction (group commit under load)',
      registers: [registry], buckets: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32],
    });
    const activitiesPerCommit = new Histogram({
      name: 'activity_cdp_sync_batch_activities', help: 'Activities of sync requests applied per committed transaction',
      registers: [registry], buckets: [1, 10, 50, 100, 200, 400, 600, 800, 1000],
    });
    const batcher = syncBatcher;
    new Gauge({
      name: 'activity_cdp_sync_batch_waiting', help: 'Sync activity requests waiting for a transaction of their instance to finish (they share the next)',
      registers: [registry],
      collect() {
        this.set(batcher.waiting());
      },
    });
    const stop = syncBatcher.onCommit((requests, activities) => {
      requestsPerCommit.observe(requests);
      activitiesPerCommit.observe(activities);
    });
    app.addHook('onClose', async () => void stop());
  }

  const off = feed?.on((batch) => {
    // One inc per outcome, by its count: prom-client builds a label key on every inc (100 a request).
    const counts = new Map<string, number>();
    for (const r of batch.results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    for (const [outcome, n] of counts) activities.inc({ kind: batch.kind, mode: batch.mode, outcome }, n);
  });
  // The feed may outlive the app (it is the caller's): a closed app stops counting.
  if (off) app.addHook('onClose', async () => void off());

  app.addHook('onResponse', async (request, reply) => {
    // The route template (never the raw URL, which may carry anything); unmatched paths share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    pending = undefined;
    const text = await registry.metrics();
    pending = undefined;
    return reply.type(registry.contentType).send(text);
  });
}
