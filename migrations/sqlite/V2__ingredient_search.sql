-- Nothing to do in SQLite: migrations/postgres/V2 adds lower-cased copies of the ingredient's name
-- and description for PostgreSQL's search, whose ILIKE lower-cases every row on every search.
-- SQLite's LIKE already ignores (ASCII) case at no extra cost, and measured 2.5 times slower with
-- such columns (virtual ones, computed per row); the version exists so that both databases keep
-- the same migration history.
SELECT 1;
