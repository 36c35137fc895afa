//! Store tests for accounts: what operators do, and what deleting a user takes with it. On SQLite
//! and (when configured) PostgreSQL.

use fithub_core::accounts::{
    self, Auth, NewAccount, Passwords, RoleChange, UserFilter, authenticate,
};
use fithub_core::audit::{self, AuditFilter, Origin};
use fithub_core::config::{Config, Secret};
use std::time::Duration;

use fithub_core::db::{Backend, PoolSettings, Transaction, query};
use fithub_core::input::{Body, Mode};
use fithub_core::testing::TestDatabase;
use fithub_core::{Database, Error};

const PASSWORD: &str = "violet-Harbor-47-kite";

fn auth() -> Auth {
    Auth::new(
        &Secret::new("s".repeat(32)),
        &Config::default(),
        Passwords::new(2),
    )
}

fn passwords() -> Passwords {
    Passwords::new(2)
}

fn operator() -> Origin {
    Origin {
        operator: Some("cli:test".into()),
        ..Origin::default()
    }
}

fn account(username: &str) -> NewAccount {
    NewAccount {
        username: username.into(),
        email: format!("{username}@example.com"),
        password: PASSWORD.into(),
        ..NewAccount::default()
    }
}

/// ada's username and password, as a login request's body.
fn ada_login() -> Body {
    serde_json::json!({"username": "ada", "password": PASSWORD})
        .as_object()
        .cloned()
        .expect("object")
}

/// An `Authorization` header with a fresh access token of ada's.
async fn ada_bearer(db: &Database, auth: &Auth) -> String {
    let pair = accounts::obtain_token_pair(db, auth, &ada_login(), &Origin::default())
        .await
        .expect("login");
    format!("Bearer {}", pair.access)
}

async fn count(db: &Database, sql: &'static str) -> i64 {
    query(sql).fetch_scalar(db).await.expect(sql)
}

#[tokio::test]
async fn created_users_pass_registration_rules_and_are_audited() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let staff = NewAccount {
            is_staff: true,
            ..account("ada")
        };
        let user = accounts::create_user(db, &passwords(), &staff, &operator())
            .await
            .expect("created");
        assert!(user.is_staff && !user.is_superuser);
        assert_eq!(user.roles(), ["user", "staff"]);

        let duplicate = NewAccount {
            email: "ADA@example.com".into(),
            password: "12345678".into(),
            ..account("ada")
        };
        match accounts::create_user(db, &passwords(), &duplicate, &operator()).await {
            Err(Error::Validation(errors)) => {
                assert_eq!(
                    errors["username"],
                    ["A user with that username already exists."]
                );
                assert_eq!(errors["email"], ["A user with this email already exists."]);
                assert!(
                    !errors.contains_key("password"),
                    "rules wait for the other keys"
                );
            }
            other => panic!("{other:?}"),
        }
        match accounts::create_user(
            db,
            &passwords(),
            &NewAccount {
                password: "12345678".into(),
                ..account("bob")
            },
            &operator(),
        )
        .await
        {
            Err(Error::Validation(errors)) => assert_eq!(
                errors["password"],
                [
                    "This password is too common.",
                    "This password is entirely numeric."
                ]
            ),
            other => panic!("{other:?}"),
        }

        let rows = audit::list(db, &AuditFilter::default())
            .await
            .expect("audit");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].action, "user.create");
        assert_eq!(rows[0].actor_username.as_deref(), Some("cli:test"));
        assert_eq!(rows[0].object_id, Some(user.id.to_string()));
    }
}

#[tokio::test]
async fn users_are_found_by_id_username_or_email() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let ada = accounts::create_user(db, &passwords(), &account("ada"), &operator())
            .await
            .expect("ada");
        for who in [ada.id.to_string(), "ada".into(), "ADA@Example.com".into()] {
            let found = accounts::find_user(db, &who).await.expect("found");
            assert_eq!(found.id, ada.id, "{who}");
        }
        assert!(matches!(
            accounts::find_user(db, "nobody").await,
            Err(Error::NotFound("User"))
        ));
    }
}

#[tokio::test]
async fn listing_filters_by_state_role_and_search() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let auth = auth();
        let ada = accounts::create_user(
            db,
            &auth.passwords,
            &NewAccount {
                first_name: "Ada".into(),
                ..account("ada")
            },
            &operator(),
        )
        .await
        .expect("ada");
        let bob = accounts::create_user(db, &auth.passwords, &account("bob"), &operator())
            .await
            .expect("bob");
        accounts::create_user(
            db,
            &auth.passwords,
            &NewAccount {
                last_name: "Fifty_50%".into(),
                ..account("carol")
            },
            &operator(),
        )
        .await
        .expect("carol");
        accounts::set_roles(
            db,
            &bob,
            RoleChange {
                superuser: Some(true),
                ..RoleChange::default()
            },
            &operator(),
        )
        .await
        .expect("roles");
        accounts::set_active(db, &ada, false, &operator())
            .await
            .expect("deactivate");

        let names = |users: Vec<accounts::User>| -> Vec<String> {
            users.into_iter().map(|user| user.username).collect()
        };
        let all = accounts::list_users(db, &UserFilter::default())
            .await
            .expect("list");
        assert_eq!(names(all), ["ada", "bob", "carol"]);
        let active = UserFilter {
            active: Some(true),
            ..UserFilter::default()
        };
        assert_eq!(
            names(accounts::list_users(db, &active).await.expect("list")),
            ["bob", "carol"]
        );
        let staff = UserFilter {
            staff: Some(true),
            ..UserFilter::default()
        };
        assert_eq!(
            names(accounts::list_users(db, &staff).await.expect("list")),
            ["bob"],
            "superusers have staff rights"
        );
        for (search, expected) in [
            ("ADA", vec!["ada"]),
            ("50%", vec!["carol"]),
            ("%", vec!["carol"]),
            ("y_5", vec!["carol"]),
            ("a_a", vec![]),
        ] {
            let filter = UserFilter {
                search: Some(search.into()),
                ..UserFilter::default()
            };
            assert_eq!(
                names(accounts::list_users(db, &filter).await.expect("list")),
                expected,
                "{search} on {:?}",
                test.backend()
            );
        }
    }
}

#[tokio::test]
async fn deactivation_and_password_resets_revoke_tokens() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let auth = auth();
        let ada = accounts::create_user(db, &auth.passwords, &account("ada"), &operator())
            .await
            .expect("ada");
        let login = ada_login();
        let bearer = ada_bearer(db, &auth).await;
        authenticate(db, &auth, Some(&bearer)).await.expect("valid");

        accounts::revoke_tokens(db, &ada, &operator())
            .await
            .expect("revoke");
        assert!(authenticate(db, &auth, Some(&bearer)).await.is_err());

        let pair = accounts::obtain_token_pair(db, &auth, &login, &Origin::default())
            .await
            .expect("login again");
        match accounts::reset_password(db, &auth.passwords, &ada, "password", &operator()).await {
            Err(Error::Validation(errors)) => {
                assert_eq!(errors["password"], ["This password is too common."])
            }
            other => panic!("{other:?}"),
        }
        accounts::reset_password(
            db,
            &auth.passwords,
            &ada,
            "a-new-Pass-phrase-3",
            &operator(),
        )
        .await
        .expect("reset");
        let bearer = format!("Bearer {}", pair.access);
        assert!(authenticate(db, &auth, Some(&bearer)).await.is_err());
        assert!(
            accounts::obtain_token_pair(db, &auth, &login, &Origin::default())
                .await
                .is_err(),
            "the old password no longer works"
        );
        let actions: Vec<String> = audit::list(db, &AuditFilter::default())
            .await
            .expect("audit")
            .into_iter()
            .map(|row| row.action)
            .collect();
        assert!(actions.contains(&"auth.tokens_revoked".to_owned()));
        assert!(actions.contains(&"user.password_reset".to_owned()));
    }
}

/// Authenticates `bearer` until it is accepted and the user remembered (the listener connects in
/// the background, and a change made elsewhere arrives a moment later).
async fn until_remembered(db: &Database, auth: &Auth, bearer: &str, id: i64) {
    for _ in 0..250 {
        let accepted = authenticate(db, auth, Some(bearer)).await.is_ok();
        if accepted && auth.remembers(id) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("user {id} never accepted and remembered");
}

/// Authenticates `bearer` until it is refused, as it must be once the change is heard.
async fn until_refused(db: &Database, auth: &Auth, bearer: &str) -> Error {
    for _ in 0..250 {
        if let Err(error) = authenticate(db, auth, Some(bearer)).await {
            return error;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("still accepted 5 s after the change");
}

#[tokio::test]
async fn remembered_users_are_forgotten_when_changed_anywhere() {
    let Some(test) = TestDatabase::postgres_migrated().await else {
        return;
    };
    let db = test.database();
    // Another replica, or the CLI: changes the users table through a pool of its own.
    let elsewhere = Database::connect(test.url(), &PoolSettings::default())
        .await
        .expect("a second pool");
    let ada = accounts::create_user(db, &passwords(), &account("ada"), &operator())
        .await
        .expect("ada");
    let bearer = ada_bearer(db, &auth()).await;
    // Listening from now on: the login's notification (its last_login) went to nobody, so it
    // cannot arrive late and spoil the check below.
    let auth = auth().remembering_users(db, std::time::Duration::from_secs(600));
    until_remembered(db, &auth, &bearer, ada.id).await;

    // Served from memory: a change nobody announces is not seen.
    let mut quiet = Transaction::begin(&elsewhere).await.expect("begin");
    for statement in [
        "ALTER TABLE users DISABLE TRIGGER users_notify_changed",
        "UPDATE users SET first_name = 'Unheard'",
        "ALTER TABLE users ENABLE TRIGGER users_notify_changed",
    ] {
        query(statement).execute(&mut quiet).await.expect(statement);
    }
    quiet.commit().await.expect("commit");
    let user = authenticate(db, &auth, Some(&bearer)).await.expect("valid");
    assert_eq!(user.first_name, "", "read from memory, not from the table");

    // Deactivated from elsewhere: heard, and the token is refused.
    query("UPDATE users SET is_active = false WHERE id = $1")
        .bind(ada.id)
        .execute(&elsewhere)
        .await
        .expect("deactivate");
    let refused = until_refused(db, &auth, &bearer).await;
    assert!(matches!(refused, Error::Unauthenticated(_)), "{refused:?}");

    // The listening connection dies: the cache starts over on a new one, which hears changes.
    query("UPDATE users SET is_active = true WHERE id = $1")
        .bind(ada.id)
        .execute(&elsewhere)
        .await
        .expect("reactivate");
    until_remembered(db, &auth, &bearer, ada.id).await;
    let terminated: i64 = query(
        "SELECT count(*) FROM pg_stat_activity, pg_terminate_backend(pid) \
         WHERE application_name = 'fithub-listener' AND datname = current_database()",
    )
    .fetch_scalar(&elsewhere)
    .await
    .expect("terminate the listener");
    assert_eq!(terminated, 1);
    until_remembered(db, &auth, &bearer, ada.id).await;
    query("DELETE FROM users WHERE id = $1")
        .bind(ada.id)
        .execute(&elsewhere)
        .await
        .expect("delete");
    until_refused(db, &auth, &bearer).await;
    elsewhere.close().await;
}

#[tokio::test]
async fn this_process_sees_its_own_changes_at_once() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let auth = auth().remembering_users(db, std::time::Duration::from_secs(600));
        let ada = accounts::create_user(db, &auth.passwords, &account("ada"), &operator())
            .await
            .expect("ada");
        let bearer = ada_bearer(db, &auth).await;
        if test.backend() == Backend::Postgres {
            until_remembered(db, &auth, &bearer, ada.id).await;
        } else {
            authenticate(db, &auth, Some(&bearer)).await.expect("valid");
            assert!(!auth.remembers(ada.id), "SQLite never remembers");
        }

        let names = serde_json::json!({"first_name": "Ada"})
            .as_object()
            .cloned()
            .expect("object");
        accounts::update_profile(db, &auth, &ada, &names, Mode::Update, &Origin::default())
            .await
            .expect("profile");
        let user = authenticate(db, &auth, Some(&bearer)).await.expect("valid");
        assert_eq!(user.first_name, "Ada", "{:?}", test.backend());

        let change = serde_json::json!({
            "old_password": PASSWORD,
            "new_password": "a-new-Pass-phrase-3",
            "new_password_confirm": "a-new-Pass-phrase-3",
        })
        .as_object()
        .cloned()
        .expect("object");
        accounts::change_password(db, &auth, &user, &change, &Origin::default())
            .await
            .expect("password");
        assert!(
            authenticate(db, &auth, Some(&bearer)).await.is_err(),
            "revoked at once on {:?}",
            test.backend()
        );
    }
}

#[tokio::test]
async fn deleting_a_user_takes_their_data_but_not_shared_data() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let auth = auth();
        let ada = accounts::create_user(db, &auth.passwords, &account("ada"), &operator())
            .await
            .expect("ada");
        let bob = accounts::create_user(db, &auth.passwords, &account("bob"), &operator())
            .await
            .expect("bob");
        for statement in [
            "INSERT INTO categories (id, name, created_by) VALUES (1, 'Grains', $1)",
            "INSERT INTO ingredients (name, proteins, fats, carbs, calories, fibers, sugars, \
             is_personal, created_by) VALUES ('Ada oats', 1, 1, 1, 1, 1, 1, true, $1)",
            "INSERT INTO ingredients (name, proteins, fats, carbs, calories, fibers, sugars, \
             is_personal, created_by) VALUES ('Public oats', 1, 1, 1, 1, 1, 1, false, $1)",
        ] {
            query(statement)
                .bind(ada.id)
                .execute(db)
                .await
                .expect(statement);
        }
        query(
            "INSERT INTO ingredients (name, proteins, fats, carbs, calories, fibers, sugars, \
             is_personal, created_by) VALUES ('Bob oats', 1, 1, 1, 1, 1, 1, true, $1)",
        )
        .bind(bob.id)
        .execute(db)
        .await
        .expect("bob's");

        accounts::delete_user(db, &ada, &operator())
            .await
            .expect("delete");
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM ingredients WHERE name = 'Ada oats'"
            )
            .await,
            0
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM ingredients WHERE name <> 'Ada oats'"
            )
            .await,
            2,
            "the public catalogue and bob's stay"
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM categories WHERE created_by IS NULL"
            )
            .await,
            1,
            "the category stays, its creator cleared"
        );
        assert!(matches!(
            accounts::delete_user(db, &ada, &operator()).await,
            Err(Error::NotFound(_))
        ));
    }
}
