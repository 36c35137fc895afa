//! New accounts: `POST /api/accounts/register/` and the operator's `fithub user create`, with the
//! same rules (API.md §2.2, §3.4).

use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Auth;
use super::credentials::count_attempt;
use super::fields::{Email, PersonName, Username};
use super::password_rules::{self, PASSWORD_TEXT, PasswordContext, password_problems};
use super::sessions::{self, Browser, NewSession};
use super::store::{self, NewUserRow};
use super::tokens::{TokenPair, issue_pair};
use super::{Profile, User};
use crate::audit::{self, Entry, Origin};
use crate::calendar::{INVALID_ZONE, Zone};
use crate::db::{Database, Transaction, is_unique_violation};
use crate::error::{Error, FieldErrors, Result};
use crate::input::{Body, Field, Form, Mode, Need, Reader, Text};

/// Longer than any IANA name (the longest has 32 characters).
pub const TIME_ZONE_MAX: usize = 64;
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
    pub time_zone: Zone,
}

/// The answer of `POST /api/accounts/register/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registered {
    pub user: Profile,
    pub tokens: TokenPair,
    #[schema(example = "User created successfully")]
    pub message: &'static str,
}

/// The optional `time_zone` key of a registration or a profile change.
pub(super) const TIME_ZONE: Field = Field::text("time_zone", Need::Optional, Text::ANY)
    .about("An IANA time-zone name, spelled exactly (`America/New_York`); default `UTC`");

/// The keys of a registration.
pub const REGISTRATION_FORM: Form = Form(&[
    Field::text("username", Need::Required, Username::TEXT)
        .about("Letters, digits and `@ . + - _`"),
    Field::text("email", Need::Optional, Email::TEXT).about("Unique (ignoring case) when given"),
    Field::text("first_name", Need::Optional, PersonName::TEXT),
    Field::text("last_name", Need::Optional, PersonName::TEXT),
    Field::text("password", Need::Required, PASSWORD_TEXT)
        .about("At least 8 characters; not common, not entirely numeric, not like the other keys"),
    Field::text("password_confirm", Need::Required, PASSWORD_TEXT),
    TIME_ZONE,
]);

/// `POST /api/accounts/register/`. Errors come in three rounds, as the contract orders them: every
/// per-key problem at once, then the confirmation, then the password rules.
pub async fn register(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
) -> Result<Registered> {
    let account = read_account(db, auth, body, origin).await?;
    let (mut tx, user) = create_registered(db, auth, &account, origin).await?;
    let tokens = issue_pair(&mut tx, auth, &user, None).await?;
    tx.commit().await?;
    Ok(Registered {
        user: user.profile(),
        tokens,
        message: "User created successfully",
    })
}

/// `POST /auth/register/`: the same rules and errors as [`register`], and the new user is signed
/// in with a browser session instead of a token pair.
pub async fn register_with_session(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
    browser: &Browser<'_>,
) -> Result<(User, NewSession)> {
    let account = read_account(db, auth, body, origin).await?;
    let (mut tx, user) = create_registered(db, auth, &account, origin).await?;
    let session = sessions::start(&mut tx, auth, &user, origin, browser).await?;
    tx.commit().await?;
    Ok((user, session))
}

/// The new account a registration body describes, once it passes every rule; counted as an
/// authentication attempt.
async fn read_account(
    db: &Database,
    auth: &Auth,
    body: &Body,
    origin: &Origin,
) -> Result<NewAccount> {
    let mut reader = Reader::new(body, Mode::Create, REGISTRATION_FORM);
    let username = reader.string("username");
    let email = reader.string("email");
    let first_name = reader.string("first_name");
    let last_name = reader.string("last_name");
    let password = reader.string("password");
    let password_confirm = reader.string("password_confirm");
    let time_zone = read_time_zone(&mut reader);
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
        time_zone: time_zone.unwrap_or_default(),
    };
    if password_confirm.as_deref() != Some(account.password.as_str()) {
        return Err(Error::non_field("Passwords don't match."));
    }
    check_password_rules("password", &account.password, account.context())?;

    Ok(account)
}

/// Inserts the account and records its registration, in a transaction the caller finishes with
/// the credential it issues.
async fn create_registered(
    db: &Database,
    auth: &Auth,
    account: &NewAccount,
    origin: &Origin,
) -> Result<(Transaction, User)> {
    // Hashed before the transaction: argon2 takes a while, and SQLite's write lock is held from
    // the transaction's start.
    let password_hash = auth.passwords.hash(&account.password).await?;
    let mut tx = Transaction::begin(db).await?;
    let user = insert_account(&mut tx, account, &password_hash).await?;
    audit::record(
        &mut tx,
        origin,
        Entry::new("user.register").by(&user).on("user", user.id),
    )
    .await?;
    Ok((tx, user))
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
        time_zone: account.time_zone.name(),
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

/// The optional `time_zone` key: a name the IANA database spells exactly so.
pub(super) fn read_time_zone(reader: &mut Reader<'_>) -> Option<Zone> {
    let name = reader.string("time_zone")?;
    // Anything longer is no IANA name: refused before the lookup, with the same message.
    let zone = (name.len() <= TIME_ZONE_MAX)
        .then(|| Zone::named(&name))
        .flatten();
    if zone.is_none() {
        reader.error("time_zone", INVALID_ZONE);
    }
    zone
}
