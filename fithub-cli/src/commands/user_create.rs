//! `fithub user create`: on a terminal, every missing value is asked for, and a value the rules
//! reject is asked for again, after the rule it failed. Off a terminal nothing is asked: a missing
//! `--username` or password is a usage error naming the flag.

use clap::Args;
use fithub_core::Database;
use fithub_core::accounts::{self, NewAccount, Passwords, User};
use fithub_core::audit::Origin;
use fithub_core::calendar::{self, Zone};

use crate::output::{Format, explain};
use crate::prompt;

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Login name: letters, digits and @ . + - _ (asked for on a terminal when missing)
    #[arg(long)]
    username: Option<String>,
    /// Email address, unique when given (asked for on a terminal when missing; may stay empty)
    #[arg(long)]
    email: Option<String>,
    /// First name
    #[arg(long, default_value = "")]
    first_name: String,
    /// Last name
    #[arg(long, default_value = "")]
    last_name: String,
    /// IANA time zone where the user's days begin and end, spelled as the database spells it
    #[arg(long, default_value = calendar::UTC, value_parser = zone)]
    time_zone: Zone,
    /// Grant the staff role (may modify the public catalogue and any category)
    #[arg(long)]
    staff: bool,
    /// Grant the superuser role
    #[arg(long)]
    superuser: bool,
    /// Read the password from the first line of stdin instead of prompting
    #[arg(long)]
    password_stdin: bool,
    /// Output: text or json (the created user)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Where a value came from: only asked values are asked again when the rules reject them; a
/// rejected flag is the caller's to fix.
struct Value {
    text: String,
    asked: bool,
}

/// Creates the user, asking for what is missing and for what the rules reject.
pub async fn create(
    db: &Database,
    passwords: &Passwords,
    args: CreateArgs,
    origin: &Origin,
) -> anyhow::Result<User> {
    let terminal = prompt::on_terminal();
    let mut username = match args.username {
        Some(text) => Value { text, asked: false },
        None if terminal => ask("username")?,
        None => return Err(prompt::cannot_ask("the username", "--username")),
    };
    let mut email = match args.email {
        Some(text) => Value { text, asked: false },
        None if terminal => ask("email")?,
        None => Value {
            text: String::new(),
            asked: false,
        },
    };
    let mut password = Value {
        text: read_new_password(args.password_stdin)?,
        asked: !args.password_stdin,
    };
    loop {
        let account = NewAccount {
            username: username.text.clone(),
            email: email.text.clone(),
            first_name: args.first_name.clone(),
            last_name: args.last_name.clone(),
            password: password.text.clone(),
            is_staff: args.staff,
            is_superuser: args.superuser,
            time_zone: args.time_zone.clone(),
        };
        let fields = match accounts::create_user(db, passwords, &account, origin).await {
            Ok(user) => return Ok(user),
            Err(fithub_core::Error::Validation(fields)) => fields,
            Err(other) => return Err(explain(other)),
        };
        let value = |field: &str| match field {
            "username" => Some(&username),
            "email" => Some(&email),
            "password" => Some(&password),
            _ => None,
        };
        if !fields
            .keys()
            .all(|field| value(field).is_some_and(|v| v.asked))
        {
            return Err(explain(fithub_core::Error::Validation(fields)));
        }
        for (field, messages) in &fields {
            eprintln!("Not accepted: {}", messages.join(" "));
            let again = ask(field)?;
            match field.as_str() {
                "username" => username = again,
                "email" => email = again,
                _ => password = again,
            }
        }
    }
}

/// `--time-zone`: refused before anything is asked or written.
fn zone(name: &str) -> Result<Zone, String> {
    Zone::named(name).ok_or_else(|| {
        format!(
            "{} Use an IANA name such as Europe/Kyiv or America/New_York.",
            calendar::INVALID_ZONE
        )
    })
}

/// Asks for one value of the account.
fn ask(field: &str) -> anyhow::Result<Value> {
    let text = match field {
        "username" => prompt::text("Username", false)?,
        "email" => prompt::text("Email (Enter for none)", true)?,
        _ => new_password_prompt()?,
    };
    Ok(Value { text, asked: true })
}

fn new_password_prompt() -> anyhow::Result<String> {
    prompt::secret("Password", Some("Repeat the password"))
}

/// The new password: one line of stdin, or a hidden prompt with confirmation on a terminal.
pub fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        return prompt::first_line_of_stdin("--password-stdin");
    }
    if !prompt::on_terminal() {
        return Err(prompt::cannot_ask(
            "the password",
            "it on stdin with --password-stdin",
        ));
    }
    new_password_prompt()
}
