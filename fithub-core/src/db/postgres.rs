//! PostgreSQL's pools: the primary's, with what it knows of the server's health (see
//! [`super::outage`]), and those of its replicas (see [`super::replicas`]).

use std::ops::Deref;
use std::sync::Arc;

use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use super::outage::Outage;
use super::reads;
use super::replicas::{Replica, Replicas};

/// The pools of one PostgreSQL database. Cheap to clone; it derefs to the primary's sqlx pool.
#[derive(Debug, Clone)]
pub struct PgPools {
    pub(super) primary: PgPool,
    pub(super) outage: Arc<Outage>,
    pub(super) replicas: Option<Arc<Replicas>>,
    /// Through a transaction pooler (see `database_transaction_pooling`).
    pub(super) transaction_pooling: bool,
    /// What begins a transaction, when not sqlx's plain `BEGIN`: through a pooler, which
    /// refuses connection options, it also sets the statement timeout.
    pub(super) begin: Option<SqlStr>,
}

impl PgPools {
    /// A replica that may serve the current read (see [`super::reads`]), with its number.
    pub(super) fn replica_for_reads(&self) -> Option<(usize, &Replica)> {
        let replicas = self.replicas.as_deref()?;
        let index = replicas.choose(reads::replica_floor()?)?;
        Some((index, replicas.member(index)))
    }

    pub(super) fn fell_back(&self) {
        if let Some(replicas) = &self.replicas {
            replicas.fell_back();
        }
    }

    /// Whether PostgreSQL is reached through a transaction pooler.
    pub fn is_transaction_pooled(&self) -> bool {
        self.transaction_pooling
    }

    /// The replicas, if any are configured.
    pub fn replicas(&self) -> Option<&Replicas> {
        self.replicas.as_deref()
    }

    /// What begins a transaction: `None` for sqlx's plain `BEGIN`.
    pub(super) fn begin_statement(&self) -> Option<SqlStr> {
        self.begin.clone()
    }

    /// The sqlx pool, for code that talks to sqlx directly.
    pub fn primary(&self) -> &PgPool {
        &self.primary
    }

    /// Whether the server is known to be unreachable right now.
    pub fn is_down(&self) -> bool {
        self.outage.is_down()
    }

    /// Fails at once while the server is known to be down.
    pub(super) fn check(&self) -> sqlx::Result<()> {
        self.outage.check()
    }

    /// Takes note of a failed statement or checkout: the server may be gone.
    pub(super) fn observe(&self, error: &sqlx::Error) {
        let room = self.primary.size() < self.primary.options().get_max_connections();
        self.outage
            .observe(error, room, &self.primary.connect_options());
    }

    /// A connection from the pool: at once an error while the server is known to be down.
    pub(super) async fn checkout(
        &self,
    ) -> sqlx::Result<sqlx::pool::PoolConnection<sqlx::Postgres>> {
        // Listening before the check: a trip between the two still wakes this checkout.
        let tripped = self.outage.tripped();
        self.check()?;
        tokio::select! {
            acquired = self.primary.acquire() => {
                acquired.inspect_err(|error| self.observe(error))
            }
            () = tripped => self.check().and(Err(sqlx::Error::PoolTimedOut)),
        }
    }
}

impl Deref for PgPools {
    type Target = PgPool;

    fn deref(&self) -> &PgPool {
        &self.primary
    }
}

/// The `begin` of pools under `settings`.
pub(super) fn begin_statement(settings: &super::PoolSettings) -> Option<SqlStr> {
    match (settings.transaction_pooling, settings.statement_timeout) {
        (true, Some(timeout)) => Some(
            AssertSqlSafe(format!(
                "BEGIN; SET LOCAL statement_timeout = {}",
                timeout.as_millis()
            ))
            .into_sql_str(),
        ),
        _ => None,
    }
}
