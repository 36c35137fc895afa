-- Diary versions (see the PostgreSQL migration of the same version, and
-- fithub-core/src/nutrition/diary/kept.rs): diary_versions for each user's records, meal
-- ingredients and diets, catalogue_versions for the catalogue's ingredients, each a random number
-- drawn again at every change. SQLite writes one transaction at a time and updates a row in
-- place, so neither the lock order nor the number of changes per transaction matters here.
-- Foreign-key cascades fire these triggers too: deleting a diet, a meal or an ingredient deletes
-- meal ingredients and records, which count.
CREATE TABLE diary_versions (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version INTEGER NOT NULL DEFAULT (random())
);
CREATE TABLE catalogue_versions (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL DEFAULT (random())
);
INSERT INTO catalogue_versions (id) VALUES (1);
INSERT INTO diary_versions (user_id) SELECT id FROM users;

CREATE TRIGGER users_diary_version AFTER INSERT ON users
BEGIN
    INSERT INTO diary_versions (user_id) VALUES (NEW.id);
END;

CREATE TRIGGER meal_records_diary_version_insert AFTER INSERT ON meal_records
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (NEW.user_id);
END;

CREATE TRIGGER meal_records_diary_version_update AFTER UPDATE ON meal_records
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (OLD.user_id, NEW.user_id);
END;

CREATE TRIGGER meal_records_diary_version_delete AFTER DELETE ON meal_records
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (OLD.user_id);
END;

CREATE TRIGGER meal_ingredients_diary_version_insert AFTER INSERT ON meal_ingredients
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (NEW.user_id);
END;

CREATE TRIGGER meal_ingredients_diary_version_update AFTER UPDATE ON meal_ingredients
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (OLD.user_id, NEW.user_id);
END;

CREATE TRIGGER meal_ingredients_diary_version_delete AFTER DELETE ON meal_ingredients
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (OLD.user_id);
END;

CREATE TRIGGER diets_diary_version_insert AFTER INSERT ON diets
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (NEW.user_id);
END;

CREATE TRIGGER diets_diary_version_update AFTER UPDATE ON diets
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (OLD.user_id, NEW.user_id);
END;

CREATE TRIGGER diets_diary_version_delete AFTER DELETE ON diets
BEGIN
    UPDATE diary_versions SET version = random() WHERE user_id IN (OLD.user_id);
END;

-- An ingredient's nutrients changed: the catalogue's version for a catalogue ingredient (before
-- or after the change), its owner's for a personal one.
CREATE TRIGGER ingredients_diary_versions AFTER UPDATE ON ingredients
    WHEN OLD.calories IS NOT NEW.calories OR OLD.proteins IS NOT NEW.proteins
      OR OLD.fats IS NOT NEW.fats OR OLD.carbs IS NOT NEW.carbs
      OR OLD.is_personal IS NOT NEW.is_personal OR OLD.created_by IS NOT NEW.created_by
BEGIN
    UPDATE catalogue_versions SET version = random()
        WHERE NOT OLD.is_personal OR NOT NEW.is_personal;
    UPDATE diary_versions SET version = random()
        WHERE (OLD.is_personal OR NEW.is_personal) AND user_id IN (OLD.created_by, NEW.created_by);
END;
