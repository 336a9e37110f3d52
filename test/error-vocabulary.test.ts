// The HTTP edge speaks one error vocabulary (src/errors.ts): every error status the OpenAPI
// document lists is a status of ERROR_STATUS (the emulator's drain timeout, 504, is the one
// status outside it), 429 is Ortto's rate-limit body and every other error Ortto's error body.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_STATUS } from '../src/errors.js';
import { useEmulatorApp } from './helpers/emulator.js';

const getApp = useEmulatorApp();

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>> };

describe('error vocabulary', () => {
  it('every documented error status is one of ERROR_STATUS (or the drain timeout), answered in the body its kind names', async () => {
    const doc = (await getApp().anonymous().request('GET', '/openapi.json')).body as Doc;
    const statuses = new Set<string>(Object.values(ERROR_STATUS).map(String));
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (status === '200') continue;
          const name = `${method.toUpperCase()} ${path} ${status}`;
          const outside = method === 'post' && path === '/_emulator/drain' && status === '504';
          assert.ok(statuses.has(status) || outside, `${name} is a status of the vocabulary`);
          const body = status === String(ERROR_STATUS.rate_limited) ? 'RateLimitBody' : 'ErrorBody';
          assert.equal(response.content?.['application/json']?.schema?.$ref, `#/components/schemas/${body}`, `${name} is ${body}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `${checked} error responses checked`);
  });

  it("a 405, a 404 and a 401 come with their vocabulary's code in Ortto's error body", async () => {
    const anon = getApp().anonymous();
    for (const [method, path, status] of [['GET', '/v1/activities/create', 405], ['POST', '/v1/nothing-here', 404], ['POST', '/v1/activities/create', 401]] as const) {
      const res = await anon.request(method, path, method === 'POST' ? {} : undefined);
      assert.equal(res.status, status, `${method} ${path}`);
      assert.deepEqual(Object.keys(res.body), ['request_id', 'code', 'error']);
      assert.equal(res.body.code, status);
      assert.equal(res.body.request_id, res.headers.get('x-request-id'));
    }
  });
});
