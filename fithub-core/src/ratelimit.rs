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
use std::time::{SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};

/// Keys beyond this many trigger a sweep of those whose limit has fully replenished.
const SWEEP_ABOVE_KEYS: usize = 10_000;
/// A Redis window, in seconds.
const WINDOW_SECS: u64 = 60;

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
    addresses: Option<DefaultKeyedRateLimiter<String>>,
    usernames: Option<DefaultKeyedRateLimiter<String>>,
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
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)))
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
        let unusable = |error: redis::RedisError| {
            Error::Config(format!("redis_url {}: {error}", url.redacted()))
        };
        let client = redis::Client::open(url.expose()).map_err(unusable)?;
        let connection = client.get_connection_manager().await.map_err(unusable)?;
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
    /// changing case does not reset the count). `RateLimited` when one of them is spent.
    ///
    /// Each limit is checked on its own; to report the state of the tightest one (the
    /// `RateLimit-*` headers), `check` would return its state and this the least of them.
    pub async fn attempt(&self, address: Option<&str>, username: Option<&str>) -> Result<()> {
        if let Some(address) = address {
            self.check(Scope::Address, &address_key(address)).await?;
        }
        if let Some(username) = username {
            self.check(Scope::Username, &username.to_lowercase())
                .await?;
        }
        Ok(())
    }

    async fn check(&self, scope: Scope, key: &str) -> Result<()> {
        let limit = match scope {
            Scope::Address => self.per_address,
            Scope::Username => self.per_username,
        };
        if limit == 0 {
            return Ok(());
        }
        match &self.store {
            Store::Local(local) => {
                let limiter = match scope {
                    Scope::Address => &local.addresses,
                    Scope::Username => &local.usernames,
                };
                let Some(limiter) = limiter else {
                    return Ok(());
                };
                if limiter.len() > SWEEP_ABOVE_KEYS {
                    limiter.retain_recent();
                }
                limiter.check_key(&key.to_owned()).map_err(|not_until| {
                    let wait = not_until.wait_time_from(local.clock.now());
                    Error::RateLimited {
                        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                    }
                })
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
                match counted {
                    Ok((count,)) if count > u64::from(limit) => Err(Error::RateLimited {
                        retry_after_secs: WINDOW_SECS - now % WINDOW_SECS,
                    }),
                    Ok(_) => Ok(()),
                    Err(error) => {
                        tracing::warn!(%error, "rate limit not counted: Redis is unreachable");
                        Ok(())
                    }
                }
            }
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
                .attempt(Some("10.0.0.1"), None)
                .await
                .expect("within the quota");
        }
        match limits.attempt(Some("10.0.0.1"), None).await {
            Err(Error::RateLimited { retry_after_secs }) => {
                assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        limits
            .attempt(Some("10.0.0.2"), None)
            .await
            .expect("another address has its own quota");
    }

    #[tokio::test]
    async fn usernames_are_counted_case_insensitively() {
        let limits = limiter(0, 1);
        limits.attempt(None, Some("Ada")).await.expect("first");
        assert!(limits.attempt(None, Some("ada")).await.is_err());
    }

    #[tokio::test]
    async fn zero_turns_a_limit_off() {
        let limits = limiter(0, 0);
        for _ in 0..100 {
            limits
                .attempt(Some("x"), Some("x"))
                .await
                .expect("unlimited");
        }
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
