//! The records summary is a constant number of SQL statements however many records and
//! ingredients it covers. Statements are counted from sqlx's own statement log (`sqlx::query`
//! events), with a global subscriber: SQLite runs statements on worker threads. This file is its
//! own test binary so that no other test's statements are counted.

use std::sync::atomic::{AtomicUsize, Ordering};

use fithub_core::Database;
use fithub_core::accounts::{NewAccount, Passwords, User, create_user};
use fithub_core::audit::Origin;
use fithub_core::datetime::Timestamp;
use fithub_core::db::query;
use fithub_core::nutrition::records_summary;
use fithub_core::testing::TestDatabase;
use time::Duration;
use tracing_subscriber::layer::{Context, SubscriberExt};

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

/// Counts every statement sqlx runs.
struct StatementCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for StatementCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A meal of three ingredients, and `records` records over the last week: two in three of them
/// of the meal, the others ad hoc.
async fn add_records(db: &Database, user: &User, meal_id: i64, from: usize, to: usize) {
    for i in from..to {
        let at = Timestamp::now() - Duration::hours((i % 150) as i64);
        let statement = if i % 3 == 2 {
            query("INSERT INTO meal_records (user_id, meal_name, calories, \"timestamp\", created_at, updated_at) VALUES ($1, 'Snack', 100, $2, $2, $2)")
                .bind(user.id)
                .bind(at)
        } else {
            query("INSERT INTO meal_records (user_id, meal_id, \"timestamp\", created_at, updated_at) VALUES ($1, $3, $2, $2, $2)")
                .bind(user.id)
                .bind(at)
                .bind(meal_id)
        };
        statement.execute(db).await.expect("record");
    }
}

async fn statements_of_one_summary(db: &Database, user: &User) -> (usize, i64) {
    let before = STATEMENTS.load(Ordering::SeqCst);
    let summary = records_summary(db, user, Some("7")).await.expect("summary");
    (
        STATEMENTS.load(Ordering::SeqCst) - before,
        summary.record_count,
    )
}

#[tokio::test]
async fn the_records_summary_runs_the_same_statements_for_10_and_500_records() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(StatementCounter))
        .expect("the only subscriber of this binary");
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let account = NewAccount {
            username: "ada".into(),
            password: "violet-Harbor-47-kite".into(),
            ..NewAccount::default()
        };
        let user = create_user(db, &Passwords::new(1), &account, &Origin::default())
            .await
            .expect("user");
        let now = Timestamp::now();
        let diet: i64 = query("INSERT INTO diets (user_id, name, day_proteins_g, day_fats_g, day_carbohydrates_g, day_calories_kcal, start_date, created_at, updated_at) VALUES ($1, 'Cut', 1, 1, 1, 1, '2025-01-01', $2, $2) RETURNING id")
            .bind(user.id)
            .bind(now)
            .fetch_scalar(db)
            .await
            .expect("diet");
        let meal: i64 = query("INSERT INTO meals (user_id, diet_id, name, created_at, updated_at) VALUES ($1, $2, 'Oats', $3, $3) RETURNING id")
            .bind(user.id)
            .bind(diet)
            .bind(now)
            .fetch_scalar(db)
            .await
            .expect("meal");
        for calories in [100.0, 200.0, 300.0] {
            let ingredient: i64 = query("INSERT INTO ingredients (name, proteins, fats, carbs, calories, fibers, sugars, is_personal, created_at, updated_at) VALUES ('x', 1, 1, 1, $1, 0, 0, false, $2, $2) RETURNING id")
                .bind(calories)
                .bind(now)
                .fetch_scalar(db)
                .await
                .expect("ingredient");
            query("INSERT INTO meal_ingredients (user_id, meal_id, ingredient_id, quantity, unit, created_at, updated_at) VALUES ($1, $2, $3, 50, 'g', $4, $4)")
                .bind(user.id)
                .bind(meal)
                .bind(ingredient)
                .bind(now)
                .execute(db)
                .await
                .expect("meal ingredient");
        }

        add_records(db, &user, meal, 0, 10).await;
        // A first call warms the pool: opening a connection runs statements of its own.
        statements_of_one_summary(db, &user).await;
        let (with_10, count_10) = statements_of_one_summary(db, &user).await;
        add_records(db, &user, meal, 10, 500).await;
        let (with_500, count_500) = statements_of_one_summary(db, &user).await;

        assert_eq!((count_10, count_500), (10, 500), "{:?}", test.backend());
        assert_eq!(with_10, with_500, "{:?}", test.backend());
        assert_eq!(with_10, 1, "one statement on {:?}", test.backend());
    }
}
