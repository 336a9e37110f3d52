// A real headless browser for the console's end-to-end tests: Debian's Chromium driven by
// playwright-core. Each page records console errors and uncaught exceptions; `assertClean` fails
// the test on any, except network errors the test expects (a 401 for a wrong key, say).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../src/package-root.js';
import { STORE_KIND } from './store.js';

export const CHROMIUM = '/usr/bin/chromium';
// Without the last four, Chromium's own connections fail by the dozen on a machine with no network.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  errors: string[];
  /** Fails on any console error or page error, except failed loads of `allowedUrls` (substrings). */
  assertClean(allowedUrls?: string[]): void;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Launches one browser for the test file (each page gets its own context: a fresh profile). */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    // playwright launches with a new temporary --user-data-dir of its own for every launch.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('browser not started');
    return browser;
  };
}

export const SCREENSHOTS = path.join(packageRoot(), 'test-results', 'console', STORE_KIND);

export async function openPage(browser: Browser, width = 1280, height = 900): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors: Array<{ text: string; url: string }> = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push({ text: m.text(), url: m.location().url ?? '' });
  });
  page.on('pageerror', (e) => errors.push({ text: `uncaught: ${e.message}`, url: '' }));
  return {
    page,
    context,
    get errors() {
      return errors.map((e) => `${e.text} (${e.url})`);
    },
    assertClean(allowedUrls = []) {
      const bad = errors.filter((e) => !(e.text.startsWith('Failed to load resource') && allowedUrls.some((u) => e.url.includes(u))));
      assert.deepEqual(bad.map((e) => `${e.text} (${e.url})`), [], 'browser console errors');
    },
    async screenshot(name: string) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, baseUrl: string, key: string, at = '/console/people'): Promise<void> {
  await page.goto(baseUrl + at);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Sections' }).waitFor();
}
