// The `filter` of POST /v1/person/get and /v1/accounts/get: a small tree of conditions on field
// values, checked here and compiled to SQL by the store.
import { parseFieldId } from './field-types.js';
import { isEmailField, normalizeEmail } from './identity.js';
import { err, ok, type Result } from './result.js';

export type Condition =
  | { op: 'and' | 'or'; items: Condition[] }
  | { op: 'str_is' | 'str_is_not' | 'str_contains' | 'str_starts_with'; fieldId: string; value: string }
  | { op: 'int_is' | 'int_greater_than' | 'int_less_than'; fieldId: string; value: number }
  | { op: 'bol_is'; fieldId: string; value: boolean }
  | { op: 'has_any_value' | 'has_no_value'; fieldId: string };

const LEAVES: Record<string, { op: Condition['op']; value: 'string' | 'number' | 'boolean' | 'none' }> = {
  '$str::is': { op: 'str_is', value: 'string' },
  '$str::is_not': { op: 'str_is_not', value: 'string' },
  '$str::contains': { op: 'str_contains', value: 'string' },
  '$str::starts_with': { op: 'str_starts_with', value: 'string' },
  '$int::is': { op: 'int_is', value: 'number' },
  '$int::greater_than': { op: 'int_greater_than', value: 'number' },
  '$int::less_than': { op: 'int_less_than', value: 'number' },
  '$bol::is': { op: 'bol_is', value: 'boolean' },
  '$has_any_value': { op: 'has_any_value', value: 'none' },
  '$has_no_value': { op: 'has_no_value', value: 'none' },
};

export const MAX_FILTER_CONDITIONS = 50;

export function parseFilter(raw: unknown, path = 'filter'): Result<Condition> {
  let count = 0;
  const walk = (node: unknown, at: string): Result<Condition> => {
    if (++count > MAX_FILTER_CONDITIONS) return err(`filter has more than ${MAX_FILTER_CONDITIONS} conditions`);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return err(`${at} must be an object`);
    const keys = Object.keys(node);
    if (keys.length !== 1) return err(`${at} must have exactly one operator (${['$and', '$or', ...Object.keys(LEAVES)].join(', ')})`);
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
    const leaf = LEAVES[key];
    if (!leaf) return err(`${at}: unknown operator ${key} (use ${['$and', '$or', ...Object.keys(LEAVES)].join(', ')})`);
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
