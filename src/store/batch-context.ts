// What a batch of activities needs to know about its instance, read in one statement: the named
// definitions, the custom field types of the subject, and the fields that identify its records.
import type { Definition } from '../domain/definitions.js';
import type { FieldType } from '../domain/field-types.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';
import { COLUMNS, fromRow, type DefinitionRow } from './definitions.js';

export interface BatchContextRows {
  definitions: Map<string, Definition>;
  customTypes: Map<string, FieldType>;
  identityFields: Set<string>;
}

type JsonDefinitionRow = Omit<DefinitionRow, 'created_at' | 'edited_at' | 'archived_at'> & {
  created_at: string;
  edited_at: string;
  archived_at: string | null;
};

export async function loadBatchContext(sql: Sql, instanceId: string, kind: Kind, names: string[]): Promise<BatchContextRows> {
  const rows = await sql.query<{ definitions: JsonDefinitionRow[]; custom_types: Record<string, FieldType>; identity_fields: string[] }>(
    `select
       (select coalesce(jsonb_agg(d), '[]'::jsonb) from (
          select ${COLUMNS} from activity_definitions where instance_id = $1 and name = any($3::text[])) d) as definitions,
       (select coalesce(jsonb_object_agg(name, type), '{}'::jsonb) from custom_fields
         where instance_id = $1 and subject = $2) as custom_types,
       (select coalesce(jsonb_agg(field_id), '[]'::jsonb) from identity_fields
         where instance_id = $1 and kind = $2) as identity_fields`,
    [instanceId, kind, names],
    'batch_context',
  );
  const row = rows[0]!;
  return {
    definitions: new Map(row.definitions.map((d) => {
      const def = fromRow({
        ...d,
        created_at: new Date(d.created_at),
        edited_at: new Date(d.edited_at),
        archived_at: d.archived_at === null ? null : new Date(d.archived_at),
      });
      return [def.name, def];
    })),
    customTypes: new Map(Object.entries(row.custom_types)),
    identityFields: new Set(row.identity_fields),
  };
}
