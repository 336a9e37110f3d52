// The in-process activity feed: told once per committed batch, sync and worker alike, with each
// item's outcome and the request id that sent it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppliedBatch } from '../src/ingest/activity-feed.js';
import { useTestApp } from './helpers/app.js';

const app = useTestApp();

async function withDefinition() {
  const client = await app().newInstance();
  const res = await client.post('/v1/definitions/activity/create', {
    name: 'signup', icon_id: 'star-icon', track_conversion_value: false, touch: true, filterable: true, visible_in_feeds: true,
    display_style: { type: 'activity' }, attributes: [{ name: 'plan', display_type: 'text' }],
  });
  assert.equal(res.status, 200, res.text);
  return client;
}

test('a sync request is told to the feed after its commit, with outcomes and the request id', async () => {
  const client = await withDefinition();
  const seen: AppliedBatch[] = [];
  const off = app().feed.on((b) => { if (b.instanceId === client.instanceId) seen.push(b); });
  try {
    const res = await client.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:signup', attributes: { 'str:cm:plan': 'pro' }, fields: { 'str::email': 'feed@example.com' } },
      { activity_id: 'act:cm:nope', fields: { 'str::email': 'feed@example.com' } },
    ] });
    assert.equal(res.status, 200, res.text);
    assert.equal(seen.length, 1);
    const [batch] = seen;
    assert.equal(batch!.mode, 'sync');
    assert.equal(batch!.kind, 'person');
    assert.equal(batch!.requestId, res.headers.get('x-request-id'));
    assert.deepEqual(batch!.results.map((r) => r.status), ['ingested', 'invalid']);
    assert.equal((batch!.activities.get(0) as { activity_id: string }).activity_id, 'act:cm:signup');
  } finally {
    off();
  }
});

test('an async request is told as queued, then again when the worker applies it', async () => {
  const client = await withDefinition();
  const seen: AppliedBatch[] = [];
  const off = app().feed.on((b) => { if (b.instanceId === client.instanceId) seen.push(b); });
  try {
    const res = await client.post('/v1/activities/create', { async: true, activities: [
      { activity_id: 'act:cm:signup', fields: { 'str::email': 'queued@example.com' } },
    ] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(seen.map((b) => b.mode), ['async']);
    await app().drain();
    assert.deepEqual(seen.map((b) => b.mode), ['async', 'worker']);
    assert.equal(seen[1]!.requestId, res.headers.get('x-request-id'));
    assert.equal(seen[1]!.results[0]!.status, 'ingested');
  } finally {
    off();
  }
});
