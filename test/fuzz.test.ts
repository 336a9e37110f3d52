// A seeded fuzz run over every endpoint (issue 12 item 3): valid bodies mutated at random (values
// swapped for nasty ones, elements dropped or added, U+0000, lone surrogates, deep nesting, broken
// JSON, other content types). Every answer is < 500 and, when not 200, in Ortto's error shape;
// afterwards the queue drains completely (nothing stuck) and the server still serves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';

const get = useTestApp({ AUTH_FAILURES_PER_MINUTE: '0' });

const SEED = Number(process.env['FUZZ_SEED'] ?? 12_345);
const CASES = Number(process.env['FUZZ_CASES'] ?? 3000);
/** Wall-clock budget of the run (FUZZ_BUDGET_MS): on a busy machine fewer cases run, never more time. */
const BUDGET_MS = Number(process.env['FUZZ_BUDGET_MS'] ?? 60_000);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const activity = () => ({
  activity_id: 'act:cm:fz', key: 'k1', created: new Date().toISOString(),
  attributes: { 'str:cm:item': 'book', 'int:cm:n': 3, 'int::v': 100 },
  fields: { 'str::email': 'fuzz@example.com', 'str::first': 'F' },
  location: { source_ip: '119.18.0.218' },
});

const ENDPOINTS: Array<{ method: string; path: string; body: () => unknown }> = [
  { method: 'POST', path: '/v1/definitions/activity/create', body: () => definition('fz-new', [{ name: 'item', display_type: 'text' }, { name: 'when', display_type: 'date' }]) },
  { method: 'PUT', path: '/v1/definitions/activity/modify', body: () => ({ activity_field_id: 'act:cm:fz', icon_id: 'star-icon', attributes: [{ name: 'item', display_type: 'text' }, { name: 'n', display_type: 'integer' }] }) },
  { method: 'DELETE', path: '/v1/definitions/activity/delete', body: () => ({ activity_field_id: 'act:cm:fz-gone' }) },
  { method: 'POST', path: '/v1/instance-schema/get', body: () => ({ namespaces: ['', 'cm'] }) },
  { method: 'POST', path: '/v1/activities/create', body: () => ({ activities: [activity(), activity()], merge_by: ['str::email'] }) },
  { method: 'POST', path: '/v1/activities/create', body: () => ({ async: true, activities: [activity()], merge_strategy: 1 }) },
  { method: 'POST', path: '/v1/accounts/activities/create', body: () => ({ activities: [{ activity_id: 'act:oc:fz', attributes: { 'int::v': 5 }, fields: { 'str:o:name': 'Acme' } }] }) },
  { method: 'POST', path: '/v1/activities/dead-letters/get', body: () => ({ limit: 5, offset: 0 }) },
  { method: 'POST', path: '/v1/person/get', body: () => ({ limit: 10, offset: 0, fields: ['str::email'], filter: { $and: [{ '$str::is': { field_id: 'str::email', value: 'fuzz@example.com' } }, { '$int::greater_than': { field_id: 'int:cm:n', value: 1 } }] } }) },
  { method: 'POST', path: '/v1/person/get/activities', body: () => ({ person_id: '006b03a96f8c2ad358048644', limit: 5, activities: ['act:cm:fz'] }) },
  { method: 'POST', path: '/v1/accounts/get', body: () => ({ limit: 5, filter: { '$has_any_value': { field_id: 'str:o:name' } } }) },
  { method: 'POST', path: '/v1/accounts/get/activities', body: () => ({ account_id: '006b03a96f8c2ad358048644', offset: 3 }) },
];

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

const NASTY: Array<(r: () => number) => unknown> = [
  () => null, () => true, () => 0, () => -1, () => 1.5, () => 1e308, () => -1e308, () => 2 ** 53 + 2, () => 2 ** 31, () => -(2 ** 31) - 1,
  () => '', () => ' ', () => 'a\u0000b', () => '\ud800', () => 'x\udc00y', () => '😀'.repeat(50), () => 'x'.repeat(20_000),
  () => 'act:cm:nope', () => 'act:cm:fz', () => 'str::email', () => 'int:cm:n', () => '2025-13-45T99:99:99Z', () => '1970-01-01T00:00:00Z',
  () => '9999-12-31T23:59:59Z', () => 'null', () => '<script>alert(1)</script>', () => "'; drop table records; --", () => '{{activity.x}}',
  () => [], () => ({}), () => [null], () => [1, 'a', {}], () => ({ '': 1 }), () => ({ 'a\u0000': 1 }), () => nest(70), () => nest(20),
  (r) => Array.from({ length: Math.floor(r() * 150) }, () => ({})), (r) => Math.floor(r() * 1e9), (r) => String(r()),
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A random path into a JSON value (objects and arrays), with the container and key at its end. */
function mutate(r: () => number, body: unknown): unknown {
  const root = { v: body } as Record<string, unknown>;
  let container: Record<string, unknown> | unknown[] = root;
  let key: string | number = 'v';
  for (let depth = 0; depth < 6; depth++) {
    const value: unknown = (container as Record<string | number, unknown>)[key];
    if (typeof value !== 'object' || value === null || r() < 0.25) break;
    const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    if (keys.length === 0) break;
    container = value as Record<string, unknown>;
    key = pick(r, keys);
  }
  const action = r();
  if (action < 0.6) (container as Record<string | number, unknown>)[key] = pick(r, NASTY)(r);
  else if (action < 0.8 && !Array.isArray(container) && container !== root) delete (container as Record<string, unknown>)[key as string];
  else if (!Array.isArray(container)) (container as Record<string, unknown>)[pick(r, ['extra', '__proto__', 'async', 'merge_by', 'limit', 'filter', 'x\u0000'])] = pick(r, NASTY)(r);
  return root['v'];
}

function rawBody(r: () => number, body: unknown): { text: string; contentType: string } {
  const text = JSON.stringify(body) ?? 'null';
  const roll = r();
  if (roll < 0.03) return { text: text.slice(0, Math.floor(r() * text.length)), contentType: 'application/json' };
  if (roll < 0.05) return { text, contentType: pick(r, ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/xml']) };
  if (roll < 0.07) return { text: text.replace(/"([^"]{1,12})"/, '"\\u0000$1"'), contentType: 'application/json' };
  if (roll < 0.09) return { text: text.replace(/"([^"]{1,12})"/, '"\\ud83d$1"'), contentType: 'application/json' };
  if (roll < 0.1) return { text: '['.repeat(10_000) + ']'.repeat(10_000), contentType: 'application/json' };
  return { text, contentType: 'application/json' };
}

describe('fuzz', () => {
  it(`${CASES} seeded cases over every endpoint: no 5xx, Ortto's error shape, nothing stuck in the queue (seed ${SEED})`, async (t) => {
    const api = await get().newInstance();
    await define(api, definition('fz', [{ name: 'item', display_type: 'text' }, { name: 'n', display_type: 'integer' }], { retention_days: 365 }));
    const r = mulberry32(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    let ran = 0;
    const cases = Array.from({ length: CASES }, () => {
      const endpoint = pick(r, ENDPOINTS);
      let body: unknown = endpoint.body();
      const mutations = 1 + Math.floor(r() * 3);
      for (let m = 0; m < mutations; m++) body = mutate(r, body);
      return { endpoint, ...rawBody(r, body) };
    });
    let next = 0;
    const worker = async () => {
      while (next < cases.length && Date.now() - started < BUDGET_MS) {
        const c = cases[next++]!;
        const res = await api.request(c.endpoint.method, c.endpoint.path, c.text, { 'content-type': c.contentType });
        ran++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `${c.endpoint.method} ${c.endpoint.path} ${c.text.slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`;
        if (res.status >= 500) failures.push(where);
        else if (res.status === 429) {
          if (res.body?.error?.code !== 'rate-limit') failures.push(where);
        } else if (res.status !== 200) {
          const b = res.body;
          if (typeof b?.request_id !== 'string' || b.code !== res.status || typeof b.error !== 'string' || b.error === '') failures.push(where);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    t.diagnostic(`${ran} cases in ${Date.now() - started} ms: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${ran} cases failed`);
    assert.ok(ran >= Math.min(CASES, 500), `only ${ran} cases ran in the budget`);
    assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));

    // Whatever was queued is applied or dead-lettered: nothing is stuck.
    for (let i = 0; i < 20; i++) await get().drain();
    const dl = await api.post('/v1/activities/dead-letters/get', { limit: 1 });
    assert.equal(dl.status, 200, dl.text);
    const due = await get().db.query<{ n: number }>('select count(*)::integer as n from ingest_queue where not_before <= now()');
    assert.equal(due[0]!.n, 0, 'no due row is left in the queue');
    // (the fuzz may have archived act:cm:fz)
    await define(api, definition('fz-after', [{ name: 'item', display_type: 'text' }]));
    const ok = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:fz-after', attributes: { 'str:cm:item': 'after' }, fields: { 'str::email': 'after-fuzz@example.com' } }] });
    assert.equal(ok.status, 200, ok.text);
  });
});
