-- API keys: no clear characters of a key are stored (the 10-character prefix goes; listings show
-- the key's id, its non-secret lookup id), and new keys are stored as a slow hash (scrypt) of the
-- whole key. Existing rows keep their sha256 ('sha256') and are verified by it, and re-hashed
-- with scrypt the first time their key is used.
alter table api_keys add column if not exists hash_scheme text not null default 'sha256';
alter table api_keys drop column if exists key_prefix;
