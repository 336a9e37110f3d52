// The `filter` of POST /v1/person/get and /v1/accounts/get: a small tree of conditions on field
// values, checked here and compiled to SQL by the store.
import { FIELD_TYPES, FIELD_TYPE_RULES, isEmailField, normalizeEmail, parseFieldId, type FieldTypeRule, type FilterOp, type FilterValue } from './field-types.js';
import { err, ok, type Result } from './result.js';

export type Condition =
  | { op: 'and' | 'or'; items: Condition[] }
  | { op: FilterOp; fieldId: string; value: string | number | boolean }
  | { op: 'has_any_value' | 'has_no_value'; fieldId: string };

/** `$str::is` → str_is: the operators of the field-type table, then the two any-type ones. */
const LEAVES = new Map<string, { op: FilterOp | 'has_any_value' | 'has_no_value'; value: FilterValue | 'none' }>();
for (const type of FIELD_TYPES) {
  const rule: FieldTypeRule = FIELD_TYPE_RULES[type];
  for (const [name, value] of Object.entries(rule.filter)) LEAVES.set(`$${type}::${name}`, { op: `${type}_${name}` as FilterOp, value });
}
LEAVES.set('$has_any_value', { op: 'has_any_value', value: 'none' });
LEAVES.set('$has_no_value', { op: 'has_no_value', value: 'none' });
const OPERATORS = ['$and', '$or', ...LEAVES.keys()].join(', ');

export const MAX_FILTER_CONDITIONS = 50;

export function parseFilter(raw: unknown, path = 'filter'): Result<Condition> {
  let count = 0;
  const walk = (node: unknown, at: string): Result<Condition> => {
    if (++count > MAX_FILTER_CONDITIONS) return err(`filter has more than ${MAX_FILTER_CONDITIONS} conditions`);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return err(`${at} must be an object`);
    const keys = Object.keys(node);
    if (keys.length !== 1) return err(`${at} must have exactly one operator (${OPERATORS})`);
    const key = keys[0]!;
    const body = (node as Record<string, unknown>)[key];
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(body) || body.length === 0) return err(`${at}.${key} must be a non-empty array of filters`);
      const items: Condition[] = [];
      for (const [i, child] of body.entries()) {
        const c = walk(child, `${at}.${key}[${i}]`);
        if (!c.ok) return c;
        items.push(c.value);
      }
      return ok({ op: key === '$and' ? 'and' : 'or', items });
    }
    const leaf = LEAVES.get(key);
    if (!leaf) return err(`${at}: unknown operator ${key} (use ${OPERATORS})`);
    if (typeof body !== 'object' || body === null) return err(`${at}.${key} must be an object with field_id`);
    const { field_id: fieldId, value } = body as { field_id?: unknown; value?: unknown };
    if (!parseFieldId(fieldId)) return err(`${at}.${key}.field_id must be a field ID such as str::email`);
    if (leaf.value === 'none') return ok({ op: leaf.op, fieldId } as Condition);
    if (typeof value !== leaf.value) return err(`${at}.${key}.value must be a ${leaf.value}`);
    // E-mails are stored normalised, so an exact match compares the normalised address.
    const normal = leaf.op === 'str_is' && isEmailField(fieldId as string) ? normalizeEmail(value as string) : value;
    return ok({ op: leaf.op, fieldId, value: normal } as Condition);
  };
  return walk(raw, path);
}
