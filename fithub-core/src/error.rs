//! The one error type of the core, in domain words. The edges map it: the API to a status code and
//! body, the CLI to an exit code and a message.

use std::collections::BTreeMap;

/// The key of errors that belong to no one field (API.md §1.6).
pub const NON_FIELD: &str = "non_field_errors";

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` or on request.
const QUERY_CANCELED: &str = "57014";

/// Validation messages keyed by the name the client sent (`diet_id`, not `diet`).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object does not exist, or belongs to someone else: the two are never told apart. The
    /// entity is named as the API names it (`Diet`, `MealRecord`).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A list page past the end, or not a page number at all.
    #[error("invalid page")]
    InvalidPage,
    #[error("invalid input: {0:?}")]
    Validation(FieldErrors),
    /// A custom action refused its input (`{"error": …}` on the wire); for a list of items, the
    /// index of the one refused.
    #[error("{message}")]
    Rejected {
        message: String,
        item: Option<usize>,
    },
    #[error("conflict: {0}")]
    Conflict(String),
    /// Missing, malformed, expired or revoked credentials, or a failed login.
    #[error("not authenticated: {0:?}")]
    Unauthenticated(AuthFailure),
    #[error("permission denied")]
    Forbidden,
    /// A request authenticated by a browser session that its page did not send on purpose: no
    /// CSRF token, a wrong one, or a foreign origin. The reason is in the contract's words.
    #[error("CSRF check failed: {0}")]
    CsrfFailed(String),
    /// A conditional write's `If-Match` names no current tag of the object.
    #[error("precondition failed: the object has changed")]
    PreconditionFailed,
    #[error("too many requests; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The database cannot be reached right now; worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A setting is missing or unsafe; the message names the setting.
    #[error("configuration error: {0}")]
    Config(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a caller is not authenticated. Each case has its own compatible body on the wire
/// (API.md §1.5, §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header, or a scheme FitHub does not use.
    NoCredentials,
    /// `Bearer` without exactly one token after it.
    MalformedBearer,
    /// A `Bearer` token that is not a valid, current access token.
    InvalidAccessToken(TokenProblem),
    /// A `Bearer` token of a user that no longer exists.
    UserNotFound,
    UserInactive,
    /// `Token` without a key.
    TokenKeyMissing,
    /// `Token` followed by more than one word.
    TokenKeyHasSpaces,
    /// An API token that is unknown or revoked.
    TokenKeyInvalid,
    /// An API token of a deactivated user.
    TokenUserInactive,
    /// Wrong username or password, or an inactive account, at `jwt/token/`.
    LoginFailed,
    /// A token presented to `refresh/` or `verify/` that cannot be used.
    RejectedToken(TokenProblem),
    /// A refresh token whose user is gone or inactive.
    NoActiveAccount,
}

/// What is wrong with a JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Malformed or badly signed.
    Invalid,
    Expired,
    /// A refresh token where an access token belongs, or the reverse.
    WrongType,
    /// Rotated already, or revoked by a password change, deactivation or deletion.
    Revoked,
}

impl Error {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// A custom action's refusal.
    pub fn rejected(message: impl Into<String>) -> Self {
        Error::Rejected {
            message: message.into(),
            item: None,
        }
    }

    /// A cross-field validation error (`non_field_errors`).
    pub fn non_field(message: impl Into<String>) -> Self {
        Error::field(NON_FIELD, message)
    }
}

/// SQLSTATEs meaning the server ended the connection or will not take one right now:
/// admin_shutdown ("terminating connection due to administrator command"), crash_shutdown,
/// cannot_connect_now (starting up or shutting down).
const SERVER_GONE: [&str; 3] = ["57P01", "57P02", "57P03"];

/// Whether `error` says the server is unreachable (rather than that one statement failed). Class
/// 08 is the connection exceptions.
pub(crate) fn is_server_gone(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(database) => database
            .code()
            .is_some_and(|code| code.starts_with("08") || SERVER_GONE.contains(&code.as_ref())),
        _ => false,
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match error {
            // Connection-level failures mean "try again later", not "bug".
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Error::Unavailable(error.to_string()),
            // query_canceled: the statement timeout (or an operator) ended the statement. The
            // database is busy, not broken.
            sqlx::Error::Database(ref database)
                if database.code().as_deref() == Some(QUERY_CANCELED) =>
            {
                Error::Unavailable(error.to_string())
            }
            // The server ended the connection ("terminating connection due to administrator
            // command" when it stops) or refuses new ones while it starts: an outage too.
            ref gone if is_server_gone(gone) => Error::Unavailable(error.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<refinery::Error> for Error {
    fn from(error: refinery::Error) -> Self {
        Error::Migration(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_are_the_server_gone_and_others_are_not() {
        let refused = sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into());
        assert!(is_server_gone(&refused));
        assert!(!is_server_gone(&sqlx::Error::RowNotFound));
        assert!(!is_server_gone(&sqlx::Error::PoolTimedOut));
    }
}
