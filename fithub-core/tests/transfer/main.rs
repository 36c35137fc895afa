//! Export and import, on SQLite and PostgreSQL, and between them.

use fithub_core::accounts::{Caller, NewAccount, Passwords, User, create_user, find_user};
use fithub_core::audit::Origin;
use fithub_core::collection::Collection;
use fithub_core::db::query;
use fithub_core::input::Body;
use fithub_core::testing::TestDatabase;
use fithub_core::transfer::{self, ExportScope, ImportOptions, ImportReport, OnConflict};
use fithub_core::{Database, goals, measurements, nutrition};
use serde_json::{Value, json};

fn body(value: Value) -> Body {
    value.as_object().cloned().expect("an object")
}

async fn user(db: &Database, username: &str, staff: bool) -> User {
    let account = NewAccount {
        username: username.into(),
        email: format!("{username}@example.com"),
        password: "violet-Harbor-47-kite".into(),
        is_staff: staff,
        ..NewAccount::default()
    };
    create_user(db, &Passwords::new(2), &account, &Origin::default())
        .await
        .expect("user")
}

/// A user with one of everything, on top of a small shared catalogue.
async fn populate(db: &Database, username: &str) -> User {
    let origin = Origin::default();
    let ada = user(db, username, false).await;
    let me = Caller {
        user: &ada,
        origin: &origin,
    };
    let grains = nutrition::Categories::create(db, me, &body(json!({"name": "Grains"})))
        .await
        .expect("category");
    let oats_category =
        nutrition::Categories::create(db, me, &body(json!({"name": "Oats", "parent": grains.id})))
            .await
            .expect("child category");
    let public: i64 = query(
        "INSERT INTO ingredients (name, category_id, proteins, fats, carbs, calories, fibers, \
         sugars, description, is_personal, created_at, updated_at) VALUES ('Rolled oats', $1, 13, \
         7, 68, 379, 10, 1, 'Whole grain', false, '2025-01-01T00:00:00.000000Z', \
         '2025-01-01T00:00:00.000000Z') RETURNING id",
    )
    .bind(oats_category.id)
    .writing()
    .fetch_scalar(db)
    .await
    .expect("public ingredient");
    let milk = nutrition::Ingredients::create(
        db,
        me,
        &body(json!({"name": "Milk", "proteins": 3.4, "fats": 1, "carbs": 5, "calories": 42, "fibers": 0, "sugars": 5})),
    )
    .await
    .expect("personal ingredient");
    let diet = nutrition::Diets::create(
        db,
        me,
        &body(json!({"name": "Lean bulk", "day_proteins_g": 160, "day_fats_g": 70, "day_carbohydrates_g": 300, "day_calories_kcal": 2500, "is_active": true, "end_date": "2099-01-01", "notes": "quoted \"notes\", with commas"})),
    )
    .await
    .expect("diet");
    let meal = nutrition::Meals::create(
        db,
        me,
        &body(json!({"name": "Overnight oats", "diet_id": diet.id, "start_time": "07:30", "start_date": "2025-03-02", "meal_type": "pre_workout"})),
    )
    .await
    .expect("meal");
    for (ingredient, quantity) in [(public, 80), (milk.id, 200)] {
        nutrition::add_ingredient_to_meal(
            db,
            me,
            meal.id,
            &body(json!({"ingredient_id": ingredient, "quantity": quantity, "unit": "g"})),
        )
        .await
        .expect("meal ingredient");
    }
    nutrition::Records::create(
        db,
        me,
        &body(
            json!({"meal_id": meal.id, "timestamp": "2025-03-02T07:45:00Z", "feedback": "Filling"}),
        ),
    )
    .await
    .expect("planned record");
    nutrition::Records::create(
        db,
        me,
        &body(
            json!({"meal_name": "Tacos", "calories": 520, "timestamp": "2025-03-02T12:10:00.5Z"}),
        ),
    )
    .await
    .expect("ad-hoc record");
    nutrition::Preferences::create(
        db,
        me,
        &body(json!({"ingredient_id": public, "preference_type": "love", "description": "staple"})),
    )
    .await
    .expect("preference");
    goals::Goals::create(
        db,
        me,
        &body(json!({"goal_type": "muscle_gain", "target_date": "2099-06-01", "notes": "+4 kg"})),
    )
    .await
    .expect("goal");
    for (metric, value, at) in [
        ("weight_kg", 72.5, "2025-02-20T06:15:00Z"),
        ("body_fat_percentage", 21.0, "2025-03-02T06:30:00Z"),
    ] {
        measurements::Measurements::create(
            db,
            me,
            &body(json!({"metric": metric, "measurement_type": "log", "value": value, "timestamp": at})),
        )
        .await
        .expect("measurement");
    }
    ada
}

async fn export_all(db: &Database) -> String {
    let mut out = Vec::new();
    transfer::export(db, &ExportScope::All, &mut out, |_| {})
        .await
        .expect("export");
    String::from_utf8(out).expect("utf-8")
}

async fn import(
    db: &Database,
    archive: &str,
    on_conflict: OnConflict,
) -> fithub_core::Result<ImportReport> {
    // These are restores of an instance's own backups: trusted.
    let options = ImportOptions {
        on_conflict,
        dry_run: false,
        trust_credentials: true,
    };
    transfer::import(db, archive.as_bytes(), options, |_| {}).await
}

/// The data lines: everything but the header, which says when it was written.
fn data_lines(archive: &str) -> Vec<&str> {
    archive.lines().skip(1).collect()
}

async fn count(db: &Database, table: &str) -> i64 {
    let mut sql = fithub_core::db::Query::builder();
    sql.push("SELECT COUNT(*) FROM ").push(table);
    sql.fetch_scalar(db).await.expect("count")
}

#[tokio::test]
async fn a_database_survives_a_round_trip_through_the_other_backend() {
    let source = TestDatabase::sqlite_migrated().await;
    populate(source.database(), "ada").await;
    user(source.database(), "bob", true).await;
    let first = export_all(source.database()).await;
    let lines = data_lines(&first);
    assert!(lines.len() >= 16, "{first}");
    assert!(
        first
            .lines()
            .next()
            .unwrap_or_default()
            .contains(r#""type":"header""#)
    );
    let end = format!(
        r#"{{"type":"end","data":{{"records":{}}}}}"#,
        lines.len() - 1
    );
    assert_eq!(lines.last().copied(), Some(end.as_str()));

    // SQLite -> PostgreSQL (when configured; else another SQLite) -> SQLite.
    let middle = match TestDatabase::postgres_migrated().await {
        Some(postgres) => postgres,
        None => TestDatabase::sqlite_migrated().await,
    };
    let report = import(middle.database(), &first, OnConflict::Fail)
        .await
        .expect("import");
    assert_eq!(report.created["user"], 2);
    assert_eq!(report.created["body_measurement"], 2);
    let second = export_all(middle.database()).await;
    assert_eq!(
        data_lines(&first),
        data_lines(&second),
        "{:?}",
        middle.backend()
    );

    let back = TestDatabase::sqlite_migrated().await;
    import(back.database(), &second, OnConflict::Fail)
        .await
        .expect("import back");
    let third = export_all(back.database()).await;
    assert_eq!(data_lines(&first), data_lines(&third));

    // The restored data works: ada logs in with her password, her summaries add up.
    let ada = find_user(back.database(), "ada").await.expect("ada");
    let meals = nutrition::Meals::list(back.database(), &ada, &[])
        .await
        .expect("meals");
    let summary = nutrition::meal_summary(back.database(), &ada, meals.results[0].id)
        .await
        .expect("summary");
    assert!((summary.total_calories.0 - 387.2).abs() < 1e-9);
    let credentials = body(json!({"username": "ada", "password": "violet-Harbor-47-kite"}));
    let auth = fithub_core::accounts::Auth::new(
        &fithub_core::config::Secret::new("s".repeat(32)),
        &fithub_core::Config::default(),
        Passwords::new(1),
    );
    fithub_core::accounts::obtain_token_pair(
        back.database(),
        &auth,
        &credentials,
        &Origin::default(),
    )
    .await
    .expect("the password hash came along");
    // New rows after a restore do not collide with restored ids.
    let origin = Origin::default();
    let me = Caller {
        user: &ada,
        origin: &origin,
    };
    nutrition::Diets::create(
        back.database(),
        me,
        &body(json!({"name": "After", "day_proteins_g": 1, "day_fats_g": 1, "day_carbohydrates_g": 1, "day_calories_kcal": 1})),
    )
    .await
    .expect("a new diet gets a fresh id");
}

#[tokio::test]
async fn a_bad_last_line_stops_the_import_and_writes_nothing() {
    for test in TestDatabase::all_migrated().await {
        let source = TestDatabase::sqlite_migrated().await;
        let ada = populate(source.database(), "ada").await;
        // A large archive: a thousand measurements more.
        let origin = Origin::default();
        let me = Caller {
            user: &ada,
            origin: &origin,
        };
        let items: Vec<Value> = (0..1000)
            .map(|i| json!({"measurement_type": "log", "value": 70 + i % 10, "timestamp": format!("2024-01-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60)}))
            .collect();
        measurements::bulk_create_measurements(
            source.database(),
            me,
            &json!({"measurements": items}),
        )
        .await
        .expect("bulk");
        let archive = export_all(source.database()).await;
        let mut lines: Vec<String> = archive.lines().map(str::to_owned).collect();
        let last_data = lines.len() - 2;
        lines[last_data] = lines[last_data].replace(r#""value":"#, r#""value":-"#);
        let broken = lines.join("\n") + "\n";

        let error = import(test.database(), &broken, OnConflict::Fail)
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "line {}: body_measurement: value must be",
                last_data + 1
            )),
            "{message}"
        );
        for table in [
            "users",
            "categories",
            "ingredients",
            "diets",
            "body_measurements",
        ] {
            assert_eq!(
                count(test.database(), table).await,
                0,
                "{table} on {:?}",
                test.backend()
            );
        }

        // Cut off before its end line: refused, nothing written.
        let truncated: String = archive
            .lines()
            .take(10)
            .map(|line| format!("{line}\n"))
            .collect();
        let error = import(test.database(), &truncated, OnConflict::Fail)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("truncated"), "{error}");
        assert_eq!(count(test.database(), "users").await, 0);

        let error = import(test.database(), "{\"type\":\"user\"}\n", OnConflict::Fail)
            .await
            .unwrap_err();
        assert!(error.to_string().starts_with("line 1: "), "{error}");
    }
}

#[tokio::test]
async fn importing_twice_with_skip_changes_nothing() {
    for test in TestDatabase::all_migrated().await {
        let source = TestDatabase::sqlite_migrated().await;
        populate(source.database(), "ada").await;
        let archive = export_all(source.database()).await;
        import(test.database(), &archive, OnConflict::Fail)
            .await
            .expect("first import");
        let before = export_all(test.database()).await;

        let error = import(test.database(), &archive, OnConflict::Fail)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 2: user: user \"ada\" exists already; --on-conflict skip keeps it, update overwrites it"
        );

        let report = import(test.database(), &archive, OnConflict::Skip)
            .await
            .expect("skip");
        assert!(
            report.created.is_empty(),
            "{report:?} on {:?}",
            test.backend()
        );
        assert_eq!(report.skipped["user"], 1);
        assert_eq!(report.skipped["body_measurement"], 2);
        assert_eq!(report.matched["category"], 2);
        let after = export_all(test.database()).await;
        assert_eq!(data_lines(&before), data_lines(&after));

        // update overwrites with the archive's values.
        query("UPDATE body_measurements SET value = 99")
            .execute(test.database())
            .await
            .expect("change");
        let report = import(test.database(), &archive, OnConflict::Update)
            .await
            .expect("update");
        assert_eq!(report.updated["body_measurement"], 2);
        assert_eq!(
            data_lines(&export_all(test.database()).await),
            data_lines(&before)
        );
    }
}

mod moves;
