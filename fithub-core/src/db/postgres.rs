//! PostgreSQL's pool, with what it knows of the server's health (see [`super::outage`]).

use std::ops::Deref;
use std::sync::Arc;

use sqlx::postgres::PgPool;

use super::outage::Outage;

/// The pool of one PostgreSQL database. Cheap to clone; it derefs to the sqlx pool.
#[derive(Debug, Clone)]
pub struct PgPools {
    pub(super) primary: PgPool,
    pub(super) outage: Arc<Outage>,
}

impl PgPools {
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
