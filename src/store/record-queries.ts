// Read-back queries: records by page and filter, and a record's events newest first.
import type { Condition } from '../domain/filter.js';
import type { Fields } from '../domain/merge.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';

/** Compiles a filter to a SQL condition on `r.fields`, pushing values as parameters. */
export function compileFilter(c: Condition, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  switch (c.op) {
    case 'and':
    case 'or':
      return '(' + c.items.map((i) => compileFilter(i, params)).join(c.op === 'and' ? ' and ' : ' or ') + ')';
    case 'has_any_value':
      return `jsonb_exists(r.fields, ${p(c.fieldId)})`;
    case 'has_no_value':
      return `not jsonb_exists(r.fields, ${p(c.fieldId)})`;
    case 'str_is': {
      // The record's own id, so that one person or account can be read by id (the console's record page).
      if (c.fieldId === 'str::person_id' || c.fieldId === 'str:o:organization_id') return `r.id = ${p(c.value)}`;
      const value = c.fieldId === 'str::email' ? c.value.trim().toLowerCase() : c.value;
      return `(r.fields ->> ${p(c.fieldId)}) = ${p(value)}`;
    }
    case 'str_is_not':
      return `(r.fields ->> ${p(c.fieldId)}) is distinct from ${p(c.value)}`;
    case 'str_contains':
      return `strpos(r.fields ->> ${p(c.fieldId)}, ${p(c.value)}) > 0`;
    case 'str_starts_with':
      return `starts_with(r.fields ->> ${p(c.fieldId)}, ${p(c.value)})`;
    case 'int_is':
    case 'int_greater_than':
    case 'int_less_than': {
      const op = c.op === 'int_is' ? '=' : c.op === 'int_greater_than' ? '>' : '<';
      const f = p(c.fieldId);
      return `(jsonb_typeof(r.fields -> ${f}) = 'number' and (r.fields ->> ${f})::numeric ${op} ${p(c.value)}::numeric)`;
    }
    case 'bol_is':
      return `(r.fields -> ${p(c.fieldId)}) = to_jsonb(${p(c.value)}::boolean)`;
  }
}

export interface RecordView {
  id: string;
  fields: Fields;
  createdAt: Date;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
}

export async function listRecords(
  sql: Sql, instanceId: string, kind: Kind, filter: Condition | undefined, limit: number, offset: number,
): Promise<{ records: RecordView[]; hasMore: boolean }> {
  const params: unknown[] = [instanceId, kind];
  const where = filter ? ` and ${compileFilter(filter, params)}` : '';
  params.push(limit + 1, offset);
  const rows = await sql.query<{ id: string; fields: Fields; created_at: Date; first_seen_at: Date | null; last_seen_at: Date | null }>(
    `select r.id, r.fields, r.created_at, r.first_seen_at, r.last_seen_at from records r
      where r.instance_id = $1 and r.kind = $2${where}
      order by r.id limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return {
    records: rows.slice(0, limit).map((r) => ({ id: r.id, fields: r.fields, createdAt: r.created_at, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at })),
    hasMore: rows.length > limit,
  };
}

export interface EventView {
  id: string;
  definition: string;
  createdAt: Date;
  key: string | null;
  attributes: Record<string, unknown>;
  location: unknown;
}

export async function listRecordEvents(
  sql: Sql, instanceId: string, kind: Kind, recordId: string, definitions: string[] | undefined, limit: number, offset: number,
): Promise<{ events: EventView[]; total: number }> {
  const filter = definitions ? ' and definition = any($4::text[])' : '';
  const params: unknown[] = [instanceId, kind, recordId];
  if (definitions) params.push(definitions);
  const [rows, total] = await Promise.all([
    sql.query<{ id: string; definition: string; created_at: Date; key: string | null; attributes: Record<string, unknown>; location: unknown }>(
      `select id, definition, created_at, key, attributes, location from activity_events
        where instance_id = $1 and kind = $2 and record_id = $3${filter}
        order by created_at desc, id desc limit ${Number(limit)} offset ${Number(offset)}`,
      params,
    ),
    sql.query<{ n: number }>(
      `select count(*)::integer as n from activity_events where instance_id = $1 and kind = $2 and record_id = $3${filter}`,
      params,
    ),
  ]);
  return {
    events: rows.map((r) => ({ id: r.id, definition: r.definition, createdAt: r.created_at, key: r.key, attributes: r.attributes, location: r.location })),
    total: total[0]?.n ?? 0,
  };
}
