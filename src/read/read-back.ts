// The read-back endpoints: records by page and filter, and a record's events with render_cmds.
import { DEFAULT_RETENTION_DAYS, definitionNameOf } from '../domain/definitions.js';
import { systemActivityName } from '../domain/field-types.js';
import { parseFilter } from '../domain/filter.js';
import { PROFILES, type Profile } from '../domain/profiles.js';
import { isId } from '../domain/ids.js';
import { renderCommands } from '../domain/render.js';
import type { Subject } from '../domain/subjects.js';
import { badRequest, notFound } from '../errors.js';
import type { Sql } from '../store/db.js';
import { listDefinitions } from '../store/definitions.js';
import { countRecords, listRecordEvents, listRecords } from '../store/record-queries.js';
import { recordExists } from '../store/records.js';

export const DEFAULT_EVENTS_LIMIT = 20;
export const DEFAULT_RECORDS_LIMIT = 50;

export async function getRecordActivities(
  sql: Sql, instanceId: string, subject: Subject, recordId: string,
  body: { activities?: string[]; limit?: number; offset?: number; timeframe?: unknown },
  profile: Profile = PROFILES.docs,
) {
  const since = timeframeStart(body.timeframe, new Date());
  if (!isId(recordId)) throw badRequest(`${subject.idKey} "${recordId}" is not ${subject.aLabel} id (24 hex characters)`);
  let definitions: string[] | undefined;
  if (body.activities && body.activities.length > 0) {
    // Ortto's system activities (act::<code>) are valid filters; this server holds none of their events.
    definitions = [];
    for (const [i, a] of body.activities.entries()) {
      if (systemActivityName(a) !== undefined) continue;
      const name = definitionNameOf(a);
      if (!name) throw badRequest(`activities[${i}] "${a}" must look like act:cm:<name> or be a system activity such as act::s-all`);
      definitions.push(name);
    }
  }
  if (!(await recordExists(sql, instanceId, subject.kind, recordId))) throw notFound(`${subject.label} ${recordId} not found`);
  const limit = body.limit ?? DEFAULT_EVENTS_LIMIT;
  const offset = body.offset ?? 0;
  const [{ events, total }, defs] = await Promise.all([
    listRecordEvents(sql, instanceId, subject.kind, recordId, definitions, limit, offset, since),
    listDefinitions(sql, instanceId),
  ]);
  const byName = new Map(defs.map((d) => [d.name, d]));
  const retention = Math.max(DEFAULT_RETENTION_DAYS, ...defs.map((d) => d.retentionDays));
  return {
    activities: events.length === 0 ? null : events.map((e) => {
      const def = byName.get(e.definition);
      // Keys in Ortto's recorded order; location and key are this project's extensions.
      return {
        id: e.id,
        attr: e.attributes,
        created_at: profile.eventTime(e.createdAt),
        field_id: `act:cm:${e.definition}`,
        ...(profile.readExtensions && e.location ? { location: e.location } : {}),
        ...(profile.readExtensions && e.key !== null ? { key: e.key } : {}),
        render_cmds: def ? renderCommands(def, e.attributes) : [],
      };
    }),
    meta: {
      total_activities: total,
      field_ids: body.activities && body.activities.length > 0 ? body.activities : null,
      has_more: offset + events.length < total,
      retention: { type: 'time', max_value: retention },
    },
    offset,
    next_offset: offset + events.length,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The `timeframe` of get/activities (recorded: {"type": "last-7-days"}, "last-30-days"): the
 * earliest `created` it keeps, or undefined for all time.
 */
export function timeframeStart(timeframe: unknown, now: Date): Date | undefined {
  if (timeframe === undefined || timeframe === null) return undefined;
  const type = typeof timeframe === 'string' ? timeframe : (timeframe as { type?: unknown }).type;
  if (typeof timeframe !== 'string' && (typeof timeframe !== 'object' || Array.isArray(timeframe))) {
    throw badRequest('timeframe must be an object such as {"type": "last-7-days"}');
  }
  if (type === 'all-time' || type === undefined) return undefined;
  if (type === 'today') return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const m = typeof type === 'string' ? /^last-(\d{1,5})-days?$/.exec(type) : null;
  if (!m) throw badRequest(`timeframe.type "${String(type)}" is not one of: last-<N>-days (e.g. last-7-days), today, all-time`);
  return new Date(now.getTime() - Number(m[1]) * DAY_MS);
}

export async function getRecords(
  sql: Sql, instanceId: string, subject: Subject,
  body: { limit?: number; offset?: number; fields?: string[]; filter?: unknown; cursor_id?: string },
  profile: Profile = PROFILES.docs,
) {
  const filter = body.filter === undefined || body.filter === null ? undefined : parseFilter(body.filter);
  if (filter && !filter.ok) throw badRequest(filter.error);
  const cursor = body.cursor_id === undefined || body.cursor_id === '' ? undefined : body.cursor_id;
  if (cursor !== undefined && !isId(cursor)) {
    throw badRequest(`cursor_id "${cursor}" is not a cursor: pass back the cursor_id of the previous page (24 hex characters)`);
  }
  const limit = body.limit ?? DEFAULT_RECORDS_LIMIT;
  const offset = body.offset ?? 0;
  // A cursor pages by id (keyset, on the primary key): stable while records are added, and as
  // fast on page 20,000 as on page 1. Without one, offset paging as before.
  const [{ records, hasMore }, counts] = await Promise.all([
    listRecords(sql, instanceId, subject.kind, filter?.value, limit, cursor === undefined ? offset : 0, cursor),
    countRecords(sql, instanceId, subject.kind, filter?.value),
  ]);
  const wanted = body.fields && body.fields.length > 0 ? body.fields : undefined;
  const person = subject.kind === 'person';
  return {
    records: records.map((r) => ({
      id: r.id,
      fields: wanted ? Object.fromEntries(wanted.filter((f) => f in r.fields).map((f) => [f, r.fields[f]])) : r.fields,
      ...(profile.readExtensions ? {
        created_at: r.createdAt.toISOString(),
        ...(r.firstSeenAt ? { first_seen_at: r.firstSeenAt.toISOString() } : {}),
        ...(r.lastSeenAt ? { last_seen_at: r.lastSeenAt.toISOString() } : {}),
      } : {}),
    })),
    meta: {
      total_contacts: person ? counts.total : 0,
      total_organizations: person ? 0 : counts.total,
      total_matches: counts.matches,
      total_subscribers: person ? counts.subscribers : 0,
    },
    offset,
    next_offset: offset + records.length,
    cursor_id: records.length > 0 ? records[records.length - 1]!.id : cursor ?? '',
    has_more: hasMore,
  };
}
