-- The daily limit's bound per record (domain/daily-limit.ts LimitBound): per definition, at most
-- how many stored events have created at or after a time. Written with the record in the batch's
-- write, read with the record's lock; null = nothing known yet (the stored events are read).
alter table records add column if not exists limit_bound jsonb;
