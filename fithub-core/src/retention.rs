//! Tables that grow with traffic stop growing: expired refresh tokens and idempotency keys are
//! deleted, and the audit trail keeps `audit_retention_days`.
//!
//! On PostgreSQL the audit trail is partitioned by month (migration V8) and retention drops
//! whole months, which costs no row deletes, no vacuum and no index bloat; rows that fell into
//! the default partition (a month whose partition was missing) are deleted one by one. SQLite
//! deletes old rows. Every API process runs [`purge`] now and then; on PostgreSQL a
//! transaction-scoped advisory lock lets one process at a time do the work (the others skip),
//! and being transaction-scoped it holds through PgBouncer in transaction mode.

use serde::Serialize;
use time::Duration;

use crate::datetime::Timestamp;
use crate::db::{Database, Dialect, Transaction, query};
use crate::error::Result;
use crate::idempotency;

/// Key of the purge's advisory lock ("fithubpr" in ASCII).
const PURGE_LOCK_KEY: i64 = 0x6669_7468_7562_7072;

/// Months of audit partitions made ahead of time, beyond the current one.
const PARTITIONS_AHEAD: i32 = 2;

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    pub refresh_tokens: u64,
    pub idempotency_keys: u64,
    pub sessions: u64,
    /// Audit rows deleted one by one (SQLite, and PostgreSQL's default partition).
    pub audit_rows: u64,
    /// Monthly audit partitions dropped (PostgreSQL).
    pub audit_partitions: u64,
}

/// Removes whatever has expired; `None` when another process is purging right now.
pub async fn purge(db: &Database, audit_retention_days: u32) -> Result<Option<Purged>> {
    let mut tx = Transaction::begin(db).await?;
    if tx.dialect() == Dialect::Postgres {
        let ours: bool = query("SELECT pg_try_advisory_xact_lock($1)")
            .bind(PURGE_LOCK_KEY)
            .fetch_scalar(&mut tx)
            .await?;
        if !ours {
            return Ok(None);
        }
    }
    let now = Timestamp::now();
    let refresh_tokens = query("DELETE FROM refresh_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(&mut tx)
        .await?;
    let idempotency_keys = idempotency::purge_expired(&mut tx).await?;
    let sessions = crate::accounts::purge_expired_sessions(&mut tx).await?;
    let audit = prune_audit_in(&mut tx, audit_retention_days).await?;
    tx.commit().await?;
    Ok(Some(Purged {
        refresh_tokens,
        idempotency_keys,
        sessions,
        ..audit
    }))
}

/// Applies the audit trail's retention alone (`fithub audit prune`).
pub async fn prune_audit(db: &Database, audit_retention_days: u32) -> Result<Purged> {
    let mut tx = Transaction::begin(db).await?;
    let pruned = prune_audit_in(&mut tx, audit_retention_days).await?;
    tx.commit().await?;
    Ok(pruned)
}

async fn prune_audit_in(tx: &mut Transaction, retention_days: u32) -> Result<Purged> {
    let cutoff = Timestamp::now() - Duration::days(i64::from(retention_days));
    if tx.dialect() == Dialect::Sqlite {
        let audit_rows = query("DELETE FROM audit_log WHERE occurred_at < $1")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
        return Ok(Purged {
            audit_rows,
            ..Purged::default()
        });
    }
    // The months to come first, so that writes keep landing in monthly partitions.
    query("SELECT 1 FROM fithub_audit_partitions_ahead(CAST($1 AS integer))")
        .bind(PARTITIONS_AHEAD)
        .fetch_all::<(i32,)>(&mut *tx)
        .await?;
    let dropped: i32 = query("SELECT fithub_audit_drop_before($1)")
        .bind(cutoff)
        .fetch_scalar(&mut *tx)
        .await?;
    let audit_rows = query("DELETE FROM audit_log_default WHERE occurred_at < $1")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
    Ok(Purged {
        audit_rows,
        audit_partitions: u64::try_from(dropped).unwrap_or_default(),
        ..Purged::default()
    })
}

#[cfg(test)]
mod tests;
