-- The queue is claimed one instance at a time, and every unique key of a tenant table includes
-- its distribution column (Citus): the queue's primary key leads with instance_id. The oldest due
-- rows (by id) choose the instance to claim from: an index on id serves that look.
alter table ingest_queue drop constraint if exists ingest_queue_pkey;
alter table ingest_queue add primary key (instance_id, id);
create index if not exists ingest_queue_order on ingest_queue (id);

-- A dead letter can always be written: when an activity's JSON cannot be stored as jsonb
-- (U+0000, a lone surrogate), its JSON text (escaped, so plain text can hold it) is kept instead.
alter table ingest_dead_letters alter column activity drop not null;
alter table ingest_dead_letters add column if not exists activity_text text;
