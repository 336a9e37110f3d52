// An instance's data as a whole: emptied (the emulator's reset, keeping the instance and its
// keys), or exported and loaded as one JSON document (the emulator's snapshot). Each table's rows
// travel as JSON objects of their columns (without instance_id), so columns added by later
// migrations travel too.
import type { Sql } from './db.js';

/** The tables that hold an instance's data, children first (the order of deletion). */
const DATA_TABLES = [
  'ingest_dead_letters', 'ingest_queue', 'activity_events', 'record_identities', 'identity_fields', 'records',
  'custom_fields', 'activity_definitions',
] as const;

/** Empties one instance (every instance when instanceId is undefined); instances and keys stay. */
export async function emptyInstanceData(sql: Sql, instanceId: string | undefined): Promise<void> {
  for (const table of DATA_TABLES) {
    if (instanceId === undefined) await sql.query(`delete from ${table}`);
    else await sql.query(`delete from ${table} where instance_id = $1`, [instanceId]);
  }
}

export interface InstanceSnapshot {
  version: 1;
  definitions: Record<string, unknown>[];
  custom_fields: Record<string, unknown>[];
  persons: Record<string, unknown>[];
  accounts: Record<string, unknown>[];
  identity_fields: Record<string, unknown>[];
  identities: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

/** Snapshot section → table, the filter on kind, the sort order, and defaults for absent columns. */
const SECTIONS = [
  { key: 'definitions', table: 'activity_definitions', kind: undefined, order: 'name', defaults: ['created_at', 'edited_at'] },
  { key: 'custom_fields', table: 'custom_fields', kind: undefined, order: 'subject, name', defaults: ['created_at'] },
  { key: 'persons', table: 'records', kind: 'person', order: 'id', defaults: ['created_at', 'updated_at'] },
  { key: 'accounts', table: 'records', kind: 'account', order: 'id', defaults: ['created_at', 'updated_at'] },
  { key: 'identity_fields', table: 'identity_fields', kind: undefined, order: 'kind, field_id', defaults: [] },
  { key: 'identities', table: 'record_identities', kind: undefined, order: 'kind, field_id, value', defaults: [] },
  { key: 'events', table: 'activity_events', kind: undefined, order: 'created_at, id', defaults: ['ingested_at'] },
] as const;

export type SnapshotSection = (typeof SECTIONS)[number]['key'];
export const SNAPSHOT_SECTIONS: readonly SnapshotSection[] = SECTIONS.map((s) => s.key);

export async function exportInstanceData(sql: Sql, instanceId: string): Promise<InstanceSnapshot> {
  const out: Record<string, unknown> = { version: 1 };
  for (const s of SECTIONS) {
    // The daily limit's bound (records.limit_bound) is a cache of the events: it does not travel.
    const drop = s.kind ? "- 'instance_id' - 'kind' - 'limit_bound'" : "- 'instance_id'";
    const rows = await sql.query<{ rows: Record<string, unknown>[] }>(
      `select coalesce(jsonb_agg(to_jsonb(t) ${drop} order by ${s.order}), '[]'::jsonb) as rows
         from ${s.table} t where instance_id = $1${s.kind ? ' and kind = $2' : ''}`,
      s.kind ? [instanceId, s.kind] : [instanceId],
    );
    out[s.key] = rows[0]?.rows ?? [];
  }
  return out as unknown as InstanceSnapshot;
}

/**
 * Loads a snapshot into an empty instance (call in a transaction after emptyInstanceData). Rows
 * are taken as the document gives them; the database's constraints refuse what does not fit.
 */
export async function importInstanceData(
  sql: Sql, instanceId: string, snapshot: Partial<Record<SnapshotSection, unknown[]>>, now: Date,
): Promise<Record<SnapshotSection, number>> {
  const counts = {} as Record<SnapshotSection, number>;
  for (const s of SECTIONS) {
    const rows = snapshot[s.key] ?? [];
    counts[s.key] = rows.length;
    if (rows.length === 0) continue;
    // A loaded record's limit bound is unknown (null): its events are read when the limit needs them.
    const fixed = s.kind ? { instance_id: instanceId, kind: s.kind, limit_bound: null } : { instance_id: instanceId };
    await sql.query(
      `insert into ${s.table}
       select (jsonb_populate_record(null::${s.table}, $2::jsonb || e || $3::jsonb)).*
         from jsonb_array_elements($1::jsonb) as e`,
      // Timestamps a document leaves out are "now"; the rest of a row is the document's.
      [JSON.stringify(rows), JSON.stringify(Object.fromEntries(s.defaults.map((c) => [c, now.toISOString()]))), JSON.stringify(fixed)],
    );
  }
  return counts;
}
