// Poison in the queue (issue 12 item 1): nothing is acknowledged that the worker cannot at least
// keep as a dead letter; a row that fails becomes dead letters that can always be written; one
// instance's poison never holds up another's work, nor the same instance's next request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { citusInstalled } from '../src/store/citus.js';
import { useTestApp } from './helpers/app.js';
import { daysAgo, define, definition } from './helpers/fixtures.js';

const get = useTestApp();

const DEF = definition('buy', [{ name: 'item', display_type: 'text' }], { retention_days: 365 });
const activity = (email: string, item = 'x') => ({ activity_id: 'act:cm:buy', attributes: { 'str:cm:item': item }, fields: { 'str::email': email } });

async function personCount(api: { post: (p: string, b: unknown) => Promise<{ body: any }> }): Promise<number> {
  const res = await api.post('/v1/person/get', { limit: 100 });
  return res.body.contacts?.length ?? 0;
}

/** Inserts a queue row as an older version (or a corrupt write) could have left it. */
async function insertRawRow(instanceId: string, payloadJson: string): Promise<void> {
  await get().db.query("insert into ingest_queue (instance_id, kind, payload) values ($1, 'person', $2::json)", [instanceId, payloadJson]);
}

describe('poison in the async queue', () => {
  it('an async request of only non-objects is refused with a 400 naming each, and nothing is queued', async () => {
    const api = await get().newInstance();
    for (const activities of [[null], [1, 'x', [], true]]) {
      const res = await api.post('/v1/activities/create', { async: true, activities });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error, 'each activity must be an object');
      assert.equal(res.body.details.length, activities.length);
    }
    const dl = await api.post('/v1/activities/dead-letters/get', {});
    assert.equal(dl.body.queued_requests, 0);
  });

  it('a non-object beside good activities is invalid in its place; the others are queued and applied', async () => {
    const api = await get().newInstance();
    await define(api, DEF);
    const res = await api.post('/v1/activities/create', { async: true, activities: [null, activity('ok1@example.com')] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.activities[0], { status: 'invalid', error: 'each activity must be an object' });
    assert.equal(res.body.activities[1].status, 'queued');
    await get().drain();
    assert.equal(await personCount(api), 1);
  });

  it('a backdated (queued) sync activity holding U+0000 is refused before it is acknowledged', async () => {
    const api = await get().newInstance();
    await define(api, DEF);
    const res = await api.post('/v1/activities/create', { activities: [{ ...activity('old@example.com', 'a\u0000'), created: daysAgo(120) }] });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.error, /U\+0000/);
    const dl = await api.post('/v1/activities/dead-letters/get', {});
    assert.equal(dl.body.queued_requests, 0);
  });

  it('rows the worker cannot apply become dead letters (raw text where jsonb refuses them); the instance and others go on', async () => {
    const poisoned = await get().newInstance();
    const other = await get().newInstance();
    await define(poisoned, DEF);
    await define(other, DEF);
    // Oldest first: a U+0000 activity (json keeps the escape; jsonb refuses it), a row that is no
    // request at all, and a lone surrogate; then ordinary async requests of both instances.
    const received = new Date().toISOString();
    await insertRawRow(poisoned.instanceId, `{"merge_by":["str::email"],"merge_strategy":2,"received_at":"${received}","items":[{"index":0,"event_id":"006b03a96f8c2ad358048644","activity":{"activity_id":"act:cm:buy","attributes":{"str:cm:item":"a\\u0000b"},"fields":{"str::email":"nul@example.com"}}}]}`);
    await insertRawRow(poisoned.instanceId, '{"not":"a request"}');
    await insertRawRow(poisoned.instanceId, `{"merge_by":["str::email"],"merge_strategy":2,"received_at":"${received}","items":[{"index":0,"event_id":"006b03a96f8c2ad358048645","activity":{"activity_id":"act:cm:buy","attributes":{"str:cm:item":"\\ud800"},"fields":{"str::email":"sur@example.com"}}}]}`);
    const a = await poisoned.post('/v1/activities/create', { async: true, activities: [activity('after@example.com')] });
    const b = await other.post('/v1/activities/create', { async: true, activities: [activity('other@example.com')] });
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);

    await get().drain();

    assert.equal(await personCount(poisoned), 1, 'the request after the poison was applied');
    assert.equal(await personCount(other), 1, "the other instance's request was applied");
    const dl = await poisoned.post('/v1/activities/dead-letters/get', { limit: 10 });
    assert.equal(dl.status, 200, dl.text);
    assert.equal(dl.body.queued_requests, 0, 'nothing is stuck');
    assert.equal(dl.body.total, 3);
    const byEmail = (e: string) => dl.body.dead_letters.find((d: any) => d.activity?.fields?.['str::email'] === e);
    assert.equal(byEmail('nul@example.com')?.activity.attributes['str:cm:item'], 'a\u0000b', 'the raw activity comes back as sent');
    assert.equal(byEmail('nul@example.com')?.status, 'failed');
    assert.ok(byEmail('sur@example.com'), 'the lone-surrogate row is a dead letter');
    assert.ok(dl.body.dead_letters.some((d: any) => d.activity?.not === 'a request'), 'the unreadable row is kept whole');
    const otherDl = await other.post('/v1/activities/dead-letters/get', {});
    assert.equal(otherDl.body.total, 0, "one instance's dead letters are not another's");
  });

  it('a row that keeps failing backs off, does not hold up rows behind it, and ends as dead letters', async () => {
    const api = await get().newInstance();
    const other = await get().newInstance();
    await define(api, DEF);
    await define(other, DEF);
    // A fault that is not the data's (a trigger refuses one item value): retried with back-off.
    // Citus refuses triggers on distributed tables unless told they are safe, and runs them on
    // the workers, which need the function too.
    const citus = await citusInstalled(get().db);
    const unsafeTriggers = citus ? 'set citus.enable_unsafe_triggers to on;' : '';
    await get().db.exec(`
      create or replace function refuse_poison() returns trigger language plpgsql as $$
      begin
        if new.attributes ->> 'str:cm:item' = 'poison' then raise exception 'refused by test trigger' using errcode = 'P0001'; end if;
        return new;
      end $$;
      ${citus ? "select create_distributed_function('refuse_poison()');" : ''}
      ${unsafeTriggers}
      drop trigger if exists refuse_poison on activity_events;
      create trigger refuse_poison before insert on activity_events for each row execute function refuse_poison();`);
    try {
      const bad = await api.post('/v1/activities/create', { async: true, activities: [activity('p@example.com', 'poison')] });
      const behind = await api.post('/v1/activities/create', { async: true, activities: [activity('behind@example.com')] });
      const meanwhile = await other.post('/v1/activities/create', { async: true, activities: [activity('meanwhile@example.com')] });
      for (const r of [bad, behind, meanwhile]) assert.equal(r.status, 200, r.text);
      await get().drain();
      assert.equal(await personCount(other), 1, "the other instance's request was applied");
      const persons = await api.post('/v1/person/get', { limit: 10 });
      assert.deepEqual(persons.body.contacts.map((c: any) => c.fields['str::email']), ['behind@example.com'], 'the row behind the failing one was applied');
      const waiting = await get().db.query<{ attempts: number; due: boolean; last_error: string }>(
        'select attempts, not_before > now() as due, last_error from ingest_queue where instance_id = $1', [api.instanceId]);
      assert.equal(waiting.length, 1);
      // One attempt together with the row behind it (the worker batches rows of one instance),
      // then one alone.
      assert.equal(waiting[0]!.attempts, 2);
      assert.equal(waiting[0]!.due, true, 'backed off into the future');
      assert.match(waiting[0]!.last_error, /refused by test trigger/);

      // Its last attempt: it becomes a dead letter with the reason, and the queue is empty.
      await get().db.query('update ingest_queue set attempts = 4, not_before = now() where instance_id = $1', [api.instanceId]);
      await get().drain();
      const dl = await api.post('/v1/activities/dead-letters/get', {});
      assert.equal(dl.body.queued_requests, 0);
      assert.equal(dl.body.total, 1);
      assert.equal(dl.body.dead_letters[0].status, 'failed');
      assert.match(dl.body.dead_letters[0].error, /not applied after 5 attempts: refused by test trigger/);
      assert.equal(dl.body.dead_letters[0].activity_id, bad.body.activities[0].activity_id);
    } finally {
      await get().db.exec(`${unsafeTriggers} drop trigger if exists refuse_poison on activity_events`);
    }
  });
});
