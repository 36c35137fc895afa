//! What users do to their own account: edit the profile, change the password, delete it.

use super::auth::Auth;
use super::credentials::count_attempt;
use super::fields::{Email, PersonName};
use super::password_rules::{self, PASSWORD_TEXT, PasswordContext};
use super::passwords::Passwords;
use super::registration::{TIME_ZONE, check_password_rules, email_problem, read_time_zone};
use super::revocation;
use super::store;
use super::{Profile, User};
use crate::audit::{self, Entry, Origin};
use crate::db::{Database, Transaction, is_unique_violation, query};
use crate::error::{Error, Result};
use crate::input::{Body, Field, Form, Mode, Need, Reader};

/// The keys of a profile change: each optional; absent keys keep their values.
pub const PROFILE_FORM: Form = Form(&[
    Field::text("email", Need::Optional, Email::TEXT),
    Field::text("first_name", Need::Optional, PersonName::TEXT),
    Field::text("last_name", Need::Optional, PersonName::TEXT),
    TIME_ZONE,
]);

/// `PUT` or `PATCH /api/accounts/profile/`: `email`, `first_name`, `last_name`, `time_zone`, each
/// optional; absent keys keep their values.
pub async fn update_profile(
    db: &Database,
    auth: &Auth,
    user: &User,
    body: &Body,
    mode: Mode,
    origin: &Origin,
) -> Result<Profile> {
    let mut reader = Reader::new(body, mode, PROFILE_FORM);
    let email = reader.string("email");
    let first_name = reader.string("first_name");
    let last_name = reader.string("last_name");
    let time_zone = read_time_zone(&mut reader);
    if let Some(email) = &email
        && let Some(problem) = email_problem(db, email, Some(user.id)).await?
    {
        reader.error("email", problem);
    }
    reader.finish()?;

    let email = email.unwrap_or_else(|| user.email.clone());
    let first_name = first_name.unwrap_or_else(|| user.first_name.clone());
    let last_name = last_name.unwrap_or_else(|| user.last_name.clone());
    let time_zone = time_zone.unwrap_or_else(|| user.time_zone.clone());
    let row = store::ProfileRow {
        email: &email,
        first_name: &first_name,
        last_name: &last_name,
        time_zone: time_zone.name(),
    };
    let mut tx = Transaction::begin(db).await?;
    let updated = store::update_profile(&mut tx, user.id, row)
        .await
        .map_err(|error| {
            if is_unique_violation(&error, "users_email_key", "users_email_key") {
                Error::field("email", "A user with this email already exists.")
            } else {
                error.into()
            }
        })?;
    audit::record(
        &mut tx,
        origin,
        Entry::new("user.profile_update")
            .by(user)
            .on("user", user.id),
    )
    .await?;
    tx.commit().await?;
    auth.users.forget(user.id);
    Ok(updated.profile())
}

/// The keys of a password change.
pub const PASSWORD_CHANGE_FORM: Form = Form(&[
    Field::text("old_password", Need::Required, PASSWORD_TEXT),
    Field::text("new_password", Need::Required, PASSWORD_TEXT)
        .about("At least 8 characters, passing the password rules"),
    Field::text("new_password_confirm", Need::Required, PASSWORD_TEXT),
]);

/// `POST /api/accounts/change-password/`. Revokes every credential issued before, including the
/// one this request came with. Rate limited like a login, per address and per account.
pub async fn change_password(
    db: &Database,
    auth: &Auth,
    user: &User,
    body: &Body,
    origin: &Origin,
) -> Result<()> {
    let mut reader = Reader::new(body, Mode::Create, PASSWORD_CHANGE_FORM);
    let old_password = reader.string("old_password");
    let new_password = reader.string("new_password");
    let new_password_confirm = reader.string("new_password_confirm");
    // A guess at the account's password, like a login: counted before the hash is computed.
    count_attempt(auth, origin, Some(&user.username)).await?;
    if let Some(old_password) = &old_password {
        let stored = store::password_hash(db, user.id).await?;
        if !auth.passwords.verify(old_password, Some(&stored)).await? {
            reader.error("old_password", "Old password is incorrect.");
        }
    }
    if let Some(problem) = new_password
        .as_deref()
        .and_then(password_rules::length_problem)
    {
        reader.error("new_password", problem);
    }
    reader.finish()?;
    let new_password = new_password.unwrap_or_default();
    if new_password_confirm.as_deref() != Some(new_password.as_str()) {
        return Err(Error::non_field("New passwords don't match."));
    }
    let context = PasswordContext {
        username: &user.username,
        first_name: &user.first_name,
        last_name: &user.last_name,
        email: &user.email,
    };
    check_password_rules("new_password", &new_password, context)?;

    let entry = Entry::new("user.password_change")
        .by(user)
        .on("user", user.id);
    set_password(db, &auth.passwords, user.id, &new_password, origin, entry).await?;
    auth.users.forget(user.id);
    Ok(())
}

/// Stores a new password and revokes every credential issued under the old one, recording
/// `entry` in the same transaction.
pub(super) async fn set_password(
    db: &Database,
    passwords: &Passwords,
    user_id: i64,
    password: &str,
    origin: &Origin,
    entry: Entry,
) -> Result<()> {
    let password_hash = passwords.hash(password).await?;
    let mut tx = Transaction::begin(db).await?;
    query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(&mut tx)
        .await?;
    revocation::revoke_credentials(&mut tx, user_id).await?;
    audit::record(&mut tx, origin, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /api/accounts/delete/`: the user and everything they own.
pub async fn delete_account(
    db: &Database,
    auth: &Auth,
    user: &User,
    origin: &Origin,
) -> Result<()> {
    let mut tx = Transaction::begin(db).await?;
    // Recorded first: the row keeps the username once the user is gone.
    audit::record(
        &mut tx,
        origin,
        Entry::new("user.delete").by(user).on("user", user.id),
    )
    .await?;
    store::delete(&mut tx, user.id).await?;
    tx.commit().await?;
    auth.users.forget(user.id);
    Ok(())
}
