// The export endpoints (this project's extension) and `activity-cdp export` over them: every event
// exactly once, in id order, across answers and across the server's internal chunks; persons and
// accounts apart; one instance never sees another's; bad input is a 400 naming what is wrong.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { type Client, useTestApp } from './helpers/app.js';
import { assertErrorBody, define, definition } from './helpers/fixtures.js';
import { runCli } from './helpers/process.js';

const getApp = useTestApp({ ACTIVITY_DAILY_LIMIT: '0' });

const PLAN = definition('plan-change', [{ name: 'plan', display_type: 'text' }, { name: 'seats', display_type: 'integer' }],
  { display_style: { type: 'activity_attribute', attribute: 'plan' } });
const LOGIN = definition('login', [{ name: 'device', display_type: 'text' }], { track_conversion_value: false });

interface Line { [k: string]: any }

/** One answer of an export endpoint: its event lines and its last line. */
async function exportPage(api: Client, path: string, body: Record<string, unknown>): Promise<{ events: Line[]; end: Line; contentType: string | null }> {
  const res = await fetch(api.baseUrl + path, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey! }, body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.ok(text.endsWith('\n'), 'every line ends with a newline');
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
  const end = lines.pop()!;
  assert.deepEqual(Object.keys(end).sort(), ['exported', 'next_cursor'], `the last line is the end line: ${JSON.stringify(end)}`);
  assert.equal(end.exported, lines.length);
  for (const l of lines) assert.ok(!('next_cursor' in l));
  return { events: lines, end, contentType: res.headers.get('content-type') };
}

/** Every answer from the start, following next_cursor. */
async function exportAll(api: Client, path: string, body: Record<string, unknown> = {}): Promise<{ events: Line[]; answers: number }> {
  const events: Line[] = [];
  let cursor: string | undefined;
  let answers = 0;
  for (;;) {
    const page = await exportPage(api, path, cursor === undefined ? body : { ...body, cursor });
    answers++;
    events.push(...page.events);
    if (page.end.next_cursor === null) return { events, answers };
    assert.equal(typeof page.end.next_cursor, 'string');
    cursor = page.end.next_cursor;
    assert.ok(answers < 100, 'the export ends');
  }
}

/** Ingests `n` person events over `people` persons, in requests of 100; returns activity_id → what was sent. */
async function ingestPersons(api: Client, n: number, people: number, tag: string) {
  const sent = new Map<string, { personId: string; seats: number; definition: string; key?: string }>();
  for (let start = 0; start < n; start += 100) {
    const activities = Array.from({ length: Math.min(100, n - start) }, (_, j) => {
      const i = start + j;
      return i % 5 === 4
        ? { activity_id: 'act:cm:login', attributes: { 'str:cm:device': `d${i}` }, fields: { 'str::email': `${tag}${i % people}@example.com` } }
        : {
          activity_id: 'act:cm:plan-change', attributes: { 'str:cm:plan': `p${i}`, 'int:cm:seats': i },
          fields: { 'str::email': `${tag}${i % people}@example.com` },
          ...(i % 3 === 0 ? { key: `k${i}`, created: new Date(Date.now() - i * 1000).toISOString() } : {}),
        };
    });
    const res = await api.post('/v1/activities/create', { activities });
    assert.equal(res.status, 200, res.text);
    res.body.activities.forEach((r: any, j: number) => {
      assert.equal(r.status, 'ingested', JSON.stringify(r));
      const a = activities[j]!;
      sent.set(r.activity_id, {
        personId: r.person_id, seats: start + j, definition: a.activity_id.slice(7), ...('key' in a && a.key ? { key: a.key } : {}),
      });
    });
  }
  return sent;
}

function assertInIdOrder(events: Line[]): void {
  for (let i = 1; i < events.length; i++) assert.ok(events[i - 1]!.id < events[i]!.id, `line ${i} comes after line ${i - 1} in id order`);
}

describe('POST /v1/activities/export', () => {
  it('holds every person event exactly once, in id order, in one answer and across answers of any size', async () => {
    const api = await getApp().newInstance();
    await define(api, PLAN);
    await define(api, LOGIN);
    const sent = await ingestPersons(api, 2_300, 70, 'p');
    // An account event of the same instance is not a person event.
    const acct = await api.post('/v1/accounts/activities/create', { activities: [{ activity_id: 'act:cm:login', attributes: { 'str:cm:device': 'x' }, fields: { 'str:o:name': 'Acme' } }] });
    assert.equal(acct.status, 200, acct.text);

    // One answer (the server reads it in chunks of 1000).
    const whole = await exportPage(api, '/v1/activities/export', {});
    assert.match(whole.contentType ?? '', /^application\/x-ndjson/);
    assert.equal(whole.end.next_cursor, null);
    assert.equal(whole.events.length, sent.size);
    assertInIdOrder(whole.events);
    assert.deepEqual(new Set(whole.events.map((e) => e.id)), new Set(sent.keys()));
    for (const e of whole.events) {
      const s = sent.get(e.id)!;
      assert.equal(e.person_id, s.personId);
      assert.equal(e.field_id, `act:cm:${s.definition}`);
      if (s.definition === 'plan-change') {
        assert.deepEqual(e.attr, { 'str:cm:plan': `p${s.seats}`, 'int:cm:seats': s.seats });
        assert.deepEqual(e.render_cmds, [{ content: `Plan Change: p${s.seats}` }]);
      }
      assert.equal(e.key, s.key);
      assert.ok(!Number.isNaN(Date.parse(e.created_at)));
    }

    // Answers of 700 cross the server's chunks; the concatenation is the same export.
    const paged = await exportAll(api, '/v1/activities/export', { limit: 700 });
    assert.equal(paged.answers, Math.ceil(sent.size / 700));
    assert.deepEqual(paged.events.map((e) => e.id), whole.events.map((e) => e.id));
    // An answer that holds exactly the rest knows it is the last; one event short continues.
    const exact = await exportAll(api, '/v1/activities/export', { limit: sent.size });
    assert.equal(exact.answers, 1);
    assert.equal(exact.events.length, sent.size);
    const short = await exportAll(api, '/v1/activities/export', { limit: sent.size - 1 });
    assert.equal(short.answers, 2);
    assert.deepEqual(short.events.map((e) => e.id), whole.events.map((e) => e.id));
  });

  it('filters by person and by activity', async () => {
    const api = await getApp().newInstance();
    await define(api, PLAN);
    await define(api, LOGIN);
    const sent = await ingestPersons(api, 300, 7, 'f');
    const personId = [...sent.values()][0]!.personId;
    const mine = [...sent.entries()].filter(([, s]) => s.personId === personId).map(([id]) => id).sort();
    const one = await exportAll(api, '/v1/activities/export', { person_id: personId, limit: 10 });
    assert.deepEqual(one.events.map((e) => e.id), mine);
    const logins = await exportAll(api, '/v1/activities/export', { activities: ['act:cm:login'] });
    assert.deepEqual(logins.events.map((e) => e.id), [...sent.entries()].filter(([, s]) => s.definition === 'login').map(([id]) => id).sort());
    assertErrorBody(await api.post('/v1/activities/export', { person_id: '00aaaaaaaaaaaaaaaaaaaaaa' }), 404, 'person 00aaaaaaaaaaaaaaaaaaaaaa not found');
  });

  it('exports account events apart from person events', async () => {
    const api = await getApp().newInstance();
    await define(api, LOGIN);
    const ids = new Map<string, string>();
    for (let r = 0; r < 3; r++) {
      const activities = Array.from({ length: 100 }, (_, i) => ({
        activity_id: 'act:oc:login', attributes: { 'str:cm:device': `a${r}-${i}` }, fields: { 'str:o:name': `Org ${i % 9}` },
      }));
      const res = await api.post('/v1/accounts/activities/create', { activities });
      assert.equal(res.status, 200, res.text);
      for (const a of res.body.activities) ids.set(a.activity_id, a.account_id);
    }
    const person = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:login', attributes: { 'str:cm:device': 'p' }, fields: { 'str::email': 'x@example.com' } }] });
    const all = await exportAll(api, '/v1/accounts/activities/export', { limit: 120 });
    assert.equal(all.answers, 3);
    assertInIdOrder(all.events);
    assert.deepEqual(all.events.map((e) => e.id), [...ids.keys()].sort());
    for (const e of all.events) {
      assert.equal(e.account_id, ids.get(e.id));
      assert.ok(!('person_id' in e));
    }
    const persons = await exportAll(api, '/v1/activities/export');
    assert.deepEqual(persons.events.map((e) => e.id), [person.body.activities[0].activity_id]);
  });

  it('never shows another instance\'s events, even with its cursor', async () => {
    const a = await getApp().newInstance();
    const b = await getApp().newInstance();
    await define(a, LOGIN);
    await define(b, LOGIN);
    const ra = await a.post('/v1/activities/create', { activities: Array.from({ length: 5 }, (_, i) => ({ activity_id: 'act:cm:login', attributes: { 'str:cm:device': `a${i}` }, fields: { 'str::email': `a${i}@example.com` } })) });
    const rb = await b.post('/v1/activities/create', { activities: Array.from({ length: 4 }, (_, i) => ({ activity_id: 'act:cm:login', attributes: { 'str:cm:device': `b${i}` }, fields: { 'str::email': `b${i}@example.com` } })) });
    const onlyA = await exportAll(a, '/v1/activities/export');
    assert.deepEqual(onlyA.events.map((e) => e.id), ra.body.activities.map((x: any) => x.activity_id).sort());
    const firstOfA = await exportPage(a, '/v1/activities/export', { limit: 1 });
    const bWithACursor = await exportAll(b, '/v1/activities/export', { cursor: firstOfA.end.next_cursor });
    const idsOfB = new Set(rb.body.activities.map((x: any) => x.activity_id));
    for (const e of bWithACursor.events) assert.ok(idsOfB.has(e.id), 'only b\'s own events');
    assertErrorBody(await b.post('/v1/activities/export', { person_id: ra.body.activities[0].person_id }), 404, `person ${ra.body.activities[0].person_id} not found`);
  });

  it('answers bad input with a 400 that names what is wrong', async () => {
    const api = await getApp().newInstance();
    const accountCursor = (await exportPage(api, '/v1/accounts/activities/export', {})).end.next_cursor;
    assert.equal(accountCursor, null);
    const cases: Array<[unknown, string | RegExp]> = [
      [{ limit: 0 }, 'limit must be >= 1'],
      [{ limit: 100_001 }, 'limit must be <= 100000'],
      [{ limit: 'ten' }, 'limit must be an integer'],
      [{ cursor: 'not a cursor!' }, 'cursor is not one this endpoint gave: pass the next_cursor of the last line of a previous answer'],
      [{ cursor: Buffer.from('{"k":"person","a":"zz"}').toString('base64url') }, /^cursor is not one this endpoint gave/],
      [{ cursor: Buffer.from('{"k":"account","a":"00aaaaaaaaaaaaaaaaaaaaaa"}').toString('base64url') }, 'cursor pages through account events, not person events'],
      [{ activities: ['login'] }, 'activities[0] "login" must look like act:cm:<name>'],
      [{ person_id: 'nope' }, 'person_id "nope" is not a person id (24 hex characters)'],
      [{ account_id: '00aaaaaaaaaaaaaaaaaaaaaa' }, 'account_id is not a valid element'],
      ['[1]', /^the request body must be an object/],
    ];
    for (const [body, message] of cases) assertErrorBody(await api.post('/v1/activities/export', body), 400, message);
    assertErrorBody(await getApp().anonymous().post('/v1/activities/export', {}), 401, /./);
  });

  it('is documented in the OpenAPI document as an extension that answers NDJSON', async () => {
    const doc = (await (await fetch(`${getApp().baseUrl}/openapi.json`)).json()) as any;
    for (const p of ['/v1/activities/export', '/v1/accounts/activities/export']) {
      const op = doc.paths[p]?.post;
      assert.ok(op, `documents ${p}`);
      assert.deepEqual(op.tags, ['extensions']);
      assert.ok(op.requestBody?.content?.['application/json']);
      assert.ok(op.responses['200'].content['application/x-ndjson'], 'answers NDJSON');
      assert.ok(op.responses['400']);
    }
  });
});

describe('activity-cdp export over the export endpoint', () => {
  it('streams every event once, and falls back to the per-person walk where the endpoint is missing (as on Ortto)', async () => {
    const api = await getApp().newInstance();
    await define(api, PLAN);
    await define(api, LOGIN);
    const sent = await ingestPersons(api, 400, 30, 'c');
    const env = { ACTIVITY_CDP_API_KEY: api.apiKey! };

    const streamed = await runCli(['export', '--base-url', getApp().baseUrl], env);
    assert.equal(streamed.code, 0, streamed.stderr);
    const lines = streamed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
    assert.deepEqual(lines.map((l) => l.id), [...sent.keys()].sort());
    assert.match(streamed.stderr, /exported 400 events of 30 persons/);

    // A stand-in for Ortto: the same server, but without the export endpoint.
    const counts = { export: 0, walk: 0 };
    const proxy = http.createServer((req, res) => {
      if (req.url?.endsWith('/export')) {
        counts.export++;
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ request_id: 'x', code: 404, error: `no endpoint POST ${req.url}` }));
        return;
      }
      counts.walk++;
      const upstream = http.request(getApp().baseUrl + req.url!, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const port = (proxy.address() as { port: number }).port;
      const walked = await runCli(['export', '--base-url', `http://127.0.0.1:${port}`], env);
      assert.equal(walked.code, 0, walked.stderr);
      const walkedLines = walked.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
      assert.deepEqual(walkedLines.map((l) => l.id).sort(), lines.map((l) => l.id));
      assert.equal(counts.export, 1, 'asked for the export endpoint once');
      assert.ok(counts.walk > 30, 'then walked person by person');
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });
});
