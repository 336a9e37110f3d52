-- Past one database: keys a sharded store (Citus, distributed by instance_id) accepts, and the
-- columns of the data lifecycle (archived records, event retention). Self-contained and
-- idempotent: another branch may already have given ingest_queue its instance-led key.

-- Every unique key of a tenant table must hold the distribution column. The queue's key was its
-- identity alone; (instance_id, id) keeps ids unique and lets Citus place each row with its tenant.
do $$
begin
  if not exists (
    select 1 from pg_index i
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
     where i.indrelid = 'ingest_queue'::regclass and i.indisprimary and a.attname = 'instance_id'
  ) then
    alter table ingest_queue drop constraint if exists ingest_queue_pkey;
    alter table ingest_queue add primary key (instance_id, id);
  end if;
end $$;
-- The claim takes the oldest row by id across instances: without this (non-unique, so Citus takes
-- it) each claim would scan and sort the queue. A per-instance claim may make it redundant.
create index if not exists ingest_queue_id on ingest_queue (id);

-- Archived persons and accounts: hidden from reads, take no events until restored; only
-- archived ones can be deleted.
alter table records add column if not exists archived_at timestamptz;

-- Per instance: events older than this many days (by their `created`) are deleted by the worker;
-- null keeps them forever.
alter table instances add column if not exists event_retention_days integer check (event_retention_days > 0);

-- The retention sweep finds an instance's oldest events without scanning the table.
create index if not exists activity_events_created on activity_events (instance_id, created_at);
