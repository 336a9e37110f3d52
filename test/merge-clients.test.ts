// person/merge and accounts/merge through the SDK (typed) and the CLI import (--people).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ActivityClient, isActivityCdpError } from '../packages/client/src/index.js';
import { useTestApp } from './helpers/app.js';
import { runCli } from './helpers/process.js';

const getApp = useTestApp();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-merge-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('SDK: persons.merge and accounts.merge', () => {
  it('creates, merges, and throws a typed error with details when every record is invalid', async () => {
    const api = await getApp().newInstance();
    const client = new ActivityClient({ apiKey: api.apiKey!, baseUrl: getApp().baseUrl, maxRetries: 0 });
    const first = await client.persons.merge({ people: [{ fields: { 'str::email': 'sdk@example.com' } }], merge_by: ['str::email'] });
    assert.equal(first.people[0]!.status, 'created');
    const again = await client.persons.merge({ people: [{ fields: { 'str::email': 'sdk@example.com', 'str::first': 'S' } }] });
    assert.deepEqual(again.people, [{ person_id: first.people[0]!.person_id, status: 'merged' }]);
    const account = await client.accounts.merge({ accounts: [{ fields: { 'str:o:name': 'SDK Co' } }] });
    assert.equal(account.accounts[0]!.status, 'created');
    await assert.rejects(client.persons.merge({ people: [{ fields: { 'str::nope': 'x' } }] }), (error: unknown) => {
      assert.ok(isActivityCdpError(error));
      assert.equal(error.status, 400);
      assert.match(error.message, /No valid contacts provided/);
      assert.equal(error.details?.[0]?.error, 'fields: str::nope is not a person field');
      return true;
    });
  });
});

describe('activity-cdp import --people', () => {
  it('sends person records 100 a request, counts created / merged / invalid, and writes refused lines with reasons', async () => {
    const api = await getApp().newInstance();
    const lines = [
      ...Array.from({ length: 120 }, (_, i) => JSON.stringify({ fields: { 'str::email': `cli${i}@example.com`, 'str::first': `C${i}` } })),
      JSON.stringify({ fields: { 'str::email': 'cli0@example.com', 'str::last': 'Again' } }),
      JSON.stringify({ fields: { 'str::email': 'bad@example.com', 'str::nope': 1 } }),
      'not json',
    ];
    const input = path.join(tmp, 'people.ndjson');
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const res = await runCli(['import', '--people', input, '--base-url', getApp().baseUrl], { ACTIVITY_CDP_API_KEY: api.apiKey! });
    assert.equal(res.code, 2, res.stderr + res.stdout);
    assert.match(res.stdout, /123 person records read/);
    assert.match(res.stdout, /created\s+120\n/);
    assert.match(res.stdout, /merged\s+1\n/);
    assert.match(res.stdout, /invalid\s+2\n/);
    const rejects = fs.readFileSync(`${input}.rejects.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rejects.map((r) => r.line).sort((a, b) => a - b), [122, 123]);
    assert.equal(rejects.find((r) => r.line === 122).error, 'fields: str::nope is not a person field');
    const persons = await api.post('/v1/person/get', { limit: 500 });
    assert.equal(persons.body.contacts.length, 120);
    assert.equal(persons.body.contacts.find((c: any) => c.fields['str::email'] === 'cli0@example.com').fields['str::last'], 'Again');
  });
});
