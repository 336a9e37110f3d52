// The machine's ceilings for the same rows, measured in the same run:
// - COPY of the activity-event rows the server wrote into an empty table made `like` the server's
//   events table `including all` (same columns, defaults, checks and indexes; foreign keys are
//   not copied, which only makes the ceiling higher);
// - the same rows as 100-row multi-row INSERTs (one prepared statement, autocommit), on 1 and on
//   4 connections.
// When the server has written no events (smoke runs, or before the events table exists), a
// reference table shaped like an events table is filled by SQL and used instead, and the result
// says so.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface CopyCeiling {
  sourceTable: string;
  synthetic: boolean;
  rows: number;
  columns: string[];
  indexes: string[];
  copyRowsPerSec: number;
  copyTrialsRowsPerSec: number[];
  insert100RowsPerSec: number;
  insert100Conn4RowsPerSec: number;
  insertTrialsRowsPerSec: number[];
}

// Every value as its text form, so rows go back in unchanged by COPY and by INSERT parameters.
const asText = { getTypeParser: () => (v: string) => v } as unknown as typeof pg.types;

function escapeCopy(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const REFERENCE_DDL = `
create table if not exists bench_ref_events (
  instance_id text not null,
  id text not null,
  activity_name text not null,
  person_id text not null,
  key text,
  created_at timestamptz not null,
  attributes jsonb not null,
  location jsonb,
  primary key (instance_id, id)
);
create unique index if not exists bench_ref_events_key on bench_ref_events (instance_id, activity_name, key, created_at) where key is not null;
create index if not exists bench_ref_events_person on bench_ref_events (instance_id, person_id, created_at desc);
`;

async function fillReference(c: pg.Client, rows: number): Promise<void> {
  await c.query(REFERENCE_DDL);
  await c.query('truncate bench_ref_events');
  await c.query(
    `insert into bench_ref_events
     select 'inst0001', '00' || md5(g::text)::varchar(22), (array['bench-purchase','bench-page-view','bench-signup'])[1 + g % 3],
            '00' || md5((g % 50000)::text)::varchar(22),
            case when g % 2 = 0 then 'k' || g end, now() - (g % 864000) * interval '1 second',
            jsonb_build_object('str:cm:bp-product', 'alpha bravo desk', 'int:cm:bp-quantity', g % 5,
              'int:cm:bp-price', g * 10, 'bol:cm:bp-gift', g % 5 = 0, 'sst:cm:bp-tags', jsonb_build_array('echo', 'golf'),
              'dtz:cm:bp-purchased-on', jsonb_build_object('year', 2026, 'month', 11, 'day', 1 + g % 28)),
            null
     from generate_series(1, $1::int) g`,
    [rows],
  );
}

/** The events table: the largest table whose name says event, unless one is named. */
async function findEventsTable(c: pg.Client, named: string | undefined): Promise<string | undefined> {
  if (named) return named;
  const tables = await c.query<{ relname: string }>(
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname ~ 'event' and c.relname !~ '^(bench_|ceiling_)'`,
  );
  let best: { name: string; rows: number } | undefined;
  for (const { relname } of tables.rows) {
    const r = await c.query<{ n: string }>(`select count(*) as n from (select 1 from ${pg.escapeIdentifier(relname)} limit 1000) s`);
    const n = Number(r.rows[0]!.n);
    if (n > 0 && (!best || n > best.rows)) best = { name: relname, rows: n };
  }
  return best?.name;
}

async function timeCopy(c: pg.Client, table: string, columnList: string, buffer: Buffer): Promise<number> {
  await c.query(`truncate ${table}`);
  await c.query('checkpoint').catch(() => undefined); // superuser on the bench server; ignored if not
  const t0 = performance.now();
  const stream = c.query(copyFrom(`copy ${table} (${columnList}) from stdin`));
  const chunk = 1 << 20;
  await pipeline(
    (async function* () {
      for (let i = 0; i < buffer.length; i += chunk) yield buffer.subarray(i, i + chunk);
    })(),
    stream as unknown as Writable,
  );
  return performance.now() - t0;
}

export async function measureCopyCeiling(databaseUrl: string, opts: { rows: number; eventsTable?: string }): Promise<CopyCeiling> {
  const c = new pg.Client({ connectionString: databaseUrl, types: asText });
  await c.connect();
  try {
    let source = await findEventsTable(c, opts.eventsTable);
    let synthetic = false;
    if (!source) {
      await fillReference(c, opts.rows);
      source = 'bench_ref_events';
      synthetic = true;
    }
    const src = pg.escapeIdentifier(source);
    // Generated columns are computed by the table, so they are neither copied nor inserted.
    const columns = (
      await c.query<{ column_name: string }>(
        `select column_name from information_schema.columns
         where table_schema = 'public' and table_name = $1 and is_generated = 'NEVER' order by ordinal_position`,
        [source],
      )
    ).rows.map((r) => r.column_name);
    const columnList = columns.map((x) => pg.escapeIdentifier(x)).join(', ');
    const result = await c.query({ text: `select ${columnList} from ${src} limit ${Number(opts.rows)}`, rowMode: 'array' });
    const rows = result.rows as Array<Array<string | null>>;
    if (rows.length === 0) throw new Error(`no rows in ${source}`);

    await c.query('drop table if exists ceiling_copy, ceiling_insert');
    await c.query(`create table ceiling_copy (like ${src} including all)`);
    await c.query(`create table ceiling_insert (like ${src} including all)`);
    const indexes = (
      await c.query<{ indexdef: string }>(`select indexdef from pg_indexes where tablename = 'ceiling_copy' order by indexname`)
    ).rows.map((r) => r.indexdef.replace(/ceiling_copy/g, source!));

    const text = rows.map((r) => r.map(escapeCopy).join('\t')).join('\n') + '\n';
    const buffer = Buffer.from(text);
    const copyTrials: number[] = [];
    for (let i = 0; i < 3; i++) copyTrials.push(Math.round((rows.length * 1000) / (await timeCopy(c, 'ceiling_copy', columnList, buffer))));

    // 100-row multi-row INSERT: one named statement with 100 × columns parameters.
    const n = columns.length;
    const values = Array.from({ length: 100 }, (_, r) => `(${columns.map((_, k) => `$${r * n + k + 1}`).join(', ')})`).join(', ');
    const insertText = `insert into ceiling_insert (${columnList}) values ${values}`;
    const batches: Array<Array<string | null>> = [];
    for (let i = 0; i + 100 <= rows.length; i += 100) batches.push(rows.slice(i, i + 100).flat());
    const insertRun = async (connections: number): Promise<number> => {
      await c.query('truncate ceiling_insert');
      const clients = await Promise.all(
        Array.from({ length: connections }, async () => {
          const k = new pg.Client({ connectionString: databaseUrl, types: asText });
          await k.connect();
          return k;
        }),
      );
      try {
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          clients.map(async (k) => {
            for (let b = next++; b < batches.length; b = next++) await k.query({ name: 'ceiling_insert_100', text: insertText, values: batches[b]! });
          }),
        );
        return Math.round((batches.length * 100 * 1000) / (performance.now() - t0));
      } finally {
        await Promise.all(clients.map((k) => k.end()));
      }
    };
    const insert1 = await insertRun(1);
    const insert4 = await insertRun(4);
    await c.query('drop table if exists ceiling_copy, ceiling_insert');
    if (synthetic) await c.query('drop table if exists bench_ref_events');
    return {
      sourceTable: source,
      synthetic,
      rows: rows.length,
      columns,
      indexes,
      copyRowsPerSec: Math.max(...copyTrials),
      copyTrialsRowsPerSec: copyTrials,
      insert100RowsPerSec: insert1,
      insert100Conn4RowsPerSec: insert4,
      insertTrialsRowsPerSec: [insert1, insert4],
    };
  } finally {
    await c.end();
  }
}
