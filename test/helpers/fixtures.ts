// Definitions and helpers shared by the activity tests.
import assert from 'node:assert/strict';
import type { Client } from './app.js';

export const ID = /^00[0-9a-f]{22}$/;
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function definition(name: string, attributes: Array<{ name: string; display_type: string; field_id?: string }>, extra: Record<string, unknown> = {}) {
  return {
    name, icon_id: 'cart-icon', track_conversion_value: true, touch: true, filterable: true, visible_in_feeds: true,
    display_style: { type: 'activity' }, attributes, ...extra,
  };
}

export async function define(api: Client, body: unknown): Promise<any> {
  const res = await api.post('/v1/definitions/activity/create', body);
  assert.equal(res.status, 200, res.text);
  return res.body.custom_activity;
}

/** A definition with two unmapped attributes, for the SDK and client CLI tests. */
export const PURCHASE = {
  name: 'purchase',
  icon_id: 'cart-icon',
  track_conversion_value: true,
  touch: true,
  filterable: true,
  visible_in_feeds: true,
  display_style: { type: 'activity_attribute', attribute: 'item' },
  attributes: [
    { name: 'item', display_type: 'text', field_id: 'do-not-map' },
    { name: 'n', display_type: 'integer', field_id: 'do-not-map' },
  ],
};

/** The flight-booked definition of the examples on Ortto's activities/create pages (persons and accounts). */
export const FLIGHT_BOOKED = definition('flight-booked', [
  { name: 'destination', display_type: 'text' },
  { name: 'carrier', display_type: 'text' },
], { display_style: { type: 'activity_template', template: 'Flew {{carrier}} to {{destination}}' } });

/** Ortto's error body: {request_id, code, error}, plus details where items failed; the same id in X-Request-Id. */
export function assertErrorBody(res: { status: number; body: any; headers: Headers }, status: number, message: string | RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const keys = Object.keys(res.body).sort();
  assert.deepEqual(keys, 'details' in res.body ? ['code', 'details', 'error', 'request_id'] : ['code', 'error', 'request_id']);
  assert.equal(res.body.code, status);
  assert.match(res.body.request_id, UUID_V4);
  assert.equal(res.headers.get('x-request-id'), res.body.request_id);
  if (typeof message === 'string') assert.equal(res.body.error, message);
  else assert.match(res.body.error, message);
}

export const daysAgo = (days: number, from = Date.now()) => new Date(from - days * 24 * 60 * 60 * 1000).toISOString();

/** The custom activities of an instance-schema/get answer (its act:cm:* fields' custom_activity views). */
export function schemaActivities(body: any): any[] {
  return Object.values<any>(body.namespaces['']?.fields ?? {}).filter((f) => f.id.startsWith('act:cm:')).map((f) => f.custom_activity);
}

/** The custom fields (`<type>:cm:*` persons, `<type>:oc:*` accounts) of an instance-schema/get answer. */
export function schemaCustomFields(body: any, namespace: 'cm' | 'oc'): any[] {
  const ns = namespace === 'cm' ? '' : 'o';
  return Object.values<any>(body.namespaces[ns]?.fields ?? {}).filter((f) => f.id.includes(`:${namespace}:`) && !f.id.startsWith('act:'));
}
