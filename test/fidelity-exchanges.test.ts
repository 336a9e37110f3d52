// Every recorded exchange of real Ortto (../shared/ortto-recorded/exchanges.json) replayed: against
// the production-2025 profile its answer must have the recorded status, Content-Type, trailing
// newline, and shape (keys and their order, types, formats); against docs, the answer the spec
// README gives. Recorded person ids are pointed at persons the test made first.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { titleCase } from '../src/domain/field-types.js';
import { useTestApp, type Client, type Response } from './helpers/app.js';
import { ID, UUID_V4 } from './helpers/fixtures.js';
import { SKIP_WITHOUT_RECORDINGS, assertSameShape, exchanges, formatOf, type Exchange, type ShapeOptions } from './helpers/recorded.js';

const getApp = useTestApp();

/** The shape rules per endpoint: which parts are data (field-id dictionaries) or free text. */
const SHAPE: Record<string, ShapeOptions> = {
  'POST /v1/person/get/activities': {
    dictionaries: ['activities[].attr'],
    // Recorded events are Ortto's system activities (act::*); this server's are custom ones (act:cm:*).
    freeText: ['activities[].field_id', 'activities[].render_cmds[].content', 'meta.field_ids[]'],
  },
  'POST /v1/person/get': { dictionaries: ['contacts[].fields'] },
  'POST /v1/person/merge': { freeText: ['error', 'details[].error'] },
};

/** Every 24-hex id a recorded request names (person ids of Ortto's test instance). */
function recordedIds(all: Exchange[]): string[] {
  const ids = new Set<string>();
  for (const ex of all) for (const m of JSON.stringify(ex.request).matchAll(/"([0-9a-f]{24})"/g)) ids.add(m[1]!);
  return [...ids];
}

interface Replayer {
  api: Client;
  send(ex: Exchange): Promise<Response>;
  /** Our person standing in for a recorded person id. */
  ids: Map<string, string>;
}

/** An instance of the given profile with one person per recorded person id, each with one custom event. */
async function replayer(profile: string, all: Exchange[]): Promise<Replayer> {
  const api = await getApp().newInstance({ profile });
  const ids = new Map<string, string>();
  const recorded = recordedIds(all);
  const merged = await api.post('/v1/person/merge', {
    people: recorded.map((_, i) => ({ fields: { 'str::email': `replay-${i}@example.com`, 'str::first': `P${i}` } })),
    merge_by: ['str::email'],
  });
  assert.equal(merged.status, 200, merged.text);
  recorded.forEach((id, i) => ids.set(id, merged.body.people[i].person_id));
  const def = await api.post('/v1/definitions/activity/create', {
    name: 'replay-visit', icon_id: 'eye-illustration-icon', track_conversion_value: false, touch: true, filterable: true,
    visible_in_feeds: true, display_style: { type: 'activity_attribute', attribute_name: 'page' },
    attributes: [{ name: 'page', display_type: 'text' }],
  });
  assert.equal(def.status, 200, def.text);
  const events = await api.post('/v1/activities/create', {
    activities: [...ids.values()].map((person_id) => ({ activity_id: 'act:cm:replay-visit', person_id, attributes: { 'str:cm:page': '/pricing' } })),
  });
  assert.equal(events.status, 200, events.text);
  const send = (ex: Exchange) => {
    let body = JSON.stringify(ex.request);
    for (const [theirs, ours] of ids) body = body.replaceAll(theirs, ours);
    const [method, path] = ex.endpoint.split(' ') as [string, string];
    return api.request(method, path, body, { 'content-type': 'application/json' });
  };
  return { api, send, ids };
}

function assertWire(res: Response, status: number, label: string): void {
  assert.equal(res.status, status, `${label}: ${res.text}`);
  assert.equal(res.headers.get('content-type'), 'application/json', `${label}: Content-Type`);
  assert.ok(res.text.endsWith('}\n'), `${label}: the body ends with a newline`);
}

/** instance-schema/get: the namespaces, their keys, and the built-in fields as recorded, exactly. */
function assertSchemaLikeRecorded(res: Response, recorded: any): void {
  const ours = res.body.namespaces;
  assert.deepEqual(Object.keys(ours), Object.keys(recorded.namespaces));
  for (const ns of Object.keys(recorded.namespaces)) {
    assert.deepEqual(Object.keys(ours[ns]), Object.keys(recorded.namespaces[ns]), `namespace "${ns}" keys`);
    assert.equal(ours[ns].id, recorded.namespaces[ns].id);
  }
  for (const [ns, id] of [['', 'str::email'], ['', 'bol::gdpr'], ['', 'geo::city'], ['', 'str::u-ctx'], ['o', 'str:o:name'], ['o', 'geo:o:city']] as const) {
    assert.deepEqual(ours[ns].fields[id], recorded.namespaces[ns].fields[id], `${id} as recorded`);
  }
  for (const [id, f] of Object.entries<any>(recorded.namespaces[''].fields)) {
    if (id.startsWith('act::')) assert.equal(ours[''].fields[id]?.name, f.name, `system activity ${id}`);
  }
}

describe('recorded Ortto exchanges, replayed against production-2025', { skip: SKIP_WITHOUT_RECORDINGS }, () => {
  const all = exchanges();
  let r: Replayer;
  before(async () => {
    r = await replayer('production-2025', all);
  });

  for (const ex of all) {
    it(`${ex.label}: ${ex.endpoint} answers ${ex.ortto.status} in Ortto's shape`, async () => {
      const res = await r.send(ex);
      assertWire(res, ex.ortto.status, ex.label);
      if (ex.endpoint === 'POST /v1/instance-schema/get') return assertSchemaLikeRecorded(res, ex.ortto.body);
      assertSameShape(res.body, ex.ortto.body, SHAPE[ex.endpoint] ?? {});
      if (ex.endpoint === 'POST /v1/definitions/activity/create') {
        const ours = res.body.custom_activity;
        const theirs = ex.ortto.body.custom_activity;
        assert.deepEqual({ ...ours, created_at: '', edited_at: '' }, { ...theirs, created_at: '', edited_at: '' }, 'every value but the times');
      }
      if (ex.endpoint === 'POST /v1/person/merge' && ex.ortto.status === 400) {
        assert.match(res.body.error, /^No valid contacts provided \(.*str::invalid_field_that_does_not_exist.*\)$/);
        assert.match(res.body.request_id, UUID_V4);
      }
    });
  }

  it('the activities it answered as queued with act::c (a system activity) are dead letters with their reason, sync and async alike', async () => {
    await getApp().drain();
    const res = await r.api.post('/v1/activities/dead-letters/get', { limit: 500 });
    const sent = all.filter((ex) => ex.endpoint === 'POST /v1/activities/create').reduce((n, ex) => n + ex.request.activities.length, 0);
    assert.equal(res.body.total, sent);
    for (const d of res.body.dead_letters) {
      assert.equal(d.status, 'invalid');
      assert.match(d.error, /act::c.*system activity/);
    }
  });

  it('person/get pages by cursor_id: the next page starts after the cursor, and records added meanwhile do not shift it', async () => {
    const first = await r.api.post('/v1/person/get', { limit: 2 });
    assert.equal(first.body.contacts.length, 2);
    assert.equal(first.body.cursor_id, first.body.contacts[1].id);
    // A record created between the pages does not shift the next one: it holds the records whose
    // ids sort after the cursor, in order. (Ids sort by creation
    // second; within one second their random part decides, so the new one may sort either side.)
    await r.api.post('/v1/person/merge', { people: [{ fields: { 'str::email': 'late@example.com' } }] });
    const second = await r.api.post('/v1/person/get', { limit: 2, cursor_id: first.body.cursor_id });
    const everyone = await r.api.post('/v1/person/get', { limit: 100 });
    const after = everyone.body.contacts.map((c: any) => c.id).filter((id: string) => id > first.body.cursor_id);
    assert.deepEqual(second.body.contacts.map((c: any) => c.id), after.slice(0, 2));
    assert.equal(everyone.body.meta.total_contacts, everyone.body.contacts.length);
    assert.equal(everyone.body.meta.total_subscribers, everyone.body.contacts.length, 'new persons are opted in to e-mail');
  });
});

describe('the same recorded requests against docs', { skip: SKIP_WITHOUT_RECORDINGS }, () => {
  const all = exchanges();
  let r: Replayer;
  before(async () => {
    r = await replayer('docs', all);
  });

  for (const ex of all) {
    it(`${ex.label}: ${ex.endpoint} is answered as the spec says`, async () => {
      const res = await r.send(ex);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.ok(res.text.endsWith('\n'));
      switch (ex.endpoint) {
        case 'POST /v1/definitions/activity/create': {
          assert.equal(res.status, 200, res.text);
          const view = res.body.custom_activity;
          assert.equal(view.name, titleCase(ex.request.name));
          assert.equal(view.state, 'awaiting_implementation');
          assert.equal(view.archived, false);
          assert.equal(formatOf(view.created_at), 'rfc3339-ms');
          for (const a of view.attributes) assert.equal(formatOf(a.liquid_name), 'liquid-braces');
          if (ex.request.display_style.attribute_name) {
            assert.deepEqual(view.display_mode, { type: 'activity_attribute', attribute: ex.request.display_style.attribute_name });
          }
          return;
        }
        case 'POST /v1/activities/create': {
          if (ex.request.async) {
            // Acknowledged as queued with the event's id; the worker dead-letters it with the reason.
            assert.equal(res.status, 200, res.text);
            assert.deepEqual(Object.keys(res.body.activities[0]), ['person_id', 'status', 'person_status', 'activity_id']);
            return;
          }
          // act::c is Ortto's own activity: each item fails with the reason, so the request is a 400.
          assert.equal(res.status, 400, res.text);
          assert.match(res.body.error, /^activity_id "act::c" is Ortto's own system activity/);
          assert.equal(res.body.details.length, ex.request.activities.length);
          return;
        }
        case 'POST /v1/person/get/activities':
          assert.equal(res.status, 200, res.text);
          assert.deepEqual(Object.keys(res.body), ['activities', 'meta', 'offset', 'next_offset']);
          assert.deepEqual(Object.keys(res.body.meta), ['total_activities', 'field_ids', 'has_more', 'retention']);
          if (res.body.activities) assert.equal(formatOf(res.body.activities[0].created_at), 'rfc3339-ms');
          return;
        case 'POST /v1/person/get':
          assert.equal(res.status, 200, res.text);
          assert.deepEqual(Object.keys(res.body), ['contacts', 'meta', 'offset', 'next_offset', 'cursor_id', 'has_more']);
          assert.match(res.body.contacts[0].created_at, /Z$/, 'docs keeps the created_at extension');
          return;
        case 'POST /v1/instance-schema/get':
          assert.equal(res.status, 200);
          return assertSchemaLikeRecorded(res, ex.ortto.body);
        case 'POST /v1/person/merge':
          assert.equal(res.status, ex.ortto.status, res.text);
          if (res.status === 400) assert.deepEqual(Object.keys(res.body.details[0]), ['index', 'status', 'error']);
          else assert.match(res.body.people[0].person_id, ID);
          return;
        default:
          assert.fail(`no docs expectation for ${ex.endpoint}`);
      }
    });
  }
});
