// The console's data-access module (console/src/api.ts) run in Node against the real server: it
// reads today's answers and Ortto's shapes alike (instance-schema/get as an object of namespaces
// with act:cm:* fields; person/get with cursor_id), so the console survives either at merge.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { packageRoot } from '../src/package-root.js';
import { useTestApp } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';

const app = useTestApp();
let api: any;
const storage = new Map<string, string>();
let dir: string | undefined;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-api-'));
  for (const name of ['api', 'session']) {
    const source = fs.readFileSync(path.join(packageRoot(), 'console', 'src', `${name}.ts`), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(dir, `${name}.mjs`), js.replace(/from '\.\/session'/g, "from './session.mjs'"));
  }
  (globalThis as any).sessionStorage = {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  };
  api = await import(pathToFileURL(path.join(dir, 'api.mjs')).href);
});

// The transpiled modules are loaded once imported: their folder goes with the test file.
after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The console calls relative URLs; in Node they go to the test server. */
function withServer(fn: () => Promise<any>): Promise<any> {
  const original = globalThis.fetch;
  globalThis.fetch = ((input: any, init?: any) => original(new URL(String(input), app().baseUrl), init)) as typeof fetch;
  return fn().finally(() => { globalThis.fetch = original; });
}

describe('console data access', () => {
  test("reads this server's instance-schema answer: fields typed, definitions with state, flags and event stats", async () => {
    const client = await app().newInstance();
    await define(client, definition('purchase', [{ name: 'item', display_type: 'text' }]));
    await client.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:purchase', attributes: { 'str:cm:item': 'x' }, fields: { 'str::email': 'd@example.com' } }] });
    storage.set('activity-cdp.api-key', client.apiKey!);
    const schema = await withServer(() => api.getSchema());
    assert.equal(schema.fields.get('str::email').displayType, 'email'); // Ortto's recorded display_type
    assert.equal(schema.fields.get('str::email').builtIn, true);
    const [d] = schema.definitions;
    assert.equal(d.fieldId, 'act:cm:purchase');
    assert.equal(d.state, 'active');
    assert.equal(d.iconId, 'cart-icon');
    assert.equal(d.flags.touch, true);
    assert.equal(d.eventCount, 1);
    assert.equal(d.attributes[0].fieldId, 'str:cm:item');
    assert.equal(d.attributes[0].liquidName, '{{activity.cm.purchase.item}}');
  });

  test("reads Ortto's object shape: act:cm:* fields are definitions, Ortto's own act::* are not", () => {
    const schema = api.normalizeSchema({ namespaces: {
      '': { id: '', fields: {
        'str::email': { id: 'str::email', name: 'Email', display_type: 'email', liquid_name: 'people.email' },
        'act::s-all': { id: 'act::s-all', name: 'Subscribed', display_type: 'activity', read_only: true },
      } },
      cm: { id: 'cm', fields: {
        'str:cm:plan': { id: 'str:cm:plan', name: 'Plan', display_type: 'text' },
        'act:cm:signed-up': { id: 'act:cm:signed-up', name: 'Signed up', display_type: 'activity', icon_id: 'star-icon', attributes: [{ id: 'str:cm:plan', name: 'plan', display_type: 'text', liquid_name: 'activity.custom.signed-up.plan' }] },
      } },
      o: { id: 'o', org: true, fields: { 'str:o:name': { id: 'str:o:name', name: 'Name', display_type: 'text' } } },
    } });
    assert.deepEqual([...schema.fields.keys()].sort(), ['str::email', 'str:cm:plan', 'str:o:name']);
    assert.equal(schema.fields.get('str::email').builtIn, true);
    assert.equal(schema.fields.get('str:cm:plan').builtIn, false);
    assert.deepEqual(schema.definitions.map((d: any) => [d.fieldId, d.name, d.iconId]), [['act:cm:signed-up', 'Signed up', 'star-icon']]);
    assert.deepEqual(schema.definitions[0].attributes.map((a: any) => a.fieldId), ['str:cm:plan']);
  });

  test('pages people by offset on this server, and by cursor_id when an answer has one', async () => {
    const client = await app().newInstance();
    await define(client, definition('ping', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    await client.post('/v1/activities/create', { activities: Array.from({ length: 5 }, (_, i) => ({ activity_id: 'act:cm:ping', fields: { 'str::email': `page${i}@example.com` } })) });
    storage.set('activity-cdp.api-key', client.apiKey!);
    const first = await withServer(() => api.listRecords('person', { limit: 2 }));
    assert.equal(first.rows.length, 2);
    // This server answers person/get with Ortto's cursor_id (the last row's id): the console pages by it.
    assert.deepEqual(first.next, { cursor_id: first.rows[1].id });
    const seen = new Set(first.rows.map((r: any) => r.id));
    let page: any = first;
    let pages = 1;
    while (page.next) {
      page = await withServer(() => api.listRecords('person', { limit: 2, page: page.next }));
      for (const r of page.rows) seen.add(r.id);
      pages++;
    }
    assert.equal(seen.size, 5);
    assert.equal(pages, 3);
    // An offset token (a server without cursor_id) still pages on this server.
    const byOffset = await withServer(() => api.listRecords('person', { limit: 2, page: { offset: 2 } }));
    assert.equal(byOffset.rows.length, 2);
    for (const r of byOffset.rows) assert.ok(!first.rows.some((f: any) => f.id === r.id), 'the offset page follows the first');
    assert.ok(byOffset.next !== null);
    const found = await withServer(() => api.listRecords('person', { search: 'PAGE3@example.com' }));
    assert.deepEqual(found.rows.map((r: any) => r.fields['str::email']), ['page3@example.com']);
    const one = await withServer(() => api.getRecord('person', first.rows[0].id));
    assert.equal(one.id, first.rows[0].id);

    // An answer in Ortto's recorded shape: cursor_id and meta.
    const original = globalThis.fetch;
    let sent: any;
    globalThis.fetch = (async (_url: any, init: any) => {
      sent = JSON.parse(init.body);
      return new Response(JSON.stringify({ contacts: [{ id: 'a', fields: {} }], meta: { total_matches: 7 }, cursor_id: 'c-2', has_more: true }), { status: 200 });
    }) as typeof fetch;
    try {
      const p = await api.listRecords('person', { limit: 1, page: { cursor_id: 'c-1' } });
      assert.equal(sent.cursor_id, 'c-1');
      assert.equal('offset' in sent, false);
      assert.deepEqual(p.next, { cursor_id: 'c-2' });
      assert.equal(p.total, 7);
    } finally {
      globalThis.fetch = original;
    }
  });
});
