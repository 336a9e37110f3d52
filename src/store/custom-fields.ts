// Custom fields registered on an instance (person `cm`, account `oc`). A name keeps the type it
// was first registered with.
import type { FieldType } from '../domain/field-types.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';

export interface CustomField {
  name: string;
  type: FieldType;
  createdAt: Date;
}

export async function listCustomFields(sql: Sql, instanceId: string, subject: Kind): Promise<CustomField[]> {
  const rows = await sql.query<{ name: string; type: FieldType; created_at: Date }>(
    'select name, type, created_at from custom_fields where instance_id = $1 and subject = $2 order by created_at, name',
    [instanceId, subject],
  );
  return rows.map((r) => ({ name: r.name, type: r.type, createdAt: r.created_at }));
}

export async function customFieldTypes(sql: Sql, instanceId: string, subject: Kind): Promise<Map<string, FieldType>> {
  const fields = await listCustomFields(sql, instanceId, subject);
  return new Map(fields.map((f) => [f.name, f.type]));
}

/**
 * Registers fields that are new and returns the stored type of every given name, so the caller
 * can see a name that another request registered first with another type. One statement.
 */
export async function registerCustomFields(
  sql: Sql,
  instanceId: string,
  subject: Kind,
  fields: Array<{ name: string; type: FieldType }>,
): Promise<Map<string, FieldType>> {
  if (fields.length === 0) return new Map();
  const names = fields.map((f) => f.name);
  const types = fields.map((f) => f.type);
  await sql.query(
    `insert into custom_fields (instance_id, subject, name, type)
     select $1, $2, f.name, f.type from unnest($3::text[], $4::text[]) as f(name, type)
     order by f.name
     on conflict (instance_id, subject, name) do nothing`,
    [instanceId, subject, names, types],
    'register_custom_fields',
  );
  const rows = await sql.query<{ name: string; type: FieldType }>(
    'select name, type from custom_fields where instance_id = $1 and subject = $2 and name = any($3::text[])',
    [instanceId, subject, names],
    'custom_field_types',
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}
