// Input the store cannot keep and requests Node answers itself: every one a 4xx in Ortto's shape.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { MAX_JSON_DEPTH } from '../src/domain/json-text.js';
import { useTestApp } from './helpers/app.js';

const get = useTestApp({ BODY_TIMEOUT_MS: '600' });

/** Every JSON endpoint with a method and a body that is valid but for one string element. */
export const ENDPOINTS: Array<{ method: string; path: string; body: (s: string) => unknown }> = [
  { method: 'POST', path: '/v1/definitions/activity/create', body: (s) => ({ name: 'x', icon_id: 'cart-icon', track_conversion_value: false, touch: false, filterable: false, visible_in_feeds: false, display_style: { type: 'activity', title: s }, attributes: [] }) },
  { method: 'PUT', path: '/v1/definitions/activity/modify', body: (s) => ({ activity_field_id: `act:cm:${s}` }) },
  { method: 'DELETE', path: '/v1/definitions/activity/delete', body: (s) => ({ activity_field_id: `act:cm:${s}` }) },
  { method: 'POST', path: '/v1/instance-schema/get', body: (s) => ({ namespaces: [s] }) },
  { method: 'POST', path: '/v1/activities/create', body: (s) => ({ activities: [{ activity_id: 'act:cm:x', attributes: {}, fields: { 'str::email': s } }] }) },
  { method: 'POST', path: '/v1/activities/create', body: (s) => ({ async: true, activities: [{ activity_id: 'act:cm:x', attributes: { 'str:cm:a': s }, fields: { 'str::email': 'a@example.com' } }] }) },
  { method: 'POST', path: '/v1/accounts/activities/create', body: (s) => ({ activities: [{ activity_id: 'act:oc:x', attributes: {}, fields: { 'str:o:name': s } }] }) },
  { method: 'POST', path: '/v1/activities/dead-letters/get', body: (s) => ({ limit: 5, [s]: 1 }) },
  { method: 'POST', path: '/v1/person/get', body: (s) => ({ filter: { '$str::is': { field_id: 'str::email', value: s } } }) },
  { method: 'POST', path: '/v1/person/get/activities', body: (s) => ({ person_id: s }) },
  { method: 'POST', path: '/v1/accounts/get', body: (s) => ({ filter: { '$str::contains': { field_id: 'str:o:name', value: s } } }) },
  { method: 'POST', path: '/v1/accounts/get/activities', body: (s) => ({ account_id: s }) },
];

function assertOrttoError(res: { status: number; body: any; text: string }, status: number, pattern?: RegExp) {
  assert.equal(res.status, status, res.text);
  assert.equal(typeof res.body?.request_id, 'string', res.text);
  assert.equal(res.body.code, status, res.text);
  assert.equal(typeof res.body.error, 'string', res.text);
  if (pattern) assert.match(res.body.error, pattern);
}

/** Writes raw bytes and reads the whole answer until the server closes (or timeoutMs). */
function raw(baseUrl: string, chunks: Array<string | { waitMs: number }>, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, timeoutMs);
    socket.on('data', (d) => (out += d.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', (e) => {
      if (out) return;
      clearTimeout(timer);
      reject(e);
    });
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (typeof c === 'string') socket.write(c);
        else await new Promise((r) => setTimeout(r, c.waitMs));
        if (socket.destroyed) return;
      }
    });
  });
}

function parseRaw(answer: string): { status: number; body: any; text: string } {
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]);
  const text = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status, body, text };
}

describe('input the store cannot keep', () => {
  for (const { method, path, body } of ENDPOINTS) {
    it(`${method} ${path}: U+0000 and lone surrogates are a 400 naming the element`, async () => {
      const client = await get().newInstance();
      const nul = await client.request(method, path, body('a\u0000b'));
      assertOrttoError(nul, 400, /U\+0000/);
      const surrogate = await client.request(method, path, body('a\ud800b'));
      assertOrttoError(surrogate, 400, /lone UTF-16 surrogate/);
      // also as raw escapes, the way other clients write them
      const escaped = await client.request(method, path, JSON.stringify(body('PLACEHOLDER')).replace('PLACEHOLDER', '\\udc00'));
      assertOrttoError(escaped, 400, /surrogate/);
    });

    it(`${method} ${path}: nesting of 10,000 levels is a 400 naming the limit`, async () => {
      const client = await get().newInstance();
      const deep = JSON.stringify(body('x')).slice(0, -1) + ',"deep":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
      const res = await client.request(method, path, deep);
      assertOrttoError(res, 400, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
    });
  }

  it('names the element that holds U+0000', async () => {
    const client = await get().newInstance();
    const res = await client.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:x', fields: { 'str::email': 'x\u0000' } }] });
    assertOrttoError(res, 400, /^activities\[0\]\.fields\.str::email holds U\+0000/);
    const key = await client.post('/v1/person/get', { filter: { 'a\u0000': 1 } });
    assertOrttoError(key, 400, /^filter has an element name that holds U\+0000/);
  });

  it('nesting up to the limit is parsed (and then judged by the route)', async () => {
    const client = await get().newInstance();
    let filter: unknown = { '$str::is': { field_id: 'str::email', value: 'a@example.com' } };
    for (let i = 0; i < 20; i++) filter = { $and: [filter] };
    const res = await client.post('/v1/person/get', { filter });
    assert.ok(res.status === 200 || res.status === 400, res.text);
    if (res.status === 400) assert.doesNotMatch(res.body.error, /deeper than/);
  });

  it('a body that is not JSON, an empty body and prototype poisoning are 400s', async () => {
    const client = await get().newInstance();
    assertOrttoError(await client.request('POST', '/v1/person/get', '{"limit": '), 400, /not valid JSON/);
    assertOrttoError(await client.request('POST', '/v1/person/get', ' '), 400, /empty/);
    assertOrttoError(await client.request('POST', '/v1/person/get', '{"__proto__": {"x": 1}}'), 400, /__proto__/);
    // The same names spelt with \u escapes parse to the same keys.
    assertOrttoError(await client.request('POST', '/v1/person/get', '{"\\u005f_proto__": {"x": 1}}'), 400, /__proto__/);
    assertOrttoError(await client.request('POST', '/v1/activities/create', '{"activities": [{"constructo\\u0072": {"prototype": {"x": 1}}}]}'), 400, /__proto__/);
  });
});

describe('requests Node answers itself', () => {
  it('text/plain is 415 in Ortto shape', async () => {
    const client = await get().newInstance();
    const res = await client.request('POST', '/v1/person/get', '{"limit": 1}', { 'content-type': 'text/plain' });
    assertOrttoError(res, 415, /text\/plain/);
  });

  it('headers too large are 431 in Ortto shape', async () => {
    const answer = parseRaw(await raw(get().baseUrl, [
      `POST /v1/person/get HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    ]));
    assertOrttoError(answer, 431, /headers/);
  });

  it('a malformed request line is 400 in Ortto shape', async () => {
    const answer = parseRaw(await raw(get().baseUrl, ['GARBAGE\r\n\r\n']));
    assertOrttoError(answer, 400, /malformed/);
  });

  it('a body sent too slowly is answered 408 and the connection closed; a prompt one is served', async () => {
    const client = await get().newInstance();
    const started = Date.now();
    const answer = parseRaw(await raw(get().baseUrl, [
      `POST /v1/person/get HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${client.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"li`,
      { waitMs: 3000 }, 'mit": 1}',
    ], 8000));
    assertOrttoError(answer, 408, /not received in time/);
    assert.ok(Date.now() - started < 2900, `answered after ${Date.now() - started} ms`);
    const ok = await client.post('/v1/person/get', { limit: 1 });
    assert.equal(ok.status, 200, ok.text);
  });

  it('a keep-alive connection idle between requests is not cut by the body timeout', async () => {
    const client = await get().newInstance();
    const req = `POST /v1/person/get HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${client.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
    const answer = await raw(get().baseUrl, [req, { waitMs: 1500 }, req], 2500);
    assert.equal(answer.match(/HTTP\/1\.1 200/g)?.length, 2, answer.slice(0, 500));
  });
});
