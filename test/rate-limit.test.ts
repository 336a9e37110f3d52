// RATE_LIMIT_PER_SECOND: past it a key gets HTTP 429 with Ortto's rate-limit body.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { useTestApp } from './helpers/app.js';

const getApp = useTestApp({ RATE_LIMIT_PER_SECOND: '3' });

it('answers 429 with {"error": {"code": "rate-limit", "message", "try-in-seconds"}} past the per-key rate, and counts keys apart', async () => {
  const a = await getApp().newInstance();
  const b = await getApp().newInstance();
  // Start just after a second begins; even if the burst spills into the next second, at most 6 pass.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
  const results = await Promise.all(Array.from({ length: 8 }, () => a.post('/v1/instance-schema/get', {})));
  const limited = results.filter((r) => r.status === 429);
  assert.ok(limited.length >= 2, `at most 3 requests a second pass (got ${results.map((r) => r.status).join(',')})`);
  assert.ok(results.every((r) => r.status === 200 || r.status === 429));
  assert.deepEqual(limited[0]!.body, { error: { code: 'rate-limit', message: 'rate limit', 'try-in-seconds': 1 } });
  assert.equal(limited[0]!.headers.get('retry-after'), '1');
  assert.equal((await b.post('/v1/instance-schema/get', {})).status, 200, 'another key has its own budget');
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await a.post('/v1/instance-schema/get', {})).status, 200, 'the budget comes back the next second');
});
