// The value checks and liberal input shapes that field types are made of (spec README, "Field
// IDs"); which type uses which is the table in field-types.ts. A null always clears a value, so
// these see only non-null values.

export const MAX_STR_LENGTH = 255;
export const MAX_TXT_LENGTH = 4000;

export type ValueCheck = { ok: true } | { ok: false; error: string };

const OK: ValueCheck = { ok: true };
const fail = (error: string): ValueCheck => ({ ok: false, error });

function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

export function isIsoDateTime(value: string): boolean {
  return !Number.isNaN(isoDateTimeMs(value));
}

/** The time an ISO-8601 date-time names, in ms since the epoch; NaN when it is not one (one parse for check and value). */
export function isoDateTimeMs(value: string): number {
  return ISO_DATE_TIME.test(value) ? Date.parse(value) : NaN;
}

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

// Asking Intl costs ~285 µs a call (it builds a formatter); the answer per name never changes.
// The cache is bounded so a stream of made-up names cannot grow it without end.
const timeZoneVerdicts = new Map<string, boolean>();
const MAX_CACHED_TIME_ZONES = 2000;

export function isValidTimeZone(tz: string): boolean {
  const known = timeZoneVerdicts.get(tz);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    valid = true;
  } catch {
    valid = false;
  }
  if (timeZoneVerdicts.size >= MAX_CACHED_TIME_ZONES) timeZoneVerdicts.clear();
  timeZoneVerdicts.set(tz, valid);
  return valid;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as stored, or `none` when the shape sent means "no value" (not a clear). */
export type Normalized = { none: true } | { none: false; value: unknown };

const NONE: Normalized = { none: true };
const isBlank = (v: unknown) => v === undefined || v === null || v === '';

/**
 * The liberal shapes of the spec README ("Input is accepted liberally"): a geo value as
 * `{"name": "<place>"}` is stored as the place's text; `{}` is no value.
 */
export function normalizeGeo(value: unknown): Normalized {
  if (!isPlainObject(value)) return { none: false, value };
  if (Object.values(value).every(isBlank)) return NONE;
  return { none: false, value: 'name' in value ? value['name'] : value };
}

/** A phone whose parts are all empty is no value. */
export function normalizePhone(value: unknown): Normalized {
  if (isPlainObject(value) && Object.values(value).every((v) => isBlank(v) || typeof v === 'boolean')) return NONE;
  return { none: false, value };
}

export type Check = (value: unknown, subject: string) => ValueCheck;

/** A string of at most `max` characters (code points). */
export function checkText(max: number): Check {
  return (value, subject) => {
    if (typeof value !== 'string') return fail(`${subject} must be a string`);
    if (charLength(value) > max) return fail(`${subject} is longer than ${max} characters`);
    return OK;
  };
}

export const checkInteger: Check = (value, subject) =>
  typeof value === 'number' && Number.isSafeInteger(value) ? OK : fail(`${subject} must be an integer`);

export const checkBoolean: Check = (value, subject) => (typeof value === 'boolean' ? OK : fail(`${subject} must be a boolean`));

/** An array of strings of at most `max` characters each. */
export function checkStringList(max: number): Check {
  return (value, subject) => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return fail(`${subject} must be an array of strings`);
    if (value.some((v: string) => charLength(v) > max)) return fail(`${subject} has an item longer than ${max} characters`);
    return OK;
  };
}

export const checkJson: Check = (value, subject) =>
  typeof value === 'object' && value !== null ? OK : fail(`${subject} must be a JSON object or array`);

export const checkDateTime: Check = (value, subject) =>
  typeof value === 'string' && isIsoDateTime(value) ? OK : fail(`${subject} must be an ISO-8601 date-time string`);

export function checkDate(value: unknown, subject: string): ValueCheck {
  if (typeof value === 'string') {
    if (ISO_DATE.test(value)) {
      const [y, m, d] = value.split('-').map(Number) as [number, number, number];
      return isRealDate(y, m, d) ? OK : fail(`${subject} is not a real date`);
    }
    return isIsoDateTime(value) ? OK : fail(`${subject} must be a date object or an ISO-8601 string`);
  }
  if (!isPlainObject(value)) return fail(`${subject} must be a date object or an ISO-8601 string`);
  const { year, month, day, timezone } = value;
  if (![year, month, day].every((n) => typeof n === 'number' && Number.isInteger(n))) {
    return fail(`${subject} needs integer year, month and day`);
  }
  if (!isRealDate(year as number, month as number, day as number)) return fail(`${subject} is not a real date`);
  if (timezone !== undefined && timezone !== null && timezone !== '') {
    if (typeof timezone !== 'string' || !isValidTimeZone(timezone)) {
      return fail(`${subject} has an unknown timezone (use an IANA name such as Australia/Sydney)`);
    }
  }
  return OK;
}

export function checkPhone(value: unknown, subject: string): ValueCheck {
  if (!isPlainObject(value)) return fail(`${subject} must be a phone object`);
  if ('phone' in value) {
    const { phone } = value;
    if (typeof phone !== 'string' || !/^\+?[0-9 ()-]{4,30}$/.test(phone)) {
      return fail(`${subject}.phone must be a phone number such as +61401234567`);
    }
    const pcc = value['parse_with_country_code'];
    if (pcc !== undefined && typeof pcc !== 'boolean') {
      return fail(`${subject}.parse_with_country_code must be a boolean`);
    }
    return OK;
  }
  const { c, n } = value;
  // {"n"} alone is a number as the client wrote it (a CDP destination sends "+61 401 234 567").
  if (c === undefined || c === null || c === '') {
    if (typeof n !== 'string' || !/^\+?[0-9 ()-]{3,30}$/.test(n)) return fail(`${subject}.n must be a phone number of digits`);
    return OK;
  }
  if (typeof c !== 'string' || !/^[0-9]{1,4}$/.test(c)) return fail(`${subject}.c must be a country calling code such as "61"`);
  if (typeof n !== 'string' || !/^[0-9]{3,20}$/.test(n)) return fail(`${subject}.n must be a national number of digits`);
  return OK;
}
