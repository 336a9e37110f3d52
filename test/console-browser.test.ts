// The web console end to end, in a real headless Chromium against the real server and store:
// sign-in and sign-out, People and Person with the activity feed (titles, icons, order, filter,
// infinite scroll), an XSS payload shown as text, Accounts, Definitions, Live, Traffic and Dead
// letters, at 1280 and 390 px. Every page fails its test on a browser console error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, signIn, useBrowser } from './helpers/browser.js';
import { useTestApp, type Client } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';

const app = useTestApp();
const browser = useBrowser();

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

async function seedPerson(api: Client, email: string) {
  await define(api, definition('purchase', [{ name: 'item', display_type: 'text' }, { name: 'qty', display_type: 'integer' }], {
    icon_id: 'cart-icon', display_style: { type: 'activity_attribute', attribute: 'item' },
  }));
  await define(api, definition('signed-up', [{ name: 'plan', display_type: 'text' }], {
    icon_id: 'star-icon', track_conversion_value: false, display_style: { type: 'activity_template', template: 'Signed up for {{plan}}' },
  }));
  const t = Date.now();
  const at = (minutesAgo: number) => new Date(t - minutesAgo * 60_000).toISOString();
  const res = await api.post('/v1/activities/create', { activities: [
    { activity_id: 'act:cm:signed-up', created: at(30), attributes: { 'str:cm:plan': XSS }, fields: { 'str::email': email, 'str::first': 'Ada', 'str::last': 'Lovelace' } },
    { activity_id: 'act:cm:purchase', created: at(20), attributes: { 'str:cm:item': 'Book', 'int:cm:qty': 1 }, fields: { 'str::email': email } },
    { activity_id: 'act:cm:purchase', created: at(10), attributes: { 'str:cm:item': 'Lamp', 'int:cm:qty': 2 }, fields: { 'str::email': email }, location: { custom: { name: 'Lima', country: 'Peru' } } },
  ] });
  assert.equal(res.status, 200, res.text);
  assert.ok(res.body.activities.every((a: any) => a.status === 'ingested'), res.text);
  return res.body.activities[0].person_id as string;
}

describe('console in a browser', () => {
  test('GET / opens the sign-in; a wrong key is refused, the right one signs in, sign-out clears the key', async () => {
    const api = await app().newInstance();
    const p = await openPage(browser());
    try {
      await p.page.goto(app().baseUrl + '/');
      await p.page.getByLabel('API key').waitFor();
      assert.match(p.page.url(), /\/console\/people$/);
      await p.screenshot('sign-in');

      await p.page.getByLabel('API key').fill('not-a-real-key-0123456789');
      await p.page.keyboard.press('Enter');
      await p.page.getByRole('alert').filter({ hasText: 'That API key is not valid.' }).waitFor();
      assert.equal(await p.page.evaluate('sessionStorage.length'), 0);

      await p.page.getByLabel('API key').fill(api.apiKey!);
      await p.page.keyboard.press('Enter');
      await p.page.getByRole('navigation', { name: 'Sections' }).waitFor();
      assert.equal(await p.page.evaluate("sessionStorage.getItem('activity-cdp.api-key')"), api.apiKey);
      assert.ok(!p.page.url().includes(api.apiKey!), 'the key is never in the URL');
      // Empty state: a ready curl command with a placeholder, never the key itself.
      const curl = await p.page.getByLabel('curl command').textContent();
      assert.match(curl!, /X-Api-Key: <your API key>/);
      assert.match(curl!, /\/v1\/activities\/create/);
      assert.ok(!curl!.includes(api.apiKey!));
      assert.ok(!(await p.page.locator('body').innerText()).includes(api.apiKey!), 'the key is never shown');
      await p.screenshot('people-empty');

      await p.page.getByRole('button', { name: 'Sign out' }).click();
      await p.page.getByLabel('API key').waitFor();
      assert.equal(await p.page.evaluate("sessionStorage.getItem('activity-cdp.api-key')"), null);
      await p.page.reload();
      await p.page.getByLabel('API key').waitFor();
      p.assertClean(['/v1/instance-schema/get']);
    } finally {
      await p.close();
    }
  });

  test('a person sent through the API is listed and searchable; their feed shows titles, icons, newest first, filters, and an XSS payload as text', async () => {
    const api = await app().newInstance();
    const email = `ada.${Date.now()}@example.com`;
    const personId = await seedPerson(api, email);
    const p = await openPage(browser());
    try {
      await signIn(p.page, app().baseUrl, api.apiKey!);
      const row = p.page.locator(`tr[data-id="${personId}"]`);
      await row.waitFor();
      assert.match(await row.innerText(), /Ada Lovelace/);
      await p.page.locator('td.num').filter({ hasText: '3' }).waitFor();
      await p.screenshot('people');

      // "/" focuses the search box; search by part of the e-mail, then by a name that matches nobody.
      await p.page.locator('body').press('/');
      assert.equal(await p.page.evaluate('document.activeElement.id'), 'search');
      await p.page.keyboard.type('ada.');
      await p.page.keyboard.press('Enter');
      await row.waitFor();
      await p.page.getByLabel('Search', { exact: true }).fill('ada.');
      await p.page.getByLabel('Search', { exact: true }).press('Enter');
      await row.waitFor();
      await p.page.getByLabel('Search', { exact: true }).fill('Nobody');
      await p.page.getByLabel('Search', { exact: true }).press('Enter');
      await p.page.getByText('No people match “Nobody”').waitFor();
      await p.page.getByLabel('Search', { exact: true }).fill('Lovelace');
      await p.page.getByLabel('Search', { exact: true }).press('Enter');
      await row.waitFor();

      // Keyboard: focus the row's link and press Enter.
      await row.getByRole('link').focus();
      await p.page.keyboard.press('Enter');
      await p.page.waitForURL(`**/console/people/${personId}`);
      const events = p.page.locator('li.event');
      await events.nth(2).waitFor();
      assert.deepEqual(await p.page.locator('li.event .title').allInnerTexts(), ['Purchase: Lamp', 'Purchase: Book', `Signed up for ${XSS}`]);
      assert.deepEqual(await p.page.locator('li.event .icon').evaluateAll((els) => els.map((e) => e.getAttribute('data-icon'))), ['cart-icon', 'cart-icon', 'star-icon']);
      assert.match(await events.nth(0).innerText(), /Lima, Peru/);
      // The payload is text: no element was made from it and nothing ran.
      assert.equal(await p.page.locator('li.event img, li.event script').count(), 0);
      assert.equal(await p.page.evaluate('window.__xss'), undefined);
      // Fields, typed.
      assert.equal(await p.page.locator('dd[data-field="str::first"]').innerText(), 'Ada');
      assert.match(await p.page.locator('.fields').innerText(), /Email/);

      // Attributes on expand.
      await events.nth(0).locator('summary').click();
      assert.equal(await events.nth(0).locator('dd[data-attr="int:cm:qty"]').innerText(), '2');
      await p.screenshot('person');

      // Filter by activity.
      await p.page.getByLabel('Filter by activity').selectOption('act:cm:signed-up');
      await p.page.locator('li.event .title').filter({ hasText: 'Signed up for' }).waitFor();
      await p.page.waitForFunction(() => (globalThis as any).document.querySelectorAll('li.event').length === 1);
      assert.deepEqual(await p.page.locator('li.event .icon').evaluateAll((els) => els.map((e) => e.getAttribute('data-icon'))), ['star-icon']);

      // 390 px: readable, nothing wider than the screen.
      await p.page.setViewportSize({ width: 390, height: 844 });
      await p.page.getByLabel('Filter by activity').selectOption('');
      await events.nth(2).waitFor();
      assert.ok(await p.page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth <= 390), 'no horizontal scroll at 390 px');
      await p.screenshot('person-390');
      p.assertClean();
    } finally {
      await p.close();
    }
  });

  test('the feed scrolls on: 45 events load in pages of 20 as the end comes into view', async () => {
    const api = await app().newInstance();
    await define(api, definition('tick', [{ name: 'n', display_type: 'integer' }], { icon_id: 'calendar-icon', track_conversion_value: false }));
    const t = Date.now();
    const res = await api.post('/v1/activities/create', { activities: Array.from({ length: 45 }, (_, i) => ({
      activity_id: 'act:cm:tick', created: new Date(t - (45 - i) * 1000).toISOString(), attributes: { 'int:cm:n': i }, fields: { 'str::email': 'scroll@example.com' },
    })) });
    assert.equal(res.status, 200, res.text);
    const id = res.body.activities[0].person_id;
    const p = await openPage(browser());
    try {
      await signIn(p.page, app().baseUrl, api.apiKey!, `/console/people/${id}`);
      await p.page.locator('li.event').nth(19).waitFor();
      assert.equal(await p.page.locator('li.event').count(), 20);
      for (let i = 0; i < 3 && (await p.page.locator('li.event').count()) < 45; i++) {
        await p.page.locator('.sentinel').scrollIntoViewIfNeeded();
        await p.page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('li.event').length >= n, Math.min(45, 20 * (i + 2)));
      }
      assert.equal(await p.page.locator('li.event').count(), 45);
      assert.equal(await p.page.locator('li.event').first().getAttribute('data-activity'), 'act:cm:tick');
      assert.equal(await p.page.locator('li.event').first().locator('.icon').getAttribute('data-icon'), 'calendar-icon');
      p.assertClean();
    } finally {
      await p.close();
    }
  });

  test('accounts and an account feed', async () => {
    const api = await app().newInstance();
    await define(api, definition('renewed', [{ name: 'plan', display_type: 'text' }], { icon_id: 'globe-icon', display_style: { type: 'activity_template', template: 'Renewed {{plan}}' } }));
    const res = await api.post('/v1/accounts/activities/create', { activities: [
      { activity_id: 'act:cm:renewed', attributes: { 'str:cm:plan': 'Team' }, fields: { 'str:o:name': 'Acme Ltd', 'str:o:website': 'https://acme.example' } },
    ] });
    assert.equal(res.status, 200, res.text);
    const id = res.body.activities[0].account_id;
    const p = await openPage(browser());
    try {
      await signIn(p.page, app().baseUrl, api.apiKey!, '/console/accounts');
      await p.page.locator(`tr[data-id="${id}"]`).getByRole('link', { name: 'Acme Ltd' }).click();
      await p.page.locator('li.event .title').filter({ hasText: 'Renewed Team' }).waitFor();
      assert.equal(await p.page.locator('li.event .icon').getAttribute('data-icon'), 'globe-icon');
      await p.screenshot('account');
      await p.page.getByRole('link', { name: 'Accounts' }).first().click();
      await p.page.locator(`tr[data-id="${id}"]`).waitFor();
      await p.screenshot('accounts');
      p.assertClean();
    } finally {
      await p.close();
    }
  });

  test('definitions show state, flags, attributes and event counts; archived ones are marked', async () => {
    const api = await app().newInstance();
    await seedPerson(api, 'defs@example.com');
    await define(api, definition('old-thing', [{ name: 'x', display_type: 'text' }]));
    const del = await api.delete('/v1/definitions/activity/delete', { activity_field_id: 'act:cm:old-thing' });
    assert.equal(del.status, 200, del.text);
    const p = await openPage(browser());
    try {
      await signIn(p.page, app().baseUrl, api.apiKey!, '/console/definitions');
      const purchase = p.page.locator('li[data-definition="act:cm:purchase"]');
      await purchase.waitFor();
      const text = await purchase.innerText();
      assert.match(text, /Purchase/);
      assert.match(text, /active/);
      assert.match(text, /str:cm:item/);
      assert.match(text, /\{\{activity\.cm\.purchase\.item\}\}/);
      assert.match(text, /tracks conversion value/);
      assert.equal(await purchase.locator('.icon').getAttribute('data-icon'), 'cart-icon');
      assert.equal(await purchase.locator('[data-stat="count"]').innerText(), '2');
      assert.notEqual(await purchase.locator('[data-stat="last"]').innerText(), '—');
      assert.equal(await p.page.locator('li[data-definition="act:cm:signed-up"] [data-stat="count"]').innerText(), '1');
      const old = p.page.locator('li[data-definition="act:cm:old-thing"]');
      assert.match(await old.getAttribute('class') ?? '', /archived/);
      assert.match(await old.innerText(), /archived/);
      await p.screenshot('definitions');
      p.assertClean();
    } finally {
      await p.close();
    }
  });

  test('live shows a new activity within a second, pauses and resumes', async () => {
    const api = await app().newInstance();
    await define(api, definition('ping', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    const p = await openPage(browser());
    try {
      await signIn(p.page, app().baseUrl, api.apiKey!, '/console/live');
      await p.page.getByText('Waiting for activities').waitFor();
      await p.page.locator('.dot.live').waitFor();
      const sent = Date.now();
      const res = await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', attributes: { 'int:cm:n': 1 }, fields: { 'str::email': 'live@example.com' } }] });
      assert.equal(res.status, 200, res.text);
      await p.page.locator('table.live tbody tr').filter({ hasText: 'live@example.com' }).waitFor({ timeout: 1000 });
      const elapsed = Date.now() - sent;
      assert.ok(elapsed < 1000, `shown after ${elapsed} ms`);
      await p.screenshot('live');

      await p.page.getByRole('button', { name: 'Pause' }).click();
      await api.post('/v1/activities/create', { activities: [{ activity_id: 'act:cm:ping', fields: { 'str::email': 'paused@example.com' } }] });
      await p.page.locator('[data-stat="total"]').filter({ hasText: '2' }).waitFor();
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await p.page.getByText('paused@example.com').count(), 0, 'nothing new is drawn while paused');
      await p.page.getByRole('button', { name: 'Resume' }).click();
      await p.page.getByText('paused@example.com').waitFor({ timeout: 1000 });
      p.assertClean();
    } finally {
      await p.close();
    }
  });

  test('traffic says where the journal is; dead letters list failed queued activities with their reason', async () => {
    const api = await app().newInstance();
    await define(api, definition('ping', [{ name: 'n', display_type: 'integer' }], { track_conversion_value: false }));
    const res = await api.post('/v1/activities/create', { async: true, activities: [{ activity_id: 'act:cm:missing', fields: { 'str::email': 'dl@example.com' } }] });
    assert.equal(res.status, 200, res.text);
    await app().drain();
    const journal = await api.request('GET', '/_emulator/requests');
    const p = await openPage(browser());
    try {
      await signIn(p.page, app().baseUrl, api.apiKey!, '/console/traffic');
      if (journal.status === 404) await p.page.getByText('The request journal is available in emulator mode').waitFor();
      else await p.page.locator('.journal li').first().waitFor();
      await p.screenshot('traffic');
      await p.page.getByRole('link', { name: 'Dead letters' }).click();
      const item = p.page.locator('.journal li').filter({ hasText: 'activity act:cm:missing does not exist' });
      await item.waitFor();
      await item.locator('summary').click();
      assert.match(await item.locator('pre').innerText(), /dl@example\.com/);
      await p.screenshot('dead-letters');
      p.assertClean(['/_emulator/requests']);
    } finally {
      await p.close();
    }
  });
});
