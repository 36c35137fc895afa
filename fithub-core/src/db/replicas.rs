//! PostgreSQL streaming replicas: which one may serve a read now.
//!
//! A monitor asks the primary for its WAL position and each replica for the position it has
//! replayed, every [`POLL_INTERVAL`]. A replica's lag is the age of the oldest primary position
//! it has not replayed yet: zero for a replica that has caught up, whether or not anything is
//! being written. A read may go to a replica that answered its last poll, lags at most
//! `replica_max_lag_ms`, and has replayed the position the reader must see (their own last
//! write, see [`super::reads`]); the replicas take turns. A replica that fails a statement is
//! marked down until its next successful poll, and the statement runs again on the primary.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sqlx::Row;
use sqlx::postgres::PgPool;

use super::written::WrittenPositions;
use super::{PoolSettings, pg_connect_options, pool_options};
use crate::config::DatabaseUrl;

/// How often the monitor polls the primary and every replica.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// A replica whose last answer is older than this serves nothing: its figures are stale.
const STALE_AFTER: Duration = Duration::from_secs(1);
/// How long a replica has to answer a poll or hand out a connection.
const REPLICA_TIMEOUT: Duration = Duration::from_secs(1);

/// A WAL position as a byte offset (`pg_lsn - '0/0'`).
pub(super) const PRIMARY_POSITION: &str =
    "SELECT CAST(pg_current_wal_lsn() - '0/0'::pg_lsn AS BIGINT)";
/// What a replica has replayed; a server not in recovery (a primary named as a replica) has
/// everything it wrote.
const REPLAYED_POSITION: &str = "SELECT CAST(CASE WHEN pg_is_in_recovery() \
     THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn AS BIGINT)";

/// The replicas of one primary. Shared by the pool's clones.
#[derive(Debug)]
pub struct Replicas {
    members: Vec<Replica>,
    next: AtomicUsize,
    max_lag: Duration,
    /// The primary's positions over the last moments, oldest first.
    history: Mutex<VecDeque<(Instant, u64)>>,
    pub(super) written: WrittenPositions,
    /// Reads a replica failed that the primary then served.
    fallbacks: AtomicU64,
}

/// One replica and what the monitor last learned of it.
#[derive(Debug)]
pub struct Replica {
    pub(super) pool: PgPool,
    /// `host:port`, for logs and metrics.
    name: String,
    state: Mutex<ReplicaState>,
    reads: AtomicU64,
}

#[derive(Debug, Default, Clone, Copy)]
struct ReplicaState {
    up: bool,
    replayed: u64,
    lag: Duration,
    answered_at: Option<Instant>,
}

/// A replica as metrics show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaStatus {
    pub name: String,
    pub up: bool,
    /// Seconds behind the primary, as of the last poll.
    pub lag_seconds: f64,
    /// Statements it has served.
    pub reads: u64,
}

impl Replicas {
    /// Pools for `urls` (connected lazily) and a monitor polling them against `primary`. Must be
    /// called inside the tokio runtime; the monitor stops when the last clone is dropped.
    pub(super) fn start(
        urls: &[DatabaseUrl],
        max_lag: Duration,
        settings: &PoolSettings,
        written: WrittenPositions,
        primary: PgPool,
    ) -> sqlx::Result<Arc<Replicas>> {
        let members = urls
            .iter()
            .map(|url| {
                let options = pg_connect_options(url, settings)?;
                let name = format!("{}:{}", options.get_host(), options.get_port());
                let pool = pool_options::<sqlx::Postgres>(settings, settings.max_connections)
                    .acquire_timeout(REPLICA_TIMEOUT.min(settings.connect_timeout))
                    .connect_lazy_with(options);
                Ok(Replica {
                    pool,
                    name,
                    state: Mutex::new(ReplicaState::default()),
                    reads: AtomicU64::new(0),
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()?;
        let replicas = Arc::new(Replicas {
            members,
            next: AtomicUsize::new(0),
            max_lag,
            history: Mutex::new(VecDeque::new()),
            written,
            fallbacks: AtomicU64::new(0),
        });
        tokio::spawn(monitor(Arc::downgrade(&replicas), primary));
        Ok(replicas)
    }

    /// The number of the next replica, in turn, that may serve a read which must see position
    /// `floor`.
    pub(super) fn choose(&self, floor: u64) -> Option<usize> {
        let count = self.members.len();
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        (0..count)
            .map(|offset| (first + offset) % count)
            .find(|index| self.members[*index].can_serve(floor, self.max_lag, now))
    }

    pub(super) fn member(&self, index: usize) -> &Replica {
        &self.members[index]
    }

    /// How long a user's write position must be remembered: past that, every replica that
    /// still serves reads has replayed it (it lags at most `max_lag`, measured at most
    /// [`STALE_AFTER`] ago, against positions sampled every [`POLL_INTERVAL`]).
    pub(super) fn remember_writes_for(&self) -> Duration {
        self.max_lag + STALE_AFTER + 2 * POLL_INTERVAL
    }

    pub(super) fn fell_back(&self) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    pub fn statuses(&self) -> Vec<ReplicaStatus> {
        self.members.iter().map(Replica::status).collect()
    }

    pub(super) async fn close(&self) {
        for replica in &self.members {
            replica.pool.close().await;
        }
    }

    /// Records the primary's position `now`, forgetting what no lag within bounds needs.
    fn sampled(&self, position: u64, now: Instant) {
        let keep = self.max_lag + STALE_AFTER * 5;
        let mut history = lock(&self.history);
        history.push_back((now, position));
        while history.len() > 1 && history.front().is_some_and(|(at, _)| now - *at > keep) {
            history.pop_front();
        }
    }

    /// The age of the oldest primary position beyond `replayed`.
    fn lag(&self, replayed: u64, now: Instant) -> Duration {
        lock(&self.history)
            .iter()
            .find(|(_, position)| *position > replayed)
            .map_or(Duration::ZERO, |(at, _)| now - *at)
    }
}

impl Replica {
    fn can_serve(&self, floor: u64, max_lag: Duration, now: Instant) -> bool {
        let state = *lock(&self.state);
        state.up
            && state.replayed >= floor
            && state.lag <= max_lag
            && state
                .answered_at
                .is_some_and(|at| now.saturating_duration_since(at) <= STALE_AFTER)
    }

    pub(super) fn served(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes note of a failed statement: whether the replica is the cause (it is unreachable,
    /// shutting down, or cancelled the statement for replaying a conflicting change), in which
    /// case it serves nothing until it answers a poll again and the statement may be retried on
    /// the primary.
    pub(super) fn failed(&self, error: &sqlx::Error) -> bool {
        let replica_at_fault = crate::error::is_server_gone(error)
            || matches!(
                error,
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Protocol(_)
            )
            || error
                .as_database_error()
                .and_then(|e| e.code())
                .is_some_and(|code| {
                    // serialization_failure (a recovery conflict), insufficient resources.
                    code == "40001" || code.starts_with("53")
                });
        if replica_at_fault {
            lock(&self.state).up = false;
            tracing::warn!(replica = %self.name, %error, "replica failed a read; the primary serves it");
        }
        replica_at_fault
    }

    fn status(&self) -> ReplicaStatus {
        let state = *lock(&self.state);
        ReplicaStatus {
            name: self.name.clone(),
            up: state.up,
            lag_seconds: state.lag.as_secs_f64(),
            reads: self.reads.load(Ordering::Relaxed),
        }
    }
}

/// Polls the primary, then every replica, until the replicas are dropped.
async fn monitor(replicas: Weak<Replicas>, primary: PgPool) {
    let mut ticks = tokio::time::interval(POLL_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(replicas) = replicas.upgrade() else {
            return;
        };
        if let Ok(Ok(position)) =
            tokio::time::timeout(REPLICA_TIMEOUT, position(&primary, PRIMARY_POSITION)).await
        {
            replicas.sampled(position, Instant::now());
        }
        for replica in &replicas.members {
            let answer =
                tokio::time::timeout(REPLICA_TIMEOUT, position(&replica.pool, REPLAYED_POSITION))
                    .await;
            let now = Instant::now();
            let mut state = lock(&replica.state);
            match answer {
                Ok(Ok(replayed)) => {
                    if !state.up {
                        tracing::info!(replica = %replica.name, "replica serves reads");
                    }
                    *state = ReplicaState {
                        up: true,
                        replayed,
                        lag: replicas.lag(replayed, now),
                        answered_at: Some(now),
                    };
                }
                _ => state.up = false,
            }
        }
    }
}

/// A WAL position, asked in the simple protocol (no prepared statement, so a transaction
/// pooler may serve it from any connection).
pub(super) async fn position(pool: &PgPool, sql: &'static str) -> sqlx::Result<u64> {
    let row = sqlx::raw_sql(sql).fetch_one(pool).await?;
    let position: i64 = row.try_get(0)?;
    Ok(u64::try_from(position).unwrap_or(0))
}

/// The state behind a mutex that a panicking holder cannot have left half-written (plain
/// copies of figures): a poisoned lock is taken as it is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replicas(max_lag: Duration) -> Replicas {
        Replicas {
            members: Vec::new(),
            next: AtomicUsize::new(0),
            max_lag,
            history: Mutex::new(VecDeque::new()),
            written: WrittenPositions::local(),
            fallbacks: AtomicU64::new(0),
        }
    }

    #[test]
    fn lag_is_the_age_of_the_oldest_position_not_replayed() {
        let replicas = replicas(Duration::from_secs(1));
        let start = Instant::now();
        for (offset_ms, position) in [(0, 100), (100, 100), (200, 150), (300, 180)] {
            replicas.sampled(position, start + Duration::from_millis(offset_ms));
        }
        let now = start + Duration::from_millis(400);
        assert_eq!(replicas.lag(180, now), Duration::ZERO);
        assert_eq!(
            replicas.lag(500, now),
            Duration::ZERO,
            "ahead of the samples"
        );
        assert_eq!(replicas.lag(150, now), Duration::from_millis(100));
        assert_eq!(replicas.lag(99, now), Duration::from_millis(400));
    }

    #[test]
    fn old_positions_are_forgotten_but_the_newest_is_kept() {
        let replicas = replicas(Duration::from_secs(1));
        let start = Instant::now();
        replicas.sampled(1, start);
        replicas.sampled(2, start + Duration::from_secs(60));
        assert_eq!(lock(&replicas.history).len(), 1);
        assert_eq!(
            replicas.lag(1, start + Duration::from_secs(61)),
            Duration::from_secs(1)
        );
    }
}
