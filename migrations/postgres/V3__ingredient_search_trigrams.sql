-- Ingredient search matches a substring anywhere in the name or the description, which no btree
-- index serves: every search read the whole catalogue (0.4 ms for 2,000 ingredients, growing with
-- the catalogue). Trigram indexes find the rows containing a substring of three or more
-- characters; shorter queries are searched without them (see search_ingredients).
-- pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner may create it.
-- fastupdate = off: by default GIN queues new entries in a pending list that every search scans
-- until a vacuum merges it; after an import of 2,000 ingredients that list made the planner
-- (rightly) prefer reading the table. Ingredients are written rarely and searched often, so each
-- insert updates the index itself.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ingredients_name_trigram_idx ON ingredients
    USING gin (name_lower gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX ingredients_description_trigram_idx ON ingredients
    USING gin (description_lower gin_trgm_ops) WITH (fastupdate = off);
