//! What a client offers to prove who it is, read and counted before anything costly is done
//! with it: each key within its length limit, then one attempt against the rate limits (the
//! client's address and the username *as parsed*, a JSON number included), and only then the
//! password hash and the audit log. So neither an oversized username nor a flood of guesses
//! reaches the limiter's keys, the hashing slots or the database.

use super::User;
use super::auth::Auth;
use super::fields::Username;
use super::password_rules::PASSWORD_TEXT;
use super::store;
use crate::audit::{self, Entry, Origin};
use crate::db::{Database, Transaction};
use crate::error::{AuthFailure, Error, Result};
use crate::input::{Body, Field, Form, Mode, Need, Reader};

/// `username` and `password`, both required, not blank and within their limits.
pub(super) struct Credentials {
    pub username: String,
    pub password: String,
}

/// The keys of a login, for a token pair or an API token.
pub const CREDENTIALS_FORM: Form = Form(&[
    Field::text("username", Need::Required, Username::TEXT),
    Field::text("password", Need::Required, PASSWORD_TEXT),
]);

impl Credentials {
    /// Reads the credentials and counts the attempt, for every login path (JWT pair, API
    /// token).
    pub async fn read(auth: &Auth, body: &Body, origin: &Origin) -> Result<Credentials> {
        let mut reader = Reader::new(body, Mode::Create, CREDENTIALS_FORM);
        let username = reader.string("username");
        let password = reader.string("password");
        count_attempt(auth, origin, username.as_deref()).await?;
        reader.finish()?;
        Ok(Credentials {
            username: username.unwrap_or_default(),
            password: password.unwrap_or_default(),
        })
    }

    /// The active user these credentials log in, if any. Takes as long for an unknown username
    /// as for a wrong password.
    pub async fn check(&self, db: &Database, auth: &Auth) -> Result<Option<User>> {
        let found = store::find_by_username_with_password(db, &self.username).await?;
        let hash = found.as_ref().map(|found| found.password_hash.as_str());
        let matches = auth.passwords.verify(&self.password, hash).await?;
        Ok(found
            .map(|found| found.user)
            .filter(|user| matches && user.is_active))
    }
}

/// A login with a username and password (JWT pair, browser session): the active user, or
/// [`AuthFailure::LoginFailed`] after recording the failure.
pub(super) async fn log_in(
    db: &Database,
    auth: &Auth,
    body: &crate::input::Body,
    origin: &Origin,
) -> Result<User> {
    let credentials = Credentials::read(auth, body, origin).await?;
    match credentials.check(db, auth).await? {
        Some(user) => Ok(user),
        None => {
            let entry = Entry::new("auth.login_failed")
                .details(serde_json::json!({ "username": credentials.username }));
            audit::record(db, origin, entry).await?;
            Err(Error::Unauthenticated(AuthFailure::LoginFailed))
        }
    }
}

/// What every successful login writes, in its transaction: the last login and the audit entry
/// (`via` says which kind of credential it issued).
pub(super) async fn record_login(
    tx: &mut Transaction,
    user: &User,
    origin: &Origin,
    via: &'static str,
) -> Result<()> {
    store::record_login(&mut *tx, user.id).await?;
    let entry = Entry::new("auth.login")
        .by(user)
        .on("user", user.id)
        .details(serde_json::json!({ "via": via }));
    audit::record(&mut *tx, origin, entry).await
}

/// Counts one authentication attempt from the request's client and, when there is one, for the
/// account `username` names. Logins and password changes of one account share its quota: both
/// are guesses at the same password.
///
/// A refused attempt is answered after [`REFUSED_ATTEMPT_PAUSE`]: a client guessing flat out then
/// waits on its own connection, instead of having the server answer it hundreds of times a
/// second while other users' logins queue behind those answers. A well-behaved client waits for
/// `Retry-After` anyway.
pub(super) async fn count_attempt(
    auth: &Auth,
    origin: &Origin,
    username: Option<&str>,
) -> Result<()> {
    // What follows an attempt is slow (a password hash, or the pause): no connection waits
    // through it.
    crate::db::handover::release();
    let counted = auth
        .limits
        .attempt(origin.client_addr.as_deref(), username, &origin.rate)
        .await;
    if let Err(Error::RateLimited { .. }) = counted {
        tokio::time::sleep(REFUSED_ATTEMPT_PAUSE).await;
    }
    counted
}

/// How long a refused authentication attempt waits for its answer.
pub const REFUSED_ATTEMPT_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);
