// Merge keys: which field values identify a record. A key value is text, normalized so that the
// same person is found however the value was written (e-mail case, phone formatting).
import { parseFieldId, type FieldId } from './field-types.js';
import type { Fields } from './merge.js';
import type { Subject } from './subjects.js';

/** Types whose values can identify a record. */
const KEYABLE = new Set(['str', 'int', 'phn']);

export function isEmailField(fieldId: string): boolean {
  return fieldId === 'str::email';
}

/** An e-mail as stored, keyed and filtered on: the same person however the address was written. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The normalized key text of a value, or undefined when the value cannot identify anything. */
export function identityValue(field: FieldId, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (field.type) {
    case 'str': {
      if (typeof value !== 'string') return undefined;
      const v = isEmailField(field.id) ? normalizeEmail(value) : value;
      return v.trim() === '' ? undefined : v;
    }
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined;
    case 'phn': {
      if (typeof value !== 'object') return undefined;
      const v = value as Record<string, unknown>;
      const n = typeof v['n'] === 'string' ? v['n'] : '';
      const c = typeof v['c'] === 'string' ? v['c'] : '';
      const raw = typeof v['phone'] === 'string' ? v['phone'] : c !== '' ? `+${c}${n}` : n;
      const digits = raw.replace(/[^0-9]/g, '');
      return digits === '' ? undefined : '+' + digits;
    }
    default:
      return undefined;
  }
}

/** Checks a merge_by list for a subject: one or two keyable field IDs of its namespaces. */
export function checkMergeBy(mergeBy: unknown, subject: Subject, element: string): string | undefined {
  if (!Array.isArray(mergeBy) || mergeBy.length < 1 || mergeBy.length > 2) {
    return `${element} must hold one or two field IDs`;
  }
  for (const id of mergeBy) {
    const f = parseFieldId(id);
    const ofSubject = f && (f.namespace === subject.customNamespace || (f.namespace === subject.builtInNamespace && subject.isBuiltIn(f.id)));
    if (!f || !ofSubject) return `${element}: "${String(id)}" is not ${subject.aLabel} field ID`;
    if (!KEYABLE.has(f.type)) return `${element}: "${id}" cannot identify ${subject.aLabel} (use a str, int or phn field)`;
  }
  return undefined;
}

/** The key text of each identity field that `fields` holds a usable value for, by field ID. */
export function identityValues(fields: Fields, identityFields: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const fieldId of identityFields) {
    const f = parseFieldId(fieldId);
    const v = f && identityValue(f, fields[fieldId]);
    if (v !== undefined) out.set(fieldId, v);
  }
  return out;
}

export interface ResolvedKey {
  fieldId: string;
  value: string;
}

/** The first merge_by field with a usable value in `fields`; the second is the fallback. */
export function resolveKey(mergeBy: string[], fields: Fields): ResolvedKey | undefined {
  for (const id of mergeBy) {
    const f = parseFieldId(id);
    if (!f) continue;
    const value = identityValue(f, fields[id]);
    if (value !== undefined) return { fieldId: id, value };
  }
  return undefined;
}
