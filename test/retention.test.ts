// Event retention: per instance (default forever), the worker's sweep deletes events whose created
// time is past the instance's event_retention_days, in bounded batches; checked with a test clock.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pruneExpiredEvents, RetentionSweeper } from '../src/ingest/retention.js';
import { setEventRetention } from '../src/store/retention.js';
import { useTestApp, type Client } from './helpers/app.js';
import { daysAgo, define, definition } from './helpers/fixtures.js';

const app = useTestApp({ ACTIVITY_DAILY_LIMIT: '0' });
const DAY_MS = 24 * 60 * 60 * 1000;

async function instanceWithEvents(ages: number[]): Promise<Client & { instanceId: string }> {
  const api = await app().newInstance();
  await define(api, definition('visit', [{ name: 'page', display_type: 'text' }]));
  const res = await api.post('/v1/activities/create', {
    activities: ages.map((age, i) => ({
      activity_id: 'act:cm:visit', created: daysAgo(age), attributes: { 'str:cm:page': `p${i}` }, fields: { 'str::email': `r${i % 2}@example.com` },
    })),
  });
  assert.equal(res.status, 200, res.text);
  assert.ok(res.body.activities.every((a: { status: string }) => a.status === 'ingested'), res.text);
  return api;
}

async function ages(instanceId: string, now = Date.now()): Promise<number[]> {
  const rows = await app().db.query<{ created_at: Date }>('select created_at from activity_events where instance_id = $1 order by created_at desc', [instanceId]);
  return rows.map((r) => Math.round((now - r.created_at.getTime()) / DAY_MS));
}

it('keeps events forever by default, and deletes only those past the instance\'s retention', async () => {
  const kept = await instanceWithEvents([5, 40, 80]);
  const pruned = await instanceWithEvents([5, 20, 40, 80]);
  assert.equal(await setEventRetention(app().db, pruned.instanceId, 30), true);

  const n = await pruneExpiredEvents(app().db, { batchRows: 100, maxBatches: 10 });
  assert.equal(n, 2);
  assert.deepEqual(await ages(pruned.instanceId), [5, 20]);
  assert.deepEqual(await ages(kept.instanceId), [5, 40, 80]);
  // What is left reads back as before.
  const person = (await pruned.post('/v1/person/get', {})).body.contacts;
  assert.equal(person.length, 2);

  // Ten days later (a test clock), the 20-day-old event is past 30 days too.
  const later = new Date(Date.now() + 11 * DAY_MS);
  assert.equal(await pruneExpiredEvents(app().db, { batchRows: 100, maxBatches: 10, now: () => later }), 1);
  assert.deepEqual(await ages(pruned.instanceId), [5]);
  assert.equal(await setEventRetention(app().db, pruned.instanceId, null), true);
  assert.equal(await pruneExpiredEvents(app().db, { batchRows: 100, maxBatches: 10, now: () => new Date(Date.now() + 1000 * DAY_MS) }), 0);
});

it('deletes in bounded batches: a sweep stops after maxBatches, the next one goes on', async () => {
  const api = await instanceWithEvents([31, 32, 33, 34, 35]);
  await setEventRetention(app().db, api.instanceId, 30);
  assert.equal(await pruneExpiredEvents(app().db, { batchRows: 2, maxBatches: 1 }), 2);
  // Oldest first.
  assert.deepEqual(await ages(api.instanceId), [31, 32, 33]);
  assert.equal(await pruneExpiredEvents(app().db, { batchRows: 2, maxBatches: 10 }), 3);
  assert.deepEqual(await ages(api.instanceId), []);
});

it('the sweeper runs on its interval beside ingestion, and stops', async () => {
  const api = await instanceWithEvents([45, 50]);
  await setEventRetention(app().db, api.instanceId, 30);
  const sweeper = new RetentionSweeper(app().db, { intervalMs: 20, batchRows: 1, maxBatches: 1 });
  sweeper.start();
  try {
    // Ingestion goes on while it sweeps.
    const res = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:visit', fields: { 'str::email': 'new@example.com' } }] });
    assert.equal(res.status, 200, res.text);
    for (let i = 0; i < 200 && (await ages(api.instanceId)).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await ages(api.instanceId), [0]);
  } finally {
    await sweeper.stop();
  }
});
