//! Summaries, statistics and list pages are a constant number of SQL statements however much
//! data they cover. Statements are counted from sqlx's own statement log (`sqlx::query` events) with a
//! global subscriber (SQLite runs statements on worker threads), so this file is its own test
//! binary and holds a single test: no other test's statements can be counted.

use std::sync::atomic::{AtomicUsize, Ordering};

use fithub_core::Database;
use fithub_core::accounts::{Caller, NewAccount, Passwords, User, create_user};
use fithub_core::audit::Origin;
use fithub_core::collection::Collection;
use fithub_core::datetime::Timestamp;
use fithub_core::db::{PoolSettings, query};
use fithub_core::nutrition::{KeptDiaries, diary, diary_json, records_summary};
use fithub_core::testing::TestDatabase;
use fithub_core::{goals, measurements};
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

/// Statements run by a diary of the last `days` days, with its number of records.
async fn statements_of_one_diary(db: &Database, user: &User, days: i64) -> (usize, i64) {
    let today = user.time_zone.today();
    let start = fithub_core::datetime::format_date(today - Duration::days(days - 1));
    let before = STATEMENTS.load(Ordering::SeqCst);
    let diary = diary(db, user, Some(&start), None).await.expect("diary");
    assert_eq!(diary.days.len() as i64, days);
    let records = diary.days.iter().map(|day| day.record_count).sum();
    (STATEMENTS.load(Ordering::SeqCst) - before, records)
}

/// Statements run by a year's diary as JSON through `kept`, with its number of records.
async fn statements_of_one_kept_diary(
    db: &Database,
    kept: &KeptDiaries,
    user: &User,
) -> (usize, i64) {
    let today = user.time_zone.today();
    let start = fithub_core::datetime::format_date(today - Duration::days(365));
    let before = STATEMENTS.load(Ordering::SeqCst);
    let answer = diary_json(db, kept, user, Some(&start), None)
        .await
        .expect("diary");
    let diary: serde_json::Value = serde_json::from_slice(&answer.body).expect("json");
    let days = diary["days"].as_array().expect("days");
    let records = days
        .iter()
        .map(|day| day["record_count"].as_i64().unwrap_or(0))
        .sum();
    (STATEMENTS.load(Ordering::SeqCst) - before, records)
}

/// Daily weight and weekly body fat for `days` days.
async fn add_measurements(db: &Database, user: &User, days: i64) {
    let now = Timestamp::now();
    for day in 0..days {
        let at = now - Duration::days(day);
        let mut metrics = vec![("weight_kg", 70.0 + (day % 5) as f64)];
        if day % 7 == 0 {
            metrics.push(("body_fat_percentage", 20.0));
        }
        for (metric, value) in metrics {
            query("INSERT INTO body_measurements (user_id, metric, measurement_type, value, \"timestamp\", created_at, updated_at) VALUES ($1, $2, 'log', $3, $4, $4, $4)")
                .bind(user.id)
                .bind(metric)
                .bind(value)
                .bind(at)
                .execute(db)
                .await
                .expect("measurement");
        }
    }
}

/// Statements run by `latest`, `summary`, `trends` and `progress`, each.
async fn statements_of_measurement_stats(
    db: &Database,
    user: &User,
    goal: uuid::Uuid,
) -> [usize; 4] {
    let mut counts = [0; 4];
    for (i, count) in counts.iter_mut().enumerate() {
        let before = STATEMENTS.load(Ordering::SeqCst);
        match i {
            0 => drop(
                measurements::latest_measurements(db, user, &[])
                    .await
                    .expect("latest"),
            ),
            1 => drop(
                measurements::measurement_summary(db, user)
                    .await
                    .expect("summary"),
            ),
            2 => drop(
                measurements::measurement_trends(db, user, None, Some("90"), None)
                    .await
                    .expect("trends"),
            ),
            _ => drop(
                goals::goal_progress(db, user, goal)
                    .await
                    .expect("progress"),
            ),
        }
        *count = STATEMENTS.load(Ordering::SeqCst) - before;
    }
    counts
}

#[tokio::test]
async fn statement_counts_do_not_grow_with_the_data() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(StatementCounter))
        .expect("the only subscriber of this binary");
    for test in TestDatabase::all_migrated().await {
        // One connection: a statement waits for it to come back from the previous one instead of
        // opening another, whose set-up statements would be counted.
        let settings = PoolSettings {
            max_connections: 1,
            ..PoolSettings::default()
        };
        let db = &Database::connect(test.url(), &settings)
            .await
            .expect("pool of one");
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
            .writing()
            .fetch_scalar(db)
            .await
            .expect("diet");
        let meal: i64 = query("INSERT INTO meals (user_id, diet_id, name, created_at, updated_at) VALUES ($1, $2, 'Oats', $3, $3) RETURNING id")
            .bind(user.id)
            .bind(diet)
            .bind(now)
            .writing()
            .fetch_scalar(db)
            .await
            .expect("meal");
        for calories in [100.0, 200.0, 300.0] {
            let ingredient: i64 = query("INSERT INTO ingredients (name, proteins, fats, carbs, calories, fibers, sugars, is_personal, created_at, updated_at) VALUES ('x', 1, 1, 1, $1, 0, 0, false, $2, $2) RETURNING id")
                .bind(calories)
                .bind(now)
                .writing()
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

        // The diary: two statements (the days' totals, the diets in range) for a day or a year, a
        // few records or many.
        let diaries = [1, 30, 366].map(|days| statements_of_one_diary(db, &user, days));
        let mut counts = Vec::new();
        for diary in diaries {
            counts.push(diary.await);
        }
        assert_eq!(counts[2].1, 500, "every record is within the year");
        assert!(
            counts.iter().all(|(statements, _)| *statements == 2),
            "two statements each on {:?}: {counts:?}",
            test.backend()
        );
        add_records(db, &user, meal, 500, 1500).await;
        let (after, records) = statements_of_one_diary(db, &user, 366).await;
        assert_eq!((after, records), (2, 1500), "{:?}", test.backend());

        // A kept diary: the version and the diary's two statements; then, unchanged, the version
        // alone; and after records written by plain SQL (the triggers count them), all three.
        let kept = KeptDiaries::new(1024 * 1024);
        let first = statements_of_one_kept_diary(db, &kept, &user).await;
        let again = statements_of_one_kept_diary(db, &kept, &user).await;
        add_records(db, &user, meal, 1500, 1510).await;
        let changed = statements_of_one_kept_diary(db, &kept, &user).await;
        assert_eq!(
            [first, again, changed],
            [(3, 1500), (1, 1500), (3, 1510)],
            "{:?}",
            test.backend()
        );

        // Measurements: a week of them, then two years.
        let goal: uuid::Uuid = uuid::Uuid::new_v4();
        query("INSERT INTO goals (id, user_id, goal_type, created_at, updated_at) VALUES ($1, $2, 'weight_loss', $3, $3)")
            .bind(goal)
            .bind(user.id)
            .bind(now)
            .execute(db)
            .await
            .expect("goal");
        add_measurements(db, &user, 7).await;
        let few = statements_of_measurement_stats(db, &user, goal).await;
        add_measurements(db, &user, 730).await;
        let many = statements_of_measurement_stats(db, &user, goal).await;
        assert_eq!(
            few,
            many,
            "latest, summary, trends, progress on {:?}",
            test.backend()
        );
        assert_eq!(few, [1, 1, 1, 3], "{:?}", test.backend());

        // Creating a measurement writes it and its audit row in one trip: one statement on
        // PostgreSQL (a data-modifying WITH), one atomic script on SQLite.
        let body = serde_json::json!({"measurement_type": "log", "value": 70, "timestamp": "2025-03-02T06:30:00Z"});
        let origin = Origin::default();
        let caller = Caller {
            user: &user,
            origin: &origin,
        };
        let before = STATEMENTS.load(Ordering::SeqCst);
        let created =
            measurements::Measurements::create(db, caller, body.as_object().expect("object"))
                .await
                .expect("created");
        let statements = STATEMENTS.load(Ordering::SeqCst) - before;
        assert_eq!(statements, 1, "a create on {:?}", test.backend());
        let audited: i64 = query(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'measurement.create' AND object_id = $1",
        )
        .bind(created.id.to_string())
        .fetch_scalar(db)
        .await
        .expect("audit rows");
        assert_eq!(audited, 1, "audited on {:?}", test.backend());

        // A page of a list is one statement, its total included; a page past the end needs the
        // count to say so.
        let page = |number: &str| vec![("page".to_owned(), number.to_owned())];
        let before = STATEMENTS.load(Ordering::SeqCst);
        let first = goals::Goals::list(db, &user, &page("1"))
            .await
            .expect("page");
        assert_eq!((first.count, first.results.len()), (1, 1));
        assert_eq!(
            STATEMENTS.load(Ordering::SeqCst) - before,
            1,
            "a page on {:?}",
            test.backend()
        );
        let before = STATEMENTS.load(Ordering::SeqCst);
        assert!(goals::Goals::list(db, &user, &page("2")).await.is_err());
        assert_eq!(
            STATEMENTS.load(Ordering::SeqCst) - before,
            2,
            "past the end on {:?}",
            test.backend()
        );
    }
}
