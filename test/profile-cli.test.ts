// `activity-cdp keys create --profile` and `instances set ID --profile`: the instance answers in
// the profile it was given, and "default" returns it to the server's ORTTO_PROFILE.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticate } from '../src/store/instances.js';
import { runCli } from './helpers/process.js';
import { STORE_KIND, openTestDb, type TestDb } from './helpers/store.js';
import { openStore } from '../src/store/open.js';
import { loadConfig } from '../src/config.js';

describe('profile per instance from the CLI', () => {
  let env: Record<string, string>;
  let testDb: TestDb | undefined;
  let dataDir: string | undefined;
  before(async () => {
    if (STORE_KIND === 'postgres') {
      testDb = await openTestDb();
      // Behind a pooler (CI's pgbouncer pass) the store is opened as the server opens it there.
      env = { DATABASE_URL: testDb.url!, ...(process.env['PG_NAMED_STATEMENTS'] ? { PG_NAMED_STATEMENTS: process.env['PG_NAMED_STATEMENTS'] } : {}) };
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-profile-'));
      env = { DATA_DIR: dataDir };
      // The key commands refuse a folder that holds no store (they never create one): make it.
      await (await openStore(loadConfig({ LOG_LEVEL: 'silent', ...env }), 'test')).close();
    }
  });
  after(async () => {
    await testDb?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function profileOfKey(key: string): Promise<string | null | undefined> {
    const store = await openStore(loadConfig({ LOG_LEVEL: 'silent', ...env }), 'test');
    try {
      return (await authenticate(store.db, key))?.profile;
    } finally {
      await store.close();
    }
  }

  it('keys create --profile sets the new instance\'s profile; instances set changes it and "default" clears it', { timeout: 120_000 }, async () => {
    const made = await runCli(['keys', 'create', '--profile', 'production-2025'], env, 90_000);
    assert.equal(made.code, 0, made.stderr);
    const key = /key\s+(acdp_\S+)/.exec(made.stdout)![1]!;
    const instance = /instance\s+(\S+)/.exec(made.stdout)![1]!;
    assert.equal(await profileOfKey(key), 'production-2025');

    const set = await runCli(['instances', 'set', instance, '--profile', 'docs'], env, 90_000);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(await profileOfKey(key), 'docs');
    assert.equal((await runCli(['instances', 'set', instance, '--profile', 'default'], env, 90_000)).code, 0);
    assert.equal(await profileOfKey(key), null);

    const bad = await runCli(['keys', 'create', '--profile', 'prod'], env, 90_000);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--profile must be one of docs, production-2025 or "default", got "prod"/);
  });
});
