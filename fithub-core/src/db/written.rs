//! Each user's latest write position, so that their next reads see it (read-your-writes).
//!
//! Kept in Redis when `redis_url` is set, so that every API process knows it, whichever one took
//! the write: clients need not carry anything back (existing mobile clients keep no cookies, and
//! a header they would have to echo is one they do not send). Without Redis it is kept in this
//! process, which is right for one API process (production with replicas requires Redis). An
//! entry lives only as long as a replica may lag (see `Replicas::remember_writes_for`): after
//! that, every replica allowed to serve has replayed the write anyway.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use crate::config::DatabaseUrl;
use crate::error::{Error, Result};

/// Entries a process keeps before it sweeps out the expired ones.
const LOCAL_SWEEP_AT: usize = 10_000;

/// Raises the stored position, never lowers it (two requests of one user may finish out of
/// order), and renews its expiry.
const RAISE: &str = r"
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1";

pub enum WrittenPositions {
    Local(Mutex<HashMap<i64, (u64, Instant)>>),
    Redis {
        connection: ConnectionManager,
        prefix: String,
    },
}

impl std::fmt::Debug for WrittenPositions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WrittenPositions::Local(_) => "WrittenPositions::Local",
            WrittenPositions::Redis { .. } => "WrittenPositions::Redis",
        })
    }
}

/// A connection to the Redis at `url`, reconnecting by itself: what API processes share
/// (rate limits, write positions) lives there.
pub async fn connect_redis(url: &DatabaseUrl) -> Result<ConnectionManager> {
    let unusable =
        |error: redis::RedisError| Error::Config(format!("redis_url {}: {error}", url.redacted()));
    let client = redis::Client::open(url.expose()).map_err(unusable)?;
    client.get_connection_manager().await.map_err(unusable)
}

impl WrittenPositions {
    pub fn local() -> WrittenPositions {
        WrittenPositions::Local(Mutex::new(HashMap::new()))
    }

    pub fn redis(connection: ConnectionManager, prefix: &str) -> WrittenPositions {
        WrittenPositions::Redis {
            connection,
            prefix: prefix.to_owned(),
        }
    }

    /// The position `user`'s reads must see: 0 when nothing is remembered. When Redis cannot
    /// answer, a position no replica has, so that the primary serves: stale data is never the
    /// price of an outage.
    pub(super) async fn of(&self, user: i64) -> u64 {
        match self {
            WrittenPositions::Local(entries) => {
                let entries = entries
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match entries.get(&user) {
                    Some((position, until)) if *until > Instant::now() => *position,
                    _ => 0,
                }
            }
            WrittenPositions::Redis { connection, prefix } => {
                let mut connection = connection.clone();
                let stored: redis::RedisResult<Option<u64>> = redis::cmd("GET")
                    .arg(key(prefix, user))
                    .query_async(&mut connection)
                    .await;
                stored.map_or(u64::MAX, Option::unwrap_or_default)
            }
        }
    }

    /// Remembers that `user` wrote up to `position`, for `ttl`.
    pub(super) async fn raise(&self, user: i64, position: u64, ttl: Duration) {
        match self {
            WrittenPositions::Local(entries) => {
                let now = Instant::now();
                let mut entries = entries
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if entries.len() >= LOCAL_SWEEP_AT {
                    entries.retain(|_, (_, until)| *until > now);
                }
                let entry = entries.entry(user).or_insert((0, now));
                *entry = (entry.0.max(position), now + ttl);
            }
            WrittenPositions::Redis { connection, prefix } => {
                let mut connection = connection.clone();
                let raised: redis::RedisResult<i64> = redis::Script::new(RAISE)
                    .key(key(prefix, user))
                    .arg(position)
                    .arg(ttl.as_millis().max(1) as u64)
                    .invoke_async(&mut connection)
                    .await;
                if let Err(error) = raised {
                    // The user may read from a replica that has not replayed this write yet,
                    // for at most the replicas' allowed lag.
                    tracing::warn!(%error, user, "could not record a write position in Redis");
                }
            }
        }
    }
}

fn key(prefix: &str, user: i64) -> String {
    format!("{prefix}:written:{user}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_position_is_raised_never_lowered_and_expires() {
        let positions = WrittenPositions::local();
        assert_eq!(positions.of(7).await, 0);
        positions.raise(7, 100, Duration::from_secs(60)).await;
        positions.raise(7, 50, Duration::from_secs(60)).await;
        assert_eq!(positions.of(7).await, 100);
        assert_eq!(
            positions.of(8).await,
            0,
            "another user's writes are not theirs"
        );
        positions.raise(7, 200, Duration::ZERO).await;
        assert_eq!(positions.of(7).await, 0, "expired");
    }

    #[tokio::test]
    async fn redis_keeps_the_highest_position_for_its_time() {
        let Ok(url) = std::env::var("FITHUB_TEST_REDIS_URL") else {
            return;
        };
        let client = redis::Client::open(url).expect("a Redis URL");
        let connection = client
            .get_connection_manager()
            .await
            .expect("FITHUB_TEST_REDIS_URL is set but Redis cannot be reached");
        let prefix = format!("fithub-test-{}", uuid::Uuid::new_v4().simple());
        let positions = WrittenPositions::redis(connection, &prefix);
        assert_eq!(positions.of(7).await, 0);
        positions.raise(7, 100, Duration::from_secs(60)).await;
        positions.raise(7, 50, Duration::from_secs(60)).await;
        assert_eq!(positions.of(7).await, 100);
        assert_eq!(positions.of(8).await, 0);
        positions.raise(7, 100, Duration::from_millis(1)).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(positions.of(7).await, 0, "expired");
    }
}
