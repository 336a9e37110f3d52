// What a user meets on the first commands: help and version that start nothing, start-up
// failures in one line naming the fix, a CLI command on a folder without a store, the ready line,
// and the probes (/livez, /readyz, /healthz) over real HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { packageRoot } from '../src/package-root.js';
import { Client, useTestApp } from './helpers/app.js';
import { runCli, startServer } from './helpers/process.js';
import { STORE_KIND } from './helpers/store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-first-run-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newDir = () => path.join(tmp, `d${n++}`);

/** A port held by this test process while `fn` runs. */
async function withTakenPort<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn((server.address() as net.AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** One line on stderr, no stack trace. */
function assertOneLine(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('help and version', () => {
  it('--version prints the package version and nothing else', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    const res = await runCli(['--version'], {});
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `${pkg.version}\n`);
  });

  for (const command of ['serve', 'worker']) {
    it(`${command} --help prints its usage and exits 0 without opening a store or listening`, async () => {
      const DATA_DIR = newDir();
      await withTakenPort(async (port) => {
        // Were the server to start, it would fail on the taken port (exit 1) or create DATA_DIR.
        const res = await runCli([command, '--help'], { DATA_DIR, PORT: String(port) });
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, new RegExp(`^Usage: activity-cdp ${command}\\n`));
        assert.equal(res.stderr, '');
      });
      assert.equal(fs.existsSync(DATA_DIR), false, 'no data folder was made');
    });
  }

  it('serve --help names /docs, /openapi.json, /livez and /readyz', async () => {
    const res = await runCli(['serve', '--help'], {});
    for (const p of ['/docs', '/openapi.json', '/livez', '/readyz']) assert.ok(res.stdout.includes(p), `${p} in:\n${res.stdout}`);
  });

  for (const args of [['keys', '--help'], ['instances', '--help'], ['import', '--help'], ['export', '--help'], ['definitions', '--help']]) {
    it(`${args.join(' ')} prints usage and exits 0`, async () => {
      const DATA_DIR = newDir();
      const res = await runCli(args, { DATA_DIR });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Usage: activity-cdp /);
      assert.equal(fs.existsSync(DATA_DIR), false, 'no data folder was made');
    });
  }
});

describe('start-up failures', { skip: STORE_KIND === 'postgres' && 'embedded-store start: runs in the embedded pass' }, () => {
  it('a taken port is one line naming PORT; no key is printed and no instance is made', async () => {
    const DATA_DIR = newDir();
    await withTakenPort(async (port) => {
      const res = await runCli(['serve'], { DATA_DIR, PORT: String(port), LOG_LEVEL: 'warn' });
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assertOneLine(res.stderr);
      assert.equal(res.stderr, `activity-cdp: port ${port} on 127.0.0.1 is already in use: stop what holds it, or set PORT to a free port (PORT=0 picks one)\n`);
      assert.doesNotMatch(res.stdout, /acdp_/, 'no key was printed for an instance that cannot be reached');
    });
    const keys = await runCli(['keys', 'list'], { DATA_DIR });
    assert.equal(keys.code, 0, keys.stderr);
    assert.equal(keys.stdout.trim().split('\n').length, 1, `only the header, no instance:\n${keys.stdout}`);
    // The next start on a free port makes the first instance and prints its key.
    const server = await startServer({ DATA_DIR });
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.match(server.output(), /Created a first instance/);
    } finally {
      await server.stop();
    }
  });

  it('a CLI command on a folder that holds no store says so and creates nothing', async () => {
    const DATA_DIR = newDir();
    for (const args of [['keys', 'list'], ['keys', 'create'], ['instances', 'set', 'x', '--activity-daily-limit', '5']]) {
      const res = await runCli(args, { DATA_DIR });
      assert.equal(res.code, 1, res.stdout);
      assertOneLine(res.stderr);
      assert.equal(res.stderr, `activity-cdp: no store in ${DATA_DIR}: start "activity-cdp serve" once to create one there, or set DATA_DIR (or DATABASE_URL) to the store to use\n`);
    }
    assert.equal(fs.existsSync(DATA_DIR), false);
  });

  it('the ready line names the address, /docs and /openapi.json', async () => {
    const server = await startServer({ DATA_DIR: newDir(), BOOTSTRAP_API_KEYS: 'first-run-key-0123456789' });
    try {
      const m = /ready on (http:\/\/[^\s"]+) \(API docs: \1\/docs, OpenAPI: \1\/openapi\.json\)/.exec(server.output());
      assert.ok(m, server.output());
      const docs = await fetch(`${m[1]}/docs`, { redirect: 'manual' });
      assert.ok(docs.status < 400, `/docs answers ${docs.status}`);
    } finally {
      await server.stop();
    }
  });
});

describe('start-up failures on PostgreSQL', { skip: STORE_KIND !== 'postgres' && 'needs PostgreSQL: runs in the PostgreSQL pass' }, () => {
  it('a missing database is one line with the createdb command', async () => {
    // PostgreSQL's own answer (behind pgbouncer, the pooler's would stand in for it).
    const url = new URL(process.env['TEST_ADMIN_DATABASE_URL'] || process.env['DATABASE_URL']!);
    const name = `missing_${process.pid}_test`;
    url.pathname = `/${name}`;
    const res = await runCli(['serve'], { DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assertOneLine(res.stderr);
    const user = decodeURIComponent(url.username) || 'postgres';
    assert.equal(
      res.stderr,
      `activity-cdp: PostgreSQL database "${name}" does not exist on ${url.hostname}:${url.port || '5432'}: create it with  createdb -h ${url.hostname} -p ${url.port || '5432'} -U ${user} ${name}  (or fix DATABASE_URL)\n`,
    );
  });

  it('an unreachable server is one line naming DATABASE_URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    // Start-up retries an unreachable server for DATABASE_START_TIMEOUT_MS (30 s by default); the
    // line is what it says when it gives up.
    const res = await runCli(['serve'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x_test`, LOG_LEVEL: 'warn', DATABASE_START_TIMEOUT_MS: '500' });
    assert.equal(res.code, 1);
    assertOneLine(res.stderr);
    assert.equal(res.stderr, `activity-cdp: cannot reach PostgreSQL at 127.0.0.1:${port} (connection refused): start it, or fix DATABASE_URL\n`);
  });
});

describe('probes', () => {
  const getApp = useTestApp();

  it('/livez and /readyz answer 200 without a key; /healthz is /readyz', async () => {
    const anon = new Client(getApp().baseUrl, undefined);
    const live = await anon.request('GET', '/livez');
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { status: 'ok' });
    const ready = await anon.request('GET', '/readyz');
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.body, { status: 'ok' });
    const health = await anon.request('GET', '/healthz');
    assert.deepEqual(health.body, ready.body);
  });

  it('/readyz answers 503 in the error shape when migrations are missing, /livez stays 200', async () => {
    const { db } = getApp();
    const anon = new Client(getApp().baseUrl, undefined);
    const last = await db.query<{ version: number; name: string }>('select version, name from schema_migrations order by version desc limit 1');
    await db.query('delete from schema_migrations where version = $1', [last[0]!.version]);
    try {
      const ready = await anon.request('GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.code, 503);
      assert.match(ready.body.error, /^not ready: \d+ of \d+ migrations applied$/);
      assert.match(ready.body.request_id, /^[0-9a-f-]{36}$/);
      assert.equal((await anon.request('GET', '/livez')).status, 200);
    } finally {
      await db.query('insert into schema_migrations (version, name) values ($1, $2)', [last[0]!.version, last[0]!.name]);
    }
    assert.equal((await anon.request('GET', '/readyz')).status, 200);
  });

  it('probes are not logged at info', { skip: STORE_KIND === 'postgres' && 'a server process on its own store: runs in the embedded pass' }, async () => {
    const server = await startServer({ DATA_DIR: newDir(), BOOTSTRAP_API_KEYS: 'probe-log-key-0123456789' });
    try {
      for (const p of ['/livez', '/readyz', '/healthz']) assert.equal((await fetch(server.baseUrl + p)).status, 200);
      await fetch(server.baseUrl + '/v1/instance-schema/get', { method: 'POST', headers: { 'x-api-key': 'probe-log-key-0123456789', 'content-type': 'application/json' }, body: '{}' });
      await new Promise((r) => setTimeout(r, 200));
      const out = server.output();
      assert.match(out, /instance-schema\/get/, 'an ordinary request is logged');
      assert.doesNotMatch(out, /livez|readyz|healthz/);
    } finally {
      await server.stop();
    }
  });
});
