-- The queue only stores a request and gives it back to the worker: plain json (checked, kept as
-- text) costs PostgreSQL far less to write than jsonb (decomposed into its binary form).
alter table ingest_queue alter column payload type json using payload::json;
