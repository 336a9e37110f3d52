// Ortto field IDs and the types of value each accepts.
// A field ID is `<type>:<namespace>:<name>`: namespace "" = built-in person field, "cm" = custom
// person field or custom activity attribute, "o" = built-in account field, "oc" = custom account field.

export const DISPLAY_TYPES = [
  'text', 'large_text', 'email', 'phone', 'link', 'integer', 'decimal', 'currency',
  'date', 'time', 'bool', 'single_select', 'multi_select', 'object',
] as const;
export type DisplayType = (typeof DISPLAY_TYPES)[number];

export const FIELD_TYPES = ['str', 'txt', 'phn', 'int', 'dtz', 'tme', 'bol', 'sst', 'obj', 'geo'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** The field type prefix each definition display_type stores its values under. */
export const PREFIX_OF_DISPLAY_TYPE: Record<DisplayType, FieldType> = {
  text: 'str', email: 'str', link: 'str', single_select: 'str',
  large_text: 'txt',
  phone: 'phn',
  integer: 'int', decimal: 'int', currency: 'int',
  date: 'dtz',
  time: 'tme',
  bool: 'bol',
  multi_select: 'sst',
  object: 'obj',
};

/** The display type shown for a custom field first registered through a field ID of this type. */
export const DISPLAY_TYPE_OF_PREFIX: Record<FieldType, string> = {
  str: 'text', txt: 'large_text', phn: 'phone', int: 'integer', dtz: 'date', tme: 'time',
  bol: 'bool', sst: 'multi_select', obj: 'object', geo: 'geo',
};

import { ORTTO_ACCOUNT_FIELDS, ORTTO_PERSON_FIELDS, ORTTO_SYSTEM_ACTIVITIES } from './ortto-builtins.js';

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
  const type = m[1] as FieldType;
  if (!(FIELD_TYPES as readonly string[]).includes(type)) return undefined;
  return Object.freeze({ id, type, namespace: m[2] as Namespace, name: m[3]! });
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
