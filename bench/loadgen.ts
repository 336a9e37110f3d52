// The load generator: a separate process (forked by run.ts) so that its CPU is its own and is
// measured apart from the server's. It keeps `connections` requests in flight on as many
// keep-alive connections (undici Pool, no pipelining) for a fixed time, then waits for the ones in
// flight, and reports throughput, exact latency percentiles and every kind of error: non-200
// answers by status, and per-activity statuses other than ingested/queued (invalid,
// rate_limited) counted apart.
import { Pool } from 'undici';
import { summarize, type LatencySummary } from './stats.js';
import { BodyMaker, DEFAULT_MIX, type Subject } from './workload.js';

export interface LoadConfig {
  baseUrl: string;
  path: string;
  apiKey: string;
  connections: number;
  durationMs: number;
  /** person / account: activity bodies; schema: POST /v1/instance-schema/get (smoke test). */
  kind: Subject | 'schema';
  async: boolean;
  existing: number;
  prefix: string;
  seed: number;
  /** >0: make this many bodies up front and cycle them (for ceilings: no generator cost). */
  reuseBodies: number;
  /**
   * >0: make this many distinct bodies before the clock starts and send each once, then make the
   * rest as it goes (async: at the acknowledge rate the generator's ~1.7 µs an activity is a
   * share of the cores the server needs).
   */
  prebuild?: number;
}

export interface LoadResult {
  connections: number;
  elapsedMs: number;
  requests: number;
  activities: number;
  requestsPerSec: number;
  activitiesPerSec: number;
  latencyMs: LatencySummary;
  /** HTTP status (non-200) → count; "network" for failures without an answer. */
  httpErrors: Record<string, number>;
  /** Per-activity status → count (ingested, queued, invalid, rate_limited, ...). */
  itemStatus: Record<string, number>;
  /** person_status / account_status → count (created, merged, queued). */
  recordStatus: Record<string, number>;
  /** First few error answers, for diagnosis. */
  errorSamples: string[];
  /** Requests completed in each second of the level. */
  perSecond: number[];
  /** This process's CPU during the level, seconds. */
  cpuSeconds: number;
  bodyBytesMean: number;
}

function add(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

export async function runLoad(cfg: LoadConfig, onStart?: () => void): Promise<LoadResult> {
  const url = new URL(cfg.baseUrl);
  const pool = new Pool(url.origin, { connections: cfg.connections, pipelining: 1, keepAliveTimeout: 60_000, bodyTimeout: 0, headersTimeout: 0 });
  const maker = cfg.kind === 'schema' ? undefined : new BodyMaker({ subject: cfg.kind, existing: cfg.existing, prefix: cfg.prefix, async: cfg.async, ...DEFAULT_MIX }, cfg.seed);
  const next = (): { body: string; activities: number } =>
    maker ? maker.next() : { body: '{"namespaces":[]}', activities: 0 };
  const ring = cfg.reuseBodies > 0 ? Array.from({ length: cfg.reuseBodies }, next) : undefined;
  let ringIndex = 0;
  const ahead: Array<{ body: string; activities: number } | undefined> | undefined =
    !ring && (cfg.prebuild ?? 0) > 0 ? Array.from({ length: cfg.prebuild! }, next) : undefined;
  let aheadIndex = 0;

  const latencies: number[] = [];
  const httpErrors: Record<string, number> = {};
  const itemStatus: Record<string, number> = {};
  const recordStatus: Record<string, number> = {};
  const errorSamples: string[] = [];
  const perSecond: number[] = [];
  let requests = 0;
  let activities = 0;
  let bodyBytes = 0;
  let sent = 0;
  const headers = { 'content-type': 'application/json', 'x-api-key': cfg.apiKey };

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + cfg.durationMs;
  onStart?.();

  const sample = (text: string) => {
    if (errorSamples.length < 5) errorSamples.push(text.slice(0, 300));
  };

  async function user(): Promise<void> {
    while (performance.now() < deadline) {
      let item: { body: string; activities: number };
      if (ring) item = ring[ringIndex++ % ring.length]!;
      else if (ahead && aheadIndex < ahead.length) {
        item = ahead[aheadIndex]!;
        ahead[aheadIndex++] = undefined; // sent once: free it
      } else item = next();
      bodyBytes += item.body.length;
      sent++;
      const start = performance.now();
      let status = 0;
      let text = '';
      try {
        const res = await pool.request({ origin: url.origin, path: cfg.path, method: 'POST', headers, body: item.body });
        status = res.statusCode;
        text = await res.body.text();
      } catch (error) {
        add(httpErrors, 'network');
        sample(String(error));
        continue;
      }
      const end = performance.now();
      latencies.push(end - start);
      requests++;
      const second = Math.floor((end - t0) / 1000);
      perSecond[second] = (perSecond[second] ?? 0) + 1;
      if (status !== 200) {
        add(httpErrors, String(status));
        sample(`${status} ${text}`);
        continue;
      }
      if (cfg.kind === 'schema') continue;
      activities += item.activities;
      let parsed: { activities?: Array<Record<string, unknown>> };
      try {
        parsed = JSON.parse(text);
      } catch {
        add(httpErrors, 'bad-json');
        sample(text);
        continue;
      }
      // the Fastify ceiling's empty handler answers no items
      for (const a of parsed.activities ?? []) {
        const s = String(a['status']);
        add(itemStatus, s);
        if (s !== 'ingested' && s !== 'queued') sample(JSON.stringify(a));
        const rs = a['person_status'] ?? a['account_status'];
        if (rs !== undefined) add(recordStatus, String(rs));
      }
    }
  }

  await Promise.all(Array.from({ length: cfg.connections }, user));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  for (let i = 0; i < perSecond.length; i++) perSecond[i] ??= 0;
  return {
    connections: cfg.connections,
    elapsedMs: Math.round(elapsedMs),
    requests,
    activities,
    requestsPerSec: Math.round((requests * 1000 * 10) / elapsedMs) / 10,
    activitiesPerSec: Math.round((activities * 1000) / elapsedMs),
    latencyMs: summarize(latencies),
    httpErrors,
    itemStatus,
    recordStatus,
    errorSamples,
    perSecond,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bodyBytesMean: sent ? Math.round(bodyBytes / sent) : 0,
  };
}

// As a forked child: {cmd: 'run', config} in, {type: 'started'} then {type: 'result', result} out.
if (process.send) {
  process.on('message', (msg: { cmd: string; config: LoadConfig }) => {
    if (msg.cmd !== 'run') return;
    runLoad(msg.config, () => process.send!({ type: 'started' })).then(
      (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
      (error: unknown) => process.send!({ type: 'error', error: String((error as Error)?.stack ?? error) }, () => process.exit(1)),
    );
  });
}
