// The read-back endpoints: records by page and filter, and a record's events with render_cmds.
import { definitionNameOf } from '../domain/definitions.js';
import { parseFilter } from '../domain/filter.js';
import { isId } from '../domain/ids.js';
import { renderCommands } from '../domain/render.js';
import type { Subject } from '../domain/subjects.js';
import { badRequest, notFound } from '../errors.js';
import type { Sql } from '../store/db.js';
import { listDefinitions } from '../store/definitions.js';
import { listRecordEvents, listRecords } from '../store/record-queries.js';
import { recordExists } from '../store/records.js';

export const DEFAULT_EVENTS_LIMIT = 20;
export const DEFAULT_RECORDS_LIMIT = 50;

export async function getRecordActivities(
  sql: Sql, instanceId: string, subject: Subject, recordId: string,
  body: { activities?: string[]; limit?: number; offset?: number },
) {
  if (!isId(recordId)) throw badRequest(`${subject.idKey} "${recordId}" is not ${subject.aLabel} id (24 hex characters)`);
  let definitions: string[] | undefined;
  if (body.activities && body.activities.length > 0) {
    definitions = body.activities.map((a, i) => {
      const name = definitionNameOf(a);
      if (!name) throw badRequest(`activities[${i}] "${a}" must look like act:cm:<name>`);
      return name;
    });
  }
  if (!(await recordExists(sql, instanceId, subject.kind, recordId))) throw notFound(`${subject.label} ${recordId} not found`);
  const limit = body.limit ?? DEFAULT_EVENTS_LIMIT;
  const offset = body.offset ?? 0;
  const [{ events, total }, defs] = await Promise.all([
    listRecordEvents(sql, instanceId, subject.kind, recordId, definitions, limit, offset),
    listDefinitions(sql, instanceId),
  ]);
  const byName = new Map(defs.map((d) => [d.name, d]));
  return {
    activities: events.length === 0 ? null : events.map((e) => {
      const def = byName.get(e.definition);
      return {
        id: e.id,
        field_id: `act:cm:${e.definition}`,
        attr: e.attributes,
        created_at: e.createdAt.toISOString(),
        ...(e.location ? { location: e.location } : {}),
        ...(e.key !== null ? { key: e.key } : {}),
        render_cmds: def ? renderCommands(def, e.attributes) : [],
      };
    }),
    meta: { total_activities: total, has_more: offset + events.length < total },
    offset,
    next_offset: offset + events.length,
  };
}

export async function getRecords(
  sql: Sql, instanceId: string, subject: Subject,
  body: { limit?: number; offset?: number; fields?: string[]; filter?: unknown },
) {
  const filter = body.filter === undefined || body.filter === null ? undefined : parseFilter(body.filter);
  if (filter && !filter.ok) throw badRequest(filter.error);
  const limit = body.limit ?? DEFAULT_RECORDS_LIMIT;
  const offset = body.offset ?? 0;
  const { records, hasMore } = await listRecords(sql, instanceId, subject.kind, filter?.value, limit, offset);
  const wanted = body.fields && body.fields.length > 0 ? body.fields : undefined;
  return {
    records: records.map((r) => ({
      id: r.id,
      fields: wanted ? Object.fromEntries(wanted.filter((f) => f in r.fields).map((f) => [f, r.fields[f]])) : r.fields,
      created_at: r.createdAt.toISOString(),
      ...(r.firstSeenAt ? { first_seen_at: r.firstSeenAt.toISOString() } : {}),
      ...(r.lastSeenAt ? { last_seen_at: r.lastSeenAt.toISOString() } : {}),
    })),
    offset,
    next_offset: offset + records.length,
    has_more: hasMore,
  };
}
