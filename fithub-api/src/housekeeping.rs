//! Rows that outlive their use: expired browser sessions and idempotency keys past their
//! retention. Each replica purges every few minutes; the deletes are idempotent, so replicas
//! running them at once only repeat each other's work, and a missed round is caught up by the
//! next (expired rows are ignored by every read meanwhile).

use std::time::Duration;

use fithub_core::Database;
use fithub_core::accounts;
use fithub_core::idempotency;
use tokio::task::JoinHandle;

/// How often expired rows are purged.
const EVERY: Duration = Duration::from_secs(600);

/// Purges now and then every [`EVERY`], until the task is aborted.
pub fn spawn(db: Database) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            purge(&db).await;
        }
    })
}

async fn purge(db: &Database) {
    match accounts::purge_expired_sessions(db).await {
        Ok(purged) if purged > 0 => tracing::info!(purged, "expired sessions purged"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "expired sessions were not purged"),
    }
    match idempotency::purge_expired(db).await {
        Ok(purged) if purged > 0 => tracing::info!(purged, "expired idempotency keys purged"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "expired idempotency keys were not purged"),
    }
}
