// The liberal input of the spec README ("Input is accepted liberally"), in both profiles: each
// shape accepted and stored (read back), and the wire details real clients meet (CORS, Content-Type,
// trailing newline, 415 for text/plain).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type Client } from './helpers/app.js';
import { assertErrorBody, schemaActivities } from './helpers/fixtures.js';

const getApp = useTestApp();

const VISIT = {
  name: 'page-visit', icon_id: 'moneys-illustration-icon', track_conversion_value: false, touch: true, filterable: true,
  visible_in_feeds: true, display_style: { type: 'activity' }, attributes: [{ name: 'url', display_type: 'text' }],
};

async function person(api: Client, email: string): Promise<any> {
  const res = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: email } } });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts[0];
}

for (const profile of ['docs', 'production-2025'] as const) {
  describe(`liberal input (${profile})`, () => {
    it('takes both icon sets and Ortto\'s display_style spellings (attribute_name, attribute_field_id, title)', async () => {
      const api = await getApp().newInstance({ profile });
      const styles = [
        { icon_id: 'cart-icon', display_style: { type: 'activity_attribute', attribute_name: 'url' } },
        { icon_id: 'time-illustration-icon', display_style: { type: 'activity_attribute', attribute_field_id: 'str:cm:url' } },
        { icon_id: 'flag-activities-illustration-icon', display_style: { type: 'activity_template', title: 'Visited {{url}}' } },
      ];
      for (const [i, s] of styles.entries()) {
        const res = await api.post('/v1/definitions/activity/create', { ...VISIT, name: `visit-${i}`, ...s });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.custom_activity.icon_id, s.icon_id);
      }
      const stored = schemaActivities((await api.post('/v1/instance-schema/get', {})).body);
      const modes = stored.map((a) => a.display_mode);
      if (profile === 'docs') {
        assert.deepEqual(modes, [
          { type: 'activity_attribute', attribute: 'url' },
          { type: 'activity_attribute', attribute: 'url' },
          { type: 'activity_template', template: 'Visited {{url}}' },
        ]);
      } else {
        assert.deepEqual(modes, [
          { type: 'activity_attribute', attribute_field_id: 'str:cm:url' },
          { type: 'activity_attribute', attribute_field_id: 'str:cm:url' },
          { type: 'activity_template', title: 'Visited {{url}}' },
        ]);
      }
      assertErrorBody(await api.post('/v1/definitions/activity/create', { ...VISIT, name: 'bad', display_style: { type: 'activity_attribute', attribute_field_id: 'str:cm:nope' } }),
        400, 'display_style.attribute_field_id "str:cm:nope" is not one of the definition\'s attributes');
    });

    it('takes a CDP destination\'s activity as sent: geo {name} and {}, bol::gdpr, phn {n}, recorded built-ins; stores it', async () => {
      const api = await getApp().newInstance({ profile });
      assert.equal((await api.post('/v1/definitions/activity/create', VISIT)).status, 200);
      const res = await api.post('/v1/activities/create', {
        activities: [{
          activity_id: 'act:cm:page-visit',
          attributes: { 'str:cm:url': '/pricing' },
          fields: {
            'str::email': 'kolkata@example.com', 'geo::city': { name: 'Kolkata' }, 'geo::country': {}, 'geo::region': { name: '' },
            'bol::gdpr': true, 'phn::phone': { n: '+91 98300 12345' }, 'str::soi-ctx': 'Subscribed via RudderStack', 'str::lt': 'Asia/Kolkata',
          },
        }],
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.activities[0].status, profile === 'docs' ? 'ingested' : 'queued');
      const p = await person(api, 'kolkata@example.com');
      assert.equal(p.fields['geo::city'], 'Kolkata');
      assert.ok(!('geo::country' in p.fields), '{} is no value');
      assert.ok(!('geo::region' in p.fields), 'an empty name is no value');
      assert.equal(p.fields['bol::gdpr'], true);
      assert.deepEqual(p.fields['phn::phone'], { n: '+91 98300 12345' });
      assert.equal(p.fields['str::soi-ctx'], 'Subscribed via RudderStack');
      assert.equal(p.fields['str::lt'], 'Asia/Kolkata');
    });

    it('treats an all-empty phone as no value, and takes location.custom city and postal_code', async () => {
      const api = await getApp().newInstance({ profile });
      assert.equal((await api.post('/v1/definitions/activity/create', VISIT)).status, 200);
      const res = await api.post('/v1/activities/create', {
        activities: [{
          activity_id: 'act:cm:page-visit', fields: { 'str::email': 'sydney@example.com', 'phn::phone': { c: '', n: '' } },
          location: { custom: { city: 'Sydney', region: 'NSW', country: 'Australia', postal_code: '2000' } },
        }],
      });
      assert.equal(res.status, 200, res.text);
      const p = await person(api, 'sydney@example.com');
      assert.ok(!('phn::phone' in p.fields));
      assert.equal(p.fields['geo::city'], 'Sydney');
      assert.equal(p.fields['str::postal'], '2000');
      assert.equal(p.fields['geo::country'], 'Australia');
    });

    it('refuses a read-only built-in by name, and a system activity as an event id (docs: per item; production-2025: dead letter)', async () => {
      const api = await getApp().newInstance({ profile });
      assert.equal((await api.post('/v1/definitions/activity/create', VISIT)).status, 200);
      const res = await api.post('/v1/activities/create', {
        activities: [
          { activity_id: 'act:cm:page-visit', fields: { 'str::email': 'ro@example.com', 'geo::ll-cty': 'Paris' } },
          { activity_id: 'act::s', fields: { 'str::email': 'ro@example.com' } },
          { activity_id: 'act:cm:page-visit', fields: { 'str::email': 'ok@example.com' } },
        ],
      });
      assert.equal(res.status, 200, res.text);
      const reasons = ['fields: geo::ll-cty is read-only (Ortto sets it itself)', /^activity_id "act::s" is Ortto's own system activity \(Sent email\)/];
      if (profile === 'docs') {
        assert.equal(res.body.activities[0].error, reasons[0]);
        assert.match(res.body.activities[1].error, reasons[1] as RegExp);
        assert.equal(res.body.activities[2].status, 'ingested');
      } else {
        assert.deepEqual(res.body.activities, Array(3).fill({ status: 'queued', person_status: 'queued' }));
        const dead = await api.post('/v1/activities/dead-letters/get', {});
        const byIndex = new Map(dead.body.dead_letters.map((d: any) => [d.activity_index, d.error]));
        assert.equal(byIndex.get(0), reasons[0]);
        assert.match(String(byIndex.get(1)), reasons[1] as RegExp);
        assert.equal(dead.body.total, 2);
      }
      assert.ok(await person(api, 'ok@example.com'), 'the valid activity was taken');
    });

    it('takes system activity ids in read-back filters (they match no event here)', async () => {
      const api = await getApp().newInstance({ profile });
      assert.equal((await api.post('/v1/definitions/activity/create', VISIT)).status, 200);
      const sent = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:page-visit', fields: { 'str::email': 'f@example.com' } }] });
      assert.equal(sent.status, 200);
      const id = (await person(api, 'f@example.com')).id;
      const systemOnly = await api.post('/v1/person/get/activities', { person_id: id, activities: ['act::s-all', 'act::o'] });
      assert.equal(systemOnly.status, 200, systemOnly.text);
      assert.equal(systemOnly.body.activities, null);
      assert.deepEqual(systemOnly.body.meta.field_ids, ['act::s-all', 'act::o']);
      const mixed = await api.post('/v1/person/get/activities', { person_id: id, activities: ['act::s-all', 'act:cm:page-visit'] });
      assert.equal(mixed.body.activities.length, 1);
      assertErrorBody(await api.post('/v1/person/get/activities', { person_id: id, activities: ['act::nope'] }), 400,
        'activities[0] "act::nope" must look like act:cm:<name> or be a system activity such as act::s-all');
    });
  });
}

describe('profiles', () => {
  it('production-2025 names the definition by its slug, liquid_name without braces, state live after the first event', async () => {
    const api = await getApp().newInstance({ profile: 'production-2025' });
    const created = await api.post('/v1/definitions/activity/create', VISIT);
    assert.deepEqual(Object.keys(created.body.custom_activity), [
      'name', 'activity_field_id', 'state', 'display_mode', 'attributes', 'icon_id', 'track_conversion_value', 'touch', 'filterable',
      'visible_in_feeds', 'created_by', 'created_at', 'edited_at',
    ]);
    assert.equal(created.body.custom_activity.name, 'page-visit');
    assert.equal(created.body.custom_activity.attributes[0].liquid_name, 'activity.custom.page-visit.url');
    await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:page-visit', fields: { 'str::email': 'l@example.com' } }] });
    const modified = await api.put('/v1/definitions/activity/modify', { activity_field_id: 'act:cm:page-visit', touch: false });
    assert.equal(modified.body.custom_activity.state, 'live');
    const p = await person(api, 'l@example.com');
    const events = await api.post('/v1/person/get/activities', { person_id: p.id });
    assert.match(events.body.activities[0].created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(Object.keys(events.body.activities[0]), ['id', 'attr', 'created_at', 'field_id', 'render_cmds']);
  });

  it('the server default applies to instances without their own profile', async () => {
    const api = await getApp().newInstance();
    const created = await api.post('/v1/definitions/activity/create', VISIT);
    assert.equal(created.body.custom_activity.name, 'Page Visit', 'ORTTO_PROFILE defaults to docs');
  });
});

describe('get/activities timeframe', () => {
  it('keeps events created within last-<N>-days (recorded: last-7-days, last-30-days); refuses an unknown type by name', async () => {
    const api = await getApp().newInstance();
    assert.equal((await api.post('/v1/definitions/activity/create', VISIT)).status, 200);
    const tenDaysAgo = new Date(Date.now() - 10 * 24 * 60 * 60 * 1000).toISOString();
    const res = await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:page-visit', fields: { 'str::email': 't@example.com' }, created: tenDaysAgo },
      { activity_id: 'act:cm:page-visit', fields: { 'str::email': 't@example.com' } },
    ] });
    assert.equal(res.status, 200, res.text);
    const id = res.body.activities[0].person_id;
    const count = async (timeframe: unknown) => (await api.post('/v1/person/get/activities', { person_id: id, timeframe })).body.meta.total_activities;
    assert.equal(await count({ type: 'last-7-days' }), 1);
    assert.equal(await count({ type: 'last-30-days' }), 2);
    assert.equal(await count({ type: 'all-time' }), 2);
    assertErrorBody(await api.post('/v1/person/get/activities', { person_id: id, timeframe: { type: 'last-week' } }), 400,
      'timeframe.type "last-week" is not one of: last-<N>-days (e.g. last-7-days), today, all-time');
  });
});

describe('wire details', () => {
  it('answers a CORS preflight with the allowed methods (Allow too) and any origin', async () => {
    const res = await fetch(`${getApp().baseUrl}/v1/activities/create`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('allow'), 'GET, POST, PUT, DELETE, OPTIONS');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, PUT, DELETE, OPTIONS');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /X-Api-Key/i);
  });

  it('sends Access-Control-Allow-Origin, Content-Type application/json without charset and a trailing newline on every JSON answer, errors too', async () => {
    const api = await getApp().newInstance();
    for (const res of [await api.post('/v1/instance-schema/get', {}), await api.post('/v1/person/get', { limit: 0 }), await getApp().anonymous().post('/v1/person/get', {})]) {
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.ok(res.text.endsWith('}\n'), res.text.slice(-20));
      assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(res.text));
    }
  });

  it('answers 415 for a text/plain body', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.request('POST', '/v1/activities/create', '{"activities": []}', { 'content-type': 'text/plain' }), 415,
      'content type text/plain is not supported: send application/json');
  });
});
