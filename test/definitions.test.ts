import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { assertErrorBody, schemaActivities, schemaCustomFields } from './helpers/fixtures.js';

const getApp = useTestApp();

const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The three example request bodies of Ortto's definition-create page (https://help.ortto.com/developer/latest/api-reference/activity/create.html). */
const PRODUCT_PURCHASE = {
  name: 'product-purchase',
  icon_id: 'cart-icon',
  track_conversion_value: true,
  touch: true,
  filterable: true,
  visible_in_feeds: true,
  display_style: { type: 'activity_attribute', attribute: 'product-name' },
  attributes: [
    { name: 'product-name', display_type: 'text' },
    { name: 'quantity', display_type: 'integer' },
  ],
};

const SUPPORT_TICKET = {
  name: 'support-ticket',
  icon_id: 'help-icon',
  track_conversion_value: false,
  touch: true,
  filterable: true,
  visible_in_feeds: true,
  display_style: { type: 'activity_template', template: 'Ticket {{ticket-id}}: {{ticket-subject}}' },
  attributes: [
    { name: 'ticket-id', display_type: 'text', field_id: 'do-not-map' },
    { name: 'ticket-subject', display_type: 'text', field_id: 'str:cm:last-ticket-subject' },
    { name: 'priority', display_type: 'single_select', field_id: 'do-not-map' },
  ],
};

const EVENT_REGISTRATION = {
  name: 'event-registration',
  icon_id: 'calendar-icon',
  track_conversion_value: false,
  touch: true,
  filterable: true,
  visible_in_feeds: true,
  display_style: { type: 'activity_attribute', attribute: 'event-name' },
  attributes: [
    { name: 'event-name', display_type: 'text' },
    { name: 'event-date', display_type: 'date' },
    { name: 'registered-at', display_type: 'time', field_id: 'do-not-map' },
  ],
};

function withTimes(body: any) {
  const { created_at, edited_at, ...rest } = body.custom_activity;
  assert.match(created_at, RFC3339_MS);
  assert.equal(edited_at, created_at);
  return rest;
}


describe('POST /v1/definitions/activity/create', () => {
  it('creates the basic example of Ortto\'s definition-create page and answers the documented custom_activity', async () => {
    const api = await getApp().newInstance();
    const res = await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(withTimes(res.body), {
      activity_field_id: 'act:cm:product-purchase',
      name: 'Product Purchase',
      state: 'awaiting_implementation',
      icon_id: 'cart-icon',
      track_conversion_value: true,
      touch: true,
      filterable: true,
      visible_in_feeds: true,
      display_mode: { type: 'activity_attribute', attribute: 'product-name' },
      attributes: [
        { name: 'product-name', display_type: 'text', field_id: 'str:cm:product-name', liquid_name: '{{activity.cm.product_purchase.product_name}}' },
        { name: 'quantity', display_type: 'integer', field_id: 'int:cm:quantity', liquid_name: '{{activity.cm.product_purchase.quantity}}' },
      ],
      retention_days: 90,
      archived: false,
    });
  });

  it('creates the field-mapping example: a mapped attribute reports mapped_field_id and registers the person field', async () => {
    const api = await getApp().newInstance();
    const res = await api.post('/v1/definitions/activity/create', SUPPORT_TICKET);
    assert.equal(res.status, 200);
    assert.deepEqual(withTimes(res.body), {
      activity_field_id: 'act:cm:support-ticket',
      name: 'Support Ticket',
      state: 'awaiting_implementation',
      icon_id: 'help-icon',
      track_conversion_value: false,
      touch: true,
      filterable: true,
      visible_in_feeds: true,
      display_mode: { type: 'activity_template', template: 'Ticket {{ticket-id}}: {{ticket-subject}}' },
      attributes: [
        { name: 'ticket-id', display_type: 'text', field_id: 'str:cm:ticket-id', liquid_name: '{{activity.cm.support_ticket.ticket_id}}' },
        {
          name: 'ticket-subject', display_type: 'text', field_id: 'str:cm:ticket-subject',
          liquid_name: '{{activity.cm.support_ticket.ticket_subject}}', mapped_field_id: 'str:cm:last-ticket-subject',
        },
        { name: 'priority', display_type: 'single_select', field_id: 'str:cm:priority', liquid_name: '{{activity.cm.support_ticket.priority}}' },
      ],
      retention_days: 90,
      archived: false,
    });
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.equal(schema.status, 200);
    assert.deepEqual(schemaCustomFields(schema.body, 'cm'), [
      { id: 'str:cm:last-ticket-subject', name: 'Last Ticket Subject', display_type: 'text', liquid_name: 'people.custom.last-ticket-subject' },
    ]);
  });

  it('creates the event-registration example with date and time attributes', async () => {
    const api = await getApp().newInstance();
    const res = await api.post('/v1/definitions/activity/create', EVENT_REGISTRATION);
    assert.equal(res.status, 200);
    assert.deepEqual(withTimes(res.body), {
      activity_field_id: 'act:cm:event-registration',
      name: 'Event Registration',
      state: 'awaiting_implementation',
      icon_id: 'calendar-icon',
      track_conversion_value: false,
      touch: true,
      filterable: true,
      visible_in_feeds: true,
      display_mode: { type: 'activity_attribute', attribute: 'event-name' },
      attributes: [
        { name: 'event-name', display_type: 'text', field_id: 'str:cm:event-name', liquid_name: '{{activity.cm.event_registration.event_name}}' },
        { name: 'event-date', display_type: 'date', field_id: 'dtz:cm:event-date', liquid_name: '{{activity.cm.event_registration.event_date}}' },
        { name: 'registered-at', display_type: 'time', field_id: 'tme:cm:registered-at', liquid_name: '{{activity.cm.event_registration.registered_at}}' },
      ],
      retention_days: 90,
      archived: false,
    });
  });

  it('maps every display type to its field ID prefix', async () => {
    const api = await getApp().newInstance();
    const types: Record<string, string> = {
      text: 'str', large_text: 'txt', email: 'str', phone: 'phn', link: 'str', integer: 'int', decimal: 'int',
      currency: 'int', date: 'dtz', time: 'tme', bool: 'bol', single_select: 'str', multi_select: 'sst', object: 'obj',
    };
    const res = await api.post('/v1/definitions/activity/create', {
      ...PRODUCT_PURCHASE,
      name: 'all-types',
      display_style: { type: 'activity' },
      attributes: Object.keys(types).map((t) => ({ name: `a-${t.replace('_', '-')}`, display_type: t })),
    });
    assert.equal(res.status, 200);
    for (const attr of res.body.custom_activity.attributes) {
      assert.equal(attr.field_id, `${types[attr.display_type]}:cm:${attr.name}`);
    }
  });

  it('takes retention_days of at least 90 and echoes it', async () => {
    const api = await getApp().newInstance();
    const res = await api.post('/v1/definitions/activity/create', { ...PRODUCT_PURCHASE, retention_days: 365 });
    assert.equal(res.status, 200);
    assert.equal(res.body.custom_activity.retention_days, 365);
  });

  it('refuses a duplicate name with 400, including the name of an archived definition', async () => {
    const api = await getApp().newInstance();
    assert.equal((await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE)).status, 200);
    assertErrorBody(await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE), 400,
      'an activity named "product-purchase" already exists (act:cm:product-purchase)');
    await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:product-purchase' });
    assertErrorBody(await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE), 400, /already exists/);
  });

  const invalid: Array<[string, Record<string, unknown>, RegExp | string]> = [
    ['missing name', { name: undefined }, 'name is required'],
    ['name not a string', { name: 5 }, 'name must be a string'],
    ['name with capitals', { name: 'Product-Purchase' }, /^name must be lowercase letters and digits separated by single hyphens/],
    ['name with a double hyphen', { name: 'a--b' }, /^name must be lowercase/],
    ['name too long', { name: 'a'.repeat(65) }, 'name must be at most 64 characters'],
    ['missing icon_id', { icon_id: undefined }, 'icon_id is required'],
    ['unknown icon_id', { icon_id: 'rocket-icon' }, 'icon_id "rocket-icon" is not one of: calendar-icon, email-icon, phone-icon, download-icon, upload-icon, cart-icon, help-icon, user-icon, settings-icon, star-icon, tag-icon, link-icon, file-icon, globe-icon, calendar-illustration-icon, caution-illustration-icon, clicked-illustration-icon, coupon-illustration-icon, download-illustration-icon, email-illustration-icon, eye-illustration-icon, flag-activities-illustration-icon, happy-illustration-icon, moneys-illustration-icon, page-illustration-icon, phone-illustration-icon, reload-illustration-icon, tag-illustration-icon, time-illustration-icon'],
    ['missing track_conversion_value', { track_conversion_value: undefined }, 'track_conversion_value is required'],
    ['touch not a boolean', { touch: 'yes' }, 'touch must be a boolean'],
    ['missing filterable', { filterable: undefined }, 'filterable is required'],
    ['missing visible_in_feeds', { visible_in_feeds: undefined }, 'visible_in_feeds is required'],
    ['missing display_style', { display_style: undefined }, 'display_style is required'],
    ['unknown display_style.type', { display_style: { type: 'fancy' } }, 'display_style.type "fancy" is not one of: activity, activity_attribute, activity_template'],
    ['display_style.attribute missing', { display_style: { type: 'activity_attribute' } }, 'display_style.attribute (or attribute_name, attribute_field_id) is required when display_style.type is activity_attribute'],
    ['display_style.attribute unknown', { display_style: { type: 'activity_attribute', attribute: 'colour' } }, 'display_style.attribute "colour" is not one of the definition\'s attributes'],
    ['template missing', { display_style: { type: 'activity_template' } }, 'display_style.template (or title) is required when display_style.type is activity_template'],
    ['template with an unknown placeholder', { display_style: { type: 'activity_template', template: 'Bought {{product-name}} x {{qty}}' } }, 'display_style.template refers to {{qty}}, which is not one of the definition\'s attributes'],
    ['missing attributes', { attributes: undefined }, 'attributes is required'],
    ['attributes not an array', { attributes: {} }, 'attributes must be an array'],
    ['attribute without a name', { attributes: [{ display_type: 'text' }] }, 'attributes[0].name is required'],
    ['attribute name not a slug', { attributes: [{ name: 'Product Name', display_type: 'text' }] }, /^attributes\[0\]\.name must be lowercase/],
    ['duplicate attribute', { attributes: [{ name: 'product-name', display_type: 'text' }, { name: 'product-name', display_type: 'integer' }] }, 'attributes[1].name "product-name" is used by more than one attribute'],
    ['unknown display_type', { attributes: [{ name: 'product-name', display_type: 'money' }] }, /^attributes\[0\]\.display_type "money" is not one of: text, large_text,/],
    ['field_id of another type', { attributes: [{ name: 'product-name', display_type: 'text', field_id: 'int:cm:product-count' }] }, 'attributes[0].field_id "int:cm:product-count" holds int values but display_type text stores str'],
    ['field_id not a person field', { attributes: [{ name: 'product-name', display_type: 'text', field_id: 'str:o:name' }] }, 'attributes[0].field_id "str:o:name" must be "do-not-map" or a person field ID such as str:cm:product-name'],
    ['field_id not a field ID', { attributes: [{ name: 'product-name', display_type: 'text', field_id: 'email' }] }, /^attributes\[0\]\.field_id "email" must be "do-not-map"/],
    ['retention_days under 90', { retention_days: 30 }, 'retention_days must be an integer from 90 to 3650'],
    ['retention_days not an integer', { retention_days: 90.5 }, 'retention_days must be an integer'],
  ];
  for (const [what, patch, message] of invalid) {
    it(`answers 400 naming the element for ${what}, and stores nothing`, async () => {
      const api = await getApp().newInstance();
      const body: Record<string, unknown> = { ...PRODUCT_PURCHASE, ...patch };
      for (const [k, v] of Object.entries(patch)) if (v === undefined) delete body[k];
      assertErrorBody(await api.post('/v1/definitions/activity/create', body), 400, message);
      const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
      assert.deepEqual(schemaActivities(schema.body), []);
      assert.deepEqual(schemaCustomFields(schema.body, 'cm'), []);
    });
  }

  it('maps onto a built-in person field of the same type', async () => {
    const api = await getApp().newInstance();
    const res = await api.post('/v1/definitions/activity/create', {
      ...PRODUCT_PURCHASE, name: 'profile', display_style: { type: 'activity' },
      attributes: [{ name: 'first', display_type: 'text', field_id: 'str::first' }, { name: 'city', display_type: 'text', field_id: 'geo::city' }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.custom_activity.attributes.map((a: any) => a.mapped_field_id), ['str::first', 'geo::city']);
  });

  it('refuses a mapping whose custom field already exists with another type, writing nothing', async () => {
    const api = await getApp().newInstance();
    const first = await api.post('/v1/definitions/activity/create', {
      ...PRODUCT_PURCHASE, name: 'a', display_style: { type: 'activity' },
      attributes: [{ name: 'tier', display_type: 'text', field_id: 'str:cm:tier' }],
    });
    assert.equal(first.status, 200);
    assertErrorBody(await api.post('/v1/definitions/activity/create', {
      ...PRODUCT_PURCHASE, name: 'b', display_style: { type: 'activity' },
      attributes: [{ name: 'tier', display_type: 'integer', field_id: 'int:cm:tier' }],
    }), 400, 'attributes[0].field_id "int:cm:tier" conflicts with the existing field str:cm:tier');
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.deepEqual(schemaActivities(schema.body).map((a: any) => a.activity_field_id), ['act:cm:a']);
  });

  it('auto-maps an attribute without field_id onto an existing custom person field of the same name and type', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/definitions/activity/create', {
      ...PRODUCT_PURCHASE, name: 'a', display_style: { type: 'activity' },
      attributes: [{ name: 'x', display_type: 'text', field_id: 'str:cm:plan' }],
    });
    const res = await api.post('/v1/definitions/activity/create', {
      ...PRODUCT_PURCHASE, name: 'b', display_style: { type: 'activity' },
      attributes: [{ name: 'plan', display_type: 'text' }, { name: 'other', display_type: 'text' }],
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.custom_activity.attributes[0].mapped_field_id, 'str:cm:plan');
    assert.equal('mapped_field_id' in res.body.custom_activity.attributes[1], false);
  });

  it('answers 403 when the instance limit on custom activities is reached; archived ones do not count', async () => {
    const api = await getApp().newInstance({ maxCustomActivities: 2 });
    for (const name of ['one', 'two']) {
      assert.equal((await api.post('/v1/definitions/activity/create', { ...PRODUCT_PURCHASE, name })).status, 200);
    }
    assertErrorBody(await api.post('/v1/definitions/activity/create', { ...PRODUCT_PURCHASE, name: 'three' }), 403,
      'custom activity limit reached: this instance allows 2 custom activities');
    await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:one' });
    assert.equal((await api.post('/v1/definitions/activity/create', { ...PRODUCT_PURCHASE, name: 'three' })).status, 200);
  });

  it('refuses concurrent creates of one name: exactly one succeeds', async () => {
    const api = await getApp().newInstance();
    const results = await Promise.all(Array.from({ length: 8 }, () => api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400]);
  });
});

describe('PUT /v1/definitions/activity/modify', () => {
  it('changes the given elements, keeps the rest, and moves edited_at', async () => {
    const api = await getApp().newInstance();
    const created = await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    await new Promise((r) => setTimeout(r, 5));
    const res = await api.put('/v1/definitions/activity/modify', {
      activity_field_id: 'act:cm:product-purchase',
      icon_id: 'star-icon',
      touch: false,
      display_style: { type: 'activity_template', template: 'Bought {{quantity}} x {{product-name}} ({{colour}})' },
      attributes: [...PRODUCT_PURCHASE.attributes, { name: 'colour', display_type: 'single_select' }],
      retention_days: 180,
    });
    assert.equal(res.status, 200, res.text);
    const view = res.body.custom_activity;
    assert.equal(view.icon_id, 'star-icon');
    assert.equal(view.touch, false);
    assert.equal(view.filterable, true);
    assert.equal(view.retention_days, 180);
    assert.deepEqual(view.display_mode, { type: 'activity_template', template: 'Bought {{quantity}} x {{product-name}} ({{colour}})' });
    assert.deepEqual(view.attributes.map((a: any) => a.field_id), ['str:cm:product-name', 'int:cm:quantity', 'str:cm:colour']);
    assert.equal(view.created_at, created.body.custom_activity.created_at);
    assert.ok(view.edited_at > view.created_at);
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.deepEqual(schemaActivities(schema.body)[0], view);
  });

  it('refuses removing an attribute or changing its display_type', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    assertErrorBody(await api.put('/v1/definitions/activity/modify', {
      activity_field_id: 'act:cm:product-purchase', attributes: [PRODUCT_PURCHASE.attributes[0]],
    }), 400, 'attributes must keep the existing attribute "quantity" (attributes cannot be removed)');
    assertErrorBody(await api.put('/v1/definitions/activity/modify', {
      activity_field_id: 'act:cm:product-purchase',
      attributes: [PRODUCT_PURCHASE.attributes[0], { name: 'quantity', display_type: 'decimal' }],
    }), 400, 'attributes: the display_type of "quantity" cannot change from integer to decimal');
  });

  it('validates the result like create (a display attribute that does not exist)', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    assertErrorBody(await api.put('/v1/definitions/activity/modify', {
      activity_field_id: 'act:cm:product-purchase', display_style: { type: 'activity_attribute', attribute: 'nope' },
    }), 400, 'display_style.attribute "nope" is not one of the definition\'s attributes');
  });

  it('answers 404 for an unknown definition and 400 for an archived one', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.put('/v1/definitions/activity/modify', { activity_field_id: 'act:cm:nope', touch: false }), 404,
      'activity act:cm:nope not found');
    await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:product-purchase' });
    assertErrorBody(await api.put('/v1/definitions/activity/modify', { activity_field_id: 'act:cm:product-purchase', touch: false }), 400,
      'activity act:cm:product-purchase is archived and cannot be modified');
  });
});

describe('DELETE /v1/definitions/activity/delete', () => {
  it('archives a definition: it answers archived_activity and stays readable, marked archived', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    const res = await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:product-purchase' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { archived_activity: 'act:cm:product-purchase' });
    const schema = await api.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    const [def] = schemaActivities(schema.body);
    assert.equal(def.activity_field_id, 'act:cm:product-purchase');
    assert.equal(def.archived, true);
  });

  it('accepts the act:oc: form of the same definition', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    const res = await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:oc:product-purchase' });
    assert.deepEqual(res.body, { archived_activity: 'act:cm:product-purchase' });
  });

  it('answers 404 for an unknown definition, 400 for an archived one and for a malformed id', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:act1' }), 404, 'activity act:cm:act1 not found');
    await api.post('/v1/definitions/activity/create', PRODUCT_PURCHASE);
    await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:product-purchase' });
    assertErrorBody(await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:product-purchase' }), 400,
      /^activity act:cm:product-purchase is already archived \(since /);
    assertErrorBody(await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'product-purchase' }), 400,
      'activity_field_id "product-purchase" must look like act:cm:<name>');
    assertErrorBody(await api.delete('/v1/definitions/activity/delete', {}), 400, 'activity_field_id is required');
  });
});

describe('POST /v1/instance-schema/get', () => {
  it('lists built-in and custom fields and the definitions by namespace', async () => {
    const api = await getApp().newInstance();
    await api.post('/v1/definitions/activity/create', SUPPORT_TICKET);
    const res = await api.post('/v1/instance-schema/get', { namespaces: [] });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body.namespaces), ['', 'o']);
    const person = res.body.namespaces[''];
    assert.deepEqual(person.fields['str::email'], { id: 'str::email', name: 'Email', display_type: 'email', no_autocomplete: true, liquid_name: 'people.email' });
    assert.equal(person.fields['bol::p'].display_type, 'bool');
    assert.equal(res.body.namespaces.o.org, true);
    assert.ok(res.body.namespaces.o.fields['str:o:name']);
    assert.equal(person.fields['act:cm:support-ticket'].custom_activity.activity_field_id, 'act:cm:support-ticket');
  });

  it('refuses an unknown namespace', async () => {
    const api = await getApp().newInstance();
    assertErrorBody(await api.post('/v1/instance-schema/get', { namespaces: ['xx'] }), 400, 'namespaces: "xx" is not one of: "" (persons), o (accounts)');
  });
});

describe('instance isolation', () => {
  it('instance B neither sees nor collides with instance A\'s definitions', async () => {
    const a = await getApp().newInstance();
    const b = await getApp().newInstance();
    assert.equal((await a.post('/v1/definitions/activity/create', SUPPORT_TICKET)).status, 200);
    const schemaB = await b.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.deepEqual(schemaActivities(schemaB.body), []);
    assert.deepEqual(schemaCustomFields(schemaB.body, 'cm'), []);
    assert.equal((await b.post('/v1/definitions/activity/create', SUPPORT_TICKET)).status, 200);
    assertErrorBody(await b.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:nope' }), 404, 'activity act:cm:nope not found');
    await b.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:support-ticket' });
    const schemaA = await a.post('/v1/instance-schema/get', { namespaces: ['cm'] });
    assert.equal(schemaActivities(schemaA.body)[0].archived, false);
  });
});
