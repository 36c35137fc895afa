//! What authentication needs, held once by the API and the CLI and handed to every login,
//! token and session operation.

use std::sync::Arc;

use time::Duration;

use super::jwt::Jwt;
use super::passwords::Passwords;
use super::user_cache::UserCache;
use crate::config::{Config, Secret};
use crate::db::Database;
use crate::ratelimit::RateLimiter;

/// What authentication needs: the signing keys, token lifetimes, the password hasher, the rate
/// limits on attempts and the users authenticated recently.
#[derive(Clone)]
pub struct Auth {
    pub(super) jwt: Jwt,
    pub passwords: Passwords,
    /// Derives API token keys (see `api_tokens`).
    pub(super) api_token_secret: Secret,
    pub(super) users: Arc<UserCache>,
    /// Counted by every attempt to prove who one is (see `credentials`).
    pub(super) limits: Arc<RateLimiter>,
}

impl Auth {
    /// Attempts are counted in this process, with the configured limits.
    pub fn new(secret: &Secret, config: &Config, passwords: Passwords) -> Auth {
        Auth {
            jwt: Jwt::new(
                secret,
                Duration::minutes(config.jwt_access_lifetime_minutes as i64),
                Duration::days(config.jwt_refresh_lifetime_days as i64),
            ),
            passwords,
            api_token_secret: secret.clone(),
            users: Arc::new(UserCache::disabled()),
            limits: Arc::new(RateLimiter::local(config)),
        }
    }

    /// Counts attempts with `limits` instead (e.g. in Redis, across replicas).
    pub fn with_limits(mut self, limits: RateLimiter) -> Auth {
        self.limits = Arc::new(limits);
        self
    }

    /// Remembers authenticated users of `db` for `time_to_live` (see [`UserCache`]): on
    /// PostgreSQL, a client's next request skips the user lookup. Starts a task: call it inside
    /// a tokio runtime.
    pub fn remembering_users(mut self, db: &Database, time_to_live: std::time::Duration) -> Auth {
        self.users = UserCache::listening(db, time_to_live);
        self
    }

    /// Whether the next request of user `id` would skip the lookup.
    #[cfg(feature = "test-support")]
    pub fn remembers(&self, id: i64) -> bool {
        self.users.recall(id).is_some()
    }
}
