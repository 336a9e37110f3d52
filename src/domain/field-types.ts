// Ortto field IDs and their types. A field ID is `<type>:<namespace>:<name>`: namespace "" =
// built-in person field, "cm" = custom person field or custom activity attribute, "o" = built-in
// account field, "oc" = custom account field.
//
// FIELD_TYPE_RULES is the one table of what each type prefix means: its display types, value
// check, whether it can be a merge key and how the key is normalised, its filter operators, its
// CSV cell and its SDK value type. Everything else reads from it (values, identity, filter, the
// store's key and filter SQL, the CSV import, the SDK's generated types), so a new field type is
// one record here, plus SQL in src/store when it brings a new merge-key rule or filter operator.
import { ORTTO_ACCOUNT_FIELDS, ORTTO_PERSON_FIELDS, ORTTO_SYSTEM_ACTIVITIES } from './ortto-builtins.js';
import {
  MAX_STR_LENGTH, MAX_TXT_LENGTH, checkBoolean, checkDate, checkDateTime, checkInteger, checkJson, checkPhone,
  checkStringList, checkText, normalizeGeo, normalizePhone, type Normalized, type ValueCheck,
} from './values.js';

/** Definition attribute display types, in the order the API documents them. */
export const DISPLAY_TYPES = [
  'text', 'large_text', 'email', 'phone', 'link', 'integer', 'decimal', 'currency',
  'date', 'time', 'bool', 'single_select', 'multi_select', 'object',
] as const;
export type DisplayType = (typeof DISPLAY_TYPES)[number];

/** How a merge-key value becomes its key text (store/records.ts holds each rule's SQL twin). */
export type KeyRule = 'text' | 'integer' | 'phone';

/** The JSON type of a filter condition's `value`. */
export type FilterValue = 'string' | 'number' | 'boolean';

export interface FieldTypeRule {
  /** Definition attribute display types whose values are stored under this prefix. */
  readonly displayTypes: readonly DisplayType[];
  /** The display type shown for a custom field first registered through a field ID of this type. */
  readonly shownAs: string;
  /** Liberal input shapes that stand for a stored value, or for no value (spec README). */
  readonly normalize?: (value: unknown) => Normalized;
  /** Checks a non-null value; `subject` names the field in the error. */
  readonly check: (value: unknown, subject: string) => ValueCheck;
  /** Present when values of this type can identify a record: the key text, or undefined for none. */
  readonly key?: { readonly rule: KeyRule; readonly text: (value: unknown, fieldId: string) => string | undefined };
  /** Filter operators `$<type>::<name>` of person/get and accounts/get, with their value's JSON type. */
  readonly filter: Readonly<Record<string, FilterValue>>;
  /** A CSV cell (cli import) as the value this type takes. */
  readonly csv: (text: string) => unknown;
  /** Attribute types other than its own that a definition may map onto a field of this type. */
  readonly mappedFrom?: readonly string[];
  /** The SDK's TypeScript type of a value, and its doc line (scripts/gen-client-types.mjs). */
  readonly sdk: { readonly type: string; readonly doc?: string };
}

export function isEmailField(fieldId: string): boolean {
  return fieldId === 'str::email';
}

/** An e-mail as stored, keyed and filtered on: the same person however the address was written. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const asIs = (text: string): unknown => text;
const json = (text: string): unknown => JSON.parse(text);

// The order is observable: it lists the filter operators and the merge-key types in messages.
export const FIELD_TYPE_RULES = {
  str: {
    displayTypes: ['text', 'email', 'link', 'single_select'],
    shownAs: 'text',
    check: checkText(MAX_STR_LENGTH),
    key: {
      rule: 'text',
      text(value, fieldId) {
        if (typeof value !== 'string') return undefined;
        const v = isEmailField(fieldId) ? normalizeEmail(value) : value;
        return v.trim() === '' ? undefined : v;
      },
    },
    filter: { is: 'string', is_not: 'string', contains: 'string', starts_with: 'string' },
    csv: asIs,
    sdk: { type: 'string', doc: 'text, email, link, single_select: at most 255 characters' },
  },
  int: {
    displayTypes: ['integer', 'decimal', 'currency'],
    shownAs: 'integer',
    check: checkInteger,
    key: { rule: 'integer', text: (value) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined) },
    filter: { is: 'number', greater_than: 'number', less_than: 'number' },
    csv(text) {
      if (!/^-?\d+$/.test(text.trim())) throw new Error(`"${text}" is not a whole number`);
      return Number(text.trim());
    },
    sdk: { type: 'number', doc: 'integer; decimal and currency as value × 1000' },
  },
  phn: {
    displayTypes: ['phone'],
    shownAs: 'phone',
    normalize: normalizePhone,
    check: checkPhone,
    key: {
      rule: 'phone',
      text(value) {
        if (value === null || typeof value !== 'object') return undefined;
        const v = value as Record<string, unknown>;
        const n = typeof v['n'] === 'string' ? v['n'] : '';
        const c = typeof v['c'] === 'string' ? v['c'] : '';
        const raw = typeof v['phone'] === 'string' ? v['phone'] : c !== '' ? `+${c}${n}` : n;
        const digits = raw.replace(/[^0-9]/g, '');
        return digits === '' ? undefined : '+' + digits;
      },
    },
    filter: {},
    csv: json,
    sdk: { type: '{ c: string; n: string } | { phone: string; parse_with_country_code: boolean }' },
  },
  bol: {
    displayTypes: ['bool'],
    shownAs: 'bool',
    check: checkBoolean,
    filter: { is: 'boolean' },
    csv(text) {
      if (/^(true|1|yes)$/i.test(text.trim())) return true;
      if (/^(false|0|no)$/i.test(text.trim())) return false;
      throw new Error(`"${text}" is not true or false`);
    },
    sdk: { type: 'boolean' },
  },
  txt: {
    displayTypes: ['large_text'],
    shownAs: 'large_text',
    check: checkText(MAX_TXT_LENGTH),
    filter: {},
    csv: asIs,
    sdk: { type: 'string', doc: 'large_text: at most 4000 characters' },
  },
  dtz: {
    displayTypes: ['date'],
    shownAs: 'date',
    check: checkDate,
    filter: {},
    csv: (text) => (text.trim().startsWith('{') ? JSON.parse(text) : text),
    sdk: { type: '{ year: number; month: number; day: number; timezone?: string } | string', doc: 'a date: {year, month, day, timezone?} or an ISO-8601 string' },
  },
  tme: {
    displayTypes: ['time'],
    shownAs: 'time',
    check: checkDateTime,
    filter: {},
    csv: asIs,
    sdk: { type: 'string', doc: 'an ISO-8601 / RFC 3339 date-time' },
  },
  sst: {
    displayTypes: ['multi_select'],
    shownAs: 'multi_select',
    check: checkStringList(MAX_STR_LENGTH),
    filter: {},
    csv: (text) => (text.trim().startsWith('[') ? JSON.parse(text) : text.split('|').map((s) => s.trim()).filter((s) => s !== '')),
    sdk: { type: 'string[]', doc: 'multi_select' },
  },
  obj: {
    displayTypes: ['object'],
    shownAs: 'object',
    check: checkJson,
    filter: {},
    csv: json,
    sdk: { type: 'Record<string, unknown> | unknown[]', doc: 'object: any JSON object or array' },
  },
  geo: {
    displayTypes: [],
    shownAs: 'geo',
    normalize: normalizeGeo,
    check: checkText(MAX_STR_LENGTH),
    // A text attribute may set a built-in geo field: both hold plain strings.
    mappedFrom: ['str'],
    filter: {},
    csv: json,
    sdk: { type: 'unknown' },
  },
} as const satisfies Record<string, FieldTypeRule>;

export type FieldType = keyof typeof FIELD_TYPE_RULES;
export const FIELD_TYPES = Object.keys(FIELD_TYPE_RULES) as FieldType[];

/** The rule of a type prefix; undefined for a prefix that is not a field type. */
export function fieldTypeRule(type: string): FieldTypeRule | undefined {
  return Object.prototype.hasOwnProperty.call(FIELD_TYPE_RULES, type) ? FIELD_TYPE_RULES[type as FieldType] : undefined;
}

/** `str_is`, `int_greater_than`, ...: every filter operator of the table, by type. */
export type FilterOp = { [T in FieldType]: `${T}_${keyof (typeof FIELD_TYPE_RULES)[T]['filter'] & string}` }[FieldType];

/** The field type prefix each definition display_type stores its values under. */
export const PREFIX_OF_DISPLAY_TYPE = Object.fromEntries(
  FIELD_TYPES.flatMap((type) => FIELD_TYPE_RULES[type].displayTypes.map((d) => [d, type])),
) as Record<DisplayType, FieldType>;

/** The display type shown for a custom field first registered through a field ID of this type. */
export const DISPLAY_TYPE_OF_PREFIX = Object.fromEntries(
  FIELD_TYPES.map((type) => [type, FIELD_TYPE_RULES[type].shownAs]),
) as Record<FieldType, string>;

/** Types whose values can identify a record (merge_by). */
export const KEY_TYPES = FIELD_TYPES.filter((type) => 'key' in FIELD_TYPE_RULES[type]);

/** A null always clears; other values are first brought from their liberal shapes, then checked. */
export function normalizeValue(type: FieldType, value: unknown): Normalized {
  if (value === null) return { none: false, value };
  const rule: FieldTypeRule = FIELD_TYPE_RULES[type];
  return rule.normalize ? rule.normalize(value) : { none: false, value };
}

/** Checks a non-null value against a field type. `subject` names the field in the error (e.g. `str:cm:product-name`). */
export function checkValue(type: FieldType, value: unknown, subject: string): ValueCheck {
  return FIELD_TYPE_RULES[type].check(value, subject);
}

export type Namespace = '' | 'cm' | 'o' | 'oc';

export interface FieldId {
  readonly id: string;
  readonly type: FieldType;
  readonly namespace: Namespace;
  readonly name: string;
}

/** Names we create (definitions, attributes, custom fields): lowercase slugs. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_NAME_LENGTH = 64;

const FIELD_ID_PATTERN = /^([a-z]{3}):(|cm|o|oc):([a-z0-9]+(?:[-_][a-z0-9]+)*)$/;

/**
 * Parsed field IDs, shared (FieldId is read-only): the hot path parses the same few IDs for every
 * activity of every request. Bounded, since the IDs come from requests.
 */
const PARSED = new Map<string, FieldId | undefined>();
const MAX_PARSED = 4096;

export function parseFieldId(id: unknown): FieldId | undefined {
  if (typeof id !== 'string') return undefined;
  const hit = PARSED.get(id);
  if (hit !== undefined || PARSED.has(id)) return hit;
  const parsed = parseFieldIdUncached(id);
  if (PARSED.size >= MAX_PARSED) PARSED.clear();
  PARSED.set(id, parsed);
  return parsed;
}

function parseFieldIdUncached(id: string): FieldId | undefined {
  const m = FIELD_ID_PATTERN.exec(id);
  if (!m) return undefined;
  if (!fieldTypeRule(m[1]!)) return undefined;
  return Object.freeze({ id, type: m[1] as FieldType, namespace: m[2] as Namespace, name: m[3]! });
}

export interface BuiltInField {
  readonly id: string;
  readonly name: string;
}

/** Built-in person fields (namespace ""), with their display names. */
export const PERSON_BUILT_IN_FIELDS: readonly BuiltInField[] = [
  { id: 'str::email', name: 'Email' },
  { id: 'str::first', name: 'First name' },
  { id: 'str::last', name: 'Last name' },
  { id: 'str::name', name: 'Name' },
  { id: 'str::ei', name: 'External ID' },
  { id: 'phn::phone', name: 'Phone' },
  { id: 'str::phone', name: 'Phone (text)' },
  { id: 'geo::city', name: 'City' },
  { id: 'geo::region', name: 'Region' },
  { id: 'geo::country', name: 'Country' },
  { id: 'str::postal', name: 'Postal code' },
  { id: 'str::address', name: 'Address' },
  { id: 'str::timezone', name: 'Timezone' },
  { id: 'dtz::b', name: 'Birthday' },
  { id: 'str::language', name: 'Language' },
  { id: 'str::gender', name: 'Gender' },
  { id: 'str::job', name: 'Job title' },
  { id: 'bol::p', name: 'Email permission' },
  { id: 'bol::sp', name: 'SMS permission' },
  { id: 'str::s-ctx', name: 'Subscribe context' },
  { id: 'str::u-ctx', name: 'Unsubscribe context' },
];

/** Built-in account fields (namespace "o"). */
export const ACCOUNT_BUILT_IN_FIELDS: readonly BuiltInField[] = [
  { id: 'str:o:name', name: 'Name' },
  { id: 'str:o:website', name: 'Website' },
  { id: 'str:o:industry', name: 'Industry' },
  { id: 'int:o:employees', name: 'Employees' },
  { id: 'str:o:address', name: 'Address' },
  { id: 'str:o:postal', name: 'Postal code' },
  { id: 'str:o:source', name: 'Source' },
  { id: 'geo:o:city', name: 'City' },
  { id: 'geo:o:region', name: 'Region' },
  { id: 'geo:o:country', name: 'Country' },
];

// Writable built-ins: the documents' list above and the writable fields of the recorded real
// instance schema (ortto-builtins.ts). Read-only ones of that schema are refused by name; the
// documents' own examples (e.g. str::u-ctx on Ortto's activities/create page) stay writable.
const documentedIds = (fields: readonly BuiltInField[]) => fields.map((f) => f.id);
const recorded = (fields: typeof ORTTO_PERSON_FIELDS, readOnly: boolean) => fields.filter((f) => (f.read_only === true) === readOnly).map((f) => f.id);
const PERSON_BUILT_IN_IDS = new Set([...documentedIds(PERSON_BUILT_IN_FIELDS), ...recorded(ORTTO_PERSON_FIELDS, false)]);
const ACCOUNT_BUILT_IN_IDS = new Set([...documentedIds(ACCOUNT_BUILT_IN_FIELDS), ...recorded(ORTTO_ACCOUNT_FIELDS, false)]);
const READ_ONLY_IDS = new Set(
  [...recorded(ORTTO_PERSON_FIELDS, true), ...recorded(ORTTO_ACCOUNT_FIELDS, true)]
    .filter((id) => !PERSON_BUILT_IN_IDS.has(id) && !ACCOUNT_BUILT_IN_IDS.has(id)),
);
const SYSTEM_ACTIVITY_IDS = new Map(ORTTO_SYSTEM_ACTIVITIES.map((a) => [a.id, a.name]));

export function isPersonBuiltIn(id: string): boolean {
  return PERSON_BUILT_IN_IDS.has(id);
}
export function isAccountBuiltIn(id: string): boolean {
  return ACCOUNT_BUILT_IN_IDS.has(id);
}
/** A built-in field Ortto sets itself (recorded schema: read_only). */
export function isReadOnlyBuiltIn(id: string): boolean {
  return READ_ONLY_IDS.has(id);
}
/** Ortto's own activities (`act::<code>`, recorded schema) by id → display name. */
export function systemActivityName(id: unknown): string | undefined {
  return typeof id === 'string' ? SYSTEM_ACTIVITY_IDS.get(id) : undefined;
}

/** `product-name` → `Product Name`. */
export function titleCase(slug: string): string {
  return slug
    .split('-')
    .map((part) => (part.length ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join(' ');
}
