-- Persons and accounts ("records", by kind), their merge keys, activity events, and the durable
-- queue of asynchronous requests. Every table leads with instance_id (Citus distribution column).

create table records (
  instance_id text not null references instances (id),
  kind text not null check (kind in ('person', 'account')),
  id text not null,
  fields jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  first_seen_at timestamptz,
  last_seen_at timestamptz,
  primary key (instance_id, kind, id)
);

-- A merge-key value (normalized text) identifies at most one record: the unique key is what makes
-- concurrent requests for one new e-mail create exactly one person.
create table record_identities (
  instance_id text not null,
  kind text not null,
  field_id text not null,
  value text not null,
  record_id text not null,
  primary key (instance_id, kind, field_id, value)
);

-- The fields whose values identify records on an instance (every field used in a merge_by).
create table identity_fields (
  instance_id text not null,
  kind text not null,
  field_id text not null,
  primary key (instance_id, kind, field_id)
);

create table activity_events (
  instance_id text not null,
  id text not null,
  kind text not null,
  record_id text not null,
  definition text not null,
  created_at timestamptz not null,
  key text,
  attributes jsonb not null,
  location jsonb,
  ingested_at timestamptz not null default now(),
  primary key (instance_id, id)
);
-- created + key makes an event idempotent per definition.
create unique index activity_events_dedupe on activity_events (instance_id, kind, definition, key, created_at) where key is not null;
-- A record's events by time: read-back (newest first) and the rolling 24-hour limit.
create index activity_events_record on activity_events (instance_id, kind, record_id, created_at);

-- Acknowledged asynchronous work (async requests, and activities backdated past 90 days).
-- A row is committed before the response and deleted in the transaction that applies it.
create table ingest_queue (
  id bigint generated always as identity primary key,
  instance_id text not null,
  kind text not null,
  payload jsonb not null,
  enqueued_at timestamptz not null default now(),
  attempts integer not null default 0,
  not_before timestamptz not null default now(),
  last_error text
);

-- Queued activities that turned out invalid (or over a limit): kept with their reason.
create table ingest_dead_letters (
  instance_id text not null,
  id bigint generated always as identity,
  kind text not null,
  activity_index integer not null,
  event_id text,
  activity jsonb not null,
  status text not null,
  error text not null,
  enqueued_at timestamptz not null,
  failed_at timestamptz not null default now(),
  primary key (instance_id, id)
);
