//! Rate limits on authentication (logging in, refreshing, registering, API tokens, changing the
//! password), counted per client address and per username: one address cannot guess quickly, and
//! neither can many addresses against one account. An IPv6 client counts as its /64, the block
//! one subscriber is usually given, so that its 2^64 addresses share one quota.
//!
//! Without Redis the counts live in this process (a GCRA limiter: the quota replenishes
//! smoothly), so each replica limits on its own. With `redis_url` they live in Redis, in fixed
//! one-minute windows, so the limits hold across every replica. If Redis cannot be reached the
//! attempt is allowed and a warning logged: an outage of the limiter must not stop logins.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota};
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};

/// Keys beyond this many trigger a sweep of those whose limit has fully replenished.
const SWEEP_ABOVE_KEYS: usize = 10_000;
/// A Redis window, in seconds.
const WINDOW_SECS: u64 = 60;

/// A keyed limiter that reports how much of its quota is left.
type Keyed = DefaultKeyedRateLimiter<String, StateInformationMiddleware>;

/// The state of one limit after an attempt: what the `RateLimit-*` headers of its answer say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// Attempts allowed per minute.
    pub limit: u32,
    /// Attempts left now.
    pub remaining: u32,
    /// Seconds until the whole quota is available again.
    pub reset_secs: u64,
}

/// The tightest limit a request was counted against, noted by the core for the answer's
/// headers. Clones share the note; a request that counted nothing leaves it empty.
#[derive(Debug, Clone, Default)]
pub struct RateNote(Arc<Mutex<Option<RateState>>>);

impl RateNote {
    fn record(&self, state: RateState) {
        if let Ok(mut noted) = self.0.lock() {
            *noted = Some(state);
        }
    }

    pub fn get(&self) -> Option<RateState> {
        self.0.lock().ok().and_then(|noted| *noted)
    }
}

/// The limits; a limit configured as 0 is off.
pub struct RateLimiter {
    per_address: u32,
    per_username: u32,
    store: Store,
}

enum Store {
    // Boxed: the limiters are much larger than a Redis connection.
    Local(Box<LocalLimits>),
    Redis {
        connection: ConnectionManager,
        prefix: String,
    },
}

struct LocalLimits {
    addresses: Option<Keyed>,
    usernames: Option<Keyed>,
    clock: DefaultClock,
}

/// Which count an attempt is added to.
#[derive(Clone, Copy)]
enum Scope {
    Address,
    Username,
}

impl RateLimiter {
    /// Counts kept in this process.
    pub fn local(config: &Config) -> RateLimiter {
        let keyed = |per_minute: u32| {
            NonZeroU32::new(per_minute)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)).with_middleware())
        };
        RateLimiter {
            per_address: config.auth_rate_limit_per_address,
            per_username: config.auth_rate_limit_per_username,
            store: Store::Local(Box::new(LocalLimits {
                addresses: keyed(config.auth_rate_limit_per_address),
                usernames: keyed(config.auth_rate_limit_per_username),
                clock: DefaultClock::default(),
            })),
        }
    }

    /// Counts in Redis when `redis_url` is configured (connecting now), else in this process.
    pub async fn connect(config: &Config) -> Result<RateLimiter> {
        let Some(url) = &config.redis_url else {
            return Ok(Self::local(config));
        };
        let connection = crate::db::connect_redis(url).await?;
        Ok(RateLimiter {
            per_address: config.auth_rate_limit_per_address,
            per_username: config.auth_rate_limit_per_username,
            store: Store::Redis {
                connection,
                prefix: config.redis_prefix.clone(),
            },
        })
    }

    /// Counts an authentication attempt against every limit it falls under: that of the client's
    /// `address`, and that of the `username` it names (compared case-insensitively, so that
    /// changing case does not reset the count). `RateLimited` when one of them is spent. The
    /// state of the limit closest to running out is noted in `note`.
    pub async fn attempt(
        &self,
        address: Option<&str>,
        username: Option<&str>,
        note: &RateNote,
    ) -> Result<()> {
        let mut tightest: Option<RateState> = None;
        let mut keep = |state: RateState| {
            if tightest.is_none_or(|kept| state.remaining < kept.remaining) {
                tightest = Some(state);
            }
        };
        let mut outcome = Ok(());
        let keys = [
            address.map(|address| (Scope::Address, address_key(address))),
            username.map(|username| (Scope::Username, username.to_lowercase())),
        ];
        for (scope, key) in keys.into_iter().flatten() {
            match self.check(scope, &key).await {
                Ok(Some(state)) => keep(state),
                Ok(None) => {}
                Err(spent) => {
                    keep(spent.state);
                    outcome = Err(Error::RateLimited {
                        retry_after_secs: spent.state.reset_secs,
                    });
                    break;
                }
            }
        }
        if let Some(state) = tightest {
            note.record(state);
        }
        outcome
    }

    /// The limit's state after counting one attempt for `key`; `None` when the limit is off
    /// (or Redis is unreachable).
    async fn check(
        &self,
        scope: Scope,
        key: &str,
    ) -> std::result::Result<Option<RateState>, Spent> {
        let limit = match scope {
            Scope::Address => self.per_address,
            Scope::Username => self.per_username,
        };
        if limit == 0 {
            return Ok(None);
        }
        match &self.store {
            Store::Local(local) => {
                let limiter = match scope {
                    Scope::Address => &local.addresses,
                    Scope::Username => &local.usernames,
                };
                let Some(limiter) = limiter else {
                    return Ok(None);
                };
                if limiter.len() > SWEEP_ABOVE_KEYS {
                    limiter.retain_recent();
                }
                match limiter.check_key(&key.to_owned()) {
                    Ok(snapshot) => {
                        let remaining = snapshot.remaining_burst_capacity();
                        // The quota replenishes one attempt every 60/limit seconds.
                        let used = u64::from(limit - remaining.min(limit));
                        Ok(Some(RateState {
                            limit,
                            remaining,
                            reset_secs: (used * 60).div_ceil(u64::from(limit)),
                        }))
                    }
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(local.clock.now());
                        Err(Spent::after(
                            limit,
                            wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                        ))
                    }
                }
            }
            Store::Redis { connection, prefix } => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_secs());
                let window = now / WINDOW_SECS;
                let scope = match scope {
                    Scope::Address => "address",
                    Scope::Username => "username",
                };
                // Hashed: usernames come from the client, of any length and content.
                let digest = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
                let redis_key = format!("{prefix}:ratelimit:{scope}:{window}:{digest}");
                let counted: redis::RedisResult<(u64,)> = redis::pipe()
                    .atomic()
                    .incr(&redis_key, 1u64)
                    .expire(&redis_key, (2 * WINDOW_SECS) as i64)
                    .ignore()
                    .query_async(&mut connection.clone())
                    .await;
                let reset_secs = WINDOW_SECS - now % WINDOW_SECS;
                match counted {
                    Ok((count,)) if count > u64::from(limit) => {
                        Err(Spent::after(limit, reset_secs))
                    }
                    Ok((count,)) => Ok(Some(RateState {
                        limit,
                        remaining: limit.saturating_sub(u32::try_from(count).unwrap_or(u32::MAX)),
                        reset_secs,
                    })),
                    Err(error) => {
                        tracing::warn!(%error, "rate limit not counted: Redis is unreachable");
                        Ok(None)
                    }
                }
            }
        }
    }
}

/// A limit with nothing left.
struct Spent {
    state: RateState,
}

impl Spent {
    fn after(limit: u32, reset_secs: u64) -> Spent {
        Spent {
            state: RateState {
                limit,
                remaining: 0,
                reset_secs,
            },
        }
    }
}

/// What an address is counted as: an IPv4 address (also when written IPv4-mapped) as itself, an
/// IPv6 address as its /64.
fn address_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & !(u128::from(u64::MAX));
                format!("{}/64", Ipv6Addr::from(network))
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        // Not an address: counted as written.
        Err(_) => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_address: u32, per_username: u32) -> RateLimiter {
        RateLimiter::local(&Config {
            auth_rate_limit_per_address: per_address,
            auth_rate_limit_per_username: per_username,
            ..Config::default()
        })
    }

    #[tokio::test]
    async fn allows_the_quota_then_says_when_to_retry() {
        let limits = limiter(3, 0);
        for _ in 0..3 {
            limits
                .attempt(Some("10.0.0.1"), None, &RateNote::default())
                .await
                .expect("within the quota");
        }
        match limits
            .attempt(Some("10.0.0.1"), None, &RateNote::default())
            .await
        {
            Err(Error::RateLimited { retry_after_secs }) => {
                assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        limits
            .attempt(Some("10.0.0.2"), None, &RateNote::default())
            .await
            .expect("another address has its own quota");
    }

    #[tokio::test]
    async fn usernames_are_counted_case_insensitively() {
        let limits = limiter(0, 1);
        limits
            .attempt(None, Some("Ada"), &RateNote::default())
            .await
            .expect("first");
        assert!(
            limits
                .attempt(None, Some("ada"), &RateNote::default())
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn zero_turns_a_limit_off() {
        let limits = limiter(0, 0);
        for _ in 0..100 {
            let note = RateNote::default();
            limits
                .attempt(Some("x"), Some("x"), &note)
                .await
                .expect("unlimited");
            assert_eq!(note.get(), None, "no limit, nothing to report");
        }
    }

    #[tokio::test]
    async fn the_note_holds_the_limit_closest_to_running_out() {
        let limits = limiter(10, 3);
        let note = RateNote::default();
        limits
            .attempt(Some("10.0.0.9"), Some("eve"), &note)
            .await
            .expect("first");
        let state = note.get().expect("noted");
        assert_eq!((state.limit, state.remaining), (3, 2), "the username's");
        assert!(state.reset_secs >= 1 && state.reset_secs <= 20, "{state:?}");
        for _ in 0..2 {
            limits
                .attempt(Some("10.0.0.9"), Some("eve"), &note)
                .await
                .expect("within the limit");
        }
        let spent = limits.attempt(Some("10.0.0.9"), Some("eve"), &note).await;
        assert!(matches!(spent, Err(Error::RateLimited { .. })), "{spent:?}");
        assert_eq!(note.get().map(|state| state.remaining), Some(0));
    }

    #[test]
    fn ipv6_addresses_count_as_their_64() {
        assert_eq!(address_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2::"), "2001:db8:1:2::/64");
        assert_eq!(address_key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(address_key("192.0.2.1"), "192.0.2.1");
        assert_eq!(address_key("::1"), "::/64");
    }
}
