// Every write of a planned batch in one statement (a data-modifying CTE): merge-key claims,
// records (new ones inserted, merged ones updated), events (new and merged into a de-duplicated one) and the definitions
// that become active. Rows go in key order, the fixed lock order; duplicates were merged by the
// planner, so no ON CONFLICT DO UPDATE touches a row twice.
import type { EventWrite, IdentityWrite, RecordWrite } from '../domain/batch-plan.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';

export interface BatchWrites {
  /** Identity values the plan gives records (a value another record holds stays with it). */
  claims: IdentityWrite[];
  records: RecordWrite[];
  events: EventWrite[];
  /** Definitions that received their first events. */
  activate: string[];
  /** The batch's instant (BatchSettings.now): records' created/updated and events' ingested times. */
  now: Date;
}

export async function writeBatch(sql: Sql, instanceId: string, kind: Kind, w: BatchWrites): Promise<void> {
  const claims = w.claims.map((c) => ({ field_id: c.fieldId, value: c.value, record_id: c.recordId }));
  const row = (r: RecordWrite) => ({
    id: r.id, fields: r.fields, first_seen_at: r.firstSeenAt?.toISOString() ?? null, last_seen_at: r.lastSeenAt?.toISOString() ?? null,
  });
  const newRecords = w.records.filter((r) => r.isNew).map(row);
  // A record the batch did not change is not rewritten (no new row version, no WAL for it).
  const mergedRecords = w.records.filter((r) => !r.isNew && !r.unchanged).map(row);
  const events = w.events.map((e) => ({
    id: e.id, record_id: e.recordId, definition: e.definition, created_at: e.created.toISOString(), key: e.key,
    // A merge into a stored event drops the attributes sent as null (top level only: nulls
    // inside an object attribute are data).
    attributes: { ...e.attributes, ...Object.fromEntries(e.cleared.map((k) => [k, null])) },
    location: e.location,
  }));
  await sql.query(
    `with claims as (
       insert into record_identities (instance_id, kind, field_id, value, record_id)
       select $1, $2, c.field_id, c.value, c.record_id
         from jsonb_to_recordset($3::jsonb) as c(field_id text, value text, record_id text)
        order by c.field_id, c.value
       on conflict do nothing
       returning 1
     ), new_records as (
       insert into records (instance_id, kind, id, fields, first_seen_at, last_seen_at, created_at, updated_at)
       select $1, $2, x.id, x.fields, x.first_seen_at, x.last_seen_at, $8::timestamptz, $8::timestamptz
         from jsonb_to_recordset($4::jsonb) as x(id text, fields jsonb, first_seen_at timestamptz, last_seen_at timestamptz)
        order by x.id
       returning 1
     ), merged_records as (
       -- Rows the batch has locked: a plain update (no speculative insertion), HOT thanks to the
       -- table's fillfactor.
       update records r
          set fields = x.fields, first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at, updated_at = $8::timestamptz
         from jsonb_to_recordset($7::jsonb) as x(id text, fields jsonb, first_seen_at timestamptz, last_seen_at timestamptz)
        where r.instance_id = $1 and r.kind = $2 and r.id = x.id
       returning 1
     ), evs as (
       insert into activity_events as e (instance_id, id, kind, record_id, definition, created_at, key, attributes, location, ingested_at)
       select $1, x.id, $2, x.record_id, x.definition, x.created_at, x.key, x.attributes, x.location, $8::timestamptz
         from jsonb_to_recordset($5::jsonb) as x(id text, record_id text, definition text, created_at timestamptz,
              key text, attributes jsonb, location jsonb)
        order by x.definition, x.key, x.created_at, x.id
       on conflict (instance_id, kind, definition, key, created_at) where key is not null do update
         set attributes = (select coalesce(jsonb_object_agg(a.k, a.v), '{}'::jsonb)
                             from jsonb_each(e.attributes || excluded.attributes) as a(k, v)
                            where a.v <> 'null'::jsonb),
             location = coalesce(excluded.location, e.location)
       returning 1
     ), act as (
       update activity_definitions set state = 'active'
        where instance_id = $1 and name = any($6::text[]) and state <> 'active'
       returning 1
     )
     select (select count(*) from claims)::integer as claims,
            (select count(*) from new_records)::integer + (select count(*) from merged_records)::integer as records,
            (select count(*) from evs)::integer as events, (select count(*) from act)::integer as activated`,
    [instanceId, kind, JSON.stringify(claims), JSON.stringify(newRecords), JSON.stringify(events), w.activate, JSON.stringify(mergedRecords), w.now.toISOString()],
    'write_batch',
  );
}
