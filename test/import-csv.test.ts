// `activity-cdp import` of CSV files through csv-parse: other delimiters (--delimiter, .tsv), quoted
// cells with the delimiter and line breaks, a BOM, line numbers of refused rows, and a file that
// is not valid CSV. The real command, over HTTP, against the test server; the events are read back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { PURCHASE } from './helpers/fixtures.js';
import { runCli } from './helpers/process.js';

const getApp = useTestApp();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-csv-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function file(name: string, content: string): string {
  const p = path.join(tmp, `${n++}-${name}`);
  fs.writeFileSync(p, content);
  return p;
}

async function instance() {
  const api = await getApp().newInstance();
  const cli = (...args: string[]) => runCli([...args, '--base-url', getApp().baseUrl], { ACTIVITY_CDP_API_KEY: api.apiKey! });
  const created = await cli('definitions', 'create', '-f', file('def.json', JSON.stringify(PURCHASE)));
  assert.equal(created.code, 0, created.stderr);
  /** The items of a person's events, by e-mail. */
  const items = async (email: string) => {
    const person = await api.post('/v1/person/get', { filter: { '$str::is': { field_id: 'str::email', value: email } } });
    const id = person.body.contacts?.[0]?.id;
    assert.ok(id, JSON.stringify(person.body));
    const events = await api.post('/v1/person/get/activities', { person_id: id, limit: 40 });
    return (events.body.activities as Array<{ attr: Record<string, unknown> }>).map((a) => [a.attr['str:cm:item'], a.attr['int:cm:n']]);
  };
  return { cli, items };
}

describe('import CSV with a delimiter', () => {
  it('--delimiter ";" reads quoted cells holding ";", quotes and line breaks, and reports refused rows by their line', async () => {
    const { cli, items } = await instance();
    const csv = [
      '\ufeffactivity_id;str::email;attributes.str:cm:item;attributes.int:cm:n',
      'act:cm:purchase;ann@example.com;"Desk; walnut";1',
      'act:cm:purchase;ann@example.com;"Two',
      'lines, and a ""quote""";2',
      'act:cm:purchase;ann@example.com;Lamp;three',
      '',
      'act:cm:purchase;ann@example.com;Chair',
      'act:cm:purchase;ann@example.com;Shelf;4',
    ].join('\n');
    const rejectsPath = path.join(tmp, 'semi-rejects.ndjson');
    const res = await cli('import', file('events.csv', csv), '--delimiter', ';', '--rejects', rejectsPath, '--quiet');
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(res.stdout, /5 activities read/);
    assert.match(res.stdout, /ingested\s+3\n/);
    assert.match(res.stdout, /invalid\s+2\n/);
    const rejects = fs.readFileSync(rejectsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rejects.map((r) => [r.line, r.error]), [
      [5, 'attributes.int:cm:n: "three" is not a whole number'],
      [7, 'has 3 cells; the header has 4'],
    ]);
    assert.equal(rejects[1].raw, 'act:cm:purchase;ann@example.com;Chair');
    assert.deepEqual((await items('ann@example.com')).sort(), [['Desk; walnut', 1], ['Shelf', 4], ['Two\nlines, and a "quote"', 2]]);
  });

  it('a .tsv file is tab-separated without an option; --delimiter tab says the same for any name', async () => {
    const { cli, items } = await instance();
    const tsv = 'activity_id\tstr::email\tattributes.str:cm:item\tattributes.int:cm:n\nact:cm:purchase\tbob@example.com\tDesk, oak\t7\n';
    const a = await cli('import', file('events.tsv', tsv), '--quiet');
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const b = await cli('import', file('events.txt', tsv.replace('Desk, oak', 'Stool').replace('\t7', '\t8')), '--format', 'csv', '--delimiter', 'tab', '--quiet');
    assert.equal(b.code, 0, b.stdout + b.stderr);
    assert.deepEqual((await items('bob@example.com')).sort(), [['Desk, oak', 7], ['Stool', 8]]);
  });

  it('refuses a delimiter of more than one character, and --delimiter on NDJSON', async () => {
    const { cli } = await instance();
    const bad = await cli('import', file('x.csv', 'activity_id\n'), '--delimiter', ';;');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'activity-cdp: --delimiter must be one character (or tab), got ";;"\n');
    const nd = await cli('import', file('x.ndjson', '{}\n'), '--delimiter', ';');
    assert.equal(nd.code, 1);
    assert.equal(nd.stderr, 'activity-cdp: --delimiter is for CSV files: add --format csv\n');
  });

  it('a quote that never closes stops the import in one line naming the file', async () => {
    const { cli } = await instance();
    const p = file('open.csv', 'activity_id,str::email\nact:cm:purchase,"ann@example.com\n');
    const res = await cli('import', p, '--quiet');
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`^activity-cdp: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid CSV: .*quote.*\\n$`, 'i'));
  });
});
