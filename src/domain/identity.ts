// Merge keys: which field values identify a record. A key value is text, normalized so that the
// same person is found however the value was written (e-mail case, phone formatting); which types
// can be keys and how each is normalised is the field-type table (field-types.ts).
import { FIELD_TYPE_RULES, KEY_TYPES, parseFieldId, type FieldId, type FieldTypeRule } from './field-types.js';
import type { Fields } from './merge.js';
import type { Subject } from './subjects.js';

export { isEmailField, normalizeEmail } from './field-types.js';

/** "str, int or phn": the types a merge_by field may have, for messages. */
const KEY_TYPES_TEXT = KEY_TYPES.length > 1 ? `${KEY_TYPES.slice(0, -1).join(', ')} or ${KEY_TYPES.at(-1)}` : KEY_TYPES.join('');

/** The normalized key text of a value, or undefined when the value cannot identify anything. */
export function identityValue(field: FieldId, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const rule: FieldTypeRule = FIELD_TYPE_RULES[field.type];
  return rule.key?.text(value, field.id);
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

/** Checks a merge_by list for a subject: one or two keyable field IDs of its namespaces. */
export function checkMergeBy(mergeBy: unknown, subject: Subject, element: string): string | undefined {
  if (!Array.isArray(mergeBy) || mergeBy.length < 1 || mergeBy.length > 2) {
    return `${element} must hold one or two field IDs`;
  }
  for (const id of mergeBy) {
    const f = parseFieldId(id);
    const ofSubject = f && (f.namespace === subject.customNamespace || (f.namespace === subject.builtInNamespace && subject.isBuiltIn(f.id)));
    if (!f || !ofSubject) return `${element}: "${String(id)}" is not ${subject.aLabel} field ID`;
    if (!KEY_TYPES.includes(f.type)) return `${element}: "${id}" cannot identify ${subject.aLabel} (use a ${KEY_TYPES_TEXT} field)`;
  }
  return undefined;
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
