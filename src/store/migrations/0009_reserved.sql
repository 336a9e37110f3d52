-- Placeholder: number 0009 is reserved for another branch's migration (the loader wants no gaps).
-- When that migration lands, this file is dropped in its favour; it changes nothing.
select 1;
