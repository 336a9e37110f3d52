// Reading back a person and their events in tests of person activities.
import assert from 'node:assert/strict';
import type { Client } from './app.js';

export async function person(api: Client, email: string): Promise<any> {
  const res = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: email } } });
  assert.equal(res.status, 200, res.text);
  return res.body.contacts[0];
}

export async function events(api: Client, personId: string, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/v1/person/get/activities', { person_id: personId, limit: 40, ...extra });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

export async function countPersons(api: Client): Promise<number> {
  const res = await api.post('/v1/person/get', { limit: 500 });
  return res.body.contacts.length;
}
