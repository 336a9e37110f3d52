// POST /v1/instance-schema/get in Ortto's object shape (recorded, both profiles):
// {"namespaces": {"": {"id": "", "fields": {<field id>: {...}}}, "o": {"id": "o", "fields": {...}, "org": true}}}.
// Person fields (built-in, custom `<type>:cm:<name>`), Ortto's system activities and this
// instance's custom activities (`act:cm:<name>` with their attributes) are in ""; account fields
// (built-in and `<type>:oc:<name>`) in "o".
import { activityFieldId, attributeFieldId, type Definition } from '../domain/definitions.js';
import {
  ACCOUNT_BUILT_IN_FIELDS, DISPLAY_TYPE_OF_PREFIX, PERSON_BUILT_IN_FIELDS, titleCase,
  type BuiltInField, type FieldType,
} from '../domain/field-types.js';
import { ORTTO_ACCOUNT_FIELDS, ORTTO_PERSON_FIELDS, ORTTO_SYSTEM_ACTIVITIES, type OrttoBuiltInField } from '../domain/ortto-builtins.js';
import type { Profile } from '../domain/profiles.js';
import type { Sql } from '../store/db.js';
import { listCustomFields, type CustomField } from '../store/custom-fields.js';
import { listDefinitions } from '../store/definitions.js';

/** The namespaces asked for; `cm` and `oc` (this project's earlier split) name the same two. */
export const NAMESPACE_ALIASES: Record<string, '' | 'o'> = { '': '', o: 'o', cm: '', oc: 'o' };

type SchemaField = Record<string, unknown>;

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function field(id: string, name: string, displayType: string, liquidName: string, readOnly = false): SchemaField {
  return { id, name, ...(readOnly ? { read_only: true } : {}), display_type: displayType, liquid_name: liquidName };
}

/** The recorded built-ins first, then the documents' own that the recording lacks. */
function builtIns(recorded: readonly OrttoBuiltInField[], documented: readonly BuiltInField[], liquidPrefix: string): SchemaField[] {
  const out: SchemaField[] = recorded.map((f) => ({ ...f }));
  const seen = new Set(recorded.map((f) => f.id));
  for (const f of documented) {
    if (!seen.has(f.id)) out.push(field(f.id, f.name, DISPLAY_TYPE_OF_PREFIX[f.id.slice(0, 3) as FieldType], `${liquidPrefix}.${slug(f.name)}`));
  }
  return out;
}

function customFields(fields: CustomField[], namespace: 'cm' | 'oc', liquidPrefix: string): SchemaField[] {
  return fields.map((f) => field(`${f.type}:${namespace}:${f.name}`, titleCase(f.name), DISPLAY_TYPE_OF_PREFIX[f.type], `${liquidPrefix}.custom.${f.name}`));
}

function activityField(def: Definition, profile: Profile): SchemaField {
  const view = profile.customActivity(def);
  const attributes = (view['attributes'] as Array<Record<string, unknown>>).map((a, i) => ({
    id: attributeFieldId(def.attributes[i]!),
    name: a['name'],
    display_type: a['display_type'],
    liquid_name: a['liquid_name'],
  }));
  // `custom_activity` (this project's extension) is the definition as its endpoints answer it.
  return {
    id: activityFieldId(def.name),
    name: titleCase(def.name),
    display_type: 'activity',
    ...(def.archivedAt ? { archived: true } : {}),
    attributes,
    custom_activity: view,
  };
}

export async function instanceSchema(sql: Sql, instanceId: string, namespaces: string[] | undefined, profile: Profile) {
  const wanted = new Set(namespaces && namespaces.length > 0 ? namespaces.map((n) => NAMESPACE_ALIASES[n]) : ['', 'o']);
  const [personFields, accountFields, definitions] = await Promise.all([
    listCustomFields(sql, instanceId, 'person'),
    listCustomFields(sql, instanceId, 'account'),
    listDefinitions(sql, instanceId),
  ]);
  const byId = (fields: SchemaField[]) => Object.fromEntries(fields.map((f) => [f['id'] as string, f]));
  const out: Record<string, unknown> = {};
  if (wanted.has('')) {
    const system = ORTTO_SYSTEM_ACTIVITIES.map((a) => ({ id: a.id, name: a.name, ...(a.read_only ? { read_only: true } : {}), display_type: a.display_type }));
    out[''] = {
      id: '',
      fields: byId([
        ...builtIns(ORTTO_PERSON_FIELDS, PERSON_BUILT_IN_FIELDS, 'people'),
        ...customFields(personFields, 'cm', 'people'),
        ...system,
        ...definitions.map((d) => activityField(d, profile)),
      ]),
    };
  }
  if (wanted.has('o')) {
    out['o'] = {
      id: 'o',
      fields: byId([...builtIns(ORTTO_ACCOUNT_FIELDS, ACCOUNT_BUILT_IN_FIELDS, 'account'), ...customFields(accountFields, 'oc', 'account')]),
      org: true,
    };
  }
  return { namespaces: out };
}
