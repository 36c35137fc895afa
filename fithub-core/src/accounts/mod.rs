//! Who a caller is: users and their roles, passwords, JWT access/refresh tokens, API tokens, and
//! the account operations of the API (register, profile, password, deletion) and of operators.

mod admin;
mod api_tokens;
mod auth;
mod authenticate;
mod credentials;
mod fields;
mod jwt;
mod password_rules;
mod passwords;
mod profile;
mod registration;
mod revocation;
mod sessions;
mod store;
mod tokens;
mod user_cache;

use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar::Zone;
use crate::datetime::Timestamp;

pub use crate::error::{AuthFailure, TokenProblem};
pub use admin::{
    RoleChange, UserFilter, create_user, delete_user, find_user, list_users, reset_password,
    revoke_tokens, set_active, set_roles,
};
pub use api_tokens::{ApiTokenGrant, obtain_api_token};
pub use auth::Auth;
pub use authenticate::authenticate;
pub use credentials::{CREDENTIALS_FORM, REFUSED_ATTEMPT_PAUSE};
pub use fields::{Email, PersonName, Username};
pub use jwt::TokenKind;
pub use password_rules::{PasswordContext, password_problems};
pub use passwords::{Passwords, check_password_hash};
pub use profile::{
    PASSWORD_CHANGE_FORM, PROFILE_FORM, change_password, delete_account, update_profile,
};
pub use registration::{
    NewAccount, REGISTRATION_FORM, Registered, register, register_with_session,
};
pub use revocation::revoke_credentials;
pub use sessions::{
    Browser, NewSession, SESSION_LIFETIME, SessionInfo, SessionKey, SessionUser,
    anonymous_csrf_token, csrf_token, csrf_token_matches, end_user_sessions, list_sessions,
    purge_expired as purge_expired_sessions, session_user, sign_in, sign_out,
};
pub use store::lock_user;
pub use tokens::{
    REFRESH_FORM, TokenPair, VERIFY_FORM, obtain_token_pair, refresh_token_pair, verify_token,
};

/// Who is acting, and from where: the owner of what they touch and the actor of the audit trail.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub user: &'a User,
    pub origin: &'a crate::audit::Origin,
}

impl Caller<'_> {
    /// A transaction for changing the caller's own objects, holding the caller's row lock (see
    /// [`lock_user`]). Every write path over a user's diets, goals and other private rows begins
    /// here, so they all lock in one order, the user and then the rows, and cannot deadlock one
    /// another; and a write that reads before it writes (activating one diet of many, checking an
    /// `If-Match`) sees no other write of the same user in between.
    pub async fn begin(&self, db: &crate::db::Database) -> crate::Result<crate::db::Transaction> {
        let mut tx = crate::db::Transaction::begin(db).await?;
        lock_user(&mut tx, self.user.id).await?;
        Ok(tx)
    }

    /// Records `action` on an object in the audit trail, inside the write's transaction.
    pub async fn audit<'e>(
        &self,
        executor: impl Into<crate::db::Executor<'e>>,
        action: &'static str,
        object_type: &'static str,
        object_id: impl ToString,
    ) -> crate::error::Result<()> {
        let entry = crate::audit::Entry::new(action)
            .by(self.user)
            .on(object_type, object_id);
        crate::audit::record(executor, self.origin, entry).await
    }
}

/// A user account, without its password hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: Timestamp,
    pub last_login: Option<Timestamp>,
    /// Carried in every JWT; raised to revoke every token issued before.
    pub token_generation: i64,
    /// Where the user's days begin and end (API.md §6.1).
    pub time_zone: Zone,
}

/// An active user with no roles, for unit tests.
#[cfg(test)]
impl User {
    pub(crate) fn sample(id: i64) -> User {
        User {
            id,
            username: format!("user{id}"),
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: Timestamp::now(),
            last_login: None,
            token_generation: 0,
            time_zone: Zone::utc(),
        }
    }
}

impl From<&User> for crate::audit::Actor {
    fn from(user: &User) -> Self {
        crate::audit::Actor {
            id: user.id,
            username: user.username.clone(),
        }
    }
}

impl User {
    /// Staff rights: staff users and superusers.
    pub fn has_staff_rights(&self) -> bool {
        self.is_staff || self.is_superuser
    }

    pub fn brief(&self) -> UserBrief {
        UserBrief {
            id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
        }
    }

    pub fn profile(&self) -> Profile {
        Profile {
            id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            date_joined: self.date_joined,
            is_active: self.is_active,
            time_zone: self.time_zone.clone(),
        }
    }

    /// `user`, `staff`, `superuser`, as operators see them.
    pub fn roles(&self) -> Vec<&'static str> {
        let mut roles = vec!["user"];
        if self.is_staff {
            roles.push("staff");
        }
        if self.is_superuser {
            roles.push("superuser");
        }
        roles
    }
}

/// The nested `user` of diets, records, preferences, goals and measurements.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct UserBrief {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(example = "ada")]
    pub username: String,
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "Ada")]
    pub first_name: String,
    #[schema(example = "Lovelace")]
    pub last_name: String,
}

/// The caller's own account.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Profile {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(example = "ada")]
    pub username: String,
    #[schema(example = "ada@example.com")]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    #[schema(value_type = String, example = "2025-01-05T09:12:44.120934Z")]
    pub date_joined: Timestamp,
    pub is_active: bool,
    /// An IANA time zone name: where "today" and the dates of timestamps are reckoned.
    #[schema(value_type = String, example = "America/New_York")]
    pub time_zone: Zone,
}
