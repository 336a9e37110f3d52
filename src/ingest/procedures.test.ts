// What a group's outcome becomes when it crosses from the embedded store's thread: each error the
// sync batcher tells apart must come back as itself (structured clone keeps no classes), through
// a real structured clone, as postMessage makes it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, badRequest } from '../errors.js';
import { DatabaseUnavailableError, isDatabaseUnavailable, isRetryable, sqlStateOf } from '../store/sqlstate.js';
import { AllRefused } from './apply-together.js';
import { decodeError, encodeError } from './procedures.js';
import { DrainStepFailed } from './drain-step.js';
import { JoinedFirstUse } from './resolve-and-write.js';

const crossed = (error: unknown) => decodeError(structuredClone(encodeError(error)));

describe('errors of a group applied in the store thread', () => {
  it('keeps an API error with its kind, status, message and item details', () => {
    const back = crossed(badRequest('activity_id is required', [{ index: 3, status: 'invalid', error: 'activity_id is required' }]));
    assert.ok(back instanceof ApiError);
    assert.equal(back.kind, 'bad_request');
    assert.equal(back.status, 400);
    assert.equal(back.message, 'activity_id is required');
    assert.deepEqual(back.details, [{ index: 3, status: 'invalid', error: 'activity_id is required' }]);
  });

  it('keeps the requests whose items were all refused, each with its own 400', () => {
    const refused = new Map<number, Error>([[0, badRequest('a')], [2, badRequest('c', [{ index: 0, status: 'rate_limited', error: 'c' }])]]);
    const back = crossed(new AllRefused(refused));
    assert.ok(back instanceof AllRefused);
    assert.deepEqual([...back.refused.keys()], [0, 2]);
    const second = back.refused.get(2)!;
    assert.ok(second instanceof ApiError);
    assert.equal(second.message, 'c');
    assert.deepEqual(second.details, [{ index: 0, status: 'rate_limited', error: 'c' }]);
  });

  it('keeps a first use that sends the group one request at a time', () => {
    const error = new JoinedFirstUse('custom field str:cm:colour');
    const back = crossed(error);
    assert.ok(back instanceof JoinedFirstUse);
    assert.equal(back.message, error.message);
  });

  it('keeps a lost database as a lost database (503, never applied one by one)', () => {
    const back = crossed(new DatabaseUnavailableError(new Error('connection reset')));
    assert.ok(isDatabaseUnavailable(back));
    assert.match(back.message, /connection reset/);
  });

  it('keeps a TypeError and a RangeError as such (the worker dead-letters them at once)', () => {
    assert.ok(crossed(new TypeError('x is not a function')) instanceof TypeError);
    assert.ok(crossed(new RangeError('int8 value 9007199254740993 does not fit')) instanceof RangeError);
  });

  it('keeps a failed worker step with the rows it had claimed and its cause', () => {
    const row = { id: 7, instance_id: 'i1', kind: 'person', attempts: 0, enqueued_at: new Date('2026-12-01T00:00:00Z'), payload: { items: [] } };
    const back = crossed(new DrainStepFailed(Object.assign(new Error('value too long'), { code: '22001' }), [row as never]));
    assert.ok(back instanceof DrainStepFailed);
    assert.equal(back.claimed.length, 1);
    assert.equal(back.claimed[0]!.id, 7);
    assert.ok(back.claimed[0]!.enqueued_at instanceof Date);
    assert.equal(sqlStateOf(back.cause), '22001');
  });

  it("keeps a database error's SQLSTATE and fields, so retries and data faults are told apart as before", () => {
    const error = Object.assign(new Error('deadlock detected'), { name: 'error', code: '40P01', detail: 'Process 1 waits for ShareLock' });
    const back = crossed(error);
    assert.equal(sqlStateOf(back), '40P01');
    assert.ok(isRetryable(back));
    assert.equal((back as Error & { detail?: string }).detail, 'Process 1 waits for ShareLock');
    assert.equal(back.message, 'deadlock detected');
  });
});
