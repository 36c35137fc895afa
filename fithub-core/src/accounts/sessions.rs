//! Browser sessions: the `sessionid` cookie of the web apps (`/auth/`).
//!
//! A session id is 256 random bits, given to the browser once; the `sessions` table keeps only
//! its SHA-256, so a copy of the database signs nobody in, and every replica knows every session.
//! Each sign-in makes a new id and deletes the session the browser came with (no fixation). A
//! session ends at logout, at its expiry, and with every other credential of its user
//! ([`end_sessions`](super::revocation::end_sessions); deleting a user cascades).
//!
//! The CSRF token of a session is derived from it (HMAC under the server secret), not stored: a
//! `csrftoken` cookie planted by a neighbouring site, together with a matching header, does not
//! match the session it is sent with.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::Duration;

use super::User;
use super::auth::Auth;
use super::credentials::{log_in, record_login};
use super::revocation::end_sessions;
use super::store::user_columns;
use crate::audit::{self, Entry, Origin};
use crate::datetime::Timestamp;
use crate::db::{Connection, Database, Transaction, handover, query};
use crate::error::Result;
use crate::input::Body;

/// How long a session lasts from its sign-in: two weeks.
pub const SESSION_LIFETIME: Duration = Duration::seconds(1_209_600);
/// A longer `User-Agent` is cut: it is shown to operators, nothing more.
const USER_AGENT_MAX: usize = 255;
/// A presented session id longer than this is no id of ours (ours have 64 characters).
const SESSION_ID_MAX: usize = 128;

/// A session just created: what the browser is given.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie's value; never stored.
    pub id: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// The browser a sign-in comes from: the session it already holds (replaced) and its
/// `User-Agent` (shown to operators).
#[derive(Debug, Clone, Default)]
pub struct Browser<'a> {
    pub session_id: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// A valid session and its user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    /// Names the session without being its id: for the CSRF token and logout.
    pub key: SessionKey,
}

/// The stored hash of a session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey(String);

/// A session as operators see it (`fithub user sessions`).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct SessionInfo {
    /// The first 12 characters of the stored hash: enough to tell sessions apart, useless to
    /// sign in with.
    pub id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub client_addr: Option<String>,
    pub user_agent: String,
}

/// `POST /auth/login/`: the user a username and password name, signed in with a new session.
/// The same credential rules, rate limits and audit entries as the JWT login.
pub async fn sign_in(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
    browser: &Browser<'_>,
) -> Result<(User, NewSession)> {
    let user = log_in(db, auth, body, origin).await?;
    let mut tx = Transaction::begin(db).await?;
    record_login(&mut tx, &user, origin, "session").await?;
    let session = start(&mut tx, auth, &user, origin, browser).await?;
    tx.commit().await?;
    // Its last login changed.
    auth.users.forget(user.id);
    Ok((user, session))
}

/// Creates a session for `user` inside `tx`, ending the one the browser came with.
pub(super) async fn start(
    tx: &mut Transaction,
    auth: &Auth,
    user: &User,
    origin: &Origin,
    browser: &Browser<'_>,
) -> Result<NewSession> {
    if let Some(previous) = browser.session_id {
        query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash(previous))
            .execute(&mut *tx)
            .await?;
    }
    let id = hex::encode(rand::random::<[u8; 32]>());
    let key = SessionKey(id_hash(&id));
    let now = Timestamp::now();
    let expires_at = now + SESSION_LIFETIME;
    let user_agent: String = browser
        .user_agent
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX)
        .collect();
    query(
        "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, client_addr, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key.0.as_str())
    .bind(user.id)
    .bind(now)
    .bind(expires_at)
    .bind(origin.client_addr.as_deref())
    .bind(user_agent)
    .execute(&mut *tx)
    .await?;
    Ok(NewSession {
        csrf_token: csrf_token(auth, &key),
        id,
        expires_at,
    })
}

/// The active user of an unexpired session, if `session_id` names one. Leaves the connection
/// parked for the request's next statement, like the other credentials.
pub async fn session_user(db: &Database, session_id: &str) -> Result<Option<SessionUser>> {
    if session_id.is_empty() || session_id.len() > SESSION_ID_MAX {
        return Ok(None);
    }
    let key = SessionKey(id_hash(session_id));
    let mut conn = Connection::acquire(db).await?;
    let user: Option<User> = query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE is_active AND id = \
         (SELECT user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2)"
    ))
    .bind(key.0.as_str())
    .bind(Timestamp::now())
    .fetch_optional(&mut conn)
    .await?;
    handover::park(conn);
    Ok(user.map(|user| SessionUser { user, key }))
}

/// `POST /auth/logout/`: ends this session.
pub async fn sign_out(db: &Database, session: &SessionUser, origin: &Origin) -> Result<()> {
    let mut tx = Transaction::begin(db).await?;
    query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(session.key.0.as_str())
        .execute(&mut tx)
        .await?;
    let entry = Entry::new("auth.logout")
        .by(&session.user)
        .on("user", session.user.id);
    audit::record(&mut tx, origin, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// `fithub user logout`: ends every session of `user`, recorded in the audit trail. Returns how
/// many there were.
pub async fn end_user_sessions(db: &Database, user: &User, origin: &Origin) -> Result<u64> {
    let mut tx = Transaction::begin(db).await?;
    let ended = end_sessions(&mut tx, user.id).await?;
    let entry = Entry::new("auth.sessions_ended")
        .on("user", user.id)
        .details(serde_json::json!({ "sessions": ended }));
    audit::record(&mut tx, origin, entry).await?;
    tx.commit().await?;
    Ok(ended)
}

/// `fithub user sessions`: the user's unexpired sessions, newest first.
pub async fn list_sessions(db: &Database, user: &User) -> Result<Vec<SessionInfo>> {
    let mut sessions: Vec<SessionInfo> = query(
        "SELECT id_hash AS id, created_at, expires_at, client_addr, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id_hash",
    )
    .bind(user.id)
    .bind(Timestamp::now())
    .fetch_all(db)
    .await?;
    for session in &mut sessions {
        session.id.truncate(12);
    }
    Ok(sessions)
}

/// Deletes the sessions past their expiry; returns how many.
pub async fn purge_expired<'e>(executor: impl Into<crate::db::Executor<'e>>) -> Result<u64> {
    Ok(query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(Timestamp::now())
        .execute(executor)
        .await?)
}

/// The CSRF token that goes with a session.
pub fn csrf_token(auth: &Auth, key: &SessionKey) -> String {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(auth.api_token_secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("fithub-csrf:{}", key.0).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A CSRF token for a browser without a session (`auth-status`), replaced at sign-in: the one the
/// browser has when it is shaped like ours (64 hex digits), else a new random one. So nothing else
/// the browser sends is ever set back as a cookie.
pub fn anonymous_csrf_token(present: Option<&str>) -> String {
    match present {
        Some(token) if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) => {
            token.to_owned()
        }
        _ => hex::encode(rand::random::<[u8; 32]>()),
    }
}

/// Whether `presented` is the session's CSRF token, compared in constant time.
pub fn csrf_token_matches(auth: &Auth, key: &SessionKey, presented: &str) -> bool {
    let expected = csrf_token(auth, key);
    expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

fn id_hash(session_id: &str) -> String {
    hex::encode(Sha256::digest(session_id.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csrf_token_belongs_to_its_session() {
        let auth = Auth::new(
            &crate::config::Secret::new("a-test-secret-a-test-secret-0123"),
            &crate::config::Config::default(),
            super::super::Passwords::new(1),
        );
        let one = SessionKey(id_hash("one"));
        let other = SessionKey(id_hash("other"));
        let token = csrf_token(&auth, &one);
        assert_eq!(token.len(), 64);
        assert!(csrf_token_matches(&auth, &one, &token));
        assert!(!csrf_token_matches(&auth, &other, &token));
        assert!(!csrf_token_matches(&auth, &one, &token[..63]));
        assert!(!csrf_token_matches(
            &auth,
            &one,
            &anonymous_csrf_token(None)
        ));
    }

    #[test]
    fn an_anonymous_token_is_kept_only_when_it_is_shaped_like_ours() {
        let kept = "ab".repeat(32);
        assert_eq!(anonymous_csrf_token(Some(&kept)), kept);
        for odd in ["", "short", "a b, c=d", &"z".repeat(64), &"a".repeat(65)] {
            let made = anonymous_csrf_token(Some(odd));
            assert_ne!(made, odd);
            assert_eq!(made.len(), 64);
        }
    }
}
