//! API tokens (`Authorization: Token <key>`): at most one per user, 40 lower-case hex characters.
//!
//! The contract returns the *same* key on every request until it is revoked, yet only a hash of
//! it may be stored. So the key is derived, not stored: HMAC-SHA256 of the user id and a random
//! per-token salt under the server secret. The row keeps the salt and a SHA-256 of the key; with
//! the database alone, no key can be recovered. Rotating the server secret changes every derived
//! key: old keys stop matching and the next request issues a new one.

use hmac::{KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::auth::Auth;
use super::credentials::Credentials;
use crate::audit::{self, Entry, Origin};
use crate::datetime::Timestamp;
use crate::db::{Database, Transaction, query};
use crate::error::{Error, Result};
use crate::input::Body;

/// The answer of `POST /api/auth/token/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiTokenGrant {
    #[schema(example = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")]
    pub token: String,
    /// An integer here, unlike the JWT claim.
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// `POST /api/auth/token/`: the caller's API token, created on first use.
pub async fn obtain_api_token(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
) -> Result<ApiTokenGrant> {
    let credentials = Credentials::read(auth, body, origin).await?;
    let Some(user) = credentials.check(db, auth).await? else {
        let entry = Entry::new("auth.api_token_failed")
            .details(serde_json::json!({ "username": credentials.username }));
        audit::record(db, origin, entry).await?;
        return Err(Error::non_field(
            "Unable to log in with provided credentials.",
        ));
    };

    let mut tx = Transaction::begin(db).await?;
    // Concurrent first requests: one insert wins, the others read its salt.
    let salt = new_salt();
    let key = derive_key(auth, user.id, &salt);
    let created = query(
        "INSERT INTO api_tokens (user_id, key_salt, key_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user.id)
    .bind(salt)
    .bind(key_hash(&key))
    .bind(Timestamp::now())
    .execute(&mut tx)
    .await?
        == 1;
    let (salt, stored_hash): (String, String) =
        query("SELECT key_salt, key_hash FROM api_tokens WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&mut tx)
            .await?;
    let mut key = derive_key(auth, user.id, &salt);
    if key_hash(&key) != stored_hash {
        // Issued under a previous server secret: replace it.
        let salt = new_salt();
        key = derive_key(auth, user.id, &salt);
        query("UPDATE api_tokens SET key_salt = $2, key_hash = $3, created_at = $4 WHERE user_id = $1")
            .bind(user.id)
            .bind(salt)
            .bind(key_hash(&key))
            .bind(Timestamp::now())
            .execute(&mut tx)
            .await?;
    }
    if created {
        let entry = Entry::new("auth.api_token_created")
            .by(&user)
            .on("user", user.id);
        audit::record(&mut tx, origin, entry).await?;
    }
    tx.commit().await?;
    Ok(ApiTokenGrant {
        token: key,
        user_id: user.id,
        username: user.username,
        email: user.email,
        is_staff: user.is_staff,
        is_superuser: user.is_superuser,
    })
}

/// What the database keeps of a key.
pub(super) fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn derive_key(auth: &Auth, user_id: i64, salt: &str) -> String {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(auth.api_token_secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("fithub-api-token:{user_id}:{salt}").as_bytes());
    let digest = mac.finalize().into_bytes();
    hex::encode(&digest[..20])
}

fn new_salt() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
