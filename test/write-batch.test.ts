// The batch write (src/store/write-batch.ts) on the store the environment selects: new events are
// plain inserts, a repeat of a stored keyed event updates it by id (attributes merged, those sent
// as null dropped), and a repeat of a stored event that was deleted since the batch read it asks
// for the whole transaction to run again instead of being lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventWrite } from '../src/domain/batch-plan.js';
import type { Db } from '../src/store/db.js';
import { RetryTransaction } from '../src/store/sqlstate.js';
import { writeBatch } from '../src/store/write-batch.js';
import { openTestDb, type TestDb } from './helpers/store.js';

const INSTANCE = 'i-write-batch';
const created = new Date('2026-01-02T03:04:05.678Z');

let testDb: TestDb;
let db: Db;
before(async () => {
  testDb = await openTestDb();
  db = testDb.db;
});
after(() => testDb.drop());

function event(id: string, attributes: Record<string, unknown>, extra: Partial<EventWrite> = {}): EventWrite {
  return {
    id, recordId: 'r1', definition: 'page-view', created, key: 'k1', attributes, cleared: [], location: null, existing: false, ...extra,
  };
}

const write = (events: EventWrite[]) => db.transaction((tx) => writeBatch(tx, INSTANCE, 'person', { claims: [], records: [], events, activate: [], now: new Date() }));

describe('writeBatch events', () => {
  it('inserts new events and merges a repeat into the stored one by id', async () => {
    await write([event('e1', { 'str:cm:a': 'x', 'str:cm:b': 'y' })]);
    await write([event('e1', { 'str:cm:a': 'z' }, { existing: true, cleared: ['str:cm:b'], location: { city: 'Oslo' } })]);
    const rows = await db.query<{ attributes: Record<string, unknown>; location: unknown }>(
      'select attributes, location from activity_events where instance_id = $1 and id = $2', [INSTANCE, 'e1'],
    );
    assert.deepEqual(rows, [{ attributes: { 'str:cm:a': 'z' }, location: { city: 'Oslo' } }]);
  });

  it('a new event meeting a stored one with the same created + key fails on the unique index (the transaction is run again)', async () => {
    await assert.rejects(write([event('e2', { 'str:cm:a': 'x' })]), (e: unknown) => (e as { code?: string }).code === '23505');
  });

  it('a repeat of a stored event deleted meanwhile retries the transaction instead of losing the event', async () => {
    await assert.rejects(
      db.transaction((tx) => writeBatch(tx, INSTANCE, 'person', {
        claims: [], records: [], events: [event('gone', { 'str:cm:a': 'x' }, { existing: true, key: 'k2' })], activate: [], now: new Date(),
      })),
      (e: unknown) => e instanceof RetryTransaction,
    );
  });
});
