// The export's read: an instance's events of one kind in id order, a page at a time after a given
// id (keyset paging over the primary key (instance_id, id)), so each page costs the same however
// deep the export is, and memory holds one page.
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';

export interface ExportedEvent {
  id: string;
  recordId: string;
  definition: string;
  createdAt: Date;
  key: string | null;
  attributes: Record<string, unknown>;
  location: unknown;
}

export interface ExportFilter {
  /** Only this record's events. */
  recordId?: string | undefined;
  /** Only these definitions (names). */
  definitions?: string[] | undefined;
}

/** Up to `limit` events with id > `after` ('' = from the start), in id order; archived records' events are left out (hidden from reads). */
export async function exportEventsAfter(
  sql: Sql, instanceId: string, kind: Kind, after: string, limit: number, filter: ExportFilter = {},
): Promise<ExportedEvent[]> {
  const params: unknown[] = [instanceId, kind, after, limit];
  let where = '';
  // One statement shape per combination of filters, each prepared under its own name.
  let name = 'export_events';
  if (filter.recordId !== undefined) {
    params.push(filter.recordId);
    where += ` and e.record_id = $${params.length}`;
    name += '_record';
  }
  if (filter.definitions !== undefined) {
    params.push(filter.definitions);
    where += ` and e.definition = any($${params.length}::text[])`;
    name += '_definitions';
  }
  const rows = await sql.query<{
    id: string; record_id: string; definition: string; created_at: Date; key: string | null; attributes: Record<string, unknown>; location: unknown;
  }>(
    `select e.id, e.record_id, e.definition, e.created_at, e.key, e.attributes, e.location from activity_events e
      where e.instance_id = $1 and e.kind = $2 and e.id > $3${where}
        and not exists (
          select 1 from records r
           where r.instance_id = $1 and r.kind = $2 and r.id = e.record_id and r.archived_at is not null)
      order by e.id limit $4`,
    params,
    name,
  );
  return rows.map((r) => ({
    id: r.id, recordId: r.record_id, definition: r.definition, createdAt: r.created_at, key: r.key, attributes: r.attributes, location: r.location,
  }));
}
