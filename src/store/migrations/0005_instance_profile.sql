-- The Ortto response profile of an instance (docs | production-2025); null = the server's
-- ORTTO_PROFILE. The emulator's migration may add the same column: both are idempotent.
alter table instances add column if not exists profile text;
