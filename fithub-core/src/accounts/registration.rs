//! New accounts: `POST /api/accounts/register/` and the operator's `fithub user create`, with the
//! same rules (API.md §2.2, §3.4).

use serde::Serialize;
use utoipa::ToSchema;

use super::credentials::count_attempt;
use super::fields::{Email, PersonName, Username};
use super::password_rules::{self, PASSWORD_TEXT, PasswordContext, password_problems};
use super::store::{self, NewUserRow};
use super::tokens::{Auth, TokenPair, issue_pair};
use super::{Profile, User};
use crate::audit::{self, Entry, Origin};
use crate::db::{Database, Transaction, is_unique_violation};
use crate::error::{Error, FieldErrors, Result};
use crate::input::{Body, Mode, Need, Reader};

const USERNAME_TAKEN: &str = "A user with that username already exists.";
const EMAIL_TAKEN: &str = "A user with this email already exists.";

/// What a new account is made of.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// The answer of `POST /api/accounts/register/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registered {
    pub user: Profile,
    pub tokens: TokenPair,
    #[schema(example = "User created successfully")]
    pub message: &'static str,
}

/// `POST /api/accounts/register/`. Errors come in three rounds, as the contract orders them: every
/// per-key problem at once, then the confirmation, then the password rules.
pub async fn register(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
) -> Result<Registered> {
    let mut reader = Reader::new(body, Mode::Create);
    let username = reader.string("username", Need::Required, Username::TEXT);
    let email = reader.string("email", Need::Optional, Email::TEXT);
    let first_name = reader.string("first_name", Need::Optional, PersonName::TEXT);
    let last_name = reader.string("last_name", Need::Optional, PersonName::TEXT);
    let password = reader.string("password", Need::Required, PASSWORD_TEXT);
    let password_confirm = reader.string("password_confirm", Need::Required, PASSWORD_TEXT);
    count_attempt(auth, origin, username.as_deref()).await?;
    if let Some(username) = &username
        && let Some(problem) = username_problem(db, username).await?
    {
        reader.error("username", problem);
    }
    if let Some(email) = &email
        && let Some(problem) = email_problem(db, email, None).await?
    {
        reader.error("email", problem);
    }
    if let Some(problem) = password.as_deref().and_then(password_rules::length_problem) {
        reader.error("password", problem);
    }
    reader.finish()?;

    let account = NewAccount {
        username: username.unwrap_or_default(),
        email: email.unwrap_or_default(),
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        password: password.unwrap_or_default(),
        is_staff: false,
        is_superuser: false,
    };
    if password_confirm.as_deref() != Some(account.password.as_str()) {
        return Err(Error::non_field("Passwords don't match."));
    }
    check_password_rules("password", &account.password, account.context())?;

    // Hashed before the transaction: argon2 takes a while, and SQLite's write lock is held from
    // the transaction's start.
    let password_hash = auth.passwords.hash(&account.password).await?;
    let mut tx = Transaction::begin(db).await?;
    let user = insert_account(&mut tx, &account, &password_hash).await?;
    let tokens = issue_pair(&mut tx, auth, &user, None).await?;
    audit::record(
        &mut tx,
        origin,
        Entry::new("user.register").by(&user).on("user", user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(Registered {
        user: user.profile(),
        tokens,
        message: "User created successfully",
    })
}

impl NewAccount {
    pub fn context(&self) -> PasswordContext<'_> {
        PasswordContext {
            username: &self.username,
            first_name: &self.first_name,
            last_name: &self.last_name,
            email: &self.email,
        }
    }

    /// Every problem with the account, keyed like the API's fields: the per-key checks and, when
    /// those pass, the password rules.
    pub(super) async fn problems(&self, db: &Database) -> Result<FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut add = |key: &str, message: String| {
            errors.entry(key.to_owned()).or_default().push(message);
        };
        if let Some(problem) = username_problem(db, &self.username).await? {
            add("username", problem);
        }
        if let Some(problem) = email_problem(db, &self.email, None).await? {
            add("email", problem);
        }
        for (key, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if let Err(problem) = PersonName::parse(value) {
                add(key, problem);
            }
        }
        if let Some(problem) = password_rules::length_problem(&self.password) {
            add("password", problem);
        }
        // The password rules only once everything else is right, as at registration.
        if errors.is_empty() {
            let problems = password_problems(&self.password, self.context());
            if !problems.is_empty() {
                errors.insert("password".to_owned(), problems);
            }
        }
        Ok(errors)
    }
}

/// Inserts the user with the hash of their password. A concurrent registration of the same
/// username or email loses here, with the same message the checks give.
pub(super) async fn insert_account(
    tx: &mut Transaction,
    account: &NewAccount,
    password_hash: &str,
) -> Result<User> {
    let row = NewUserRow {
        username: &account.username,
        email: &account.email,
        first_name: &account.first_name,
        last_name: &account.last_name,
        password_hash,
        is_staff: account.is_staff,
        is_superuser: account.is_superuser,
    };
    store::insert(&mut *tx, row).await.map_err(|error| {
        if is_unique_violation(&error, "users_username_key", "users.username") {
            Error::field("username", USERNAME_TAKEN)
        } else if is_unique_violation(&error, "users_email_key", "users_email_key") {
            Error::field("email", EMAIL_TAKEN)
        } else {
            error.into()
        }
    })
}

/// The password rules' messages under `key`, as an error.
pub(super) fn check_password_rules(
    key: &str,
    password: &str,
    context: PasswordContext<'_>,
) -> Result<()> {
    let problems = password_problems(password, context);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(FieldErrors::from([(
            key.to_owned(),
            problems,
        )])))
    }
}

/// Format, length and uniqueness of a new username.
async fn username_problem(db: &Database, username: &str) -> Result<Option<String>> {
    if let Err(problem) = Username::parse(username) {
        return Ok(Some(problem));
    }
    if store::username_taken(db, username).await? {
        return Ok(Some(USERNAME_TAKEN.to_owned()));
    }
    Ok(None)
}

/// Format, length and case-insensitive uniqueness of an email (empty is allowed).
pub(super) async fn email_problem(
    db: &Database,
    email: &str,
    except_user: Option<i64>,
) -> Result<Option<String>> {
    if email.is_empty() {
        return Ok(None);
    }
    if let Err(problem) = Email::parse(email) {
        return Ok(Some(problem));
    }
    if store::email_taken(db, email, except_user).await? {
        return Ok(Some(EMAIL_TAKEN.to_owned()));
    }
    Ok(None)
}
