//! The periodic purge of expired rows (see `fithub_core::retention`): every API process runs
//! it; on PostgreSQL one at a time does the work, the others find the lock taken and skip.

use std::time::Duration;

use fithub_core::Database;
use fithub_core::retention::{self, Purged};

/// Between two purges. Expired rows are harmless meanwhile (every read checks expiry); the
/// purge only keeps the tables from growing.
const INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Rows removed, by table (`fithub_purged_rows_total{table=…}`) and audit partitions dropped.
const PURGED_ROWS: &str = "fithub_purged_rows_total";
const DROPPED_PARTITIONS: &str = "fithub_audit_partitions_dropped_total";

/// Purges now and then every [`INTERVAL`], for as long as the process runs.
pub async fn run(db: Database, audit_retention_days: u32) {
    let mut ticks = tokio::time::interval(INTERVAL);
    loop {
        ticks.tick().await;
        match retention::purge(&db, audit_retention_days).await {
            Ok(Some(purged)) => record(&purged),
            Ok(None) => tracing::debug!("another process is purging"),
            Err(error) => tracing::warn!(%error, "purge failed; retrying at the next interval"),
        }
    }
}

fn record(purged: &Purged) {
    for (table, rows) in [
        ("refresh_tokens", purged.refresh_tokens),
        ("idempotency_keys", purged.idempotency_keys),
        ("sessions", purged.sessions),
        ("audit_log", purged.audit_rows),
    ] {
        metrics::counter!(PURGED_ROWS, "table" => table).increment(rows);
    }
    metrics::counter!(DROPPED_PARTITIONS).increment(purged.audit_partitions);
    tracing::info!(?purged, "purged expired rows");
}
