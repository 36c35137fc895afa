//! The database handle: one sqlx pool, PostgreSQL or SQLite, chosen by the URL's scheme.
//!
//! Queries are written once where their SQL is portable and branch on [`Database`] only where the
//! dialects really differ.

pub mod diagnose;
mod executor;
mod group_commit;
pub mod handover;
pub mod migrations;
mod outage;
mod postgres;
mod query;
pub mod reads;
mod replicas;
mod script;
mod sqlite;
mod uuid;
mod written;

pub use executor::{Executor, Transaction};
pub use handover::Connection;
pub use postgres::PgPools;
pub use query::{Dialect, Query, Record, Value, contains_pattern, is_unique_violation};
// SQL is the core's alone: the edges get `query` only to set up and inspect tests.
#[cfg(not(feature = "test-support"))]
pub(crate) use query::query;
#[cfg(feature = "test-support")]
pub use query::query;
pub use replicas::{ReplicaStatus, Replicas};
pub use script::Script;
pub use sqlite::SqlitePools;
pub use uuid::DbUuid;
pub use written::connect_redis;

use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::pool::PoolOptions;

use crate::config::{Config, DatabaseUrl};
use crate::error::{Error, Result};

/// A connection idle longer than this is pinged before it is handed out, in case the server
/// dropped it meanwhile. Busier connections skip the ping: sqlx already tests every connection
/// when it comes back to the pool, and a second ping per checkout was a round trip for nothing.
const TEST_AFTER_IDLE: Duration = Duration::from_secs(30);

/// Whether a statement reads or changes the database: on SQLite's pool, which connections
/// serve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend a URL names, by its scheme.
    pub fn of(url: &str) -> Result<Backend> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .unwrap_or_default();
        match scheme {
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "sqlite" => Ok(Backend::Sqlite),
            _ => Err(Error::Config(format!(
                "database_url must start with sqlite:// or postgres:// (got {})",
                DatabaseUrl::new(url).redacted()
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// Pool settings taken from [`Config`].
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub connect_timeout: Duration,
    /// Create a missing SQLite file. Off for checks, which must not leave a database behind.
    pub create_sqlite_file: bool,
    /// On PostgreSQL, the server cancels any statement running longer (SQLSTATE 57014, answered
    /// as [`Error::Unavailable`]). The API sets its request timeout here, so that a request it
    /// has given up on leaves no query running; operators' long imports and exports set none.
    pub statement_timeout: Option<Duration>,
    /// PostgreSQL is reached through a transaction pooler (see `database_transaction_pooling`).
    pub transaction_pooling: bool,
}

impl PoolSettings {
    pub fn from_config(config: &Config) -> Self {
        PoolSettings {
            max_connections: config.database_max_connections.max(1),
            connect_timeout: Duration::from_secs(config.database_connect_timeout_secs.max(1)),
            create_sqlite_file: true,
            statement_timeout: None,
            transaction_pooling: config.database_transaction_pooling,
        }
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings::from_config(&Config::default())
    }
}

/// A connection pool to FitHub's database. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Database {
    Postgres(PgPools),
    Sqlite(SqlitePools),
}

impl Database {
    /// Connects and checks that the database answers.
    pub async fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Database> {
        let database = Self::connect_lazy(url, settings)?;
        database.ping().await?;
        Ok(database)
    }

    /// Builds the pool without connecting: the first query connects. Lets the API start (and
    /// report "not ready") while the database is still down.
    pub fn connect_lazy(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Database> {
        let invalid = |error: sqlx::Error| {
            Error::Config(format!(
                "database_url {} is invalid: {error}",
                url.redacted()
            ))
        };
        match Backend::of(url.expose())? {
            Backend::Postgres => {
                let options = pg_connect_options(url, settings).map_err(invalid)?;
                let outage = outage::Outage::new(settings.connect_timeout);
                let stale = outage.clone();
                let primary = pool_options::<sqlx::Postgres>(settings, settings.max_connections)
                    .before_acquire(move |connection, metadata| {
                        let stale = stale.clone();
                        Box::pin(async move {
                            // Opened before the last outage: the server it talked to is gone.
                            if stale.predates(metadata.age) {
                                return Ok(false);
                            }
                            test_if_idle(connection, metadata).await
                        })
                    })
                    .connect_lazy_with(options);
                Ok(Database::Postgres(PgPools {
                    primary,
                    outage,
                    replicas: None,
                    transaction_pooling: settings.transaction_pooling,
                    begin: postgres::begin_statement(settings),
                }))
            }
            Backend::Sqlite => Ok(Database::Sqlite(
                SqlitePools::connect_lazy(url.expose(), settings).map_err(invalid)?,
            )),
        }
    }

    /// Sends the reads that may be slightly stale to `config`'s replicas (see [`reads`]),
    /// remembering users' writes in Redis when `redis_url` is set. Call it inside the tokio
    /// runtime: it starts the replicas' monitor.
    pub async fn with_replicas(self, config: &Config, settings: &PoolSettings) -> Result<Database> {
        let Database::Postgres(mut pools) = self else {
            return Ok(self);
        };
        if config.database_replica_urls.is_empty() {
            return Ok(Database::Postgres(pools));
        }
        let written = match &config.redis_url {
            Some(url) => written::WrittenPositions::redis(
                written::connect_redis(url).await?,
                &config.redis_prefix,
            ),
            None => written::WrittenPositions::local(),
        };
        let replicas = replicas::Replicas::start(
            &config.database_replica_urls,
            Duration::from_millis(config.replica_max_lag_ms),
            settings,
            written,
            pools.primary.clone(),
        )
        .map_err(|error| Error::Config(format!("database_replica_urls: {error}")))?;
        pools.replicas = Some(replicas);
        Ok(Database::Postgres(pools))
    }

    /// The replicas reads may go to, if any.
    pub fn replicas(&self) -> Option<&Replicas> {
        match self {
            Database::Postgres(pools) => pools.replicas(),
            Database::Sqlite(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::Postgres(_) => Backend::Postgres,
            Database::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Database::Postgres(_) => Dialect::Postgres,
            Database::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// How busy the pool is, for metrics.
    pub fn pool_stats(&self) -> PoolStats {
        fn counts<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> (u32, usize, u32) {
            let max = pool.options().get_max_connections();
            (pool.size(), pool.num_idle(), max)
        }
        let (size, idle, max) = match self {
            Database::Postgres(pools) => counts(pools.primary()),
            Database::Sqlite(pools) => {
                let (readers, writer) = (counts(&pools.readers), counts(&pools.writer));
                (
                    readers.0 + writer.0,
                    readers.1 + writer.1,
                    readers.2 + writer.2,
                )
            }
        };
        let in_use = i64::from(size) - idle as i64;
        PoolStats {
            size,
            idle: idle as u32,
            max,
            waiting: (executor::pool_demand() - in_use).max(0) as u32,
        }
    }

    /// One round trip to the database (at once an error while it is known to be down).
    pub async fn ping(&self) -> Result<()> {
        let _: i64 = query("SELECT CAST(1 AS BIGINT)").fetch_scalar(self).await?;
        Ok(())
    }

    /// Writes `script`'s statements as one transaction and returns the rows they return: all of
    /// them happen, or none, even if the caller stops waiting. Only SQLite takes such scripts,
    /// grouped with other callers' (see [`group_commit`]); on PostgreSQL one statement with
    /// data-modifying `WITH`s does the same in one round trip.
    pub(crate) async fn write_atomically<T: Record>(&self, script: Script) -> sqlx::Result<Vec<T>> {
        let Database::Sqlite(pools) = self else {
            return Err(sqlx::Error::Protocol(
                "atomic scripts are SQLite's; on PostgreSQL use one statement".to_owned(),
            ));
        };
        // Not holding a parked reader while queued for the writer.
        drop(handover::take(self, Access::Read));
        let rows = pools.write_atomically(script).await?;
        rows.iter().map(T::from_row).collect()
    }

    /// Closes every connection; waits for those in use to be returned.
    pub async fn close(&self) {
        match self {
            Database::Postgres(pools) => {
                if let Some(replicas) = pools.replicas() {
                    replicas.close().await;
                }
                pools.primary.close().await
            }
            Database::Sqlite(pools) => pools.close().await,
        }
    }
}

/// The connection options for `url` under `settings`.
fn pg_connect_options(
    url: &DatabaseUrl,
    settings: &PoolSettings,
) -> sqlx::Result<sqlx::postgres::PgConnectOptions> {
    let mut options =
        sqlx::postgres::PgConnectOptions::from_str(url.expose())?.application_name("fithub");
    if settings.transaction_pooling {
        options = options.statement_cache_capacity(0);
    } else if let Some(timeout) = settings.statement_timeout {
        options = options.options([("statement_timeout", timeout.as_millis())]);
    }
    Ok(options)
}

/// A pool of at most `max_connections`, waiting at most the configured time for one.
fn pool_options<DB: sqlx::Database>(
    settings: &PoolSettings,
    max_connections: u32,
) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(settings.connect_timeout)
        .test_before_acquire(false)
        .before_acquire(|connection: &mut DB::Connection, metadata| {
            Box::pin(test_if_idle(connection, metadata))
        })
}

/// Pings a connection idle for long before it is handed out (see [`TEST_AFTER_IDLE`]).
async fn test_if_idle<C: sqlx::Connection>(
    connection: &mut C,
    metadata: sqlx::pool::PoolConnectionMetadata,
) -> sqlx::Result<bool> {
    if metadata.idle_for > TEST_AFTER_IDLE {
        connection.ping().await?;
    }
    Ok(true)
}

/// A snapshot of the connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open.
    pub size: u32,
    /// Open and unused.
    pub idle: u32,
    /// The most the pool will open.
    pub max: u32,
    /// Queries waiting for a connection (an estimate: statements running on the pool beyond
    /// the connections in use).
    pub waiting: u32,
}

/// The file of an `sqlite://` URL (see [`DatabaseUrl::sqlite_file`]).
pub fn sqlite_file_path(url: &str) -> Option<PathBuf> {
    DatabaseUrl::new(url).sqlite_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            Backend::of("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::of("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::of("sqlite://fithub.db").ok(),
            Some(Backend::Sqlite)
        );
        let error = Backend::of("mysql://u:pw@h/db").unwrap_err().to_string();
        assert!(
            error.contains("database_url") && !error.contains("pw"),
            "{error}"
        );
    }

    #[test]
    fn sqlite_file_path_is_the_urls_file() {
        assert_eq!(
            sqlite_file_path("sqlite:///var/lib/f.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/f.db"))
        );
        assert_eq!(sqlite_file_path("postgres://h/db"), None);
    }
}
