//! The `users` table.

use super::User;
use crate::datetime::Timestamp;
use crate::db::{Executor, query};
use crate::error::Result;

/// The columns of [`User`], for `concat!` into a query.
macro_rules! user_columns {
    () => {
        "id, username, email, first_name, last_name, is_active, is_staff, is_superuser, \
         date_joined, last_login, token_generation, time_zone"
    };
}
pub(crate) use user_columns;

/// A user and the password hash that logs them in.
#[derive(Debug, sqlx::FromRow)]
pub struct UserWithPassword {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
}

pub async fn find_by_id<'e>(executor: impl Into<Executor<'e>>, id: i64) -> Result<Option<User>> {
    Ok(query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?)
}

/// Usernames are case-sensitive (API.md §2.2).
pub async fn find_by_username_with_password<'e>(
    executor: impl Into<Executor<'e>>,
    username: &str,
) -> Result<Option<UserWithPassword>> {
    Ok(query(concat!(
        "SELECT ",
        user_columns!(),
        ", password_hash FROM users WHERE username = $1"
    ))
    .bind(username)
    .fetch_optional(executor)
    .await?)
}

pub async fn password_hash<'e>(executor: impl Into<Executor<'e>>, id: i64) -> Result<String> {
    Ok(query("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_scalar(executor)
        .await?)
}

pub async fn username_taken<'e>(executor: impl Into<Executor<'e>>, username: &str) -> Result<bool> {
    Ok(
        query("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)")
            .bind(username)
            .fetch_scalar(executor)
            .await?,
    )
}

/// Whether another user holds `email`, compared case-insensitively; empty emails never clash.
pub async fn email_taken<'e>(
    executor: impl Into<Executor<'e>>,
    email: &str,
    except_user: Option<i64>,
) -> Result<bool> {
    if email.is_empty() {
        return Ok(false);
    }
    Ok(query(
        "SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1) AND email <> '' \
         AND id <> $2)",
    )
    .bind(email)
    .bind(except_user.unwrap_or(0))
    .fetch_scalar(executor)
    .await?)
}

pub struct NewUserRow<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub password_hash: &'a str,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub time_zone: &'a str,
}

pub async fn insert<'e>(
    executor: impl Into<Executor<'e>>,
    row: NewUserRow<'_>,
) -> sqlx::Result<User> {
    query(concat!(
        "INSERT INTO users (username, email, first_name, last_name, password_hash, is_staff, \
         is_superuser, date_joined, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING ",
        user_columns!()
    ))
    .bind(row.username)
    .bind(row.email)
    .bind(row.first_name)
    .bind(row.last_name)
    .bind(row.password_hash)
    .bind(row.is_staff)
    .bind(row.is_superuser)
    .bind(Timestamp::now())
    .bind(row.time_zone)
    .fetch_one(executor)
    .await
}

/// What the profile lets a user change.
pub struct ProfileRow<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub time_zone: &'a str,
}

pub async fn update_profile<'e>(
    executor: impl Into<Executor<'e>>,
    id: i64,
    row: ProfileRow<'_>,
) -> sqlx::Result<User> {
    query(concat!(
        "UPDATE users SET email = $2, first_name = $3, last_name = $4, time_zone = $5 \
         WHERE id = $1 RETURNING ",
        user_columns!()
    ))
    .bind(id)
    .bind(row.email)
    .bind(row.first_name)
    .bind(row.last_name)
    .bind(row.time_zone)
    .fetch_one(executor)
    .await
}

pub async fn record_login<'e>(executor: impl Into<Executor<'e>>, id: i64) -> Result<()> {
    query("UPDATE users SET last_login = $2 WHERE id = $1")
        .bind(id)
        .bind(Timestamp::now())
        .execute(executor)
        .await?;
    Ok(())
}

/// Deletes the user and everything they own (API.md §2.1). Most of it cascades; personal
/// ingredients do not (their `created_by` is `SET NULL` so that deleting a staff user never
/// deletes the public catalogue), so they go first.
pub async fn delete(tx: &mut crate::db::Transaction, id: i64) -> Result<bool> {
    query("DELETE FROM ingredients WHERE created_by = $1 AND is_personal")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let deleted = query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(deleted == 1)
}

/// Takes user `id`'s row lock until the end of `tx`, on PostgreSQL; SQLite's write transactions
/// are serialized already. `FOR NO KEY UPDATE` does not conflict with the `FOR KEY SHARE` that a
/// foreign key check takes (inserting a row or an audit entry that names the user), so a write
/// holding it never waits for another write's insert, only for another holder.
pub async fn lock_user(tx: &mut crate::db::Transaction, id: i64) -> Result<()> {
    if tx.dialect() == crate::db::Dialect::Postgres {
        query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
