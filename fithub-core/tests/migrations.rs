//! Store tests for the schema and its migrations, on SQLite and (when configured) PostgreSQL.

use fithub_core::Database;
use fithub_core::db::migrations::{self, MigrationState};
use fithub_core::testing::TestDatabase;

/// Runs fixture SQL (several statements) the same way on either backend.
async fn execute(db: &Database, sql: &'static str) -> Result<(), sqlx::Error> {
    match db {
        Database::Postgres(pool) => sqlx::raw_sql(sql).execute(pool.primary()).await.map(drop),
        Database::Sqlite(pools) => sqlx::raw_sql(sql).execute(pools.writer()).await.map(drop),
    }
}

async fn count(db: &Database, sql: &'static str) -> i64 {
    match db {
        Database::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool.primary()).await,
        Database::Sqlite(pools) => sqlx::query_scalar(sql).fetch_one(pools.writer()).await,
    }
    .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

const TWO_USERS: &str = "
    INSERT INTO users (id, username, password_hash) VALUES (1, 'ada', 'x'), (2, 'bob', 'x');
    INSERT INTO diets (id, user_id, name, day_proteins_g, day_fats_g, day_carbohydrates_g,
                       day_calories_kcal, start_date)
    VALUES (10, 1, 'Cut', 150, 60, 200, 1900, '2025-01-01'),
           (20, 2, 'Bulk', 180, 80, 300, 2800, '2025-01-01');
    INSERT INTO meals (id, user_id, diet_id, name) VALUES (100, 1, 10, 'Oats'), (200, 2, 20, 'Rice');
";

#[tokio::test]
async fn migrate_applies_every_migration_once() {
    for test in TestDatabase::all_empty().await {
        let db = test.database();
        let before = migrations::status(db).await.expect("status");
        assert!(!before.is_empty());
        assert!(
            before.iter().all(|s| s.state == MigrationState::Pending),
            "{:?}",
            test.backend()
        );
        assert!(!migrations::is_current(&before));

        let applied = migrations::migrate(db).await.expect("migrate");
        assert_eq!(applied.len(), before.len(), "{:?}", test.backend());
        assert_eq!(applied[0].version, 1);
        assert_eq!(applied[0].name, "initial_schema");

        let after = migrations::status(db).await.expect("status");
        assert!(
            after
                .iter()
                .all(|s| s.state == MigrationState::Applied && s.applied_on.is_some())
        );
        assert!(migrations::is_current(&after));

        let again = migrations::migrate(db).await.expect("second migrate");
        assert!(
            again.is_empty(),
            "a second run applies nothing on {:?}",
            test.backend()
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM refinery_schema_history").await,
            after.len() as i64
        );
    }
}

#[tokio::test]
async fn concurrent_runs_apply_each_migration_exactly_once() {
    for test in TestDatabase::all_empty().await {
        let runs = (0..4).map(|_| {
            let db = test.database().clone();
            tokio::spawn(async move { migrations::migrate(&db).await })
        });
        let mut applied_total = 0;
        for run in runs {
            let applied = run.await.expect("task").unwrap_or_else(|error| {
                panic!("concurrent migrate failed on {:?}: {error}", test.backend())
            });
            applied_total += applied.len();
        }
        let known = migrations::known_migrations(test.database()).len();
        assert_eq!(applied_total, known, "{:?}", test.backend());
        assert_eq!(
            count(
                test.database(),
                "SELECT COUNT(*) FROM refinery_schema_history"
            )
            .await,
            known as i64
        );
    }
}

#[tokio::test]
async fn an_unknown_applied_migration_does_not_make_the_schema_stale() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        execute(
            db,
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (9999, 'from_a_newer_release', '2030-01-01T00:00:00Z', '1')",
        )
        .await
        .expect("insert");
        let statuses = migrations::status(db).await.expect("status");
        let last = statuses.last().expect("rows");
        assert_eq!((last.version, last.state), (9999, MigrationState::Unknown));
        assert!(migrations::is_current(&statuses));
    }
}

#[tokio::test]
async fn an_edited_migration_is_reported_divergent() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        execute(
            db,
            "UPDATE refinery_schema_history SET checksum = '12345' WHERE version = 1",
        )
        .await
        .expect("update");
        let statuses = migrations::status(db).await.expect("status");
        assert_eq!(statuses[0].state, MigrationState::Divergent);
        assert!(!migrations::is_current(&statuses));
        assert!(
            migrations::migrate(db).await.is_err(),
            "refuses to run past a divergent file"
        );
    }
}

#[tokio::test]
async fn at_most_one_active_diet_per_user() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        execute(db, TWO_USERS).await.expect("fixtures");
        execute(db, "UPDATE diets SET is_active = true WHERE id = 10")
            .await
            .expect("first active");
        execute(
            db,
            "INSERT INTO diets (user_id, name, day_proteins_g, day_fats_g, day_carbohydrates_g,
                                day_calories_kcal, start_date, is_active)
             VALUES (2, 'Other user active', 1, 1, 1, 1, '2025-01-01', true)",
        )
        .await
        .expect("another user's active diet is independent");
        let second = execute(
            db,
            "INSERT INTO diets (user_id, name, day_proteins_g, day_fats_g, day_carbohydrates_g,
                                day_calories_kcal, start_date, is_active)
             VALUES (1, 'Second active', 1, 1, 1, 1, '2025-01-01', true)",
        )
        .await;
        assert!(
            second.is_err(),
            "a second active diet is refused on {:?}",
            test.backend()
        );
    }
}

#[tokio::test]
async fn a_record_cannot_point_at_another_users_meal() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        execute(db, TWO_USERS).await.expect("fixtures");
        execute(db, "INSERT INTO meal_records (user_id, meal_id, \"timestamp\") VALUES (1, 100, '2025-03-02T12:00:00Z')")
            .await
            .expect("own meal");
        let foreign = execute(
            db,
            "INSERT INTO meal_records (user_id, meal_id, \"timestamp\") VALUES (1, 200, '2025-03-02T12:00:00Z')",
        )
        .await;
        assert!(foreign.is_err(), "{:?}", test.backend());
        let nameless = execute(
            db,
            "INSERT INTO meal_records (user_id, meal_name, \"timestamp\") VALUES (1, '  ', '2025-03-02T12:00:00Z')",
        )
        .await;
        assert!(
            nameless.is_err(),
            "a record needs a meal or a name on {:?}",
            test.backend()
        );
    }
}

#[tokio::test]
async fn delete_rules_follow_the_contract() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        execute(db, TWO_USERS).await.expect("fixtures");
        execute(
            db,
            "INSERT INTO categories (id, name, created_by) VALUES (1, 'Grains', 1);
             INSERT INTO categories (id, name, parent_id) VALUES (2, 'Oats', 1);
             INSERT INTO ingredients (id, name, category_id, proteins, fats, carbs, calories, fibers, sugars, is_personal, created_by)
             VALUES (1, 'Rolled oats', 2, 13, 7, 68, 379, 10, 1, false, NULL);
             INSERT INTO meal_ingredients (user_id, meal_id, ingredient_id, quantity, unit) VALUES (1, 100, 1, 80, 'g');
             INSERT INTO meal_records (user_id, meal_id, \"timestamp\") VALUES (1, 100, '2025-03-02T07:45:00Z');
             INSERT INTO meal_preferences (user_id, ingredient_id, preference_type) VALUES (1, 1, 'love');
             INSERT INTO goals (id, user_id, goal_type) VALUES ('6f1c2f0e-3b7a-4d55-9a51-0c7e2b9d4a11', 1, 'strength');
             INSERT INTO body_measurements (user_id, measurement_type, value, \"timestamp\") VALUES (1, 'log', 72.5, '2025-03-02T06:30:00Z');",
        )
        .await
        .expect("fixtures");

        // A category's deletion keeps its children and ingredients, unlinked.
        execute(db, "DELETE FROM categories WHERE id = 2")
            .await
            .expect("delete category");
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM ingredients WHERE category_id IS NULL"
            )
            .await,
            1
        );
        execute(db, "DELETE FROM categories WHERE id = 1")
            .await
            .expect("delete parent");

        // A meal's deletion takes its meal-ingredients and records.
        execute(db, "DELETE FROM meals WHERE id = 100")
            .await
            .expect("delete meal");
        assert_eq!(count(db, "SELECT COUNT(*) FROM meal_ingredients").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM meal_records").await, 0);

        // A user's deletion takes everything they own, but not the public catalogue.
        execute(db, "DELETE FROM users WHERE id = 1")
            .await
            .expect("delete user");
        for table in [
            "SELECT COUNT(*) FROM diets WHERE user_id = 1",
            "SELECT COUNT(*) FROM meal_preferences",
            "SELECT COUNT(*) FROM goals",
            "SELECT COUNT(*) FROM body_measurements",
        ] {
            assert_eq!(count(db, table).await, 0, "{table} on {:?}", test.backend());
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM ingredients").await, 1);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM diets").await,
            1,
            "bob's diet stays"
        );
    }
}

#[tokio::test]
async fn emails_are_unique_case_insensitively_but_may_be_empty() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        execute(db, "INSERT INTO users (username, email, password_hash) VALUES ('a', '', 'x'), ('b', '', 'x')")
            .await
            .expect("empty emails do not clash");
        execute(db, "INSERT INTO users (username, email, password_hash) VALUES ('c', 'Ada@Example.com', 'x')")
            .await
            .expect("first email");
        let clash =
            execute(db, "INSERT INTO users (username, email, password_hash) VALUES ('d', 'ada@example.COM', 'x')")
                .await;
        assert!(clash.is_err(), "{:?}", test.backend());
    }
}
