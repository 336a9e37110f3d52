// Citus (sharded PostgreSQL): every tenant table is distributed by instance_id, colocated, so each
// request-path statement (all name one instance) runs on one shard; instances, api_keys and
// schema_migrations are reference tables (a copy on every node: authentication stays a local read,
// key hashes stay globally unique). Every call here is behind the extension check: on plain
// PostgreSQL and PGlite these functions cost one catalog read and do nothing.
import type { Db, Sql } from './db.js';

/** Tables copied to every node; every other table of the schema is a tenant table. */
export const REFERENCE_TABLES = ['instances', 'api_keys', 'schema_migrations'] as const;

/** The column every tenant table is distributed by. */
export const DISTRIBUTION_COLUMN = 'instance_id';

/** The same advisory key as the migrations: distribution and migrations never interleave. */
const LAYOUT_LOCK_KEY = 7_272_031_001;

export class CitusWorkerNodeError extends Error {
  constructor(group: number) {
    super(`this database is a Citus worker node (group ${group}): run migrations and the server against the coordinator (DDL is refused on workers)`);
    this.name = 'CitusWorkerNodeError';
  }
}

export async function citusInstalled(sql: Sql): Promise<boolean> {
  const rows = await sql.query("select 1 from pg_extension where extname = 'citus'");
  return rows.length > 0;
}

/**
 * Refuses a Citus worker node. A worker that received metadata has a non-zero local group; the
 * coordinator (or a single-node Citus not yet told its role) is group 0.
 */
export async function assertNotCitusWorker(sql: Sql): Promise<void> {
  if (!(await citusInstalled(sql))) return;
  const rows = await sql.query<{ groupid: number }>('select groupid::integer as groupid from pg_dist_local_group');
  const group = rows[0]?.groupid ?? 0;
  if (group !== 0) throw new CitusWorkerNodeError(group);
}

export interface CitusLayout {
  /** Tables made reference tables by this call. */
  reference: string[];
  /** Tables distributed by instance_id by this call. */
  distributed: string[];
}

/** How Citus holds a table: 'citus-local' is a coordinator-only table Citus manages, 'other' any other kind (append, range, single-shard). */
export type Placement = 'distributed' | 'reference' | 'citus-local' | 'local' | 'other';

/**
 * A pg_dist_partition row as a placement. Reference tables, Citus local tables and single-shard
 * tables all have partmethod 'n': a reference table is replicated by 2PC (repmodel 't'); a Citus
 * local table has no colocation group (0). The distinction matters: create_reference_table on a
 * table that local tables point at turns those tables into Citus local tables on its own (their
 * foreign keys to it are kept that way), and they must still be distributed afterwards.
 */
export function placementOf(row: { partmethod: string | null; repmodel: string | null; colocationid: number | null }): Placement {
  if (row.partmethod === null) return 'local';
  if (row.partmethod === 'h') return 'distributed';
  if (row.partmethod === 'n' && row.repmodel === 't') return 'reference';
  if (row.partmethod === 'n' && Number(row.colocationid ?? 0) === 0) return 'citus-local';
  return 'other';
}

interface TableRow {
  name: string;
  has_instance_id: boolean;
  placement: Placement;
  /** The distribution column, for hash-distributed tables. */
  dist_column: string | null;
}

async function tables(sql: Sql): Promise<TableRow[]> {
  const rows = await sql.query<Omit<TableRow, 'placement'> & { partmethod: string | null; repmodel: string | null; colocationid: number | null }>(
    `select c.relname::text as name,
            exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'instance_id' and not a.attisdropped) as has_instance_id,
            p.partmethod::text as partmethod, p.repmodel::text as repmodel, p.colocationid::integer as colocationid,
            case when p.partmethod = 'h' then column_to_column_name(p.logicalrelid, p.partkey) end as dist_column
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_dist_partition p on p.logicalrelid = c.oid
      where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
      order by c.relname`,
  );
  return rows.map((r) => ({ name: r.name, has_instance_id: r.has_instance_id, placement: placementOf(r), dist_column: r.dist_column }));
}

/** Whether a table that is still local holds rows (then Citus copies them and leaves the local copy behind). */
async function hasRows(sql: Sql, table: string): Promise<boolean> {
  const rows = await sql.query<{ any: boolean }>(`select exists (select 1 from ${quoteIdent(table)}) as any`);
  return rows[0]?.any === true;
}

function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/**
 * Distributes what is not distributed yet: the reference tables first (tenant tables point at
 * instances), then every tenant table by instance_id, colocated with the first. Idempotent; safe
 * to run from several nodes at once (each step re-checks under the migration lock). A no-op
 * without the citus extension.
 *
 * Making `instances` a reference table turns the local tables whose foreign keys point at it into
 * Citus local tables (Citus keeps such foreign keys that way), so "not distributed yet" is a plain
 * local table or a Citus local table; create_reference_table and create_distributed_table both
 * take either. A table that had rows keeps a hidden local copy after Citus copied them to the
 * shards; once every table is placed (no local table points at it any more) that copy is emptied.
 */
export async function distributeTables(db: Db): Promise<CitusLayout> {
  const layout: CitusLayout = { reference: [], distributed: [] };
  if (!(await citusInstalled(db))) return layout;
  await assertNotCitusWorker(db);
  const reference = new Set<string>(REFERENCE_TABLES);
  const all = await tables(db);
  const missingColumn = all.filter((t) => !reference.has(t.name) && !t.has_instance_id).map((t) => t.name);
  if (missingColumn.length > 0) throw new Error(`cannot distribute by instance_id: ${missingColumn.join(', ')} has no instance_id column`);
  const misplaced = all.filter((t) => reference.has(t.name)
    ? t.placement === 'distributed' || t.placement === 'other'
    : t.placement === 'reference' || t.placement === 'other' || (t.placement === 'distributed' && t.dist_column !== DISTRIBUTION_COLUMN));
  if (misplaced.length > 0) {
    throw new Error(`cannot lay out the tables for Citus: ${misplaced.map((t) => `${t.name} is ${t.placement}${t.dist_column ? ` by ${t.dist_column}` : ''}`).join(', ')}`
      + ` (expected ${REFERENCE_TABLES.join(', ')} as reference tables and every other table distributed by ${DISTRIBUTION_COLUMN}; undistribute_table() the others)`);
  }
  const notPlaced = (p: Placement) => p === 'local' || p === 'citus-local';
  // Read before any conversion, each on its own (a read inside the converting transaction would
  // touch a Citus local table's placement there, which the conversion then refuses to move).
  const withRows = new Set<string>();
  for (const t of all) if (notPlaced(t.placement) && (await hasRows(db, t.name))) withRows.add(t.name);

  // Only what was not placed at the first read is looked at again (under the lock); a store laid
  // out already costs the reads above and nothing more at each start.
  for (const name of REFERENCE_TABLES) {
    const first = all.find((t) => t.name === name);
    if (!first || !notPlaced(first.placement)) continue;
    const made = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [LAYOUT_LOCK_KEY]);
      const now = (await tables(tx)).find((t) => t.name === name);
      if (!now || !notPlaced(now.placement)) return false;
      await tx.query('select create_reference_table($1::regclass)', [name]);
      return true;
    });
    if (made) layout.reference.push(name);
  }

  for (const t of all.filter((x) => !reference.has(x.name) && notPlaced(x.placement))) {
    const made = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [LAYOUT_LOCK_KEY]);
      const now = await tables(tx);
      const row = now.find((x) => x.name === t.name);
      if (!row || !notPlaced(row.placement)) return false;
      // Colocated with a tenant table already distributed, so joins and transactions of one
      // instance stay on one node; the first one takes Citus's default colocation group.
      const anchor = now.find((x) => x.placement === 'distributed' && x.dist_column === DISTRIBUTION_COLUMN && !reference.has(x.name));
      await tx.query('select create_distributed_table($1::regclass, $2, colocate_with => $3)', [t.name, DISTRIBUTION_COLUMN, anchor?.name ?? 'default']);
      return true;
    });
    if (made) layout.distributed.push(t.name);
  }

  const copied = [...layout.reference, ...layout.distributed].filter((name) => withRows.has(name));
  for (const name of copied) await db.query('select truncate_local_data_after_distributing_table($1::regclass)', [name]);
  return layout;
}

/** Each table of the schema and how Citus holds it; [] without Citus. */
export async function citusTableKinds(sql: Sql): Promise<Array<{ table: string; kind: Placement }>> {
  if (!(await citusInstalled(sql))) return [];
  return (await tables(sql)).map((t) => ({ table: t.name, kind: t.placement }));
}
