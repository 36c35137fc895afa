//! Fresh databases for tests, on SQLite always and on PostgreSQL when `FITHUB_TEST_DATABASE_URL`
//! names a server (an admin URL such as `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! Every test gets its own database, dropped afterwards. On PostgreSQL a migrated database is a
//! copy of a template migrated once per schema version, so it costs one `CREATE DATABASE`.
//! When the variable is set but the server cannot be reached, tests fail rather than skip.

use std::hash::{DefaultHasher, Hash, Hasher};

use sqlx::{Connection, Executor, PgConnection};

use crate::config::DatabaseUrl;
use crate::db::Database;
use crate::db::migrations::{self, MigrationState};
use crate::db::{Backend, PoolSettings};

/// Names the PostgreSQL server the tests use.
pub const TEST_DATABASE_URL_VAR: &str = "FITHUB_TEST_DATABASE_URL";
/// Names a streaming replica of that server (any database name: each test's is put in).
pub const TEST_REPLICA_URL_VAR: &str = "FITHUB_TEST_REPLICA_URL";
/// Names a PgBouncer in transaction mode in front of that server.
pub const TEST_PGBOUNCER_URL_VAR: &str = "FITHUB_TEST_PGBOUNCER_URL";

/// A database that exists for one test.
pub struct TestDatabase {
    // Declared first so the pool is dropped before the database is.
    database: Database,
    url: DatabaseUrl,
    // Held only to be dropped: removing the SQLite directory or the PostgreSQL database.
    _sqlite_dir: Option<tempfile::TempDir>,
    _postgres_database: Option<DropPostgresDatabase>,
}

impl TestDatabase {
    /// Every backend under test, each a fresh database with the schema applied.
    pub async fn all_migrated() -> Vec<TestDatabase> {
        let mut databases = vec![Self::sqlite_migrated().await];
        databases.extend(Self::postgres_migrated().await);
        databases
    }

    /// Every backend under test, each a fresh empty database.
    pub async fn all_empty() -> Vec<TestDatabase> {
        let mut databases = vec![Self::sqlite().await];
        databases.extend(Self::postgres().await);
        databases
    }

    /// A fresh, empty SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = DatabaseUrl::new(format!(
            "sqlite://{}",
            dir.path().join("fithub.db").display()
        ));
        let database = Database::connect(&url, &PoolSettings::default())
            .await
            .expect("open a temporary SQLite database");
        TestDatabase {
            database,
            url,
            _sqlite_dir: Some(dir),
            _postgres_database: None,
        }
    }

    pub async fn sqlite_migrated() -> TestDatabase {
        let test = Self::sqlite().await;
        migrations::migrate(&test.database)
            .await
            .expect("migrate SQLite");
        test
    }

    /// A fresh, empty PostgreSQL database; `None` when `FITHUB_TEST_DATABASE_URL` is not set.
    pub async fn postgres() -> Option<TestDatabase> {
        let admin_url = postgres_admin_url()?;
        Some(Self::create_postgres(&admin_url, None).await)
    }

    /// A fresh PostgreSQL database with the schema applied (copied from a migrated template).
    pub async fn postgres_migrated() -> Option<TestDatabase> {
        let admin_url = postgres_admin_url()?;
        let template = ensure_template(&admin_url).await;
        Some(Self::create_postgres(&admin_url, Some(&template)).await)
    }

    async fn create_postgres(admin_url: &str, template: Option<&str>) -> TestDatabase {
        let name = format!("fithub_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = admin_connection(admin_url).await;
        let statement = match template {
            Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            None => format!("CREATE DATABASE {name}"),
        };
        admin
            .execute(sqlx::AssertSqlSafe(statement))
            .await
            .unwrap_or_else(|error| panic!("create test database {name}: {error}"));
        let cleanup = DropPostgresDatabase {
            admin_url: admin_url.to_owned(),
            name: name.clone(),
        };
        let url = DatabaseUrl::new(database_url(admin_url, &name));
        let database = Database::connect(&url, &PoolSettings::default())
            .await
            .unwrap_or_else(|error| panic!("connect to test database {name}: {error}"));
        TestDatabase {
            database,
            url,
            _sqlite_dir: None,
            _postgres_database: Some(cleanup),
        }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.database.backend()
    }

    /// This PostgreSQL database on the replica `FITHUB_TEST_REPLICA_URL` names, once the replica
    /// has replayed its creation; `None` when the variable is not set (or this is SQLite).
    pub async fn on_replica(&self) -> Option<DatabaseUrl> {
        let url = self.elsewhere(TEST_REPLICA_URL_VAR)?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match PgConnection::connect(url.expose()).await {
                Ok(connection) => {
                    let _ = connection.close().await;
                    return Some(url);
                }
                Err(error) if std::time::Instant::now() > deadline => panic!(
                    "{TEST_REPLICA_URL_VAR} is set but the replica does not serve {}: {error}",
                    url.redacted()
                ),
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    /// This PostgreSQL database through the PgBouncer `FITHUB_TEST_PGBOUNCER_URL` names; `None`
    /// when the variable is not set (or this is SQLite).
    pub fn through_pgbouncer(&self) -> Option<DatabaseUrl> {
        self.elsewhere(TEST_PGBOUNCER_URL_VAR)
    }

    /// This database's name on the server the variable `var` names.
    fn elsewhere(&self, var: &str) -> Option<DatabaseUrl> {
        let server = std::env::var(var)
            .ok()
            .filter(|url| !url.trim().is_empty())?;
        let own = url::Url::parse(self.url.expose()).ok()?;
        if self.backend() != Backend::Postgres {
            return None;
        }
        let mut url = url::Url::parse(&server).unwrap_or_else(|_| panic!("{var} is not a URL"));
        url.set_path(own.path());
        Some(DatabaseUrl::new(url.to_string()))
    }
}

/// The admin URL from the environment; panics on an empty value, which is a misconfiguration.
fn postgres_admin_url() -> Option<String> {
    let url = std::env::var(TEST_DATABASE_URL_VAR).ok()?;
    assert!(
        !url.trim().is_empty(),
        "{TEST_DATABASE_URL_VAR} is set but empty"
    );
    Some(url)
}

async fn admin_connection(admin_url: &str) -> PgConnection {
    PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "{TEST_DATABASE_URL_VAR} is set but PostgreSQL cannot be reached ({}): {error}",
                DatabaseUrl::new(admin_url).redacted()
            )
        })
}

/// The admin URL with its database name replaced.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("FITHUB_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The template database for the current migrations, created (once, under a lock) if missing.
async fn ensure_template(admin_url: &str) -> String {
    let mut fingerprint = DefaultHasher::new();
    let probe = Database::connect_lazy(&DatabaseUrl::new(admin_url), &PoolSettings::default())
        .expect("FITHUB_TEST_DATABASE_URL is a PostgreSQL URL");
    for status in migrations::known_migrations(&probe) {
        (status.version, status.name, status.checksum).hash(&mut fingerprint);
    }
    let template = format!("fithub_template_{:016x}", fingerprint.finish());

    let mut admin = admin_connection(admin_url).await;
    // Several test binaries may get here at once: one builds, the others wait for it.
    const TEMPLATE_LOCK_KEY: i64 = 0x6669_7468_7562_7400;
    admin
        .execute(sqlx::query("SELECT pg_advisory_lock($1)").bind(TEMPLATE_LOCK_KEY))
        .await
        .expect("lock the test template");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut admin)
            .await
            .expect("look up the test template");
    if !exists {
        // Built under another name and renamed when complete, so that a test run killed halfway
        // never leaves a half-migrated template behind.
        let building = format!("{template}_building");
        for statement in [
            format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
            format!("CREATE DATABASE {building}"),
        ] {
            admin
                .execute(sqlx::AssertSqlSafe(statement))
                .await
                .expect("create the test template");
        }
        let url = DatabaseUrl::new(database_url(admin_url, &building));
        let database = Database::connect(&url, &PoolSettings::default())
            .await
            .expect("connect to the test template");
        migrations::migrate(&database)
            .await
            .expect("migrate the test template");
        let statuses = migrations::status(&database)
            .await
            .expect("template status");
        assert!(statuses.iter().all(|s| s.state == MigrationState::Applied));
        database.close().await;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {building} RENAME TO {template}"
            )))
            .await
            .expect("publish the test template");
    }
    admin
        .execute(sqlx::query("SELECT pg_advisory_unlock($1)").bind(TEMPLATE_LOCK_KEY))
        .await
        .expect("unlock the test template");
    template
}

/// Drops a test database when the test ends, passing or failing. `Drop` cannot be async, so it
/// runs on a short-lived thread with its own runtime.
struct DropPostgresDatabase {
    admin_url: String,
    name: String,
}

impl Drop for DropPostgresDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin.execute(sqlx::AssertSqlSafe(statement)).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}
