// The worker applies several queued requests of one instance in one transaction (issue 13 item 3)
// with the outcome of applying them one after another, and a failing joint batch costs no row.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '../src/ingest/worker.js';
import { queueDepth } from '../src/store/queue.js';
import { useTestApp, type Client } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';

const getApp = useTestApp();

async function person(api: Client, email: string): Promise<any> {
  const res = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: email } } });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts[0];
}

const visit = (email: string, first: string, extra: Record<string, unknown> = {}) =>
  ({ activity_id: 'act:cm:visit', fields: { 'str::email': email, 'str::first': first }, ...extra });

describe('worker: queued requests of one instance applied together', () => {
  it('one claim applies every queued request of the instance, each with its own merge_strategy, in queue order', async () => {
    const app = getApp();
    const api = await app.newInstance();
    await define(api, definition('visit', [], { track_conversion_value: false }));
    const send = (body: Record<string, unknown>) => api.post('/v1/activities/create', { async: true, ...body });
    const answers = [
      await send({ activities: [visit('w1@example.com', 'Ann'), visit('w2@example.com', 'Bo')] }),
      await send({ merge_strategy: 1, activities: [visit('w1@example.com', 'Never')] }), // append only: Ann stays
      await send({ activities: [visit('w2@example.com', 'Cy'), visit('w1@example.com', 'Di', { merge_strategy: 3 })] }),
      await send({ activities: [{ activity_id: 'act:cm:nope', fields: { 'str::email': 'w3@example.com' } }] }),
    ];
    for (const a of answers) assert.equal(a.status, 200, a.text);
    assert.equal(await queueDepth(app.db, api.instanceId), 4);

    const worker = new Worker(app.db, { defaultLimits: { maxCustomActivities: 100, activityDailyLimit: 50 }, pollMs: 50, concurrency: 1, batchRows: 8 });
    assert.equal(await worker.processOne(), true);
    assert.equal(await queueDepth(app.db, api.instanceId), 0, 'all four rows in one claim');

    const w1 = await person(api, 'w1@example.com');
    const w2 = await person(api, 'w2@example.com');
    assert.equal(w1.fields['str::first'], 'Ann');
    assert.equal(w2.fields['str::first'], 'Cy');
    const events = await api.post('/v1/person/get/activities', { person_id: w1.id, limit: 40 });
    assert.deepEqual(
      events.body.activities.map((e: any) => e.id).sort(),
      [answers[0]!.body.activities[0].activity_id, answers[1]!.body.activities[0].activity_id, answers[2]!.body.activities[1].activity_id].sort(),
      'every event stored under the id its request was answered',
    );
    const dead = await api.post('/v1/activities/dead-letters/get', {});
    assert.equal(dead.status, 200, dead.text);
    assert.deepEqual(dead.body.dead_letters.map((d: any) => [d.activity_index, d.activity_id, d.status]),
      [[0, answers[3]!.body.activities[0].activity_id, 'invalid']], 'the invalid activity is a dead letter of its own row');
  });

  it('a joint batch that fails sends each row back once; the good rows are then applied alone', async () => {
    const app = getApp();
    const api = await app.newInstance();
    await define(api, definition('visit', [], { track_conversion_value: false }));
    await api.post('/v1/activities/create', { async: true, activities: [visit('g1@example.com', 'Good')] });
    // A row the apply cannot read (written past the API, as a damaged or foreign row would be).
    await app.db.query(
      `insert into ingest_queue (instance_id, kind, payload) values ($1, 'person', $2::json)`,
      [api.instanceId, JSON.stringify({ merge_by: ['str::email'], merge_strategy: 2, received_at: new Date().toISOString(), items: null })],
    );
    await api.post('/v1/activities/create', { async: true, activities: [visit('g2@example.com', 'Good')] });

    const worker = new Worker(app.db, { defaultLimits: { maxCustomActivities: 100, activityDailyLimit: 50 }, pollMs: 50, concurrency: 1, batchRows: 8 });
    assert.equal(await worker.processOne(), true, 'the joint attempt fails and sends the rows back');
    assert.equal(await queueDepth(app.db, api.instanceId), 3);
    // Now each comes alone: the good ones are applied; the bad one fails on its own path.
    for (let i = 0; i < 3; i++) await worker.processOne();
    assert.ok(await person(api, 'g1@example.com'));
    assert.ok(await person(api, 'g2@example.com'));
    const left = await app.db.query<{ attempts: number }>('select attempts from ingest_queue where instance_id = $1', [api.instanceId]);
    assert.ok(left.length <= 1, 'only the unreadable row can be left');
    for (const r of left) assert.ok(r.attempts >= 2, 'it failed alone too');
  });
});
