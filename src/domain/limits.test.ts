import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveLimits } from './limits.js';

const defaults = { maxCustomActivities: 100, activityDailyLimit: 50 };

test("an instance's own limits win over the server's, each on its own; null means the server's", () => {
  assert.deepEqual(effectiveLimits({ maxCustomActivities: null, activityDailyLimit: null }, defaults), defaults);
  assert.deepEqual(effectiveLimits({ maxCustomActivities: 3, activityDailyLimit: null }, defaults), { maxCustomActivities: 3, activityDailyLimit: 50 });
  assert.deepEqual(effectiveLimits({ maxCustomActivities: null, activityDailyLimit: 7 }, defaults), { maxCustomActivities: 100, activityDailyLimit: 7 });
});

test('a daily limit of 0 set on the instance turns the limit off there (it is not "unset")', () => {
  assert.equal(effectiveLimits({ maxCustomActivities: null, activityDailyLimit: 0 }, defaults).activityDailyLimit, 0);
  assert.equal(effectiveLimits({ maxCustomActivities: null, activityDailyLimit: null }, { ...defaults, activityDailyLimit: 0 }).activityDailyLimit, 0);
});

test('an instance that is gone (no row) runs under the server defaults', () => {
  assert.deepEqual(effectiveLimits(undefined, defaults), defaults);
});
