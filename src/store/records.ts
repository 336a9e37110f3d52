// Records (persons and accounts) and their merge keys. Each function is one statement over a JSON
// parameter, whatever the batch size.
import type { IdentityWrite, StoredEvent, StoredRecord } from '../domain/batch-plan.js';
import { dedupeKey, identityKey } from '../domain/batch-plan.js';
import { fieldTypeRule, isEmailField, type KeyRule } from '../domain/field-types.js';
import type { LimitBound } from '../domain/daily-limit.js';
import type { Fields } from '../domain/merge.js';
import type { Kind } from '../domain/subjects.js';
import type { Sql } from './db.js';
import { addTimes, EVENT_TIMES_SQL, timeParam, type EventPair, type LimitRead } from './events.js';

/**
 * Makes fields identify records from now on, and indexes the values existing records already hold
 * (the first record to hold a value keeps it). Rare: once per field and instance.
 */
export async function addIdentityFields(sql: Sql, instanceId: string, kind: Kind, fieldIds: string[]): Promise<void> {
  await sql.query(
    `insert into identity_fields (instance_id, kind, field_id)
     select $1, $2, f from unnest($3::text[]) as f order by f on conflict do nothing`,
    [instanceId, kind, fieldIds],
  );
  for (const fieldId of fieldIds) {
    const value = identityValueSql(fieldId, 'f.v');
    if (!value) continue;
    await sql.query(
      `insert into record_identities (instance_id, kind, field_id, value, record_id)
       select $1, $2, $3, k.value, k.id from (
         select r.id, ${value} as value from records r cross join lateral (select r.fields -> $3 as v) f
          where r.instance_id = $1 and r.kind = $2) k
        where k.value is not null
        order by k.id
       on conflict do nothing`,
      [instanceId, kind, fieldId],
    );
  }
}

/** What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator), for btrim. */
const JS_WHITESPACE = '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
const WS = `'${JS_WHITESPACE}'`;

/**
 * Each merge-key rule of the field-type table (domain/field-types.ts) in SQL, over the jsonb
 * expression `v` (a stored field value): the key text, or null when the value identifies nothing.
 * test/identity-backfill.test.ts holds each to the TypeScript rule's answers.
 */
const KEY_SQL: Record<KeyRule, (v: string, fieldId: string) => string> = {
  text(v, fieldId) {
    const text = `(${v} #>> '{}')`;
    return `case when jsonb_typeof(${v}) = 'string' and btrim(${text}, ${WS}) <> ''
      then ${isEmailField(fieldId) ? `lower(btrim(${text}, ${WS}))` : text} end`;
  },
  integer(v) {
    const text = `(${v} #>> '{}')`;
    return `case when jsonb_typeof(${v}) = 'number' and ${text} ~ '^-?[0-9]+$' then ${text} end`;
  },
  phone(v) {
    const str = (k: string) => `case when jsonb_typeof(${v} -> '${k}') = 'string' then ${v} ->> '${k}' end`;
    const digits = `regexp_replace(case
        when jsonb_typeof(${v} -> 'phone') = 'string' then ${v} ->> 'phone'
        when coalesce(${str('c')}, '') <> '' then '+' || (${v} ->> 'c') || coalesce(${str('n')}, '')
        else coalesce(${str('n')}, '') end, '[^0-9]', '', 'g')`;
    return `case when jsonb_typeof(${v}) = 'object' and ${digits} <> '' then '+' || ${digits} end`;
  },
};

/** identityValue in SQL for a field's values; undefined for a field that can never identify a record. */
export function identityValueSql(fieldId: string, v: string): string | undefined {
  const rule = fieldTypeRule(fieldId.slice(0, 3))?.key?.rule;
  return rule && KEY_SQL[rule](v, fieldId);
}

interface RecordRow {
  id: string;
  fields: Fields;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
}

/**
 * Who holds each merge key, and those records plus the directly named ones, loaded and locked in
 * id order: one statement. One index probe per key and per id (LATERAL ... LIMIT 1), so the plan
 * does not depend on statistics.
 */
export async function findAndLockRecords(
  sql: Sql, instanceId: string, kind: Kind, keys: Array<{ fieldId: string; value: string }>, directIds: string[],
): Promise<{ owners: Map<string, string>; records: Map<string, StoredRecord>; archived: Set<string>; limitBounds: Map<string, LimitBound | null> }> {
  const rows = await sql.query<{
    field_id: string | null; value: string | null; record_id: string; fields: Fields | null; first_seen_at: Date | null; last_seen_at: Date | null;
    archived: boolean | null; limit_bound: LimitBound | null;
  }>(
    `with owners as (
       select k.field_id, k.value, i.record_id
         from jsonb_to_recordset($3::jsonb) as k(field_id text, value text)
         cross join lateral (
           select r.record_id from record_identities r
            where r.instance_id = $1 and r.kind = $2 and r.field_id = k.field_id and r.value = k.value
            limit 1) i
     ),
     ids as (
       select record_id as id from owners union select unnest($4::text[])
     ),
     locked as (
       select r.id, r.fields, r.first_seen_at, r.last_seen_at, r.archived_at is not null as archived, r.limit_bound
         from (select id from ids order by id) u
         cross join lateral (
           select id, fields, first_seen_at, last_seen_at, archived_at, limit_bound from records
            where instance_id = $1 and kind = $2 and id = u.id
            limit 1 for update) r
     )
     select field_id, value, record_id, null::jsonb as fields, null::timestamptz as first_seen_at, null::timestamptz as last_seen_at,
            null::boolean as archived, null::jsonb as limit_bound from owners
     union all
     select null, null, id, fields, first_seen_at, last_seen_at, archived, limit_bound from locked`,
    [instanceId, kind, JSON.stringify(keys.map((k) => ({ field_id: k.fieldId, value: k.value }))), directIds],
    'find_and_lock_records',
  );
  const owners = new Map<string, string>();
  const records = new Map<string, StoredRecord>();
  const archived = new Set<string>();
  const limitBounds = new Map<string, LimitBound | null>();
  for (const r of rows) {
    if (r.field_id !== null) owners.set(identityKey(r.field_id, r.value!), r.record_id);
    else {
      records.set(r.record_id, { fields: r.fields!, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at });
      limitBounds.set(r.record_id, r.limit_bound);
      if (r.archived) archived.add(r.record_id);
    }
  }
  return { owners, records, archived, limitBounds };
}

/**
 * The insert that claims merge keys, in key order (the fixed lock order), of the identities in the
 * jsonb parameter `$3` (identitiesParam), for instance `$1` and kind `$2`; a value another record
 * holds stays with it. One text for claimIdentities and the batch write (write-batch.ts), which
 * differ only in what they return.
 */
export function claimInsertSql(returning: string): string {
  return `insert into record_identities (instance_id, kind, field_id, value, record_id)
       select $1, $2, c.field_id, c.value, c.record_id
         from jsonb_to_recordset($3::jsonb) as c(field_id text, value text, record_id text)
        order by c.field_id, c.value
       on conflict do nothing
       returning ${returning}`;
}

/** The `$3` parameter of claimInsertSql. */
export function identitiesParam(claims: readonly IdentityWrite[]): string {
  return JSON.stringify(claims.map((c) => ({ field_id: c.fieldId, value: c.value, record_id: c.recordId })));
}

/**
 * Claims merge keys (in key order, a fixed lock order); returns the ones this transaction now owns.
 * The same statement can also read what the batch decides on next, which saves it round trips:
 * the stored events of keyed pairs (findStoredEvents) and the daily limit's stored times of
 * records it has locked (storedEventTimes). The statement comes after the records are locked, so
 * it sees what the transactions that held them committed, and no other can write their events now.
 */
export async function claimIdentities(
  sql: Sql, instanceId: string, kind: Kind, claims: IdentityWrite[],
  lookups: { eventPairs?: EventPair[]; limitReads?: LimitRead[] } = {},
): Promise<{ won: Set<string>; storedEvents: Map<string, StoredEvent>; storedTimes: Map<string, number[]> }> {
  const won = new Set<string>();
  const storedEvents = new Map<string, StoredEvent>();
  const storedTimes = new Map<string, number[]>();
  if (claims.length === 0) return { won, storedEvents, storedTimes };
  const pairs = lookups.eventPairs ?? [];
  const reads = lookups.limitReads ?? [];
  const rows = await sql.query<{
    field_id: string | null; value: string | null; id: string | null; record_id: string | null; definition: string | null;
    key: string | null; created_at: Date | null; attributes: Record<string, unknown> | null; times: string | null;
  }>(
    `with claimed as (
       ${claimInsertSql('field_id, value')}
     )
     select field_id, value, null::text as id, null::text as record_id, null::text as definition, null::text as key,
            null::timestamptz as created_at, null::jsonb as attributes, null::text as times
       from claimed
     union all
     select null, null, e.id, e.record_id, e.definition, e.key, e.created_at, e.attributes, null
       from jsonb_to_recordset($4::jsonb) as p(definition text, key text, created_at timestamptz)
       cross join lateral (
         select id, record_id, definition, key, created_at, attributes from activity_events
          where instance_id = $1 and kind = $2 and definition = p.definition and key = p.key and created_at = p.created_at
          limit 1) e
     union all
     select null, null, null, p.record_id, p.definition, null, null, null, ${EVENT_TIMES_SQL}
       from unnest($5::text[], $6::text[], $7::text[], $8::text[]) as p(record_id, definition, lo, hi)
       join activity_events e
         on e.instance_id = $1 and e.kind = $2 and e.record_id = p.record_id
        and e.created_at > p.lo::timestamptz and e.created_at < p.hi::timestamptz and e.definition = p.definition
      group by p.record_id, p.definition`,
    [
      instanceId, kind, identitiesParam(claims),
      JSON.stringify(pairs.map((p) => ({ definition: p.definition, key: p.key, created_at: p.created.toISOString() }))),
      reads.map((p) => p.recordId), reads.map((p) => p.definition),
      reads.map((p) => timeParam(p.from)), reads.map((p) => timeParam(p.to)),
    ],
    'claim_identities',
  );
  for (const r of rows) {
    if (r.field_id !== null) won.add(identityKey(r.field_id, r.value!));
    else if (r.times === null) storedEvents.set(dedupeKey(r.definition!, r.key!, r.created_at!), { id: r.id!, recordId: r.record_id!, attributes: r.attributes! });
    else addTimes(storedTimes, r.record_id!, r.definition!, r.times);
  }
  return { won, storedEvents, storedTimes };
}

export async function releaseIdentities(sql: Sql, instanceId: string, kind: Kind, releases: IdentityWrite[]): Promise<void> {
  if (releases.length === 0) return;
  await sql.query(
    `delete from record_identities i
      using jsonb_to_recordset($3::jsonb) as r(field_id text, value text, record_id text)
      where i.instance_id = $1 and i.kind = $2 and i.field_id = r.field_id and i.value = r.value and i.record_id = r.record_id`,
    [instanceId, kind, JSON.stringify(releases.map((r) => ({ field_id: r.fieldId, value: r.value, record_id: r.recordId })))],
  );
}

/** A record that reads can see: archived ones are hidden until restored. */
export async function recordExists(sql: Sql, instanceId: string, kind: Kind, id: string): Promise<boolean> {
  const rows = await sql.query('select 1 from records where instance_id = $1 and kind = $2 and id = $3 and archived_at is null', [instanceId, kind, id]);
  return rows.length > 0;
}
