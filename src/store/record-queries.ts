// Read-back queries: records by page and filter, and a record's events newest first. The filter
// operators are the field-type table's (domain/field-types.ts); each has its SQL here.
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
      // An e-mail's value arrives normalised (domain/filter.ts), as e-mails are stored.
      return `(r.fields ->> ${p(c.fieldId)}) = ${p(c.value)}`;
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

/** After `afterId` (keyset paging on the primary key) when given, else from `offset`. */
export async function listRecords(
  sql: Sql, instanceId: string, kind: Kind, filter: Condition | undefined, limit: number, offset: number, afterId?: string,
): Promise<{ records: RecordView[]; hasMore: boolean }> {
  const params: unknown[] = [instanceId, kind];
  let where = filter ? ` and ${compileFilter(filter, params)}` : '';
  if (afterId !== undefined) {
    params.push(afterId);
    where += ` and r.id > $${params.length}`;
  }
  params.push(limit + 1, offset);
  const rows = await sql.query<{ id: string; fields: Fields; created_at: Date; first_seen_at: Date | null; last_seen_at: Date | null }>(
    `select r.id, r.fields, r.created_at, r.first_seen_at, r.last_seen_at from records r
      where r.instance_id = $1 and r.kind = $2 and r.archived_at is null${where}
      order by r.id limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return {
    records: rows.slice(0, limit).map((r) => ({ id: r.id, fields: r.fields, createdAt: r.created_at, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at })),
    hasMore: rows.length > limit,
  };
}

/** All records of the kind, those matching the filter, and the matching ones opted in to e-mail (bol::p); archived ones are not counted. One scan. */
export async function countRecords(
  sql: Sql, instanceId: string, kind: Kind, filter: Condition | undefined,
): Promise<{ total: number; matches: number; subscribers: number }> {
  const params: unknown[] = [instanceId, kind];
  const match = filter ? compileFilter(filter, params) : 'true';
  const rows = await sql.query<{ total: number; matches: number; subscribers: number }>(
    `select count(*)::integer as total,
            (count(*) filter (where ${match}))::integer as matches,
            (count(*) filter (where ${match} and r.fields -> 'bol::p' = 'true'::jsonb))::integer as subscribers
       from records r where r.instance_id = $1 and r.kind = $2 and r.archived_at is null`,
    params,
  );
  const r = rows[0];
  return { total: r?.total ?? 0, matches: r?.matches ?? 0, subscribers: r?.subscribers ?? 0 };
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
  since?: Date,
): Promise<{ events: EventView[]; total: number }> {
  const params: unknown[] = [instanceId, kind, recordId];
  let filter = '';
  if (definitions) {
    params.push(definitions);
    filter += ` and definition = any($${params.length}::text[])`;
  }
  if (since) {
    params.push(since);
    filter += ` and created_at >= $${params.length}`;
  }
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

/** Who holds each merge-key value now (a plain read; the claim loop settles races when writing). */
export async function lookupOwners(
  sql: Sql, instanceId: string, kind: Kind, keys: Array<{ fieldId: string; value: string }>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (keys.length === 0) return out;
  const rows = await sql.query<{ field_id: string; value: string; record_id: string }>(
    `select r.field_id, r.value, r.record_id
       from jsonb_to_recordset($3::jsonb) as k(field_id text, value text)
       join record_identities r on r.instance_id = $1 and r.kind = $2 and r.field_id = k.field_id and r.value = k.value`,
    [instanceId, kind, JSON.stringify(keys.map((k) => ({ field_id: k.fieldId, value: k.value })))],
  );
  for (const r of rows) out.set(`${r.field_id}\u0000${r.value}`, r.record_id);
  return out;
}
