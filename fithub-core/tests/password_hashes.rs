//! Stored password hashes within the server's cost limits (issue 14, item 6): a hash that would
//! make one unauthenticated login take seconds and a gigabyte never gets verified, at login or on
//! import. On SQLite and (when configured) PostgreSQL.

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use fithub_core::accounts::{self, Auth, NewAccount, Passwords};
use fithub_core::audit::Origin;
use fithub_core::config::{Config, Secret};
use fithub_core::db::query;
use fithub_core::testing::TestDatabase;
use fithub_core::transfer::{self, ExportScope, ImportOptions, Line};
use fithub_core::{Database, Error};

const PASSWORD: &str = "violet-Harbor-47-kite";

/// An argon2 hash of [`PASSWORD`] with these settings.
fn hash(algorithm: Algorithm, version: Version, m: u32, t: u32, p: u32) -> String {
    let params = Params::new(m, t, p, None).expect("params");
    Argon2::new(algorithm, version, params)
        .hash_password_with_salt(PASSWORD.as_bytes(), b"fithub-test-salt")
        .expect("hash")
        .to_string()
}

/// Hashes FitHub must refuse, each cheap to make: beyond one limit at a time.
fn beyond_the_limits() -> Vec<(&'static str, String)> {
    vec![
        ("m", hash(Algorithm::Argon2id, Version::V0x13, 65_537, 1, 1)),
        ("t", hash(Algorithm::Argon2id, Version::V0x13, 8, 5, 1)),
        ("p", hash(Algorithm::Argon2id, Version::V0x13, 40, 1, 5)),
        ("argon2i", hash(Algorithm::Argon2i, Version::V0x13, 8, 1, 1)),
        ("v=16", hash(Algorithm::Argon2id, Version::V0x10, 8, 1, 1)),
    ]
}

async fn ada(db: &Database) -> i64 {
    let account = NewAccount {
        username: "ada".into(),
        password: PASSWORD.into(),
        ..NewAccount::default()
    };
    accounts::create_user(db, &Passwords::new(2), &account, &Origin::default())
        .await
        .expect("ada")
        .id
}

async fn log_in(db: &Database) -> fithub_core::Result<()> {
    let auth = Auth::new(
        &Secret::new("s".repeat(32)),
        &Config::default(),
        Passwords::new(2),
    );
    let body = serde_json::json!({"username": "ada", "password": PASSWORD});
    let body = body.as_object().expect("object");
    accounts::obtain_token_pair(db, &auth, body, &Origin::default())
        .await
        .map(drop)
}

#[tokio::test]
async fn a_stored_hash_beyond_the_cost_limits_never_matches() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let id = ada(db).await;
        let set = |hash: String| {
            query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(id)
                .bind(hash)
                .execute(db)
        };
        // At the limits, the right password logs in.
        set(hash(Algorithm::Argon2id, Version::V0x13, 65_536, 4, 4))
            .await
            .expect("update");
        log_in(db).await.expect("within the limits");
        for (beyond, stored) in beyond_the_limits() {
            set(stored).await.expect("update");
            assert!(
                matches!(log_in(db).await, Err(Error::Unauthenticated(_))),
                "{:?}: {beyond}",
                test.backend()
            );
        }
    }
}

#[tokio::test]
async fn an_archive_with_a_hash_beyond_the_limits_is_refused_naming_the_record() {
    let source = TestDatabase::sqlite_migrated().await;
    ada(source.database()).await;
    let mut archive = Vec::new();
    transfer::export(source.database(), &ExportScope::All, &mut archive, |_| {})
        .await
        .expect("export");
    let archive = String::from_utf8(archive).expect("utf-8");

    for test in TestDatabase::all_migrated().await {
        for (beyond, stored) in beyond_the_limits() {
            let crafted: Vec<String> = archive
                .lines()
                .map(|line| match serde_json::from_str::<Line>(line) {
                    Ok(Line::User(mut user)) => {
                        user.password_hash = Some(stored.clone());
                        serde_json::to_string(&Line::User(user)).expect("json")
                    }
                    _ => line.to_owned(),
                })
                .collect();
            let crafted = crafted.join("\n") + "\n";
            let imported = transfer::import(
                test.database(),
                crafted.as_bytes(),
                ImportOptions::default(),
                |_| {},
            )
            .await;
            let message = match imported {
                Err(error) => error.to_string(),
                Ok(report) => panic!("{:?} imported {beyond}: {report:?}", test.backend()),
            };
            assert!(
                message.contains("line 2") && message.contains("password_hash"),
                "{beyond}: {message}"
            );
            assert!(message.contains("\"ada\""), "{beyond}: {message}");
        }
        let users: i64 = query("SELECT COUNT(*) FROM users")
            .fetch_scalar(test.database())
            .await
            .expect("count");
        assert_eq!(users, 0, "nothing imported");
    }
}
