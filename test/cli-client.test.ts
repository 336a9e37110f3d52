// The client commands (definitions, import, export) as a user runs them: the real
// `activity-cdp` process, over HTTP, against the in-process test server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { PURCHASE } from './helpers/fixtures.js';
import { runCli } from './helpers/process.js';

const getApp = useTestApp();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
function file(name: string, content: string): string {
  const p = path.join(tmp, `${fileNo++}-${name}`);
  fs.writeFileSync(p, content);
  return p;
}


/** A new instance; `cli(...)` runs the command against it with the key in the environment. */
async function instance() {
  const api = await getApp().newInstance();
  const env = { ACTIVITY_CDP_API_KEY: api.apiKey! };
  const cli = (...args: string[]) => runCli([...args, '--base-url', getApp().baseUrl], env);
  return { api, cli };
}

describe('activity-cdp definitions', () => {
  it('creates from a file, lists, and archives', async () => {
    const { cli } = await instance();
    const created = await cli('definitions', 'create', '-f', file('def.json', JSON.stringify([PURCHASE, { ...PURCHASE, name: 'refund' }])));
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'created act:cm:purchase (Purchase)\ncreated act:cm:refund (Refund)\n');

    const listed = await cli('definitions', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^activity\s+name\s+state/);
    assert.match(listed.stdout, /act:cm:purchase\s+Purchase\s+awaiting_implementation\s+str:cm:item int:cm:n/);

    const archived = await cli('definitions', 'archive', 'refund');
    assert.equal(archived.code, 0, archived.stderr);
    assert.equal(archived.stdout, 'archived act:cm:refund\n');
    const json = await cli('definitions', 'list', '--json');
    assert.deepEqual(json.stdout.trim().split('\n').map((l) => JSON.parse(l).activity_field_id), ['act:cm:purchase']);
    const all = await cli('definitions', 'list', '--all', '--json');
    assert.equal(all.stdout.trim().split('\n').length, 2);
  });

  it('explains a refused definition in plain words and exits 1', async () => {
    const { cli } = await instance();
    const res = await cli('definitions', 'create', '-f', file('bad.json', JSON.stringify({ ...PURCHASE, icon_id: 'rocket' })));
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^activity-cdp: .*icon_id.*\(request_id [0-9a-f-]{36}\)\n$/);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  });

  it('says what is missing: the key, the address, the file', async () => {
    const noKey = await runCli(['definitions', 'list', '--base-url', getApp().baseUrl], {});
    assert.equal(noKey.code, 1);
    assert.equal(noKey.stderr, 'activity-cdp: no API key: pass --api-key KEY or set ACTIVITY_CDP_API_KEY\n');

    const noAddress = await runCli(['definitions', 'list', '--api-key', 'x'], {});
    assert.equal(noAddress.code, 1);
    assert.match(noAddress.stderr, /--base-url URL .* or --region default\|au\|eu/);

    const wrongKey = await runCli(['definitions', 'list', '--base-url', getApp().baseUrl, '--api-key', 'acdp_wrong-key-for-this-test'], {});
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /the API key was refused: invalid API key/);

    const { cli } = await instance();
    const noFile = await cli('definitions', 'create', '-f', path.join(tmp, 'missing.json'));
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /cannot read .*missing\.json: ENOENT/);

    const badOption = await cli('definitions', 'list', '--colour');
    assert.equal(badOption.code, 1);
    assert.match(badOption.stderr, /Unknown option '--colour'/);
  });

  it('prints help for every client command and exits 0', async () => {
    for (const args of [['definitions', '--help'], ['import', '--help'], ['export', '--help'], ['definitions', 'list', '--help']]) {
      const res = await runCli(args, {});
      assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stdout, /^Usage: activity-cdp /);
      assert.match(res.stdout, /--base-url URL/);
    }
    const top = await runCli(['--help'], {});
    assert.match(top.stdout, /import FILE/);
  });
});

describe('activity-cdp import', () => {
  const line = (i: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ activity_id: 'act:cm:purchase', attributes: { 'str:cm:item': `item ${i}`, 'int:cm:n': i }, fields: { 'str::email': `p${i}@example.com` }, ...extra });

  it('imports NDJSON, counts what happened, and writes every refused line with its reason', async () => {
    const { cli } = await instance();
    await cli('definitions', 'create', '-f', file('def.json', JSON.stringify(PURCHASE)));
    const lines = [
      ...Array.from({ length: 150 }, (_, i) => line(i)),
      '{"activity_id": "act:cm:purchase", oops',
      line(150, { activity_id: 'act:cm:unknown-activity' }),
      '',
      '[1, 2]',
      line(151),
    ];
    const input = file('events.ndjson', lines.join('\n') + '\n');
    const res = await cli('import', input);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stdout, /: 154 activities read in/);
    assert.match(res.stdout, /ingested\s+151\n/);
    assert.match(res.stdout, /queued\s+0\n/);
    assert.match(res.stdout, /invalid\s+3\n/);
    assert.match(res.stdout, /rate-limited\s+0\n/);
    assert.match(res.stdout, new RegExp(`refused lines, each with its reason: ${input}.rejects.ndjson`));
    const rejects = fs.readFileSync(`${input}.rejects.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rejects.map((r) => r.line).sort((a, b) => a - b), [151, 152, 154]);
    for (const r of rejects) assert.equal(r.status, 'invalid');
    const byLine = new Map(rejects.map((r) => [r.line, r]));
    assert.match(byLine.get(151).error, /not valid JSON/);
    assert.equal(byLine.get(151).raw, '{"activity_id": "act:cm:purchase", oops');
    assert.match(byLine.get(152).error, /unknown-activity/);
    assert.equal(byLine.get(152).activity.activity_id, 'act:cm:unknown-activity');
    assert.match(byLine.get(154).error, /not a JSON object/);
  });

  it('imports CSV with typed cells, into a rejects file of your choice', async () => {
    const { cli } = await instance();
    await cli('definitions', 'create', '-f', file('def.json', JSON.stringify(PURCHASE)));
    const csv = [
      'activity_id,str::email,attributes.str:cm:item,attributes.int:cm:n',
      'act:cm:purchase,ann@example.com,"Desk, walnut",1',
      'act:cm:purchase,bob@example.com,"Chair ""Ergo""",2',
      'act:cm:purchase,cat@example.com,Lamp,three',
      'act:cm:purchase,dan@example.com,"Two',
      'lines",4',
    ].join('\r\n');
    const rejectsPath = path.join(tmp, 'csv-rejects.ndjson');
    const res = await cli('import', file('events.csv', csv), '--rejects', rejectsPath);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stdout, /ingested\s+3\n/);
    assert.match(res.stdout, /invalid\s+1\n/);
    const rejects = fs.readFileSync(rejectsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0].line, 4);
    assert.match(rejects[0].error, /attributes\.int:cm:n: "three" is not a whole number/);
  });

  it('exits 0 with no rejects file when every line is taken', async () => {
    const { cli } = await instance();
    await cli('definitions', 'create', '-f', file('def.json', JSON.stringify(PURCHASE)));
    const input = file('ok.ndjson', [line(1), line(2)].join('\n'));
    const res = await cli('import', input, '--quiet');
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /ingested\s+2\n/);
    assert.equal(fs.existsSync(`${input}.rejects.ndjson`), false);
  });

  it('stops with exit 1 and plain words when the key is refused, keeping the refused lines', async () => {
    const input = file('events.ndjson', [line(1), line(2)].join('\n'));
    const res = await runCli(['import', input, '--base-url', getApp().baseUrl, '--api-key', 'acdp_wrong-key-for-this-test'], {});
    assert.equal(res.code, 1);
    assert.match(res.stderr, /stopped: the API key was refused: invalid API key/);
    const rejects = fs.readFileSync(`${input}.rejects.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rejects.map((r) => [r.line, r.status, r.http_status]), [[1, 'failed', 401], [2, 'failed', 401]]);
  });

  it('refuses a CSV header it cannot map, naming the column', async () => {
    const { cli } = await instance();
    const res = await cli('import', file('bad.csv', 'activity_id,str:cm:item\nact:cm:purchase,x\n'));
    assert.equal(res.code, 1);
    assert.match(res.stderr, /column "str:cm:item" could be an activity attribute or a person field: name it attributes\.str:cm:item or fields\.str:cm:item/);
  });

  it('imports account activities with --accounts', async () => {
    const { cli } = await instance();
    await cli('definitions', 'create', '-f', file('def.json', JSON.stringify(PURCHASE)));
    const csv = 'activity_id,str:o:name,attributes.int:cm:n\nact:cm:purchase,Acme,1\nact:cm:purchase,Globex,2\n';
    const res = await cli('import', file('accounts.csv', csv), '--accounts');
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /ingested\s+2\n/);
  });
});

describe('activity-cdp export', () => {
  it('exports one person\'s events, and everyone\'s, as NDJSON', async () => {
    const { cli } = await instance();
    await cli('definitions', 'create', '-f', file('def.json', JSON.stringify(PURCHASE)));
    const events = [
      ...Array.from({ length: 45 }, (_, i) => ({ activity_id: 'act:cm:purchase', attributes: { 'int:cm:n': i }, fields: { 'str::email': 'ann@example.com' } })),
      { activity_id: 'act:cm:purchase', attributes: { 'int:cm:n': 100 }, fields: { 'str::email': 'bob@example.com' } },
    ];
    // 45 events for one person in a day is within the default limit of 50.
    const imported = await cli('import', file('events.ndjson', events.map((e) => JSON.stringify(e)).join('\n')), '--quiet');
    assert.equal(imported.code, 0, imported.stdout + imported.stderr);

    const all = await cli('export');
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 46, 'pages past the 40-event page size');
    assert.match(all.stderr, /exported 46 events of 2 persons/);
    const ann = lines.find((l) => l.attr['int:cm:n'] === 0).person_id;
    assert.equal(lines.filter((l) => l.person_id === ann).length, 45);
    for (const l of lines) assert.equal(l.field_id, 'act:cm:purchase');

    const out = path.join(tmp, 'ann.ndjson');
    const one = await cli('export', '--person', ann, '--out', out);
    assert.equal(one.code, 0, one.stderr);
    const annLines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(annLines.length, 45);
    assert.deepEqual(new Set(annLines.map((l) => l.attr['int:cm:n'])).size, 45);
  });

  it('exports one account\'s events', async () => {
    const { cli, api } = await instance();
    await cli('definitions', 'create', '-f', file('def.json', JSON.stringify(PURCHASE)));
    const created = await api.post('/v1/accounts/activities/create', {
      activities: [{ activity_id: 'act:cm:purchase', attributes: { 'int:cm:n': 7 }, fields: { 'str:o:name': 'Acme' } }],
    });
    const accountId = created.body.activities[0].account_id;
    const res = await cli('export', '--account', accountId);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].account_id, accountId);
    assert.equal(lines[0].attr['int:cm:n'], 7);
  });
});
