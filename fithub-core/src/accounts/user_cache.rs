//! Users authenticated recently, so that a client's next request skips the user lookup.
//!
//! On PostgreSQL that lookup is a round trip of its own on every request, a large share of a
//! list request's work (README, Performance). The cache stays exact because PostgreSQL says when a user changes: a trigger
//! (migration V4) sends `NOTIFY fithub_users, '<id>'` when a `users` row is updated or deleted,
//! from any replica, the CLI or plain SQL, and each API process listens and forgets that user.
//! Notifications are delivered on commit, so a revoked token stops working everywhere as soon as
//! the change commits and the notification crosses the wire.
//!
//! - While the listening connection is down, nothing is served from the cache: the changes it
//!   would have heard are lost. On reconnection the cache starts empty.
//! - A lookup that raced a change must not store what it read before the change. Every
//!   forgetting moves a generation on; a lookup stores its row only if the generation it saw
//!   before reading is still current.
//! - A change this process makes itself (a password change, a login, a profile update, a
//!   deletion) forgets the user at once, without waiting for its notification: a client's next
//!   request on the same replica sees the change. Another replica hears of it within the
//!   notification's delivery time, well under a millisecond on a healthy network.
//! - Entries also expire after the configured time, in case the notifications never come (a
//!   pooler in transaction mode accepts LISTEN and then delivers nothing).
//!
//! SQLite has no notifications, and its lookup is no round trip: it never caches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::task::AbortHandle;

use super::User;
use crate::db::Database;

/// The channel the `users` trigger notifies (migrations/postgres/V4).
const CHANNEL: &str = "fithub_users";
/// At most this many users are remembered (a few MB); beyond it, lookups are not stored.
const CAPACITY: usize = 10_000;
/// The waits before connecting again after the listening connection failed: doubling from the
/// first to the last, so a database that is down is not flooded (nor the log).
const RECONNECT_DELAYS: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(30));

/// Users recently authenticated, kept exact by PostgreSQL's notifications.
pub struct UserCache {
    state: Mutex<State>,
    time_to_live: Duration,
    /// The listening task, stopped when the cache is dropped.
    listener: Option<AbortHandle>,
}

#[derive(Default)]
struct State {
    users: HashMap<i64, Remembered>,
    /// Moved on by every forgetting: see [`Ticket`].
    generation: u64,
    /// Whether the listening connection is up, so that a change would be heard.
    listening: bool,
}

struct Remembered {
    user: User,
    until: Instant,
}

/// The generation a lookup started under: what it read may be stored only if nothing was
/// forgotten since.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl UserCache {
    /// A cache that remembers nothing.
    pub fn disabled() -> UserCache {
        UserCache::new(Duration::ZERO, None)
    }

    /// Empty, and not listening until `listener` connects.
    fn new(time_to_live: Duration, listener: Option<AbortHandle>) -> UserCache {
        UserCache {
            state: Mutex::default(),
            time_to_live,
            listener,
        }
    }

    /// A cache for `db`'s users, kept for `time_to_live` at most. Remembers nothing on SQLite or
    /// with a zero `time_to_live`. Must be called inside a tokio runtime: it starts the task
    /// that listens for changes, which connects on its own (a database that is down only keeps
    /// the cache empty).
    pub fn listening(db: &Database, time_to_live: Duration) -> Arc<UserCache> {
        let pool = match db {
            // A transaction pooler accepts LISTEN and then delivers nothing: remembered users
            // would outlive their deactivation.
            Database::Postgres(pool) if pool.is_transaction_pooled() => {
                tracing::info!(
                    "no user cache: through a transaction pooler, changed users cannot be heard of"
                );
                return Arc::new(UserCache::disabled());
            }
            Database::Postgres(pool) if !time_to_live.is_zero() => pool,
            _ => return Arc::new(UserCache::disabled()),
        };
        // Its own pool of one, so the listening connection never takes one of the requests'.
        let options = (*pool.connect_options())
            .clone()
            .application_name("fithub-listener");
        let listener_pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(pool.options().get_acquire_timeout())
            .connect_lazy_with(options);
        Arc::new_cyclic(|cache: &Weak<UserCache>| {
            let task = tokio::spawn(listen(cache.clone(), listener_pool));
            UserCache::new(time_to_live, Some(task.abort_handle()))
        })
    }

    /// The user with this id, if remembered and still trusted.
    pub fn recall(&self, id: i64) -> Option<User> {
        let state = self.state();
        if !state.listening {
            return None;
        }
        let remembered = state.users.get(&id)?;
        (remembered.until > Instant::now()).then(|| remembered.user.clone())
    }

    /// Taken before a lookup, and given back to [`remember`](Self::remember) with its result.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.state().generation)
    }

    /// Keeps `user`, read from the database after `ticket` was taken, unless a change was heard
    /// in between (what was read may predate it) or nothing would be heard now.
    pub fn remember(&self, ticket: Ticket, user: &User) {
        let now = Instant::now();
        let mut state = self.state();
        if !state.listening || state.generation != ticket.0 {
            return;
        }
        if state.users.len() >= CAPACITY {
            state.users.retain(|_, remembered| remembered.until > now);
            if state.users.len() >= CAPACITY {
                return;
            }
        }
        let until = now + self.time_to_live;
        let user = user.clone();
        state.users.insert(user.id, Remembered { user, until });
    }

    /// Forgets a user who changed. PostgreSQL says so to every replica; a change made by this
    /// process also forgets at once, so that its own next request never sees the old row while the
    /// notification is on its way.
    pub(super) fn forget(&self, id: i64) {
        let mut state = self.state();
        state.generation += 1;
        state.users.remove(&id);
    }

    /// Forgets everyone; remembers again only while `listening`.
    fn reset(&self, listening: bool) {
        let mut state = self.state();
        state.generation += 1;
        state.users.clear();
        state.listening = listening;
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement that changes it: a panic elsewhere while
        // the lock was held leaves nothing half-done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for UserCache {
    fn drop(&mut self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }
}

/// Listens for changed users for as long as the cache lives, reconnecting when the connection
/// fails. The cache remembers only while a connection listens.
async fn listen(cache: Weak<UserCache>, pool: sqlx::PgPool) {
    let mut delay = RECONNECT_DELAYS.0;
    loop {
        let subscribed = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = match subscribed.await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for changed users; authenticating without the cache");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RECONNECT_DELAYS.1);
                continue;
            }
        };
        delay = RECONNECT_DELAYS.0;
        let Some(live) = cache.upgrade() else { return };
        live.reset(true);
        drop(live);
        loop {
            let received = listener.try_recv().await;
            let Some(cache) = cache.upgrade() else { return };
            match received {
                Ok(Some(notification)) => match notification.payload().parse() {
                    Ok(id) => cache.forget(id),
                    Err(_) => cache.reset(true),
                },
                // The connection dropped and a new one listens again: what changed in between
                // went unheard.
                Ok(None) => cache.reset(true),
                Err(error) => {
                    cache.reset(false);
                    tracing::warn!(%error, "lost the connection listening for changed users; authenticating without the cache");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache whose connection listens, without a database.
    fn heard(time_to_live: Duration) -> UserCache {
        let cache = UserCache::new(time_to_live, None);
        cache.reset(true);
        cache
    }

    #[test]
    fn a_remembered_user_is_recalled_until_forgotten() {
        let cache = heard(Duration::from_secs(60));
        cache.remember(cache.ticket(), &User::sample(1));
        cache.remember(cache.ticket(), &User::sample(2));
        assert_eq!(cache.recall(1).map(|u| u.id), Some(1));
        cache.forget(1);
        assert!(cache.recall(1).is_none());
        assert_eq!(cache.recall(2).map(|u| u.id), Some(2));
    }

    #[test]
    fn a_lookup_that_raced_a_change_is_not_stored() {
        let cache = heard(Duration::from_secs(60));
        let ticket = cache.ticket();
        // The change is heard while the lookup's row is on its way.
        cache.forget(1);
        cache.remember(ticket, &User::sample(1));
        assert!(cache.recall(1).is_none());
    }

    #[test]
    fn nothing_is_served_or_stored_while_nothing_listens() {
        let cache = heard(Duration::from_secs(60));
        cache.remember(cache.ticket(), &User::sample(1));
        cache.reset(false);
        assert!(
            cache.recall(1).is_none(),
            "forgotten when the connection fell"
        );
        cache.remember(cache.ticket(), &User::sample(1));
        assert!(cache.recall(1).is_none(), "not stored while not listening");
        assert!(UserCache::disabled().recall(1).is_none());
    }

    #[test]
    fn entries_expire() {
        let cache = heard(Duration::ZERO);
        cache.remember(cache.ticket(), &User::sample(1));
        assert!(cache.recall(1).is_none());
    }

    #[test]
    fn a_full_cache_makes_room_only_from_expired_entries() {
        let cache = heard(Duration::from_secs(60));
        for id in 0..CAPACITY as i64 {
            cache.remember(cache.ticket(), &User::sample(id));
        }
        cache.remember(cache.ticket(), &User::sample(-1));
        assert!(cache.recall(-1).is_none(), "full");
        assert!(cache.recall(0).is_some(), "what it held is kept");
    }
}
