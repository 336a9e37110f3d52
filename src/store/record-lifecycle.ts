// Archive, restore and delete of persons and accounts. Each is one statement: archived records
// keep everything but are hidden from reads and take no events; delete removes archived records
// with their merge keys and their events for good.
import type { RecordSelection } from '../domain/record-selection.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';

/** `r` restricted to the selection; parameters $3 (all), $4 (ids), $5 (excluded). */
const SELECTED = '($3::boolean or r.id = any($4::text[])) and not (r.id = any($5::text[]))';

function params(instanceId: string, kind: Kind, s: RecordSelection): unknown[] {
  return [instanceId, kind, s.all, s.ids, s.exclude];
}

export async function archiveRecords(sql: Sql, instanceId: string, kind: Kind, selection: RecordSelection): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `with done as (
       update records r set archived_at = now()
        where r.instance_id = $1 and r.kind = $2 and r.archived_at is null and ${SELECTED}
       returning 1)
     select count(*)::integer as n from done`,
    params(instanceId, kind, selection),
  );
  return rows[0]?.n ?? 0;
}

export async function restoreRecords(sql: Sql, instanceId: string, kind: Kind, selection: RecordSelection): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `with done as (
       update records r set archived_at = null
        where r.instance_id = $1 and r.kind = $2 and r.archived_at is not null and ${SELECTED}
       returning 1)
     select count(*)::integer as n from done`,
    params(instanceId, kind, selection),
  );
  return rows[0]?.n ?? 0;
}

/** Deletes the selected archived records, their merge keys and their events; active ones are left alone. */
export async function deleteArchivedRecords(sql: Sql, instanceId: string, kind: Kind, selection: RecordSelection): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `with doomed as (
       select r.id from records r
        where r.instance_id = $1 and r.kind = $2 and r.archived_at is not null and ${SELECTED}
        for update),
     events as (
       delete from activity_events e using doomed d
        where e.instance_id = $1 and e.kind = $2 and e.record_id = d.id),
     keys as (
       delete from record_identities i using doomed d
        where i.instance_id = $1 and i.kind = $2 and i.record_id = d.id),
     gone as (
       delete from records r using doomed d
        where r.instance_id = $1 and r.kind = $2 and r.id = d.id
       returning 1)
     select count(*)::integer as n from gone`,
    params(instanceId, kind, selection),
  );
  return rows[0]?.n ?? 0;
}
