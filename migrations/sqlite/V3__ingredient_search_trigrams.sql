-- Ingredient search matches a substring anywhere in the name or the description, which no
-- ordinary index serves: every search read the whole catalogue with LIKE (0.3 ms for 2,000
-- ingredients, growing with the catalogue). An FTS5 index with the trigram tokenizer finds the
-- ingredients containing a substring of three or more characters (PostgreSQL's V3 does the same
-- with pg_trgm). It indexes the ingredients table itself (external content), kept current by the
-- triggers below; shorter queries are searched with LIKE (see search_ingredients).
CREATE VIRTUAL TABLE ingredients_search USING fts5(
    name, description, content = 'ingredients', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO ingredients_search (ingredients_search) VALUES ('rebuild');

CREATE TRIGGER ingredients_search_insert AFTER INSERT ON ingredients BEGIN
    INSERT INTO ingredients_search (rowid, name, description)
    VALUES (new.id, new.name, new.description);
END;

CREATE TRIGGER ingredients_search_delete AFTER DELETE ON ingredients BEGIN
    INSERT INTO ingredients_search (ingredients_search, rowid, name, description)
    VALUES ('delete', old.id, old.name, old.description);
END;

CREATE TRIGGER ingredients_search_update AFTER UPDATE OF name, description ON ingredients BEGIN
    INSERT INTO ingredients_search (ingredients_search, rowid, name, description)
    VALUES ('delete', old.id, old.name, old.description);
    INSERT INTO ingredients_search (rowid, name, description)
    VALUES (new.id, new.name, new.description);
END;
