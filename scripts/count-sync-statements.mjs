// Round trips of a sync request: the statements (and transaction begin/commit) one
// `POST /v1/activities/create` or `/v1/accounts/activities/create` of 100 activities sends to the
// database, counted by a wrapper around the store (every query, exec, begin and commit is one
// round trip), for new and for existing persons and accounts. On PostgreSQL the transactions the
// database committed (pg_stat_database.xact_commit) are read too, as a check on the wrapper.
// Usage: npm run build && node scripts/count-sync-statements.mjs
// (DATABASE_URL=postgres://…/test… for PostgreSQL; without it, an in-memory PGlite. ACTIVITY_DAILY_LIMIT=0
// turns the daily limit off, which saves its look-up; the default keeps the server's default.)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../dist/src/config.js';
import { buildApp } from '../dist/src/http/app.js';
import { migrate } from '../dist/src/store/migrate.js';
import { addApiKey, createInstance, generateKey } from '../dist/src/store/instances.js';
import { openPglite } from '../dist/src/store/pglite.js';
import { openPostgres } from '../dist/src/store/postgres.js';

const REQUESTS = 5;
const BATCH = 100;

/** The store with every round trip counted by a label (the statement's name, else its first words). */
function counting(inner) {
  const counts = new Map();
  const note = (label) => counts.set(label, (counts.get(label) ?? 0) + 1);
  const label = (text, name) => name ?? text.replace(/\s+/g, ' ').trim().slice(0, 60);
  const wrap = (sql) => ({
    query: (text, params, name) => {
      note(label(text, name));
      return sql.query(text, params, name);
    },
    exec: (text) => {
      note(label(text));
      return sql.exec(text);
    },
  });
  return {
    counts,
    db: {
      ...wrap(inner),
      kind: inner.kind,
      transaction: (fn) => inner.transaction(async (tx) => {
        note('begin');
        const out = await fn(wrap(tx));
        note('commit');
        return out;
      }),
      close: () => inner.close(),
      poolStats: inner.poolStats?.bind(inner),
    },
  };
}

const url = process.env.DATABASE_URL;
let dbName;
let admin;
let inner;
if (url) {
  const base = new URL(url);
  dbName = `test_acdp_rt_${randomBytes(4).toString('hex')}`;
  admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  base.pathname = '/' + dbName;
  inner = await openPostgres(base.toString(), 4);
} else {
  inner = await openPglite(undefined);
}

async function committed() {
  if (!url) return undefined;
  await new Promise((r) => setTimeout(r, 1500)); // backends report their counts within a second of going idle
  const c = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/' + dbName }).toString() });
  await c.connect();
  const { rows } = await c.query('select xact_commit::bigint as n from pg_stat_database where datname = current_database()');
  await c.end();
  return Number(rows[0].n);
}

try {
  await migrate(inner);
  const { db, counts } = counting(inner);
  const app = await buildApp({ db, config: loadConfig({ LOG_LEVEL: 'silent', METRICS_ENABLED: 'false', ...(process.env.ACTIVITY_DAILY_LIMIT ? { ACTIVITY_DAILY_LIMIT: process.env.ACTIVITY_DAILY_LIMIT } : {}) }) });
  const key = generateKey();
  await addApiKey(inner, await createInstance(inner, 'round-trips'), key);
  const headers = { 'x-api-key': key, 'content-type': 'application/json' };
  const post = async (path, payload) => {
    const res = await app.inject({ method: 'POST', url: path, headers, payload });
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body);
  };
  await post('/v1/definitions/activity/create', {
    name: 'visit', icon_id: 'cart-icon', track_conversion_value: false, touch: true, filterable: true, visible_in_feeds: true,
    display_style: { type: 'activity' }, attributes: [{ name: 'page', display_type: 'text' }],
  });
  const person = (i, round) => ({ activity_id: 'act:cm:visit', attributes: { 'str:cm:page': `p${round}` }, fields: { 'str::email': `p${i}@example.com`, 'str:cm:plan': `plan-${round}` } });
  const account = (i, round) => ({ activity_id: 'act:oc:visit', attributes: { 'str:cm:page': `p${round}` }, fields: { 'str:o:name': `Company ${i}`, 'str:oc:tier': `t${round}` } });
  // Warm-up: the first request registers the custom fields (once per instance, not per request).
  await post('/v1/activities/create', { activities: [person(-1, 0)] });
  await post('/v1/accounts/activities/create', { activities: [account(-1, 0)], merge_by: ['str:o:name'] });

  const scenarios = [
    ['persons, 100 new', (r) => ({ path: '/v1/activities/create', body: { activities: Array.from({ length: BATCH }, (_, i) => person(1_000 + r * BATCH + i, r)) } })],
    ['persons, 100 existing', (r) => ({ path: '/v1/activities/create', body: { activities: Array.from({ length: BATCH }, (_, i) => person(1_000 + r * BATCH + i, r + 100)) } })],
    // 100 events of one person pass only without the daily limit (50 a day by default).
    ...(process.env.ACTIVITY_DAILY_LIMIT === '0'
      ? [['persons, 1 existing x 100', (r) => ({ path: '/v1/activities/create', body: { activities: Array.from({ length: BATCH }, () => person(1_000, r + 200)) } })]]
      : []),
    ['accounts, 100 new', (r) => ({ path: '/v1/accounts/activities/create', body: { activities: Array.from({ length: BATCH }, (_, i) => account(1_000 + r * BATCH + i, r)), merge_by: ['str:o:name'] } })],
    ['accounts, 100 existing', (r) => ({ path: '/v1/accounts/activities/create', body: { activities: Array.from({ length: BATCH }, (_, i) => account(1_000 + r * BATCH + i, r + 100)), merge_by: ['str:o:name'] } })],
  ];
  const table = [];
  for (const [label, make] of scenarios) {
    const per = [];
    let breakdown;
    let statuses;
    const before = await committed();
    for (let r = 0; r < REQUESTS; r++) {
      counts.clear();
      const { path, body } = make(r);
      const res = await post(path, body);
      if (res.activities.length !== BATCH) throw new Error(`${label}: ${res.activities.length} answers`);
      statuses = [...new Set(res.activities.map((a) => a.status))].join('/');
      per.push([...counts.values()].reduce((a, b) => a + b, 0));
      breakdown = new Map(counts);
    }
    const after = await committed();
    table.push({ label, per, breakdown, statuses, xacts: before === undefined ? undefined : (after - before - 1) / REQUESTS });
  }
  console.log(`store: ${url ? 'PostgreSQL' : 'PGlite'}; ACTIVITY_DAILY_LIMIT ${process.env.ACTIVITY_DAILY_LIMIT ?? '(default)'}; ${BATCH} activities per request, ${REQUESTS} requests per scenario`);
  for (const { label, per, breakdown, statuses, xacts } of table) {
    console.log(`\n${label} (${statuses}): ${per.join(', ')} round trips per request${xacts === undefined ? '' : `; ${xacts} committed transactions per request (pg_stat_database)`}`);
    for (const [what, n] of [...breakdown].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(3)}  ${what}`);
  }
  await app.close();
} finally {
  await inner.close();
  if (admin) {
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
