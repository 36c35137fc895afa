//! JWT pairs: log in, rotate, verify (API.md §3.3).
//!
//! Every refresh token is a row in `refresh_tokens`. Rotation marks the presented one used, in
//! the same statement that checks it is unused, so of two concurrent refreshes one wins. A used
//! token presented again means it was copied: the user's token generation ends, so every token
//! of the user (each family's refresh tokens, and the access tokens the thief may hold along
//! with them) stops working, the thief's and the owner's alike; the owner logs in again.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::User;
use super::auth::Auth;
use super::credentials::{count_attempt, log_in, record_login};
use super::jwt::{Claims, TokenKind};
use super::revocation::end_token_generation;
use super::store;
use crate::audit::{self, Entry, Origin};
use crate::datetime::Timestamp;
use crate::db::{Database, DbUuid, Transaction, query};
use crate::error::{AuthFailure, Error, Result, TokenProblem};
use crate::input::{Body, Field, Form, Mode, Need, Reader, Text};

/// A fresh access token and refresh token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    pub refresh: String,
    pub access: String,
}

/// `POST /api/auth/jwt/token/`: a new pair for a username and password.
pub async fn obtain_token_pair(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
) -> Result<TokenPair> {
    let user = log_in(db, auth, body, origin).await?;
    let mut tx = Transaction::begin(db).await?;
    record_login(&mut tx, &user, origin, "jwt").await?;
    // Housekeeping: the user's expired refresh tokens can never be used again.
    query("DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < $2")
        .bind(user.id)
        .bind(Timestamp::now())
        .execute(&mut tx)
        .await?;
    let pair = issue_pair(&mut tx, auth, &user, None).await?;
    tx.commit().await?;
    // Its last login changed.
    auth.users.forget(user.id);
    Ok(pair)
}

/// Issues an access token and a refresh token, recording the refresh token in `family` (a new
/// family for a new login).
pub(super) async fn issue_pair(
    tx: &mut Transaction,
    auth: &Auth,
    user: &User,
    family: Option<Uuid>,
) -> Result<TokenPair> {
    let now = Timestamp::now();
    let (access, _) = auth
        .jwt
        .issue(TokenKind::Access, user.id, user.token_generation, now)?;
    let (refresh, claims) =
        auth.jwt
            .issue(TokenKind::Refresh, user.id, user.token_generation, now)?;
    query(
        "INSERT INTO refresh_tokens (jti, user_id, family_id, issued_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(claims.jti)
    .bind(user.id)
    .bind(family.unwrap_or_else(Uuid::new_v4))
    .bind(now)
    .bind(Timestamp::from_unix_seconds(claims.exp))
    .execute(&mut *tx)
    .await?;
    Ok(TokenPair { refresh, access })
}

/// A token, required and not blank.
const TOKEN_TEXT: Text = Text {
    max: None,
    blank: false,
};

/// The keys of a refresh.
pub const REFRESH_FORM: Form = Form(&[Field::text("refresh", Need::Required, TOKEN_TEXT)
    .about("A refresh token; it can be exchanged once")]);

/// The keys of a verification.
pub const VERIFY_FORM: Form =
    Form(&[Field::text("token", Need::Required, TOKEN_TEXT).about("An access or refresh token")]);

/// The one key of `form`, a token.
fn read_token(body: &Body, form: Form) -> Result<String> {
    let key = form.fields()[0].key;
    let mut reader = Reader::new(body, Mode::Create, form);
    let token = reader.string(key);
    reader.finish()?;
    Ok(token.unwrap_or_default())
}

fn rejected(problem: TokenProblem) -> Error {
    Error::Unauthenticated(AuthFailure::RejectedToken(problem))
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    user_id: i64,
    used_at: Option<Timestamp>,
}

/// `POST /api/auth/jwt/token/refresh/`: exchanges a refresh token, once, for a new pair.
pub async fn refresh_token_pair(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
) -> Result<TokenPair> {
    // Counted by address alone: a token names no account until it is checked.
    count_attempt(auth, origin, None).await?;
    let token = read_token(body, REFRESH_FORM)?;
    let claims = auth.jwt.decode(&token).map_err(rejected)?;
    if claims.token_type != TokenKind::Refresh {
        return Err(rejected(TokenProblem::WrongType));
    }

    let mut tx = Transaction::begin(db).await?;
    let now = Timestamp::now();
    let rotated: Option<(DbUuid,)> = query(
        "UPDATE refresh_tokens SET used_at = $2 \
         WHERE jti = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING family_id",
    )
    .bind(claims.jti.as_str())
    .bind(now)
    .fetch_optional(&mut tx)
    .await?;
    let Some((DbUuid(family),)) = rotated else {
        // Unknown (its user was deleted), revoked, or used before: reuse means theft.
        let row: Option<RefreshRow> =
            query("SELECT user_id, used_at FROM refresh_tokens WHERE jti = $1")
                .bind(claims.jti.as_str())
                .fetch_optional(&mut tx)
                .await?;
        if let Some(RefreshRow {
            user_id,
            used_at: Some(_),
        }) = row
        {
            // Whoever copied the refresh token may hold the access tokens issued with it: the
            // user's token generation ends, and every JWT of the user with it.
            let revoked = end_token_generation(&mut tx, user_id).await?;
            let entry = Entry::new("auth.refresh_reuse")
                .on("user", user_id)
                .details(serde_json::json!({
                    "revoked_tokens": revoked,
                    "access_tokens_revoked": true,
                }));
            audit::record(&mut tx, origin, entry).await?;
            tx.commit().await?;
            auth.users.forget(user_id);
        }
        return Err(rejected(TokenProblem::Revoked));
    };

    let user = match claims.user_id() {
        Some(id) => store::find_by_id(&mut tx, id).await?,
        None => None,
    };
    let Some(user) = user.filter(|user| user.is_active) else {
        return Err(Error::Unauthenticated(AuthFailure::NoActiveAccount));
    };
    if user.token_generation != claims.generation {
        return Err(rejected(TokenProblem::Revoked));
    }
    let pair = issue_pair(&mut tx, auth, &user, Some(family)).await?;
    tx.commit().await?;
    Ok(pair)
}

/// `POST /api/auth/jwt/token/verify/`: whether a token (access or refresh) is well-formed,
/// signed, unexpired and not revoked.
pub async fn verify_token(db: &Database, auth: &Auth, body: &Body) -> Result<()> {
    let token = read_token(body, VERIFY_FORM)?;
    let claims = auth.jwt.decode(&token).map_err(rejected)?;
    if is_revoked(db, &claims).await? {
        return Err(rejected(TokenProblem::Revoked));
    }
    Ok(())
}

async fn is_revoked(db: &Database, claims: &Claims) -> Result<bool> {
    let user = match claims.user_id() {
        Some(id) => store::find_by_id(db, id).await?,
        None => None,
    };
    let Some(user) = user else {
        return Ok(true);
    };
    if !user.is_active || user.token_generation != claims.generation {
        return Ok(true);
    }
    if claims.token_type == TokenKind::Access {
        return Ok(false);
    }
    let usable: bool = query(
        "SELECT EXISTS (SELECT 1 FROM refresh_tokens \
         WHERE jti = $1 AND used_at IS NULL AND revoked_at IS NULL)",
    )
    .bind(claims.jti.as_str())
    .fetch_scalar(db)
    .await?;
    Ok(!usable)
}
