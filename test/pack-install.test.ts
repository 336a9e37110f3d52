// The packed packages as a user gets them: `npm pack` the server and the SDK, install both
// tarballs into an empty folder with production dependencies only (from the npm cache), and run
// the installed command there: --version, `serve` answering with the key it printed, and
// `emulator` when this build has that command. No TypeScript and no build at run time.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { packageRoot } from '../src/package-root.js';
import { STORE_KIND } from './helpers/store.js';

const ROOT = packageRoot();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-pack-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const res = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(res.status, 0, `${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** The shipped build (build/), made again when a source file is newer than it. */
function ensureBuild(): void {
  const bundle = path.join(ROOT, 'build', 'cli', 'main.js');
  const fresh = fs.existsSync(bundle) && fs.existsSync(path.join(ROOT, 'build', 'store-image.bin')) && fs.statSync(bundle).mtimeMs >= newestMtime(path.join(ROOT, 'src'));
  if (!fresh) run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], ROOT);
}

function pack(args: string[]): string {
  const out = run('npm', ['pack', '--json', '--pack-destination', tmp, ...args], ROOT);
  const info = JSON.parse(out) as Array<{ filename: string; size: number }>;
  return path.join(tmp, path.basename(info[0]!.filename));
}

interface Started {
  output: () => string;
  stop: () => Promise<number | null>;
}

/** Starts the installed command and waits until `ready` matches its output. */
async function start(bin: string, args: string[], cwd: string, env: Record<string, string>, ready: RegExp): Promise<Started & { match: RegExpExecArray }> {
  const child = spawn(bin, args, { cwd, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s:\n${out}`)), 60_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    match,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

async function post(url: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('npm pack and install', { skip: STORE_KIND === 'postgres' && 'packaging: runs once, in the embedded pass', timeout: 900_000 }, () => {
  it('installs the server and the SDK from their tarballs into an empty folder and runs there', async () => {
    ensureBuild();
    // The build is already made (prepare); --ignore-scripts packs it as it is.
    const server = pack(['--ignore-scripts']);
    const sdk = pack(['-w', 'packages/client']);
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', version: '1.0.0', private: true, type: 'module' }));
    run('npm', ['install', '--prefer-offline', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', server, sdk], app);

    // Production dependencies only: no compiler, no bundler; the shipped build, no sources.
    for (const dev of ['typescript', 'esbuild', '@types/node']) assert.equal(fs.existsSync(path.join(app, 'node_modules', dev)), false, `${dev} is not installed`);
    const installed = path.join(app, 'node_modules', 'activity-cdp');
    assert.ok(fs.existsSync(path.join(installed, 'build', 'cli', 'main.js')));
    assert.ok(fs.existsSync(path.join(installed, 'build', 'store-image.bin')));
    // tsc output is shipped only for activity-cdp/testing (dist/src, package.json exports) and the
    // console (dist/console): no tests, no source maps.
    assert.ok(fs.existsSync(path.join(installed, 'dist', 'src', 'testing', 'index.js')));
    assert.ok(fs.existsSync(path.join(installed, 'dist', 'src', 'testing', 'index.d.ts')));
    assert.ok(fs.existsSync(path.join(installed, 'dist', 'console', 'index.html')));
    assert.equal(fs.existsSync(path.join(installed, 'dist', 'test')), false, 'the test suite is not shipped');
    const shipped = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? shipped(path.join(dir, e.name)) : [path.join(dir, e.name)]);
    assert.deepEqual(shipped(path.join(installed, 'dist')).filter((f) => /\.test\.|\.map$/.test(f)), [], 'no test files or source maps');
    assert.equal(fs.existsSync(path.join(installed, 'src', 'cli')), false, 'TypeScript sources are not shipped');

    const bin = path.join(app, 'node_modules', '.bin', 'activity-cdp');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(run(bin, ['--version'], app).trim(), pkg.version);

    const served = await start(bin, ['serve'], app, { PORT: '0', DATA_DIR: path.join(app, 'data'), LOG_LEVEL: 'warn' }, /ready on (http:\/\/\S+)[\s\S]*?\n {2}(acdp_\S+)\n/);
    try {
      const [, url, key] = served.match;
      const res = await post(`${url}/v1/instance-schema/get`, key!, { namespaces: ['cm'] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      assert.ok(doc.paths['/v1/activities/create']);
    } finally {
      assert.equal(await served.stop(), 0, served.output());
    }

    if (spawnSync(bin, ['emulator', '--help'], { cwd: app, stdio: 'ignore' }).status === 0) {
      const emu = await start(bin, ['emulator', '--port', '0', '--json'], app, { ACTIVITY_CDP_START_TRACE: '1' }, /^(\{.*\})$/m);
      try {
        const { url, api_key } = JSON.parse(emu.match[1]!) as { url: string; api_key: string };
        const res = await post(`${url}/v1/instance-schema/get`, api_key, {});
        assert.equal(res.status, 200, JSON.stringify(res.body));
        // A sync activity: its group is applied in the store's thread, from the shipped dist/ with production dependencies.
        const def = await post(`${url}/v1/definitions/activity/create`, api_key, {
          name: 'pack-probe', icon_id: 'cart-icon', track_conversion_value: false, touch: false, filterable: false,
          visible_in_feeds: false, display_style: { type: 'activity' }, attributes: [],
        });
        assert.equal(def.status, 200, JSON.stringify(def.body));
        const created = await post(`${url}/v1/activities/create`, api_key, { activities: [{ activity_id: 'act:cm:pack-probe', fields: { 'str::email': 'pack@example.com' } }] });
        assert.equal(created.status, 200, JSON.stringify(created.body));
        assert.equal((created.body as { activities: Array<{ status: string }> }).activities[0]!.status, 'ingested', JSON.stringify(created.body));
        // The shipped code cache of PGlite's JavaScript is taken, when npm installed the PGlite it was made for.
        const installed = path.join(app, 'node_modules', 'activity-cdp', 'build');
        const builtWith = fs.existsSync(path.join(installed, 'pglite-code-cache.bin'))
          ? (JSON.parse(fs.readFileSync(path.join(installed, 'store-image.json'), 'utf8')) as { pglite: string }).pglite : undefined;
        const pglite = (JSON.parse(fs.readFileSync(path.join(app, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
        if (builtWith === pglite) assert.match(emu.output(), /PGlite's JavaScript loaded \(code cache: cache\)/);
      } finally {
        await emu.stop();
      }
    }

    // activity-cdp/testing from the installed package: an in-process emulator that answers with its
    // key. (A file, not -e: --input-type would pass on to the store's worker thread.)
    fs.writeFileSync(path.join(app, 'testing-probe.mjs'), [
      "import { startEmulator } from 'activity-cdp/testing';",
      'const emu = await startEmulator();',
      "const res = await fetch(emu.url + '/v1/instance-schema/get', { method: 'POST', headers: { 'x-api-key': emu.apiKey, 'content-type': 'application/json' }, body: '{}' });",
      'console.log(res.status);',
      'await emu.close();',
    ].join('\n'));
    const testing = run(process.execPath, ['testing-probe.mjs'], app);
    assert.equal(testing.trim().split('\n').pop(), '200', testing);

    // The SDK imports from the installed package, with its types beside it.
    const probe = run(process.execPath, ['--input-type=module', '-e', "import { ActivityClient } from '@activity-cdp/client'; const c = new ActivityClient({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' }); console.log(typeof c.activities.create)"], app);
    assert.equal(probe.trim(), 'function');
    assert.ok(fs.existsSync(path.join(app, 'node_modules', '@activity-cdp', 'client', 'dist', 'index.d.ts')));
  });
});
