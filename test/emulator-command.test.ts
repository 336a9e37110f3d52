// `activity-cdp emulator` as a process: its ready line (human and --json), fixed keys, a seed,
// settings from flags and from the environment, --help, and refused options.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from './helpers/app.js';
import { MAIN, runCli } from './helpers/process.js';

function startEmulatorProcess(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000) {
  const child = spawn(process.execPath, [MAIN, 'emulator', ...args], {
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before its ready line:\n${out}\n${err}`));
    });
  });
  return {
    firstLine, output: () => out + err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

test('emulator --json (settings from the environment) prints one JSON line {url, api_key} and answers', async () => {
  const emu = startEmulatorProcess(['--json'], { PORT: '0', EMULATOR_KEYS: 'ci-key-0123456789' });
  try {
    const line = await emu.firstLine;
    const ready = JSON.parse(line);
    assert.deepEqual(Object.keys(ready).sort(), ['api_key', 'url']);
    assert.equal(ready.api_key, 'ci-key-0123456789');
    assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const api = new Client(ready.url, ready.api_key);
    const schema = await api.post('/v1/instance-schema/get', { namespaces: [] });
    assert.equal(schema.status, 200, schema.text);
    const clock = await api.request('GET', '/_emulator/clock');
    assert.equal(clock.status, 200, clock.text);
    const fresh = await new Client(ready.url, undefined).post('/_emulator/instances', {});
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(await emu.stop(), 0);
    assert.ok(!emu.output().includes('"level"'), `quiet at the default log level:\n${emu.output()}`);
  } finally {
    await emu.stop();
  }
});

test('emulator with --key twice, --profile and --seed: a human ready line, both keys, the seeded data', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-seed-'));
  const seed = path.join(dir, 'seed.json');
  const personId = '0065f2c474bc15d72affcdcc';
  fs.writeFileSync(seed, JSON.stringify({
    version: 1,
    persons: [{ id: personId, fields: { 'str::email': 'seed@example.com', 'bol::p': true } }],
    identity_fields: [{ kind: 'person', field_id: 'str::email' }],
    identities: [{ kind: 'person', field_id: 'str::email', value: 'seed@example.com', record_id: personId }],
  }));
  const emu = startEmulatorProcess(['--port', '0', '--key', 'first-key-0001', '--key', 'second-key-0002', '--profile', 'production-2025', '--seed', seed]);
  try {
    const line = await emu.firstLine;
    const m = /^activity-cdp emulator ready on (http:\/\/\S+)  api key: first-key-0001 \(\+1 more instances\)/.exec(line);
    assert.ok(m, line);
    assert.match(line, /docs http:\/\/\S+\/docs, OpenAPI http:\/\/\S+\/openapi\.json/);
    const url = m[1]!;
    for (const key of ['first-key-0001', 'second-key-0002']) {
      const res = await new Client(url, key).post('/v1/person/get', { fields: ['str::email'] });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.contacts.map((c: any) => [c.id, c.fields['str::email']]), [[personId, 'seed@example.com']]);
    }
    // The seeded identity makes the next activity merge into the seeded person.
    const api = new Client(url, 'first-key-0001');
    const def = await api.post('/v1/definitions/activity/create', {
      name: 'seen', icon_id: 'star-icon', track_conversion_value: false, touch: true, filterable: true, visible_in_feeds: true,
      display_style: { type: 'activity' }, attributes: [],
    });
    assert.equal(def.status, 200, def.text);
    const res = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:seen', fields: { 'str::email': 'seed@example.com' } }] });
    assert.equal(res.status, 200, res.text);
    // --profile production-2025 holds: the item is acknowledged as queued, with no person_id (the
    // request named none); the journal says where it went.
    assert.deepEqual(res.body.activities, [{ status: 'queued', person_status: 'queued' }]);
    assert.equal((await api.post('/_emulator/drain')).status, 200);
    const [entry] = (await api.request('GET', '/_emulator/requests?path=/v1/activities/create')).body.requests;
    assert.deepEqual(entry.outcomes.map((o: any) => [o.outcome, o.person_id]), [['merged', personId]]);
  } finally {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('emulator --help prints its options and exits without starting; bad options are one line', async () => {
  const help = await runCli(['emulator', '--help'], {});
  assert.equal(help.code, 0);
  for (const option of ['--port', '--host', '--key', '--profile', '--seed', '--data-dir', '--json', 'EMULATOR_KEYS', 'EMULATOR_PROFILE']) {
    assert.ok(help.stdout.includes(option), `--help names ${option}`);
  }
  const profile = await runCli(['emulator', '--profile', 'staging'], {});
  assert.equal(profile.code, 1);
  assert.equal(profile.stderr.trim(), 'activity-cdp: --profile / EMULATOR_PROFILE must be one of docs, production-2025, got "staging"');
  const key = await runCli(['emulator', '--key', 'short'], {});
  assert.equal(key.code, 1);
  assert.match(key.stderr, /--key \/ EMULATOR_KEYS: each key must be 8 to 200 printable characters/);
  const unknown = await runCli(['emulator', '--colour'], {});
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown option '--colour'/);
  const seed = await runCli(['emulator', '--seed', '/nonexistent/seed.json'], { PORT: '0' });
  assert.equal(seed.code, 1);
  assert.equal(seed.stderr.trim(), 'activity-cdp: --seed /nonexistent/seed.json: cannot read it (ENOENT)');
});

test('emulator on a taken port says so in one line, naming --port', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const res = await runCli(['emulator', '--port', String(port)], {}, 60_000);
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim(), `activity-cdp: port ${port} on 127.0.0.1 is taken: choose another with --port (or PORT), or --port 0 for a free one`);
  } finally {
    blocker.close();
  }
});

test('emulator --data-dir with a fixed key keeps the instance and its data across starts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-emu-'));
  const args = ['--json', '--port', '0', '--data-dir', dir, '--key', 'kept-key-00001'];
  try {
    const first = startEmulatorProcess(args);
    try {
      const ready = JSON.parse(await first.firstLine);
      const def = await new Client(ready.url, ready.api_key).post('/v1/definitions/activity/create', {
        name: 'kept', icon_id: 'star-icon', track_conversion_value: false, touch: true, filterable: true, visible_in_feeds: true,
        display_style: { type: 'activity' }, attributes: [],
      });
      assert.equal(def.status, 200, def.text);
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const second = startEmulatorProcess(args);
    try {
      const ready = JSON.parse(await second.firstLine);
      const schema = await new Client(ready.url, 'kept-key-00001').post('/v1/instance-schema/get', { namespaces: ['cm'] });
      assert.equal(schema.status, 200, schema.text);
      assert.ok(JSON.stringify(schema.body).includes('act:cm:kept'), schema.text);
    } finally {
      await second.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('emulator --seed with a snapshot the store refuses exits 1 with one line naming the cause', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-seed-'));
  try {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ version: 1, definitions: [{ name: 'x' }] }));
    const refused = await runCli(['emulator', '--port', '0', '--seed', bad], {}, 60_000);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr.trim(), /^activity-cdp: --seed: the snapshot was refused: null value in column "\w+"/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    const notSnapshot = path.join(dir, 'list.json');
    fs.writeFileSync(notSnapshot, '[]');
    const wrong = await runCli(['emulator', '--port', '0', '--seed', notSnapshot], {}, 60_000);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim(), 'activity-cdp: --seed: the file must be a snapshot document ({"version": 1, ...}, as GET /_emulator/snapshot gives)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
