//! Failing fast while PostgreSQL is down.
//!
//! Left alone, sqlx's pool meets a stopped server by retrying the connection until its acquire
//! timeout (5 s by default): during an outage every request waited that long for its 503, and a
//! whole outage's worth of clients piled up behind it. Instead, the first sign that the server
//! is gone (a connection refused, reset or terminated, or a pool that cannot open a connection
//! it has room for) marks the database down. While it is down, statements on the pool fail at
//! once, and one background probe at a time tries a fresh connection every
//! [`PROBE_INTERVAL`]; the first that succeeds marks the database up again. Connections opened
//! before the outage are closed at their next checkout instead of being handed out dead.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::error::is_server_gone;

/// How often the probe tries to reconnect: the database is in use again at most this long after
/// it answers.
const PROBE_INTERVAL: Duration = Duration::from_millis(100);

/// The health of one PostgreSQL pool. Shared by the pool's clones.
#[derive(Debug)]
pub(crate) struct Outage {
    down: AtomicBool,
    probing: AtomicBool,
    /// When the last outage began, in nanoseconds after `epoch`; 0 before any.
    began: AtomicU64,
    epoch: Instant,
    connect_timeout: Duration,
    /// Wakes the checkouts already waiting for a connection when the database is found down:
    /// they would otherwise wait out the pool's timeout.
    tripped: tokio::sync::Notify,
}

impl Outage {
    pub(crate) fn new(connect_timeout: Duration) -> Arc<Outage> {
        Arc::new(Outage {
            down: AtomicBool::new(false),
            probing: AtomicBool::new(false),
            began: AtomicU64::new(0),
            epoch: Instant::now(),
            connect_timeout,
            tripped: tokio::sync::Notify::new(),
        })
    }

    pub(crate) fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// An error at once while the database is down; the probe reconnects meanwhile.
    pub(crate) fn check(&self) -> sqlx::Result<()> {
        if self.is_down() {
            return Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "the database is down; a probe is reconnecting",
            )));
        }
        Ok(())
    }

    /// Marks the database down if `error` says it is gone. `room_to_connect`: the pool had fewer
    /// connections than its maximum, so a pool timeout means it could not open one (rather than
    /// that every connection was busy).
    pub(crate) fn observe(
        self: &Arc<Self>,
        error: &sqlx::Error,
        room_to_connect: bool,
        options: &Arc<PgConnectOptions>,
    ) {
        let gone = is_server_gone(error)
            || (room_to_connect && matches!(error, sqlx::Error::PoolTimedOut));
        if gone {
            self.trip(options);
        }
    }

    fn trip(self: &Arc<Self>, options: &Arc<PgConnectOptions>) {
        let now = self.epoch.elapsed().as_nanos().max(1) as u64;
        self.began.store(now, Ordering::Release);
        if !self.down.swap(true, Ordering::AcqRel) {
            tracing::warn!("the database is unreachable: answering 503 until a probe reconnects");
        }
        self.tripped.notify_waiters();
        if !self.probing.swap(true, Ordering::AcqRel) {
            tokio::spawn(probe(self.clone(), options.clone()));
        }
    }

    /// Completes when the database is next found down.
    pub(crate) fn tripped(&self) -> tokio::sync::futures::Notified<'_> {
        self.tripped.notified()
    }

    /// Whether a connection `age` old was opened before the last outage began: it is dead.
    pub(crate) fn predates(&self, age: Duration) -> bool {
        let began = self.began.load(Ordering::Acquire);
        began != 0
            && age
                > self
                    .epoch
                    .elapsed()
                    .saturating_sub(Duration::from_nanos(began))
    }
}

/// Tries a fresh connection every [`PROBE_INTERVAL`] until one succeeds.
async fn probe(outage: Arc<Outage>, options: Arc<PgConnectOptions>) {
    let started = Instant::now();
    loop {
        let attempt = tokio::time::timeout(outage.connect_timeout, async {
            let mut connection = PgConnection::connect_with(&options).await?;
            connection.ping().await?;
            connection.close().await
        });
        if let Ok(Ok(())) = attempt.await {
            outage.down.store(false, Ordering::Release);
            outage.probing.store(false, Ordering::Release);
            tracing::info!(
                down_ms = started.elapsed().as_millis() as u64,
                "the database answers again"
            );
            return;
        }
        tokio::time::sleep(PROBE_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_from_before_the_outage_is_stale() {
        let outage = Outage::new(Duration::from_millis(10));
        assert!(!outage.predates(Duration::from_secs(3600)));
        let options = Arc::new(PgConnectOptions::new().host("127.0.0.1").port(1));
        std::thread::sleep(Duration::from_millis(5));
        outage.observe(&sqlx::Error::PoolTimedOut, true, &options);
        assert!(outage.is_down());
        assert!(outage.check().is_err());
        assert!(outage.predates(Duration::from_secs(1)));
        assert!(!outage.predates(Duration::ZERO));
    }
}
