//! Rate limits on authentication (logging in, refreshing, registering, API tokens), counted per
//! client address and per username: one address cannot guess quickly, and neither can many
//! addresses against one account.
//!
//! The counts live in this process: each replica limits on its own.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::Config;
use crate::error::{Error, Result};

/// Keys beyond this many trigger a sweep of those whose limit has fully replenished.
const SWEEP_ABOVE_KEYS: usize = 10_000;

/// The limits; a limit configured as 0 is off.
pub struct RateLimiter {
    per_address: Option<DefaultKeyedRateLimiter<String>>,
    per_username: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl RateLimiter {
    pub fn from_config(config: &Config) -> RateLimiter {
        let keyed = |per_minute: u32| {
            NonZeroU32::new(per_minute)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)))
        };
        RateLimiter {
            per_address: keyed(config.auth_rate_limit_per_address),
            per_username: keyed(config.auth_rate_limit_per_username),
            clock: DefaultClock::default(),
        }
    }

    /// Counts an authentication attempt from `address`.
    pub fn check_address(&self, address: &str) -> Result<()> {
        self.check(self.per_address.as_ref(), address)
    }

    /// Counts an authentication attempt for `username` (compared case-insensitively, so that
    /// changing case does not reset the count).
    pub fn check_username(&self, username: &str) -> Result<()> {
        self.check(self.per_username.as_ref(), &username.to_lowercase())
    }

    fn check(&self, limiter: Option<&DefaultKeyedRateLimiter<String>>, key: &str) -> Result<()> {
        let Some(limiter) = limiter else {
            return Ok(());
        };
        if limiter.len() > SWEEP_ABOVE_KEYS {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            Error::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_address: u32, per_username: u32) -> RateLimiter {
        RateLimiter::from_config(&Config {
            auth_rate_limit_per_address: per_address,
            auth_rate_limit_per_username: per_username,
            ..Config::default()
        })
    }

    #[test]
    fn allows_the_quota_then_says_when_to_retry() {
        let limits = limiter(3, 0);
        for _ in 0..3 {
            limits.check_address("10.0.0.1").expect("within the quota");
        }
        match limits.check_address("10.0.0.1") {
            Err(Error::RateLimited { retry_after_secs }) => {
                assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        limits
            .check_address("10.0.0.2")
            .expect("another address has its own quota");
    }

    #[test]
    fn usernames_are_counted_case_insensitively() {
        let limits = limiter(0, 1);
        limits.check_username("Ada").expect("first");
        assert!(limits.check_username("ada").is_err());
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limits = limiter(0, 0);
        for _ in 0..100 {
            limits.check_address("x").expect("unlimited");
            limits.check_username("x").expect("unlimited");
        }
    }
}
