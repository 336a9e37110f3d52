// Measures the console in headless Chromium (not part of `npm test`; figures for the README):
//   node scripts/measure-console.mjs persons <N>   People page load (first page, all counts, next page, search) at N persons
//   node scripts/measure-console.mjs live [rate]   Live page frame rate while `rate` activities/s arrive through the API
// The store is the one DATABASE_URL selects (a fresh database named like the tests'), else an in-memory PGlite.
// Persons are seeded with one SQL statement (each with one event), not through the API, so that a
// million take seconds; the live figure sends real requests of 100 activities.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { loadConfig } from '../dist/src/config.js';
import { buildApp } from '../dist/src/http/app.js';
import { ActivityFeed } from '../dist/src/ingest/activity-feed.js';
import { addApiKey, createInstance, generateKey } from '../dist/src/store/instances.js';
import { migrate } from '../dist/src/store/migrate.js';
import { openPglite } from '../dist/src/store/pglite.js';
import { openPostgres } from '../dist/src/store/postgres.js';

const [mode = 'persons', arg] = process.argv.slice(2);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

async function openDb() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openPglite(undefined);
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const base = new URL(url);
  if (!/test/i.test(base.pathname)) throw new Error('DATABASE_URL must name a test database');
  const name = `test_console_measure_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = '/' + name;
  const db = await openPostgres(u.toString(), 8);
  await migrate(db);
  return {
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const post = (base, key, path, body) => fetch(base + path, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => {
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
});

const { db, drop } = await openDb();
const feed = new ActivityFeed();
const app = await buildApp({ db, config: loadConfig({ LOG_LEVEL: 'silent' }), feed, logger: false });
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const key = generateKey();
const instanceId = await createInstance(db, 'measure');
await addApiKey(db, instanceId, key);
await post(base, key, '/v1/definitions/activity/create', {
  name: 'visit', icon_id: 'globe-icon', track_conversion_value: false, touch: true, filterable: true, visible_in_feeds: true,
  display_style: { type: 'activity_attribute', attribute: 'page' }, attributes: [{ name: 'page', display_type: 'text' }],
});

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
await context.addInitScript(`sessionStorage.setItem('activity-cdp.api-key', ${JSON.stringify(key)})`);
const page = await context.newPage();
const errors = [];
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

async function timed(what, fn) {
  const t = performance.now();
  await fn();
  const ms = Math.round(performance.now() - t);
  console.log(`${what}: ${ms} ms`);
  return ms;
}

try {
  if (mode === 'persons') {
    const n = Number(arg ?? 1000);
    const t0 = performance.now();
    const epoch = Math.floor(Date.now() / 1000) - 86400;
    await db.query(
      `insert into records (instance_id, kind, id, fields, first_seen_at, last_seen_at)
       select $1, 'person', '00' || lpad(to_hex($3::bigint + i / 1000), 8, '0') || lpad(to_hex(i), 14, '0'),
              jsonb_build_object('str::email', 'p' || i || '@example.com', 'str::first', 'Person', 'str::last', 'N' || i),
              now() - interval '1 day', now()
         from generate_series(1, $2::integer) as i`,
      [instanceId, n, epoch],
    );
    await db.query(
      `insert into activity_events (instance_id, id, kind, record_id, definition, created_at, attributes)
       select $1, '00' || lpad(to_hex($3::bigint + i / 1000), 8, '0') || lpad(to_hex(i + 100000000), 14, '0'), 'person',
              '00' || lpad(to_hex($3::bigint + i / 1000), 8, '0') || lpad(to_hex(i), 14, '0'), 'visit', now() - (i || ' seconds')::interval,
              jsonb_build_object('str:cm:page', '/p/' || i)
         from generate_series(1, $2::integer) as i`,
      [instanceId, n, epoch],
    );
    await db.query('analyze records');
    await db.query('analyze activity_events');
    console.log(`seeded ${n} persons with one event each in ${Math.round(performance.now() - t0)} ms (${db.kind})`);
    await page.goto(base + '/console/definitions');
    await page.locator('li[data-definition]').first().waitFor();
    // Cold-ish: a fresh navigation each time (assets from the browser cache after the first).
    for (let i = 0; i < 3; i++) {
      await timed(`People page ${i + 1}: navigation to first page drawn (50 rows)`, async () => {
        await page.goto(base + '/console/people');
        await page.waitForFunction(() => document.body.dataset.loaded === 'people:0');
      });
    }
    await timed('activity counts of the 50 rows filled', () => page.waitForFunction(() => !document.querySelector('td.num')?.textContent?.includes('…') && ![...document.querySelectorAll('td.num')].some((td) => td.textContent === '…')));
    await timed('Next page drawn', async () => {
      await page.getByRole('button', { name: 'Next →' }).click();
      await page.waitForFunction(() => document.body.dataset.loaded === 'people:1');
    });
    await timed('Person page (fields and feed) drawn', async () => {
      await page.locator('tbody a').first().click();
      await page.locator('li.event').first().waitFor();
    });
    await timed(`search "p${n}@" (contains, unindexed) drawn`, async () => {
      await page.goto(base + '/console/people');
      await page.waitForFunction(() => document.body.dataset.loaded === 'people:0');
      await page.evaluate(() => { delete document.body.dataset.loaded; });
      await page.getByLabel('Search', { exact: true }).fill(`p${n}@`);
      await page.getByLabel('Search', { exact: true }).press('Enter');
      await page.waitForFunction(() => document.body.dataset.loaded === 'people:0');
    });
  } else {
    const rate = Number(arg ?? 1000);
    const seconds = 5;
    await page.goto(base + '/console/live');
    await page.locator('.dot.live').waitFor();
    await page.evaluate(() => {
      window.__frames = [];
      const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    const perRequest = 100;
    const interval = 1000 / (rate / perRequest);
    let sent = 0;
    const started = performance.now();
    const inflight = [];
    let i = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(post(base, key, '/v1/activities/create', { activities: Array.from({ length: perRequest }, (_, k) => ({
        activity_id: 'act:cm:visit', attributes: { 'str:cm:page': `/live/${i}/${k}` }, fields: { 'str::email': `live${i}-${k}@example.com` },
      })) }).then(() => { sent += perRequest; }));
      i++;
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - started) / 1000;
    await page.waitForTimeout(500);
    const frames = await page.evaluate(() => window.__frames);
    const from = frames[0];
    const window5 = frames.filter((t) => t - from <= seconds * 1000);
    const gaps = window5.slice(1).map((t, k) => t - window5[k]);
    const shown = await page.locator('[data-stat="total"]').innerText();
    console.log(`sent ${sent} activities in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s); the page counted ${shown}`);
    console.log(`frames: ${(window5.length / seconds).toFixed(1)} fps over ${seconds} s; longest frame ${Math.round(Math.max(...gaps))} ms; frames over 50 ms: ${gaps.filter((g) => g > 50).length}`);
  }
  if (errors.length) console.log('browser console errors:', errors);
} finally {
  await browser.close();
  await app.close();
  await drop();
}
