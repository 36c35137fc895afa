-- FitHub's complete schema (SQLite). migrations/postgres/V1__initial_schema.sql has the same
-- meaning in PostgreSQL's dialect; keep the two in step, and never edit an applied migration: add a
-- new version instead.
--
-- Ownership: every private row carries user_id. Meals, meal-ingredients and meal records also
-- carry it, tied to their parent by a composite foreign key, so the database itself refuses a row
-- that points at another user's diet or meal. Delete rules follow API.md §2.1.
--
-- SQLite storage conventions, so that both databases answer alike:
-- * timestamps are UTC text of fixed width, 'YYYY-MM-DDTHH:MM:SS.ffffffZ': text order is time order
--   and substr(ts, 1, 10) is the UTC calendar date;
-- * dates are 'YYYY-MM-DD', times 'HH:MM:SS.ffffff', UUIDs lower-case hyphenated text;
-- * booleans are 0/1; AUTOINCREMENT so that ids are never reused, as in PostgreSQL.

CREATE TABLE users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    username         TEXT NOT NULL,
    email            TEXT NOT NULL DEFAULT '',
    first_name       TEXT NOT NULL DEFAULT '',
    last_name        TEXT NOT NULL DEFAULT '',
    password_hash    TEXT NOT NULL,
    is_active        BOOLEAN NOT NULL DEFAULT true,
    is_staff         BOOLEAN NOT NULL DEFAULT false,
    is_superuser     BOOLEAN NOT NULL DEFAULT false,
    -- IANA zone name; every calendar computation uses UTC until per-user zones arrive (API.md §1.4).
    time_zone        TEXT NOT NULL DEFAULT 'UTC',
    -- Carried in every JWT; bumping it (password change, deactivation) ends all earlier tokens.
    token_generation INTEGER NOT NULL DEFAULT 0,
    date_joined      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    last_login       TEXT,
    CONSTRAINT users_username_key UNIQUE (username)
);
-- Emails are optional, but unique case-insensitively when given.
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email <> '';
CREATE INDEX users_date_joined_idx ON users (date_joined);

-- One row per issued refresh token: rotation marks it used (single use), reuse of a used token
-- revokes its whole family (every token descended from the same login).
CREATE TABLE refresh_tokens (
    jti        TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT
);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- At most one API token per user. The key is derived from the server secret and key_salt, and
-- only its SHA-256 is stored (see accounts/api_tokens.rs).
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_salt   TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT api_tokens_user_key UNIQUE (user_id),
    CONSTRAINT api_tokens_key_hash_key UNIQUE (key_hash)
);

-- Shared by everyone; the creator (or staff) may change it. Deleting one keeps its children and
-- ingredients, which lose the link.
CREATE TABLE categories (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    parent_id  INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT categories_not_own_parent CHECK (parent_id <> id)
);
CREATE INDEX categories_name_idx ON categories (name, id);
CREATE INDEX categories_parent_idx ON categories (parent_id);
CREATE INDEX categories_created_by_idx ON categories (created_by);

-- Nutrients per 100 g. Public (catalogue) rows have is_personal = false. A personal ingredient is
-- deleted with its owner by the account-deletion code; created_by is SET NULL so that deleting a
-- staff user never deletes the public catalogue they wrote.
CREATE TABLE ingredients (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    category_id INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    proteins    REAL NOT NULL CHECK (proteins >= 0),
    fats        REAL NOT NULL CHECK (fats >= 0),
    carbs       REAL NOT NULL CHECK (carbs >= 0),
    calories    REAL NOT NULL CHECK (calories >= 0),
    fibers      REAL NOT NULL CHECK (fibers >= 0),
    sugars      REAL NOT NULL CHECK (sugars >= 0),
    description TEXT,
    is_personal BOOLEAN NOT NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);
CREATE INDEX ingredients_public_name_idx ON ingredients (name, id) WHERE is_personal = 0;
CREATE INDEX ingredients_owner_name_idx ON ingredients (created_by, name, id);
CREATE INDEX ingredients_category_idx ON ingredients (category_id);
-- The catalogue import upserts by name within a category.
CREATE INDEX ingredients_catalogue_key_idx ON ingredients (category_id, name) WHERE is_personal = 0;

CREATE TABLE diets (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    day_proteins_g      REAL NOT NULL CHECK (day_proteins_g >= 0),
    day_fats_g          REAL NOT NULL CHECK (day_fats_g >= 0),
    day_carbohydrates_g REAL NOT NULL CHECK (day_carbohydrates_g >= 0),
    day_calories_kcal   REAL NOT NULL CHECK (day_calories_kcal >= 0),
    is_active           BOOLEAN NOT NULL DEFAULT false,
    start_date          TEXT NOT NULL,
    end_date            TEXT,
    notes               TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    -- Target of the composite keys below: a meal's owner is its diet's owner.
    CONSTRAINT diets_id_user_key UNIQUE (id, user_id),
    CONSTRAINT diets_dates_ordered CHECK (end_date IS NULL OR end_date >= start_date)
);
-- At most one active diet per user, whatever races the application loses.
CREATE UNIQUE INDEX diets_one_active_per_user ON diets (user_id) WHERE is_active = 1;
CREATE INDEX diets_user_created_idx ON diets (user_id, created_at, id);
CREATE INDEX diets_user_start_idx ON diets (user_id, start_date);

CREATE TABLE meals (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL,
    diet_id          INTEGER NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    is_scheduled     BOOLEAN NOT NULL DEFAULT false,
    start_date       TEXT,
    end_date         TEXT,
    start_time       TEXT,
    duration_minutes INTEGER NOT NULL DEFAULT 30 CHECK (duration_minutes BETWEEN 0 AND 1440),
    recurrence_type  TEXT NOT NULL DEFAULT 'none'
        CHECK (recurrence_type IN ('none', 'daily', 'weekly', 'weekday', 'weekend', 'custom')),
    recurrence_until TEXT,
    meal_type        TEXT NOT NULL DEFAULT 'regular'
        CHECK (meal_type IN ('regular', 'cheat', 'refeed', 'pre_workout', 'post_workout', 'snack')),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT meals_diet_fkey FOREIGN KEY (diet_id, user_id)
        REFERENCES diets (id, user_id) ON DELETE CASCADE,
    CONSTRAINT meals_id_user_key UNIQUE (id, user_id),
    CONSTRAINT meals_dates_ordered CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
    CONSTRAINT meals_recurrence_ordered
        CHECK (recurrence_until IS NULL OR start_date IS NULL OR recurrence_until >= start_date)
);
CREATE INDEX meals_user_created_idx ON meals (user_id, created_at, id);
CREATE INDEX meals_diet_idx ON meals (diet_id, user_id);

CREATE TABLE meal_ingredients (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL,
    meal_id       INTEGER NOT NULL,
    ingredient_id INTEGER NOT NULL REFERENCES ingredients (id) ON DELETE CASCADE,
    barcode       TEXT,
    quantity      REAL NOT NULL CHECK (quantity >= 0),
    unit          TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT meal_ingredients_meal_fkey FOREIGN KEY (meal_id, user_id)
        REFERENCES meals (id, user_id) ON DELETE CASCADE
);
-- (meal_id, ...) serves a meal's ingredient list and its nutrition summary.
CREATE INDEX meal_ingredients_meal_idx ON meal_ingredients (meal_id, created_at, id);
CREATE INDEX meal_ingredients_user_created_idx ON meal_ingredients (user_id, created_at, id);
CREATE INDEX meal_ingredients_ingredient_idx ON meal_ingredients (ingredient_id);

-- A logged meal: planned (meal_id) or ad hoc with its own name and nutrition (API.md §5.1).
CREATE TABLE meal_records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    meal_id        INTEGER,
    meal_name      TEXT,
    quantity_grams REAL CHECK (quantity_grams >= 0),
    calories       REAL CHECK (calories >= 0),
    proteins       REAL CHECK (proteins >= 0),
    carbs          REAL CHECK (carbs >= 0),
    fats           REAL CHECK (fats >= 0),
    "timestamp"    TEXT NOT NULL,
    feedback       TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    -- MATCH SIMPLE: an ad-hoc record (meal_id NULL) is not checked against meals.
    CONSTRAINT meal_records_meal_fkey FOREIGN KEY (meal_id, user_id)
        REFERENCES meals (id, user_id) ON DELETE CASCADE,
    CONSTRAINT meal_records_meal_or_name CHECK (meal_id IS NOT NULL OR trim(meal_name) <> '')
);
-- Serves the list (default -timestamp), records/today and the nutrition summary window.
CREATE INDEX meal_records_user_timestamp_idx ON meal_records (user_id, "timestamp", id);
CREATE INDEX meal_records_user_created_idx ON meal_records (user_id, created_at, id);
CREATE INDEX meal_records_meal_idx ON meal_records (meal_id, user_id);

CREATE TABLE meal_preferences (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ingredient_id   INTEGER NOT NULL REFERENCES ingredients (id) ON DELETE CASCADE,
    barcode         TEXT,
    description     TEXT,
    preference_type TEXT NOT NULL
        CHECK (preference_type IN ('love', 'like', 'dislike', 'hate', 'restriction', 'allergy')),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);
CREATE INDEX meal_preferences_user_created_idx ON meal_preferences (user_id, created_at, id);
CREATE INDEX meal_preferences_user_type_idx ON meal_preferences (user_id, preference_type, created_at);
CREATE INDEX meal_preferences_ingredient_idx ON meal_preferences (ingredient_id);

CREATE TABLE goals (
    id          TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    goal_type   TEXT NOT NULL
        CHECK (goal_type IN ('weight_loss', 'muscle_gain', 'endurance', 'strength', 'flexibility', 'general_fitness')),
    target_date TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    is_active   BOOLEAN NOT NULL DEFAULT true,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);
CREATE INDEX goals_user_created_idx ON goals (user_id, created_at);
CREATE INDEX goals_user_type_idx ON goals (user_id, goal_type, created_at);
-- upcoming / overdue: the user's active goals by target date.
CREATE INDEX goals_user_active_target_idx ON goals (user_id, target_date) WHERE is_active = 1;

CREATE TABLE body_measurements (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    metric           TEXT NOT NULL DEFAULT 'weight_kg'
        CHECK (metric IN ('weight_kg', 'waist_cm', 'hip_cm', 'neck_cm', 'arm_circumference_cm',
                          'thigh_circumference_cm', 'calf_circumference_cm', 'body_fat_percentage',
                          'muscle_mass_percentage', 'bmi_value')),
    measurement_type TEXT NOT NULL CHECK (measurement_type IN ('target', 'baseline', 'log')),
    value            REAL NOT NULL CHECK (value >= 0),
    "timestamp"      TEXT NOT NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT body_measurements_percentage_range
        CHECK (metric NOT IN ('body_fat_percentage', 'muscle_mass_percentage') OR value <= 100)
);
-- latest-per-metric, by_metric, trends and progress all walk one metric of one user in time order.
CREATE INDEX body_measurements_user_metric_time_idx ON body_measurements (user_id, metric, "timestamp", id);
CREATE INDEX body_measurements_user_time_idx ON body_measurements (user_id, "timestamp", id);

-- Who did what, kept after the actor is deleted (actor_username stays).
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    actor_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_username TEXT,
    action         TEXT NOT NULL,
    object_type    TEXT,
    object_id      TEXT,
    client_addr    TEXT,
    request_id     TEXT,
    details        TEXT
);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at);
CREATE INDEX audit_log_actor_occurred_idx ON audit_log (actor_id, occurred_at);
