// POST /v1/instance-schema/get: the instance's fields (built-in and custom) and its activity
// definitions, archived ones marked, grouped by namespace.
import { customActivityView } from '../domain/definitions.js';
import {
  ACCOUNT_BUILT_IN_FIELDS, DISPLAY_TYPE_OF_PREFIX, PERSON_BUILT_IN_FIELDS, titleCase,
  type BuiltInField, type FieldType,
} from '../domain/field-types.js';
import type { Sql } from '../store/db.js';
import { listCustomFields, type CustomField } from '../store/custom-fields.js';
import { listDefinitions } from '../store/definitions.js';

const NAMESPACES = [
  { id: '', name: 'Person fields' },
  { id: 'cm', name: 'Custom person fields and activities' },
  { id: 'o', name: 'Account fields' },
  { id: 'oc', name: 'Custom account fields' },
] as const;

function builtIn(fields: readonly BuiltInField[]) {
  return fields.map((f) => ({
    field_id: f.id,
    name: f.name,
    display_type: DISPLAY_TYPE_OF_PREFIX[f.id.slice(0, 3) as FieldType],
    built_in: true,
  }));
}

function custom(fields: CustomField[], namespace: 'cm' | 'oc') {
  return fields.map((f) => ({
    field_id: `${f.type}:${namespace}:${f.name}`,
    name: titleCase(f.name),
    display_type: DISPLAY_TYPE_OF_PREFIX[f.type],
    built_in: false,
  }));
}

export async function instanceSchema(sql: Sql, instanceId: string, namespaces: string[] | undefined) {
  const wanted = new Set(namespaces && namespaces.length > 0 ? namespaces : NAMESPACES.map((n) => n.id));
  const [personFields, accountFields, definitions] = await Promise.all([
    listCustomFields(sql, instanceId, 'person'),
    listCustomFields(sql, instanceId, 'account'),
    listDefinitions(sql, instanceId),
  ]);
  const content = {
    '': { fields: builtIn(PERSON_BUILT_IN_FIELDS), activities: [] },
    cm: { fields: custom(personFields, 'cm'), activities: definitions.map(customActivityView) },
    o: { fields: builtIn(ACCOUNT_BUILT_IN_FIELDS), activities: [] },
    oc: { fields: custom(accountFields, 'oc'), activities: [] },
  };
  return {
    namespaces: NAMESPACES.filter((n) => wanted.has(n.id)).map((n) => ({
      namespace_id: n.id,
      name: n.name,
      ...content[n.id],
    })),
  };
}
