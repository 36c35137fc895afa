//! Who sent a request: the `Authorization` header, `Bearer <access JWT>` or `Token <key>`, turned
//! into an active user, or the reason it cannot be (API.md §1.5). A user read from the database
//! leaves its connection parked for the request's next statement (see [`handover`]); a bearer's
//! user may come from the [`UserCache`](super::user_cache::UserCache) instead.

use super::User;
use super::api_tokens::key_hash;
use super::auth::Auth;
use super::jwt::TokenKind;
use super::store::{self, user_columns};
use crate::db::{Connection, Database, handover, query};
use crate::error::{AuthFailure, Error, Result, TokenProblem};

/// The active user an `Authorization` header names.
pub async fn authenticate(db: &Database, auth: &Auth, header: Option<&str>) -> Result<User> {
    let words: Vec<&str> = header.unwrap_or_default().split_whitespace().collect();
    let Some((scheme, rest)) = words.split_first() else {
        return Err(failure(AuthFailure::NoCredentials));
    };
    if scheme.eq_ignore_ascii_case("bearer") {
        match rest {
            [token] => bearer(db, auth, token).await,
            _ => Err(failure(AuthFailure::MalformedBearer)),
        }
    } else if scheme.eq_ignore_ascii_case("token") {
        match rest {
            [] => Err(failure(AuthFailure::TokenKeyMissing)),
            [key] => api_token(db, key).await,
            _ => Err(failure(AuthFailure::TokenKeyHasSpaces)),
        }
    } else {
        Err(failure(AuthFailure::NoCredentials))
    }
}

fn failure(reason: AuthFailure) -> Error {
    Error::Unauthenticated(reason)
}

async fn bearer(db: &Database, auth: &Auth, token: &str) -> Result<User> {
    let invalid = |problem| failure(AuthFailure::InvalidAccessToken(problem));
    let claims = auth.jwt.decode(token).map_err(invalid)?;
    if claims.token_type != TokenKind::Access {
        return Err(invalid(TokenProblem::WrongType));
    }
    let Some(user_id) = claims.user_id() else {
        return Err(invalid(TokenProblem::Invalid));
    };
    let user = match auth.users.recall(user_id) {
        Some(user) => user,
        None => {
            let ticket = auth.users.ticket();
            let mut conn = Connection::acquire(db).await?;
            let Some(user) = store::find_by_id(&mut conn, user_id).await? else {
                return Err(failure(AuthFailure::UserNotFound));
            };
            auth.users.remember(ticket, &user);
            handover::park(conn);
            user
        }
    };
    if !user.is_active {
        return Err(failure(AuthFailure::UserInactive));
    }
    if user.token_generation != claims.generation {
        // Issued before a password change or a deactivation.
        return Err(invalid(TokenProblem::Invalid));
    }
    Ok(user)
}

async fn api_token(db: &Database, key: &str) -> Result<User> {
    let mut conn = Connection::acquire(db).await?;
    let user: Option<User> = query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = (SELECT user_id FROM api_tokens WHERE key_hash = $1)"
    ))
    .bind(key_hash(key))
    .fetch_optional(&mut conn)
    .await?;
    match user {
        None => Err(failure(AuthFailure::TokenKeyInvalid)),
        Some(user) if !user.is_active => Err(failure(AuthFailure::TokenUserInactive)),
        Some(user) => {
            handover::park(conn);
            Ok(user)
        }
    }
}
