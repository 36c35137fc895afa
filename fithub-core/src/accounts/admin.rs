//! What operators do to accounts (`fithub user …`). The same rules as the API apply: a user
//! created here passes registration's checks, a reset password passes the password rules.

use super::User;
use super::password_rules::{self, PasswordContext};
use super::passwords::Passwords;
use super::profile::set_password;
use super::registration::{NewAccount, check_password_rules, insert_account};
use super::revocation;
use super::store::{self, user_columns};
use crate::audit::{self, Entry, Origin};
use crate::db::{Database, Query, Transaction, contains_pattern, query};
use crate::error::{Error, Result};

/// Creates an account; `account.is_staff` and `is_superuser` set its roles.
pub async fn create_user(
    db: &Database,
    passwords: &Passwords,
    account: &NewAccount,
    origin: &Origin,
) -> Result<User> {
    let problems = account.problems(db).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let password_hash = passwords.hash(&account.password).await?;
    let mut tx = Transaction::begin(db).await?;
    let user = insert_account(&mut tx, account, &password_hash).await?;
    let entry = Entry::new("user.create")
        .on("user", user.id)
        .details(serde_json::json!({ "roles": user.roles() }));
    audit::record(&mut tx, origin, entry).await?;
    tx.commit().await?;
    Ok(user)
}

/// Which users to list; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub active: Option<bool>,
    pub staff: Option<bool>,
    /// A case-insensitive substring of the username, email or names.
    pub search: Option<String>,
}

/// Users by id.
pub async fn list_users(db: &Database, filter: &UserFilter) -> Result<Vec<User>> {
    let mut sql = Query::builder();
    sql.push(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE 1 = 1"
    ));
    if let Some(active) = filter.active {
        sql.push(" AND is_active = ").push_bind(active);
    }
    if let Some(staff) = filter.staff {
        sql.push(" AND (is_staff OR is_superuser) = ")
            .push_bind(staff);
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let like = db.dialect().ilike();
        let pattern = contains_pattern(search);
        sql.push(" AND (");
        for (i, column) in ["username", "email", "first_name", "last_name"]
            .iter()
            .enumerate()
        {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push(column).push(" ").push(like).push(" ");
            sql.push_bind(pattern.as_str()).push(" ESCAPE '\\'");
        }
        sql.push(")");
    }
    sql.push(" ORDER BY id");
    Ok(sql.fetch_all(db).await?)
}

/// The user named by `who`: an id, a username, or an email (case-insensitive), tried in that
/// order.
pub async fn find_user(db: &Database, who: &str) -> Result<User> {
    if let Ok(id) = who.parse::<i64>()
        && let Some(user) = store::find_by_id(db, id).await?
    {
        return Ok(user);
    }
    let user: Option<User> = query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE username = $1 \
         OR (lower(email) = lower($1) AND email <> '') ORDER BY username = $1 DESC LIMIT 1"
    ))
    .bind(who)
    .fetch_optional(db)
    .await?;
    user.ok_or(Error::NotFound("User"))
}

/// Role flags to set; `None` leaves a flag as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoleChange {
    pub staff: Option<bool>,
    pub superuser: Option<bool>,
}

pub async fn set_roles(
    db: &Database,
    user: &User,
    change: RoleChange,
    origin: &Origin,
) -> Result<User> {
    let mut tx = Transaction::begin(db).await?;
    let updated: User = query(concat!(
        "UPDATE users SET is_staff = $2, is_superuser = $3 WHERE id = $1 RETURNING ",
        user_columns!()
    ))
    .bind(user.id)
    .bind(change.staff.unwrap_or(user.is_staff))
    .bind(change.superuser.unwrap_or(user.is_superuser))
    .fetch_optional(&mut tx)
    .await?
    .ok_or(Error::NotFound("User"))?;
    let entry = Entry::new("user.role_change")
        .on("user", user.id)
        .details(serde_json::json!({ "from": user.roles(), "to": updated.roles() }));
    audit::record(&mut tx, origin, entry).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Activates or deactivates an account. Deactivation ends every credential, and tokens issued
/// before it stay invalid after a later reactivation.
pub async fn set_active(db: &Database, user: &User, active: bool, origin: &Origin) -> Result<User> {
    let mut tx = Transaction::begin(db).await?;
    if !active {
        revocation::revoke_credentials(&mut tx, user.id).await?;
    }
    let updated: User = query(concat!(
        "UPDATE users SET is_active = $2 WHERE id = $1 RETURNING ",
        user_columns!()
    ))
    .bind(user.id)
    .bind(active)
    .fetch_optional(&mut tx)
    .await?
    .ok_or(Error::NotFound("User"))?;
    let action = if active {
        "user.activate"
    } else {
        "user.deactivate"
    };
    audit::record(&mut tx, origin, Entry::new(action).on("user", user.id)).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Sets a new password (which must pass the password rules) and revokes every credential.
pub async fn reset_password(
    db: &Database,
    passwords: &Passwords,
    user: &User,
    password: &str,
    origin: &Origin,
) -> Result<()> {
    if let Some(problem) = password_rules::length_problem(password) {
        return Err(Error::field("password", problem));
    }
    let context = PasswordContext {
        username: &user.username,
        first_name: &user.first_name,
        last_name: &user.last_name,
        email: &user.email,
    };
    check_password_rules("password", password, context)?;
    let entry = Entry::new("user.password_reset").on("user", user.id);
    set_password(db, passwords, user.id, password, origin, entry).await
}

/// Ends every JWT, the API token and every browser session of the user.
pub async fn revoke_tokens(db: &Database, user: &User, origin: &Origin) -> Result<()> {
    let mut tx = Transaction::begin(db).await?;
    revocation::revoke_credentials(&mut tx, user.id).await?;
    audit::record(
        &mut tx,
        origin,
        Entry::new("auth.tokens_revoked").on("user", user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the user and everything they own.
pub async fn delete_user(db: &Database, user: &User, origin: &Origin) -> Result<()> {
    let mut tx = Transaction::begin(db).await?;
    let entry = Entry::new("user.delete")
        .on("user", user.id)
        .details(serde_json::json!({ "username": user.username }));
    audit::record(&mut tx, origin, entry).await?;
    if !store::delete(&mut tx, user.id).await? {
        return Err(Error::NotFound("User"));
    }
    tx.commit().await?;
    Ok(())
}
