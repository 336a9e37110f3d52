// Wire conventions shared by every endpoint (spec README, "Wire conventions").
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { UUID_V4, assertErrorBody } from './helpers/fixtures.js';

const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    cb();
  },
});

const getApp = useTestApp({ BODY_LIMIT_BYTES: String(2 * 1024 * 1024) }, { level: 'info', stream: logStream, redact: ['req.headers["x-api-key"]'] });



describe('authentication', () => {
  it('answers 401 without an X-Api-Key header', async () => {
    const res = await getApp().anonymous().post('/v1/instance-schema/get', {});
    assertErrorBody(res, 401, 'missing X-Api-Key header');
  });

  it('answers 401 for a wrong key, and never writes the key to the log', async () => {
    const secret = 'acdp_wrong-key-that-must-not-be-logged';
    const res = await getApp().anonymous().request('POST', '/v1/instance-schema/get', {}, { 'x-api-key': secret });
    assertErrorBody(res, 401, 'invalid API key');
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(logLines.some((l) => l.includes(res.body.request_id)), 'the request id is logged');
    assert.ok(!logLines.some((l) => l.includes(secret)), 'the key is not logged');
  });

  it('takes the header name in any case', async () => {
    const api = await getApp().newInstance();
    const res = await getApp().anonymous().request('POST', '/v1/instance-schema/get', { namespaces: [] }, { 'X-API-KEY': api.apiKey! });
    assert.equal(res.status, 200);
  });

  it('does not log a valid key either', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/instance-schema/get', { namespaces: [] });
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!logLines.some((l) => l.includes(api.apiKey!)));
  });
});

describe('errors', () => {
  it('answers 400 for malformed JSON', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.post('/v1/definitions/activity/create', '{"name": '), 400, 'request body is not valid JSON');
  });

  it('answers 400 for an empty JSON body', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.request('POST', '/v1/instance-schema/get', '', { 'content-type': 'application/json' }), 400,
      'request body is empty: send a JSON object');
  });

  it('answers 400 naming the element for a schema violation', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.post('/v1/definitions/activity/create', []), 400, 'the request body must be an object');
    assertErrorBody(await api.post('/v1/instance-schema/get', { namespaces: 'cm' }), 400, 'namespaces must be an array');
  });

  it('answers 404 for an unknown endpoint', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.post('/v1/nothing/here', {}), 404, 'no endpoint POST /v1/nothing/here');
    assertErrorBody(await getApp().anonymous().request('GET', '/nope'), 404, 'no endpoint GET /nope');
  });

  it('answers 405 with Allow for a known path under the wrong method', async () => {
    const api = await getApp().newInstance();
    const res = await api.request('GET', '/v1/definitions/activity/create');
    assertErrorBody(res, 405, 'method GET is not allowed on /v1/definitions/activity/create: use POST');
    assert.equal(res.headers.get('allow'), 'POST');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.request('POST', '/v1/instance-schema/get', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }), 415,
      'content type application/x-www-form-urlencoded is not supported: send application/json');
  });

  it('answers 413 for a body over 2 MiB, refused while reading', async () => {
    const api = await getApp().newInstance();
    const big = JSON.stringify({ namespaces: ['x'.repeat(2 * 1024 * 1024)] });
    assertErrorBody(await api.post('/v1/instance-schema/get', big), 413, 'request body is larger than the limit of 2097152 bytes');
  });

  it('answers 413 for a chunked body over the limit without a Content-Length', async () => {
    const api = await getApp().newInstance();
    const chunk = new TextEncoder().encode('x'.repeat(256 * 1024));
    const chunks = 160; // 40 MiB: far more than the client can send between the answer and its reading of it
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"namespaces":["'));
        if (sent >= chunks) {
          controller.enqueue(new TextEncoder().encode('"]}'));
          controller.close();
          return;
        }
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${getApp().baseUrl}/v1/instance-schema/get`, {
      method: 'POST', body: stream, duplex: 'half',
      headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey! },
    } as RequestInit);
    const sentAtAnswer = sent;
    const body = await res.json() as any;
    assert.equal(res.status, 413);
    assert.equal(body.code, 413);
    assert.ok(sentAtAnswer < chunks, `the server answered before the body ended (at chunk ${sentAtAnswer} of ${chunks})`);
  });

  it('after an early 413, reads and discards what the client still sends (a lingering close), so the client gets the answer, not a reset', async () => {
    const api = await getApp().newInstance();
    const { hostname, port } = new URL(getApp().baseUrl);
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true });
    await once(socket, 'connect');
    let answer = '';
    let socketError: Error | undefined;
    socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    socket.on('error', (e) => { socketError = e; });
    socket.write(`POST /v1/instance-schema/get HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
      `X-Api-Key: ${api.apiKey}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const piece = 'x'.repeat(64 * 1024);
    const chunked = `${piece.length.toString(16)}\r\n${piece}\r\n`;
    const write = (data: string) => new Promise<void>((resolve) => socket.write(data, () => resolve()));
    // 3 MiB, past the 2 MiB limit, then the answer: the server answers while the body is still
    // coming (its end, the zero-length chunk, is never sent), once it has read past the limit.
    for (let written = 0; written < 48 && !socketError; written++) await write(chunked);
    const deadline = Date.now() + 15_000;
    while (!answer.includes('\r\n\r\n') && !socketError && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(socketError, undefined);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /connection: close/i);
    // The client goes on writing for a while after the answer, as a client that reads the answer
    // only once its body is sent does: the server keeps reading, so no write meets a reset.
    const until = Date.now() + 300;
    while (Date.now() < until && !socketError) await write(chunked);
    assert.equal(socketError, undefined, 'a write after the answer met a reset');
    socket.end();
    await once(socket, 'close');
    assert.equal(socketError, undefined);
    const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.equal(json.code, 413);
  });

  it('answers 500 without internals when the store fails, and logs the failure with the request id', async () => {
    const api = await getApp().newInstance();
    const { db } = getApp();
    const original = db.transaction;
    db.transaction = async () => {
      throw new Error('secret internal detail: connection to 10.0.0.5 refused');
    };
    try {
      const res = await api.post('/v1/definitions/activity/create', {
        name: 'x', icon_id: 'cart-icon', track_conversion_value: false, touch: false, filterable: false,
        visible_in_feeds: false, display_style: { type: 'activity' }, attributes: [],
      });
      assertErrorBody(res, 500, 'internal server error: the failure is logged under this request_id');
      assert.ok(!res.text.includes('secret internal detail'));
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(logLines.some((l) => l.includes(res.body.request_id) && l.includes('secret internal detail')));
    } finally {
      db.transaction = original;
    }
  });

  it('sends X-Request-Id on successful responses too, a new uuid v4 each time', async () => {
    const api = await getApp().newInstance();
    const a = await api.post('/v1/instance-schema/get', { namespaces: [] });
    const b = await api.post('/v1/instance-schema/get', { namespaces: [] });
    assert.match(a.headers.get('x-request-id')!, UUID_V4);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  });
});

describe('public endpoints', () => {
  it('serves the OpenAPI document and a health check without a key', async () => {
    const anon = getApp().anonymous();
    const doc = await anon.request('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.0.3');
    assert.ok(doc.body.paths['/v1/definitions/activity/create'].post);
    const health = await anon.request('GET', '/healthz');
    assert.deepEqual(health.body, { status: 'ok' });
  });
});

describe('paging bounds', () => {
  it('refuses an offset no database could page to, naming it, instead of failing inside', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.post('/v1/person/get', { offset: 1e308 }), 400, 'offset must be <= 1000000000');
    assertErrorBody(await api.post('/v1/accounts/get/activities', { account_id: '0063f2c474449cd58a4c5600', offset: 1e12 }), 400, 'offset must be <= 1000000000');
  });
});
