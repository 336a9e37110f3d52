// GET /metrics: Prometheus text without an API key, whose counters move with traffic; counts only
// (no instance, record or key in it); turned off by METRICS_ENABLED=false.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { useTestApp } from './helpers/app.js';
import { definition, define } from './helpers/fixtures.js';
import { STORE_KIND } from './helpers/store.js';

const app = useTestApp({ ACTIVITY_DAILY_LIMIT: '0' });

/** The sample of `name` whose labels are exactly `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"/g)) got[pair[1]!] = pair[2]!;
    if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(m[3]);
  }
  return undefined;
}

async function scrape(): Promise<string> {
  const res = await app().anonymous().request('GET', '/metrics');
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text;
}

it('counts requests by route and status, activities by outcome, the queue and dead letters, without an API key', async () => {
  const api = await app().newInstance();
  await define(api, definition('signup', [{ name: 'plan', display_type: 'text' }]));
  const before = await scrape();
  const ingested = { kind: 'person', mode: 'sync', outcome: 'ingested' };
  const invalid = { kind: 'person', mode: 'sync', outcome: 'invalid' };
  const created = { method: 'POST', route: '/v1/activities/create', status: '200' };

  const res = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:signup', attributes: { 'str:cm:plan': 'pro' }, fields: { 'str::email': 'metrics-person@example.com' } },
    { activity_id: 'act:cm:signup', fields: { 'str::email': 'metrics-person@example.com' } },
    { activity_id: 'act:cm:nope', fields: { 'str::email': 'metrics-person@example.com' } },
  ] });
  assert.equal(res.status, 200, res.text);
  const unauthorized = await app().anonymous().post('/v1/activities/create', { activities: [] });
  assert.equal(unauthorized.status, 401);
  const queued = await api.post('/v1/activities/create', { async: true, activities: [
    { activity_id: 'act:cm:signup', fields: { 'str::email': 'metrics-queued@example.com' } },
    { activity_id: 'act:cm:signup', attributes: { 'str:cm:nope': 1 }, fields: { 'str::email': 'metrics-queued@example.com' } },
  ] });
  assert.equal(queued.status, 200, queued.text);

  const mid = await scrape();
  assert.equal((sample(mid, 'activity_cdp_activities_total', ingested) ?? 0) - (sample(before, 'activity_cdp_activities_total', ingested) ?? 0), 2);
  assert.equal((sample(mid, 'activity_cdp_activities_total', invalid) ?? 0) - (sample(before, 'activity_cdp_activities_total', invalid) ?? 0), 1);
  assert.equal(sample(mid, 'activity_cdp_activities_total', { kind: 'person', mode: 'async', outcome: 'queued' }), 2);
  assert.equal((sample(mid, 'activity_cdp_http_requests_total', created) ?? 0) - (sample(before, 'activity_cdp_http_requests_total', created) ?? 0), 2);
  assert.equal(sample(mid, 'activity_cdp_http_requests_total', { ...created, status: '401' }), 1);
  assert.equal(sample(mid, 'activity_cdp_http_request_duration_seconds_count', created), sample(mid, 'activity_cdp_http_requests_total', created));
  assert.ok(sample(mid, 'activity_cdp_http_request_duration_seconds_bucket', { ...created, le: '+Inf' })! >= 2);
  assert.equal(sample(mid, 'activity_cdp_queue_depth', { kind: 'person' }), 1);
  assert.equal(sample(mid, 'activity_cdp_queue_depth', { kind: 'account' }), 0);
  assert.ok(sample(mid, 'activity_cdp_queue_oldest_age_seconds', { kind: 'person' })! >= 0);
  assert.ok(sample(mid, 'activity_cdp_worker_lag_seconds', { kind: 'person' })! >= 0);

  assert.equal(await app().drain(), 1);
  const after = await scrape();
  assert.equal(sample(after, 'activity_cdp_queue_depth', { kind: 'person' }), 0);
  assert.equal(sample(after, 'activity_cdp_queue_oldest_age_seconds', { kind: 'person' }), 0);
  assert.equal(sample(after, 'activity_cdp_activities_total', { kind: 'person', mode: 'worker', outcome: 'ingested' }), 1);
  assert.equal(sample(after, 'activity_cdp_activities_total', { kind: 'person', mode: 'worker', outcome: 'invalid' }), 1);
  assert.equal(sample(after, 'activity_cdp_dead_letters', { kind: 'person', status: 'invalid' }), 1);
  // A route template, never a raw path: an unknown path is "unmatched".
  await app().anonymous().request('GET', '/no/such/place-with-secret');
  const last = await scrape();
  assert.equal(sample(last, 'activity_cdp_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1);
  assert.ok(!last.includes('place-with-secret'));
  // Counts only: no instance, person, e-mail or key.
  for (const secret of [api.instanceId, res.body.activities[0].person_id, 'metrics-person@example.com', api.apiKey!]) assert.ok(!last.includes(secret), `metrics show ${secret}`);
});

it('shows event-loop lag and, on PostgreSQL, pool use', async () => {
  const text = await scrape();
  assert.notEqual(sample(text, 'activity_cdp_nodejs_eventloop_lag_seconds'), undefined);
  if (STORE_KIND === 'postgres') {
    // Read while the scrape's own store reads run: each state is there, none negative.
    for (const state of ['busy', 'idle', 'waiting']) {
      const v = sample(text, 'activity_cdp_db_pool_connections', { state });
      assert.ok(v !== undefined && v >= 0, `${state}: ${v}`);
    }
  } else {
    assert.equal(sample(text, 'activity_cdp_db_pool_connections', { state: 'idle' }), undefined);
  }
});

it('is not served with METRICS_ENABLED=false', async () => {
  const off = await buildApp({ db: app().db, config: loadConfig({ LOG_LEVEL: 'silent', METRICS_ENABLED: 'false' }) });
  try {
    const res = await off.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 404);
  } finally {
    await off.close();
  }
});
