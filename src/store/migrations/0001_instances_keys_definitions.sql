-- Instances (tenants), their API keys, custom fields and activity definitions.
-- Every table leads with instance_id: nothing crosses instances, and on Citus every table is
-- distributed by instance_id.

create table instances (
  id text primary key,
  name text not null,
  -- null = the server's default (MAX_CUSTOM_ACTIVITIES / ACTIVITY_DAILY_LIMIT)
  max_custom_activities integer check (max_custom_activities > 0),
  activity_daily_limit integer check (activity_daily_limit >= 0),
  created_at timestamptz not null default now()
);

create table api_keys (
  instance_id text not null references instances (id),
  id text not null,
  -- sha256 of the key; the key itself is never stored
  key_hash bytea not null,
  -- the first characters of the key, so that people can tell keys apart in listings
  key_prefix text not null,
  person_merge_by text[] not null default array['str::email'],
  account_merge_by text[] not null default array['str:o:name'],
  merge_strategy smallint not null default 2 check (merge_strategy between 1 and 3),
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  primary key (instance_id, id)
);
create unique index api_keys_key_hash on api_keys (key_hash);

-- Custom fields registered on an instance: person fields (`<type>:cm:<name>`, subject 'person')
-- and account fields (`<type>:oc:<name>`, subject 'account'). A name has one type.
create table custom_fields (
  instance_id text not null references instances (id),
  subject text not null check (subject in ('person', 'account')),
  name text not null,
  type text not null,
  created_at timestamptz not null default now(),
  primary key (instance_id, subject, name)
);

create table activity_definitions (
  instance_id text not null references instances (id),
  name text not null,
  icon_id text not null,
  track_conversion_value boolean not null,
  touch boolean not null,
  filterable boolean not null,
  visible_in_feeds boolean not null,
  display_style jsonb not null,
  -- [{"name", "display_type", "mapped_field_id"}]
  attributes jsonb not null,
  retention_days integer not null,
  state text not null default 'awaiting_implementation' check (state in ('awaiting_implementation', 'active')),
  created_at timestamptz not null,
  edited_at timestamptz not null,
  archived_at timestamptz,
  primary key (instance_id, name)
);
