//! Archives that move between instances: taken ids, the shared catalogue, statistics, counts,
//! time zones.

use super::*;

#[tokio::test]
async fn a_users_archive_moves_into_an_instance_whose_ids_are_taken() {
    for target in TestDatabase::all_migrated().await {
        let source = TestDatabase::sqlite_migrated().await;
        let ada = populate(source.database(), "ada").await;
        populate(source.database(), "carol").await; // not in the archive
        let mut archive = Vec::new();
        transfer::export(
            source.database(),
            &ExportScope::Users(vec![ada.clone()]),
            &mut archive,
            |_| {},
        )
        .await
        .expect("export");
        let archive = String::from_utf8(archive).expect("utf-8");
        assert!(
            archive.contains(r#""scope":{"kind":"users","usernames":["ada"]}"#),
            "{archive}"
        );
        assert!(!archive.contains("carol"), "only ada's data");

        // The target has its own users and data in the ids ada's rows had.
        let bob = populate(target.database(), "bob").await;
        let report = import(target.database(), &archive, OnConflict::Fail)
            .await
            .expect("import");
        assert_eq!(report.created["user"], 1);
        assert_eq!(report.created["diet"], 1);
        assert_eq!(
            report.matched["ingredient"], 1,
            "the catalogue's oats are reused"
        );
        assert_eq!(report.matched["category"], 2);

        let moved = find_user(target.database(), "ada").await.expect("ada");
        assert_ne!(moved.id, ada.id, "a new id: {} was taken", ada.id);
        let meals = nutrition::Meals::list(target.database(), &moved, &[])
            .await
            .expect("meals");
        assert_eq!(meals.count, 1);
        assert_eq!(meals.results[0].diet.user.username, "ada");
        let summary = nutrition::meal_summary(target.database(), &moved, meals.results[0].id)
            .await
            .expect("summary");
        assert!(
            (summary.total_calories.0 - 387.2).abs() < 1e-9,
            "relationships kept"
        );
        let records = nutrition::Records::list(target.database(), &moved, &[])
            .await
            .expect("records");
        assert_eq!(records.count, 2);
        assert!(
            records
                .results
                .iter()
                .any(|r| r.meal.as_ref().map(|m| m.id) == Some(meals.results[0].id))
        );
        // Bob's data is untouched, and his diet is still active beside ada's.
        assert_eq!(
            nutrition::Diets::list(target.database(), &bob, &[])
                .await
                .expect("diets")
                .count,
            1
        );
        assert!(
            nutrition::active_diet(target.database(), &bob)
                .await
                .expect("active")
                .is_some()
        );
        assert!(
            nutrition::active_diet(target.database(), &moved)
                .await
                .expect("active")
                .is_some()
        );

        // A second target that already has an "ada": the clash is named, not guessed.
        let other = TestDatabase::sqlite_migrated().await;
        user(other.database(), "ada", false).await;
        let error = import(other.database(), &archive, OnConflict::Fail)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("user \"ada\" exists already"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn the_catalogue_upserts_by_name_within_a_category() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let csv = "name,category,calories,proteins,fats,carbs,fibers,sugars,description\n\
                   Rolled oats,Grains,379,13,7,68,10,1,Whole grain\n\
                   Brown rice,Grains,370,7.9,2.9,77,3.5,0.9,\n\
                   Apple,,52,0.3,0.2,14,2.4,10,\n\
                   Bad,Grains,-5,1,1,1,1,1,\n\
                   Worse,Grains,lots,1,1,1,1,1,\n";
        let report = transfer::import_catalogue(db, csv.as_bytes(), false)
            .await
            .expect("catalogue");
        assert_eq!(
            (report.created, report.updated, report.unchanged),
            (3, 0, 0)
        );
        assert_eq!(report.categories_created, 1);
        assert_eq!(report.rejected.len(), 2);
        assert_eq!(report.rejected[0].0, 5);
        assert!(
            report.rejected[0].1.contains("calories"),
            "{:?}",
            report.rejected
        );
        assert_eq!(report.rejected[1].0, 6);
        assert!(
            report.rejected[1].1.contains("calories"),
            "{:?}",
            report.rejected
        );

        let again = "name,category,calories,proteins,fats,carbs,fibers,sugars\n\
                     Rolled oats,Grains,380,13,7,68,10,1\n\
                     Brown rice,Grains,370,7.9,2.9,77,3.5,0.9\n";
        let report = transfer::import_catalogue(db, again.as_bytes(), false)
            .await
            .expect("again");
        assert_eq!(
            (report.created, report.updated, report.unchanged),
            (0, 1, 1),
            "{report:?}"
        );
        assert_eq!(count(db, "ingredients").await, 3);
        let public: i64 = query("SELECT COUNT(*) FROM ingredients WHERE NOT is_personal")
            .fetch_scalar(db)
            .await
            .expect("count");
        assert_eq!(public, 3);

        // A row that does not fit the header is rejected by its line; the rest still counts.
        let report = transfer::import_catalogue(db, b"name\n1,2\n", false)
            .await
            .expect("read");
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].0, 2);
    }
}

#[tokio::test]
async fn an_import_into_postgres_leaves_the_planner_fresh_statistics() {
    let Some(target) = TestDatabase::postgres_migrated().await else {
        return; // PostgreSQL only; CI always sets FITHUB_TEST_DATABASE_URL.
    };
    let source = TestDatabase::sqlite_migrated().await;
    populate(source.database(), "ada").await;
    import(
        target.database(),
        &export_all(source.database()).await,
        OnConflict::Fail,
    )
    .await
    .expect("import");
    // reltuples is -1 until a table is first analysed, and ANALYZE sets it in its transaction.
    let analysed: Vec<(String, f32)> = query(
        "SELECT relname::text, reltuples FROM pg_class \
         WHERE relname IN ('users', 'ingredients', 'body_measurements') ORDER BY relname",
    )
    .fetch_all(target.database())
    .await
    .expect("pg_class");
    assert_eq!(analysed.len(), 3);
    for (table, rows) in analysed {
        assert!(rows >= 1.0, "{table} has statistics: reltuples = {rows}");
    }
}

#[tokio::test]
async fn count_is_the_number_of_records_an_export_writes() {
    for database in TestDatabase::all_migrated().await {
        let db = database.database();
        let ada = populate(db, "ada").await;
        populate(db, "carol").await;
        let all = export_all(db).await;
        let counted = transfer::count(db, &ExportScope::All).await.expect("count");
        assert_eq!(
            counted as usize,
            data_lines(&all).len() - 1,
            "{:?}",
            database.backend()
        );

        let scope = ExportScope::Users(vec![ada]);
        let mut archive = Vec::new();
        transfer::export(db, &scope, &mut archive, |_| {})
            .await
            .expect("export");
        let archive = String::from_utf8(archive).expect("utf-8");
        let counted = transfer::count(db, &scope).await.expect("count");
        assert_eq!(counted as usize, data_lines(&archive).len() - 1);
        assert!(
            counted < data_lines(&all).len() as u64 - 1,
            "ada's records only"
        );
    }
}

#[tokio::test]
async fn time_zones_travel_with_their_users_and_older_archives_mean_utc() {
    for target in TestDatabase::all_migrated().await {
        let source = TestDatabase::sqlite_migrated().await;
        let account = NewAccount {
            username: "ny".into(),
            password: "violet-Harbor-47-kite".into(),
            time_zone: fithub_core::calendar::Zone::named("America/New_York").expect("zone"),
            ..NewAccount::default()
        };
        create_user(
            source.database(),
            &Passwords::new(1),
            &account,
            &Origin::default(),
        )
        .await
        .expect("user");
        let archive = export_all(source.database()).await;
        let key = r#","time_zone":"America/New_York""#;
        assert!(archive.contains(key), "{archive}");

        // An archive from before time zones has no key: its users are in UTC.
        let older = archive.replace(key, "");
        import(target.database(), &older, OnConflict::Fail)
            .await
            .expect("import");
        let imported = find_user(target.database(), "ny").await.expect("ny");
        assert_eq!(imported.time_zone.name(), "UTC", "{:?}", target.backend());

        // Updating from the current archive brings the zone; a name no zone has is refused.
        import(target.database(), &archive, OnConflict::Update)
            .await
            .expect("update");
        let updated = find_user(target.database(), "ny").await.expect("ny");
        assert_eq!(updated.time_zone.name(), "America/New_York");
        let unknown = archive.replace("America/New_York", "America/Atlantis");
        assert!(
            import(target.database(), &unknown, OnConflict::Update)
                .await
                .is_err()
        );
    }
}
