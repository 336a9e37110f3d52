// `import { startEmulator } from 'activity-cdp/testing'` used as an app's test would: through the
// package's own exports entry, from node:test, with no globals. Mirrors the README example.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// Through the package name and its types, as a user imports it.
import { EmulatorError, startEmulator, type RunningEmulator } from 'activity-cdp/testing';

let emulator: RunningEmulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator.close();
});

/** The app under test: it sends a sign-up to "Ortto" at a base URL. */
async function trackSignup(baseUrl: string, apiKey: string, email: string) {
  const res = await fetch(`${baseUrl}/v1/activities/create`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ activities: [{ activity_id: 'act:cm:signed-up', fields: { 'str::email': email } }] }),
  });
  return { status: res.status, body: await res.json() as any };
}

async function defineSignup(url: string, apiKey: string) {
  const res = await fetch(`${url}/v1/definitions/activity/create`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'signed-up', icon_id: 'star-icon', track_conversion_value: false, touch: true, filterable: true,
      visible_in_feeds: true, display_style: { type: 'activity' }, attributes: [],
    }),
  });
  assert.equal(res.status, 200, await res.text());
}

test('the app sends a sign-up; the journal shows it; past 24 h the daily limit is fresh again', async () => {
  const { apiKey } = await emulator.newInstance({ daily_limit: 1 });
  await defineSignup(emulator.url, apiKey);
  const first = await trackSignup(emulator.url, apiKey, 'ada@example.com');
  assert.equal(first.status, 200);

  const [sent] = await emulator.requests({ apiKey, path: '/v1/activities/create' });
  assert.equal(sent!.request.activities[0].fields['str::email'], 'ada@example.com');
  assert.equal(sent!.outcomes![0]!.outcome, 'created');

  const limited = await trackSignup(emulator.url, apiKey, 'ada@example.com');
  assert.equal(limited.status, 400);
  assert.match(limited.body.error, /in 24 hours/);

  await emulator.clock.advance(24 * 3600 + 1, apiKey);
  const later = await trackSignup(emulator.url, apiKey, 'ada@example.com');
  assert.equal(later.status, 200);
  assert.equal(later.body.activities[0].person_status, 'merged');
});

test('the start key, reset, drain, faults and clock from the helper', async () => {
  await defineSignup(emulator.url, emulator.apiKey);
  await emulator.faults.add({ status: 503 });
  assert.equal((await trackSignup(emulator.url, emulator.apiKey, 'b@example.com')).status, 503);
  assert.deepEqual(await emulator.faults.list(), []);
  const frozen = await emulator.clock.set('2031-01-01T00:00:00Z');
  assert.deepEqual(frozen, { now: '2031-01-01T00:00:00.000Z', frozen: true });
  assert.equal((await emulator.clock.reset()).frozen, false);

  const res = await fetch(`${emulator.url}/v1/activities/create`, {
    method: 'POST', headers: { 'x-api-key': emulator.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ async: true, activities: [{ activity_id: 'act:cm:signed-up', fields: { 'str::email': 'q@example.com' } }] }),
  });
  assert.equal(res.status, 200);
  await emulator.drain();
  const [entry] = await emulator.requests({ limit: 1 });
  assert.equal(entry!.outcomes![0]!.outcome, 'created');

  await emulator.reset();
  assert.deepEqual(await emulator.requests(), []);
  await assert.rejects(emulator.clock.set('soon'), (e: unknown) => e instanceof EmulatorError && e.status === 400);
});
