//! What a client offers to prove who it is, read and counted before anything costly is done
//! with it: each key within its length limit, then one attempt against the rate limits (the
//! client's address and the username *as parsed*, a JSON number included), and only then the
//! password hash and the audit log. So neither an oversized username nor a flood of guesses
//! reaches the limiter's keys, the hashing slots or the database.

use super::User;
use super::fields::Username;
use super::password_rules::PASSWORD_TEXT;
use super::store;
use super::tokens::Auth;
use crate::audit::Origin;
use crate::db::Database;
use crate::error::Result;
use crate::input::{Body, Mode, Need, Reader};

/// `username` and `password`, both required, not blank and within their limits.
pub(super) struct Credentials {
    pub username: String,
    pub password: String,
}

impl Credentials {
    /// Reads the credentials and counts the attempt, for every login path (JWT pair, API
    /// token).
    pub async fn read(auth: &Auth, body: &Body, origin: &Origin) -> Result<Credentials> {
        let mut reader = Reader::new(body, Mode::Create);
        let username = reader.string("username", Need::Required, Username::TEXT);
        let password = reader.string("password", Need::Required, PASSWORD_TEXT);
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

/// Counts one authentication attempt from the request's client and, when there is one, for the
/// account `username` names. Logins and password changes of one account share its quota: both
/// are guesses at the same password.
pub(super) async fn count_attempt(
    auth: &Auth,
    origin: &Origin,
    username: Option<&str>,
) -> Result<()> {
    auth.limits
        .attempt(origin.client_addr.as_deref(), username)
        .await
}
