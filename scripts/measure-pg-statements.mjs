// A small, bounded A/B of how statements reach PostgreSQL: direct with named (prepared) statements,
// direct unnamed, and through pgbouncer (transaction mode) unnamed. Sync batches of 100 activities
// for new persons, in-process (app.inject), 4 at a time, rounds interleaved.
// Usage: npx tsc -b && node scripts/measure-pg-statements.mjs [PG_URL] [PGBOUNCER_URL]
// (defaults postgres://postgres@127.0.0.1:5432/test and postgres://postgres@127.0.0.1:6432/test).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../dist/src/config.js';
import { buildApp } from '../dist/src/http/app.js';
import { migrate } from '../dist/src/store/migrate.js';
import { addApiKey, createInstance, generateKey } from '../dist/src/store/instances.js';
import { openPostgres } from '../dist/src/store/postgres.js';

const direct = new URL(process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/test');
const bouncer = new URL(process.argv[3] ?? 'postgres://postgres@127.0.0.1:6432/test');
const BATCHES = 30;
const CONCURRENCY = 4;
const ROUNDS = 3;
const at = (base, db) => Object.assign(new URL(base), { pathname: '/' + db }).toString();

const name = `test_acdp_stmt_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: direct.toString() });
await admin.connect();
await admin.query(`create database ${name}`);
const results = {};
try {
  const setup = await openPostgres(at(direct, name), 1);
  await migrate(setup);
  await setup.close();
  const modes = [
    ['direct, named', at(direct, name), true],
    ['direct, unnamed', at(direct, name), false],
    ['pgbouncer (transaction), unnamed', at(bouncer, name), false],
  ];
  let n = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, url, named] of modes) {
      const db = await openPostgres(url, CONCURRENCY, { namedStatements: named });
      const app = await buildApp({ db, config: loadConfig({ LOG_LEVEL: 'silent', METRICS_ENABLED: 'false', ACTIVITY_DAILY_LIMIT: '0' }) });
      const key = generateKey();
      await addApiKey(db, await createInstance(db, 'measure'), key);
      const headers = { 'x-api-key': key, 'content-type': 'application/json' };
      const def = await app.inject({ method: 'POST', url: '/v1/definitions/activity/create', headers, payload: {
        name: 'visit', icon_id: 'cart-icon', track_conversion_value: false, touch: true, filterable: true, visible_in_feeds: true,
        display_style: { type: 'activity' }, attributes: [{ name: 'page', display_type: 'text' }] } });
      if (def.statusCode !== 200) throw new Error(def.body);
      const batch = () => ({ activities: Array.from({ length: 100 }, () => ({
        activity_id: 'act:cm:visit', attributes: { 'str:cm:page': 'home' }, fields: { 'str::email': `p${n++}@example.com` } })) });
      let next = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < BATCHES) {
          const res = await app.inject({ method: 'POST', url: '/v1/activities/create', headers, payload: batch() });
          if (res.statusCode !== 200) throw new Error(`${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }));
      const rate = (BATCHES * 100) / ((performance.now() - started) / 1000);
      (results[label] ??= []).push(Math.round(rate));
      await app.close();
      await db.close();
    }
  }
} finally {
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
for (const [label, rates] of Object.entries(results)) {
  const sorted = [...rates].sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} median ${sorted[Math.floor(sorted.length / 2)]} activities/s (rounds: ${rates.join(', ')})`);
}
