-- Nothing to do in SQLite: migrations/postgres/V3 adds trigram indexes for PostgreSQL's
-- ingredient search. SQLite has no such index; its search reads the catalogue, which measured
-- fast enough. The version exists so that both databases keep the same migration history.
SELECT 1;
