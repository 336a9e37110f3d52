// The OpenAPI document as a user of Swagger's "Try it out" meets it: every operation has an
// operationId, a description and a request example; every error status is documented (405
// included); `servers` is the address the document was asked at; and the examples, sent in the
// document's order to a fresh instance, all succeed.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { useEmulatorApp } from './helpers/emulator.js';

const getApp = useTestApp();

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  requestBody?: { content: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { description?: string }>;
}
type Doc = { servers?: Array<{ url: string }>; paths: Record<string, Record<string, Operation>> };

async function getDoc(path = '/openapi.json'): Promise<Doc> {
  const res = await fetch(getApp().baseUrl + path);
  assert.equal(res.status, 200);
  return (await res.json()) as Doc;
}

function operations(doc: Doc): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

function exampleOf(op: Operation): unknown {
  const media = op.requestBody?.content['application/json'];
  return media?.example ?? Object.values(media?.examples ?? {})[0]?.value;
}

describe('OpenAPI operations', () => {
  it('every operation has a unique operationId, a description, an example and its error statuses documented, 405 included', async () => {
    const ops = operations(await getDoc());
    assert.ok(ops.length >= 11, `${ops.length} operations`);
    const ids = new Set<string>();
    for (const { method, path, op } of ops) {
      const name = `${method} ${path}`;
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, `${name} has an operationId`);
      assert.ok(!ids.has(op.operationId!), `${name}: operationId ${op.operationId} is unique`);
      ids.add(op.operationId!);
      assert.ok((op.description ?? '').length > 20, `${name} has a description`);
      assert.ok(exampleOf(op) !== undefined, `${name} has a request example`);
      for (const status of ['200', '400', '401', '405', '413', '415', '429', '500', '503']) {
        assert.ok(op.responses[status], `${name} documents ${status}`);
        assert.ok(op.responses[status]!.description && op.responses[status]!.description !== 'Default Response', `${name} describes ${status}`);
      }
      const text = JSON.stringify(op);
      assert.doesNotMatch(text, /source documents|\(extension|TODO|FIXME/i, `${name}: no internal wording`);
    }
  });

  it('servers is the address the document was asked at, on /openapi.json and on the docs page', async () => {
    const url = new URL(getApp().baseUrl);
    for (const path of ['/openapi.json', '/docs/json']) {
      const doc = await getDoc(path);
      assert.deepEqual(doc.servers?.map((s) => s.url), [`http://${url.host}`], path);
    }
    // Behind a proxy or another name, the Host the client used (fetch cannot set Host: use http).
    const other = await new Promise<string>((resolve, reject) => {
      http.get({ host: url.hostname, port: url.port, path: '/openapi.json', headers: { host: 'cdp.example.test:9999' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.deepEqual((JSON.parse(other) as Doc).servers?.map((s) => s.url), ['http://cdp.example.test:9999']);
  });

  it('the documented 405 is what a wrong method gets', async () => {
    const api = await getApp().newInstance();
    const res = await api.request('GET', '/v1/activities/create');
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.equal(res.body.code, 405);
  });

  it("every example, sent in the document's order to a fresh instance, succeeds (Try it out)", async () => {
    const doc = await getDoc();
    const api = await getApp().newInstance();
    const ids: Record<string, string> = {};
    const ops = operations(doc);
    // The archive goes last: the others use the definition it archives.
    ops.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const { method, path, op } of ops) {
      const example = exampleOf(op);
      assert.ok(example !== undefined && typeof example === 'object', `${method} ${path} has a request example`);
      const body = structuredClone(example) as Record<string, unknown>;
      // Read-back of one record, and archive / restore of the listed ones, need the id the server
      // gave it (the description says where from).
      const idKey = path.startsWith('/v1/accounts/') ? 'account_id' : 'person_id';
      if ('person_id' in body) body['person_id'] = ids['person_id'];
      if ('account_id' in body) body['account_id'] = ids['account_id'];
      if (Array.isArray(body['inclusion_ids'])) body['inclusion_ids'] = [ids[idKey]];
      const res = await api.request(method, path, body);
      assert.equal(res.status, 200, `${method} ${path} with its example: ${res.text}`);
      const name = `${method} ${path}`;
      if ((res.headers.get('content-type') ?? '').startsWith('application/x-ndjson')) {
        // The export: event lines, then the end line.
        const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        const end = lines.pop()!;
        assert.ok('next_cursor' in end && end['exported'] === lines.length, `${name}: ${res.text}`);
        assert.ok(lines.length > 0 && lines.every((l) => typeof l['field_id'] === 'string' && l[idKey] === ids[idKey]), `${name}: ${res.text}`);
        continue;
      }
      assert.equal(typeof res.body, 'object', `${name}: ${res.text}`);
      for (const a of res.body.activities ?? []) {
        assert.equal(a.status === 'ingested' || Array.isArray(a.render_cmds), true, `${name}: ${JSON.stringify(a)}`);
        if (a.person_id) ids['person_id'] = a.person_id;
        if (a.account_id) ids['account_id'] = a.account_id;
      }
      // person/get and accounts/get: Ortto's shape, the example's person found.
      if (path === '/v1/person/get') {
        assert.ok(res.body.meta && 'cursor_id' in res.body, `${name}: ${res.text}`);
        assert.deepEqual(res.body.contacts.map((c: { id: string }) => c.id), [ids['person_id']], `${name}: ${res.text}`);
      }
      if (path === '/v1/instance-schema/get') {
        // Ortto's object shape: namespaces by id, each with its fields by field ID.
        const namespaces = Object.values(res.body.namespaces ?? {}) as Array<{ fields?: Record<string, unknown> }>;
        assert.ok(namespaces.some((n) => n.fields?.['act:cm:product-purchase']), `${name}: ${res.text.slice(0, 500)}`);
      }
      // Archive and restore take the record the earlier examples made.
      if (path.endsWith('/archive') || path.endsWith('/restore')) {
        const done = Object.entries(res.body as Record<string, number>).find(([k]) => /^(archived|restored)_/.test(k));
        assert.equal(done?.[1], 1, `${name}: ${res.text}`);
      }
      if (path.endsWith('/merge')) {
        const records = res.body.people ?? res.body.accounts;
        assert.ok(records.length > 0 && records.every((r: { status: string }) => r.status === 'created' || r.status === 'merged'), `${name}: ${res.text}`);
      }
    }
    assert.ok(ids['person_id'] && ids['account_id']);
  });
});

describe('OpenAPI operations of the emulator API (EMULATOR_API=true)', () => {
  const getEmulator = useEmulatorApp();

  it('every /_emulator operation is tagged emulator, with an operationId, a description, its error statuses and an example where it takes a body', async () => {
    const res = await fetch(getEmulator().baseUrl + '/openapi.json');
    const ops = operations((await res.json()) as Doc).filter((o) => o.path.startsWith('/_emulator/'));
    assert.ok(ops.length >= 13, `${ops.length} emulator operations`);
    const ids = new Set<string>();
    for (const { method, path, op } of ops) {
      const name = `${method} ${path}`;
      assert.deepEqual((op as { tags?: string[] }).tags, ['emulator'], `${name} is tagged emulator`);
      assert.match(op.operationId ?? '', /^emulator[A-Z][A-Za-z]+$/, `${name} has an operationId`);
      assert.ok(!ids.has(op.operationId!), `${name}: operationId ${op.operationId} is unique`);
      ids.add(op.operationId!);
      assert.ok((op.description ?? '').length > 20, `${name} has a description`);
      if (op.requestBody) assert.ok(exampleOf(op) !== undefined, `${name} has a request example`);
      for (const status of ['200', '400', '401', '405', '500', '503']) {
        assert.ok(op.responses[status]?.description && op.responses[status]!.description !== 'Default Response', `${name} describes ${status}`);
      }
      assert.doesNotMatch(JSON.stringify(op), /source documents|\(extension|TODO|FIXME/i, `${name}: no internal wording`);
    }
  });

  it("every /_emulator example, sent in the document's order with a fresh instance's key, succeeds (Try it out)", async () => {
    const res = await fetch(getEmulator().baseUrl + '/openapi.json');
    const ops = operations((await res.json()) as Doc).filter((o) => o.path.startsWith('/_emulator/'));
    const api = await getEmulator().newInstance();
    for (const { method, path, op } of ops) {
      const answer = await api.request(method, path, op.requestBody ? exampleOf(op) : undefined);
      assert.equal(answer.status, 200, `${method} ${path} with its example: ${answer.text}`);
    }
  });
});
