import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

it('defaults: port 8080 on 127.0.0.1, embedded store in ./data, 2 MiB bodies, limits 100 and 50', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.databaseUrl, undefined);
  assert.match(c.dataDir, /\/data$/);
  assert.equal(c.bodyLimitBytes, 2 * 1024 * 1024);
  assert.equal(c.maxCustomActivities, 100);
  assert.equal(c.activityDailyLimit, 50);
  assert.equal(c.workerEnabled, true);
  assert.deepEqual(c.bootstrapApiKeys, []);
});

it('reads keys, numbers and switches', () => {
  const c = loadConfig({ BOOTSTRAP_API_KEYS: ' key-one-0123456789abcdef , key-two-0123456789abcdef ', ACTIVITY_DAILY_LIMIT: '0', WORKER_ENABLED: 'off', DATABASE_URL: 'postgresql://u@h/db' });
  assert.deepEqual(c.bootstrapApiKeys, ['key-one-0123456789abcdef', 'key-two-0123456789abcdef']);
  assert.equal(c.activityDailyLimit, 0);
  assert.equal(c.workerEnabled, false);
  assert.equal(c.databaseUrl, 'postgresql://u@h/db');
});

const bad: Array<[Record<string, string>, string]> = [
  [{ PORT: '80a' }, 'PORT must be an integer, got "80a"'],
  [{ PORT: '70000' }, 'PORT must be between 0 and 65535, got 70000'],
  [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must start with postgres:// or postgresql://'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'],
  [{ BOOTSTRAP_API_KEYS: 'short' }, 'BOOTSTRAP_API_KEYS: each key must be at least 24 printable characters without spaces'],
  [{ WORKER_ENABLED: 'maybe' }, 'WORKER_ENABLED must be true or false, got "maybe"'],
  [{ MAX_CUSTOM_ACTIVITIES: '0' }, 'MAX_CUSTOM_ACTIVITIES must be between 1 and 100000, got 0'],
];
for (const [env, message] of bad) {
  it(`refuses ${JSON.stringify(env)}: ${message}`, () => {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.message === message);
  });
}
