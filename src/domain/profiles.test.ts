import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { PROFILES, resolveProfile } from './profiles.js';

it('ORTTO_PROFILE: docs by default, production-2025 when set, and a clear refusal otherwise', () => {
  assert.equal(loadConfig({}).orttoProfile, 'docs');
  assert.equal(loadConfig({ ORTTO_PROFILE: 'production-2025' }).orttoProfile, 'production-2025');
  assert.throws(() => loadConfig({ ORTTO_PROFILE: 'prod' }), (e: unknown) =>
    e instanceof ConfigError && e.message === 'ORTTO_PROFILE must be one of docs, production-2025, got "prod"');
});

it("an instance's own profile wins over the server's; none (or an unknown one) falls back to it", () => {
  assert.equal(resolveProfile('production-2025', 'docs'), PROFILES['production-2025']);
  assert.equal(resolveProfile('docs', 'production-2025'), PROFILES.docs);
  assert.equal(resolveProfile(null, 'production-2025'), PROFILES['production-2025']);
  assert.equal(resolveProfile('other', 'docs'), PROFILES.docs);
});

it('production-2025 acknowledges every activity as queued, naming the record only when the request did', () => {
  const p = PROFILES['production-2025'];
  assert.deepEqual(p.activityItem('person_id', 'person_status', { status: 'ingested', recordId: '00aa', recordStatus: 'created', eventId: '00bb' }, undefined),
    { status: 'queued', person_status: 'queued' });
  assert.deepEqual(p.activityItem('account_id', 'account_status', { status: 'invalid', error: 'x' }, '00cc'),
    { account_id: '00cc', status: 'queued', account_status: 'queued' });
  assert.equal(p.eventTime(new Date('2025-11-04T19:10:31.123Z')), '2025-11-04T19:10:31Z');
  assert.equal(PROFILES.docs.eventTime(new Date('2025-11-04T19:10:31.123Z')), '2025-11-04T19:10:31.123Z');
});
