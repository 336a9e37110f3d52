// Real Ortto's recorded requests and answers (../shared/ortto-recorded, laid beside the checkout
// by CI; absent elsewhere, and then the tests that need it skip), and a comparison of an answer's
// shape with a recorded one: key sets and their order, JSON types, and string formats.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/package-root.js';

export const SHARED_DIR = path.join(packageRoot(), '..', 'shared');
export const RECORDED_DIR = path.join(SHARED_DIR, 'ortto-recorded');
export const HAVE_RECORDINGS = fs.existsSync(path.join(RECORDED_DIR, 'exchanges.json'));
export const SKIP_WITHOUT_RECORDINGS = HAVE_RECORDINGS ? false : `no ${RECORDED_DIR} beside the checkout`;

export interface Exchange {
  label: string;
  endpoint: string;
  request: any;
  ortto: { status: number; body: any };
}

export function exchanges(): Exchange[] {
  return HAVE_RECORDINGS ? JSON.parse(fs.readFileSync(path.join(RECORDED_DIR, 'exchanges.json'), 'utf8')) : [];
}

export function recordedFile(relative: string): any {
  return JSON.parse(fs.readFileSync(path.join(RECORDED_DIR, 'responses', relative), 'utf8'));
}

/** What a string looks like, so that formats are compared and values are not. */
export function formatOf(s: string): string {
  if (/^[0-9a-f]{24}$/.test(s)) return 'id24';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(s)) return 'uuid4';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s)) return 'rfc3339-ms';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s)) return 'rfc3339-s';
  if (/^activity\.custom\.[a-z0-9-]+\.[a-z0-9-]+$/.test(s)) return 'liquid-recorded';
  if (/^\{\{.*\}\}$/.test(s)) return 'liquid-braces';
  if (/^act:cm:[a-z0-9-]+$/.test(s)) return 'act:cm';
  if (/^[a-z]{3}:(|cm|o|oc):[a-z0-9-]+$/.test(s)) return 'field-id';
  return 'text';
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export interface ShapeOptions {
  /** Paths (like `contacts[].fields`) whose keys are data (field ids), compared by JSON type only. */
  dictionaries?: string[];
  /** Paths whose strings are free text (names, messages), compared by type only. */
  freeText?: string[];
}

/**
 * Asserts that `actual` has the shape of `recorded`: the same keys in the same order, the same
 * JSON types, the same string formats; arrays compared item by item against the recorded first
 * item (when both have items).
 */
export function assertSameShape(actual: unknown, recorded: unknown, options: ShapeOptions = {}, at = '$'): void {
  assert.equal(kind(actual), kind(recorded), `${at}: ${kind(actual)} where Ortto answered ${kind(recorded)}`);
  const plainPath = at.replace(/\[\d+\]/g, '[]').replace(/^\$\.?/, '');
  if (Array.isArray(actual) && Array.isArray(recorded)) {
    if (recorded.length === 0) return;
    actual.forEach((item, i) => assertSameShape(item, recorded[0], options, `${at}[${i}]`));
    return;
  }
  if (kind(actual) === 'object') {
    const a = actual as Record<string, unknown>;
    const r = recorded as Record<string, unknown>;
    if (options.dictionaries?.includes(plainPath)) return;
    assert.deepEqual(Object.keys(a), Object.keys(r), `${at}: keys (and their order) differ from Ortto's`);
    for (const k of Object.keys(r)) assertSameShape(a[k], r[k], options, `${at}.${k}`);
    return;
  }
  if (typeof actual === 'string' && !options.freeText?.includes(plainPath)) {
    assert.equal(formatOf(actual), formatOf(recorded as string), `${at}: "${actual}" is not in the format of Ortto's "${String(recorded)}"`);
  }
}
