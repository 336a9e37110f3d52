-- A record is rewritten by nearly every event (fields merged, last-seen moved). Free space on
-- each page lets PostgreSQL keep the new version on the same page (a HOT update), with no new
-- index entries. Applies to pages written from now on.
alter table records set (fillfactor = 70);
