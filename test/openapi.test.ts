// The OpenAPI document and the docs page are public: no X-Api-Key needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';

const getApp = useTestApp();

describe('OpenAPI', () => {
  it('serves the OpenAPI 3 document at /openapi.json without authentication', async () => {
    const res = await fetch(`${getApp().baseUrl}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, { type: string; in: string; name: string }> };
    };
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(doc.components.securitySchemes['apiKey'], { type: 'apiKey', in: 'header', name: 'X-Api-Key' });
    const create = doc.paths['/v1/definitions/activity/create']?.['post'];
    assert.ok(create, 'documents POST /v1/definitions/activity/create');
    assert.ok(create.requestBody, 'with its request body');
    assert.ok(create.responses['200'] && create.responses['400'] && create.responses['429'], 'and its answers');
    assert.ok(doc.paths['/v1/definitions/activity/delete']?.['delete']);
    assert.ok(doc.paths['/v1/instance-schema/get']?.['post']);
    assert.equal(doc.paths['/openapi.json'], undefined, 'the document does not list itself');
  });

  it('serves the docs page at /docs without authentication', async () => {
    const res = await fetch(`${getApp().baseUrl}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /swagger/i);
    const spec = await fetch(`${getApp().baseUrl}/docs/json`);
    assert.equal(spec.status, 200, 'the page loads its document without a key');
    const doc = (await spec.json()) as { servers?: { url: string }[] };
    assert.deepEqual(doc.servers?.map((s) => s.url), [getApp().baseUrl], 'servers names the address asked');
    const script = await fetch(`${getApp().baseUrl}/docs/static/swagger-ui-bundle.js`);
    assert.equal(script.status, 200, 'and its scripts');
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await script.text()).length > 100_000);
    const post = await fetch(`${getApp().baseUrl}/docs`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.match(post.headers.get('allow') ?? '', /GET/);
  });
});
