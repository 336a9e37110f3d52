import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withEventStats } from './definition-stats.js';

const stats = new Map([['signed-up', { eventCount: 3, lastEventAt: new Date('2026-01-02T03:04:05.000Z') }]]);

test('decorates definitions in the list-of-namespaces shape', () => {
  const answer = withEventStats({ namespaces: [{ namespace_id: 'cm', fields: [{ field_id: 'str:cm:plan' }], activities: [{ activity_field_id: 'act:cm:signed-up' }, { activity_field_id: 'act:cm:idle' }] }] }, stats);
  assert.deepEqual(answer.namespaces[0]!.activities, [
    { activity_field_id: 'act:cm:signed-up', event_count: 3, last_event_at: '2026-01-02T03:04:05.000Z' },
    { activity_field_id: 'act:cm:idle', event_count: 0, last_event_at: null },
  ]);
  assert.deepEqual(answer.namespaces[0]!.fields, [{ field_id: 'str:cm:plan' }]);
});

test("decorates act:cm:* fields in Ortto's object shape, and nothing else", () => {
  const answer = withEventStats({ namespaces: { '': { id: '', fields: { 'str::email': { id: 'str::email' } } }, cm: { id: 'cm', fields: { 'act:cm:signed-up': { id: 'act:cm:signed-up', attributes: [] }, 'str:cm:plan': { id: 'str:cm:plan' } } } } }, stats);
  assert.deepEqual(answer.namespaces.cm.fields['act:cm:signed-up'], { id: 'act:cm:signed-up', attributes: [], event_count: 3, last_event_at: '2026-01-02T03:04:05.000Z' });
  assert.deepEqual(answer.namespaces.cm.fields['str:cm:plan'], { id: 'str:cm:plan' });
  assert.deepEqual(answer.namespaces[''].fields['str::email'], { id: 'str::email' });
});
