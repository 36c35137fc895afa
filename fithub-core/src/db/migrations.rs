//! Schema migrations: refinery's SQL files from `migrations/`, applied through sqlx.
//!
//! refinery has no sqlx driver, so [`MigrationConnection`] implements its async traits over one
//! sqlx connection. A whole run happens in one transaction that first takes a lock, so several
//! replicas can run `fithub migrate` at once: the first applies, the others wait and then find
//! nothing to do. On PostgreSQL the lock is a transaction-scoped advisory lock; on SQLite it is
//! `BEGIN IMMEDIATE`, which takes the database's write lock. Either way a failing migration leaves
//! nothing behind, history row included.

use refinery::{Migration, Runner};
use refinery_core::traits::r#async::{AsyncMigrate, AsyncQuery, AsyncTransaction};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Database;
use crate::error::{Error, Result};

mod embedded {
    pub mod postgres {
        refinery::embed_migrations!("../migrations/postgres");
    }
    pub mod sqlite {
        refinery::embed_migrations!("../migrations/sqlite");
    }
}

/// refinery's history table.
pub const HISTORY_TABLE: &str = "refinery_schema_history";
/// Key of the PostgreSQL advisory lock every migration run takes ("fithub" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x6669_7468_7562;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrationState {
    Applied,
    Pending,
    /// Applied, but the file has changed since: an applied migration must never be edited.
    Divergent,
    /// Recorded in the database but unknown to this build (a newer release applied it).
    Unknown,
}

impl MigrationState {
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
            MigrationState::Divergent => "divergent",
            MigrationState::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    pub version: i32,
    pub name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub applied_on: Option<OffsetDateTime>,
    pub state: MigrationState,
}

/// The schema is current when nothing is pending or divergent. A migration unknown to this build
/// does not count against it: during a rolling deploy the old release keeps serving.
pub fn is_current(statuses: &[MigrationStatus]) -> bool {
    statuses.iter().all(|status| {
        matches!(
            status.state,
            MigrationState::Applied | MigrationState::Unknown
        )
    })
}

/// A migration this run applied.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedMigration {
    pub version: i32,
    pub name: String,
}

fn runner(database: &Database) -> Runner {
    match database {
        Database::Postgres(_) => embedded::postgres::migrations::runner(),
        Database::Sqlite(_) => embedded::sqlite::migrations::runner(),
    }
}

/// Applies every pending migration, all in one transaction; returns what was applied.
pub async fn migrate(database: &Database) -> Result<Vec<AppliedMigration>> {
    let runner = runner(database);
    let report = match database {
        Database::Postgres(pool) => {
            let mut connection = pool.checkout().await?;
            let mut transaction = connection.begin().await?;
            // Migrations may outlast the API's statement timeout (and wait for another run's
            // lock): none for this transaction only.
            sqlx::query("SET LOCAL statement_timeout = 0")
                .persistent(false)
                .execute(&mut *transaction)
                .await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .persistent(false)
                .bind(MIGRATION_LOCK_KEY)
                .execute(&mut *transaction)
                .await?;
            let report = runner
                .run_async(&mut MigrationConnection(&mut *transaction))
                .await?;
            transaction.commit().await?;
            report
        }
        Database::Sqlite(pools) => {
            let mut connection = pools.writer.acquire().await?;
            let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
            let report = runner
                .run_async(&mut MigrationConnection(&mut *transaction))
                .await?;
            transaction.commit().await?;
            report
        }
    };
    Ok(report
        .applied_migrations()
        .iter()
        .map(|migration| AppliedMigration {
            version: migration.version(),
            name: migration.name().to_owned(),
        })
        .collect())
}

/// A migration as this build knows it, for fingerprinting the schema.
#[derive(Debug, Clone)]
pub struct KnownMigration {
    pub version: i32,
    pub name: String,
    pub checksum: u64,
}

/// The migrations compiled into this build for the database's backend, by version.
pub fn known_migrations(database: &Database) -> Vec<KnownMigration> {
    let mut known = runner(database).get_migrations().clone();
    known.sort();
    known
        .iter()
        .map(|m| KnownMigration {
            version: m.version(),
            name: m.name().to_owned(),
            checksum: m.checksum(),
        })
        .collect()
}

/// Every migration this build knows or the database records, by version, with its state.
pub async fn status(database: &Database) -> Result<Vec<MigrationStatus>> {
    let applied = applied_migrations(database).await?;
    let mut known = runner(database).get_migrations().clone();
    known.sort();

    let mut statuses: Vec<MigrationStatus> = known
        .iter()
        .map(|migration| {
            let record = applied.iter().find(|a| a.version() == migration.version());
            let state = match record {
                None => MigrationState::Pending,
                Some(record) if record == migration => MigrationState::Applied,
                Some(_) => MigrationState::Divergent,
            };
            MigrationStatus {
                version: migration.version(),
                name: migration.name().to_owned(),
                applied_on: record.and_then(|r| r.applied_on().copied()),
                state,
            }
        })
        .collect();
    statuses.extend(
        applied
            .iter()
            .filter(|record| !known.iter().any(|m| m.version() == record.version()))
            .map(|record| MigrationStatus {
                version: record.version(),
                name: record.name().to_owned(),
                applied_on: record.applied_on().copied(),
                state: MigrationState::Unknown,
            }),
    );
    statuses.sort_by_key(|status| status.version);
    Ok(statuses)
}

/// The history table's rows; none when it does not exist yet. Reads only.
async fn applied_migrations(database: &Database) -> Result<Vec<Migration>> {
    let query =
        format!("SELECT version, name, applied_on, checksum FROM {HISTORY_TABLE} ORDER BY version");
    let rows: Vec<HistoryRow> = match database {
        // Both statements in one transaction: this runs at start and for every /ready, and
        // through a transaction pooler only a transaction keeps to one server connection.
        // Unnamed statements: a pooler's server connections are shared by every client.
        Database::Postgres(pool) => {
            let mut connection = pool.checkout().await?;
            let mut transaction = connection.begin().await?;
            let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                .persistent(false)
                .bind(HISTORY_TABLE)
                .fetch_one(&mut *transaction)
                .await?;
            if !exists {
                return Ok(Vec::new());
            }
            let rows = sqlx::query_as(AssertSqlSafe(query))
                .persistent(false)
                .fetch_all(&mut *transaction)
                .await?;
            transaction.commit().await?;
            rows
        }
        Database::Sqlite(pools) => {
            let mut connection = pools.readers.acquire().await?;
            let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1)",
            )
            .bind(HISTORY_TABLE)
            .fetch_one(&mut *connection)
            .await?;
            if !exists {
                return Ok(Vec::new());
            }
            sqlx::query_as(AssertSqlSafe(query))
                .fetch_all(&mut *connection)
                .await?
        }
    };
    rows.into_iter()
        .map(|row| {
            row.into_migration()
                .map_err(|error| Error::Migration(error.to_string()))
        })
        .collect()
}

/// A row of refinery's history table: it stores `applied_on` as RFC 3339 text and the checksum as
/// the decimal text of a u64 (which may exceed i64).
#[derive(sqlx::FromRow)]
struct HistoryRow {
    version: i32,
    name: String,
    applied_on: String,
    checksum: String,
}

impl HistoryRow {
    fn into_migration(self) -> Result<Migration, sqlx::Error> {
        let decode = |what: &str, error: String| {
            sqlx::Error::Decode(
                format!(
                    "{HISTORY_TABLE} version {}: bad {what}: {error}",
                    self.version
                )
                .into(),
            )
        };
        let applied_on = OffsetDateTime::parse(&self.applied_on, &Rfc3339)
            .map_err(|error| decode("applied_on", error.to_string()))?;
        let checksum = self
            .checksum
            .parse::<u64>()
            .map_err(|error| decode("checksum", error.to_string()))?;
        Ok(Migration::applied(
            self.version,
            self.name.clone(),
            applied_on,
            checksum,
        ))
    }
}

/// refinery's view of one sqlx connection, already inside the run's transaction.
struct MigrationConnection<'c, C>(&'c mut C);

/// The adapter is the same text for both connection types; sqlx's executors are not generic
/// enough to write it once as a generic impl.
macro_rules! impl_refinery_adapter {
    ($connection:ty) => {
        impl AsyncTransaction for MigrationConnection<'_, $connection> {
            type Error = sqlx::Error;

            // The caller's transaction wraps the whole run, so this only executes.
            async fn execute<'a, T: Iterator<Item = &'a str> + Send + 'a>(
                &'a mut self,
                queries: T,
            ) -> Result<usize, sqlx::Error> {
                let mut count = 0;
                for query in queries {
                    // raw_sql: a migration file holds several statements, which a prepared
                    // statement cannot.
                    sqlx::raw_sql(AssertSqlSafe(query))
                        .execute(&mut *self.0)
                        .await?;
                    count += 1;
                }
                Ok(count)
            }
        }

        impl AsyncQuery<Vec<Migration>> for MigrationConnection<'_, $connection> {
            async fn query<'a>(
                &'a mut self,
                query: &'a str,
            ) -> Result<Vec<Migration>, sqlx::Error> {
                let rows: Vec<HistoryRow> = sqlx::query_as(AssertSqlSafe(query))
                    .persistent(false)
                    .fetch_all(&mut *self.0)
                    .await?;
                rows.into_iter().map(HistoryRow::into_migration).collect()
            }
        }

        impl AsyncMigrate for MigrationConnection<'_, $connection> {}
    };
}

impl_refinery_adapter!(PgConnection);
impl_refinery_adapter!(SqliteConnection);
