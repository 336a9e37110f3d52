-- The Ortto response profile of an instance (docs | production-2025); null = the server's
-- ORTTO_PROFILE.
alter table instances add column if not exists profile text;
