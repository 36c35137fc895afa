-- Diary versions: what an API process keeps a diary under (fithub-core/src/nutrition/diary/kept.rs)
-- and answers it again by, unread, while nothing the diary shows has changed. Triggers change them
-- inside the writing transaction, whoever writes (an API replica, `fithub import`, SQL typed by
-- hand), and a rolled-back write changes nothing:
-- - diary_versions, one per user: their records, meal ingredients and diets;
-- - catalogue_versions, one row: the nutrients of a catalogue (public) ingredient, which any
--   user's meals may hold. A personal ingredient is used only in its owner's meals (the API and
--   the import refuse anyone else's) and changes its owner's version.
-- A version is a random number drawn at each change, not a counter, so that a database taken back
-- in time (a restored backup, a promoted replica behind its primary) cannot bring back a number a
-- process kept a diary under. It changes once per transaction: an import writes a user's rows in
-- many statements of one transaction, and a row updated at each would grow a chain of versions
-- for every later update to walk.
CREATE FUNCTION diary_version_draw() RETURNS bigint LANGUAGE sql VOLATILE
    RETURN floor(random() * 9.0e18)::bigint;

CREATE TABLE diary_versions (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version    bigint NOT NULL DEFAULT diary_version_draw(),
    -- The transaction that drew the version: it draws no other.
    changed_by xid8
);
CREATE TABLE catalogue_versions (
    id         integer PRIMARY KEY CHECK (id = 1),
    version    bigint NOT NULL DEFAULT diary_version_draw(),
    changed_by xid8
);
INSERT INTO catalogue_versions (id) VALUES (1);

CREATE FUNCTION diary_versions_add_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO diary_versions (user_id) VALUES (NEW.id) ON CONFLICT (user_id) DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_diary_version AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION diary_versions_add_user();
-- After the trigger, so that a user registered meanwhile has a version either way.
INSERT INTO diary_versions (user_id) SELECT id FROM users ON CONFLICT (user_id) DO NOTHING;

-- New versions for these users, once per transaction. Several users' rows are locked in the
-- users' order first, so that two transactions changing several users' rows at once cannot
-- deadlock; one user's row (every write of the API) is only updated, which shortens what one
-- user's concurrent writes wait for (scripts/bench/diary_versions.sh measures it).
CREATE FUNCTION diary_versions_change(users bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(users) > 1 THEN
        PERFORM 1 FROM diary_versions
            WHERE user_id = ANY (users) AND changed_by IS DISTINCT FROM pg_current_xact_id()
            ORDER BY user_id FOR UPDATE;
    END IF;
    UPDATE diary_versions SET version = diary_version_draw(), changed_by = pg_current_xact_id()
        WHERE user_id = ANY (users) AND changed_by IS DISTINCT FROM pg_current_xact_id();
END;
$$;

-- Rows of meal_records, meal_ingredients or diets changed: once per statement, their owners
-- (an update's owners before and after).
CREATE FUNCTION diary_versions_owners_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM diary_versions_change(ARRAY(SELECT user_id FROM diary_versions));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM diary_versions_change(ARRAY(SELECT DISTINCT user_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM diary_versions_change(ARRAY(
            SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows));
    ELSE
        PERFORM diary_versions_change(ARRAY(SELECT DISTINCT user_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER meal_records_diary_versions_insert AFTER INSERT ON meal_records
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER meal_records_diary_versions_update AFTER UPDATE ON meal_records
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER meal_records_diary_versions_delete AFTER DELETE ON meal_records
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER meal_records_diary_versions_truncate AFTER TRUNCATE ON meal_records
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER meal_ingredients_diary_versions_insert AFTER INSERT ON meal_ingredients
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER meal_ingredients_diary_versions_update AFTER UPDATE ON meal_ingredients
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER meal_ingredients_diary_versions_delete AFTER DELETE ON meal_ingredients
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER meal_ingredients_diary_versions_truncate AFTER TRUNCATE ON meal_ingredients
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER diets_diary_versions_insert AFTER INSERT ON diets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER diets_diary_versions_update AFTER UPDATE ON diets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER diets_diary_versions_delete AFTER DELETE ON diets
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();
CREATE TRIGGER diets_diary_versions_truncate AFTER TRUNCATE ON diets
    FOR EACH STATEMENT EXECUTE FUNCTION diary_versions_owners_changed();

-- An ingredient's nutrients changed: the catalogue's version for a catalogue ingredient (before or
-- after the change), its owner's for a personal one. (Deleting an ingredient deletes the meal
-- ingredients that hold it, whose own trigger counts.)
CREATE FUNCTION diary_versions_ingredient_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT OLD.is_personal OR NOT NEW.is_personal THEN
        UPDATE catalogue_versions
            SET version = diary_version_draw(), changed_by = pg_current_xact_id()
            WHERE changed_by IS DISTINCT FROM pg_current_xact_id();
    END IF;
    IF OLD.is_personal OR NEW.is_personal THEN
        PERFORM diary_versions_change(ARRAY[OLD.created_by, NEW.created_by]);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ingredients_diary_versions AFTER UPDATE ON ingredients
    FOR EACH ROW
    WHEN (OLD.calories IS DISTINCT FROM NEW.calories OR OLD.proteins IS DISTINCT FROM NEW.proteins
          OR OLD.fats IS DISTINCT FROM NEW.fats OR OLD.carbs IS DISTINCT FROM NEW.carbs
          OR OLD.is_personal IS DISTINCT FROM NEW.is_personal
          OR OLD.created_by IS DISTINCT FROM NEW.created_by)
    EXECUTE FUNCTION diary_versions_ingredient_changed();
