//! `fithub user`: accounts, for operators. The same core functions as the API, so the same rules:
//! a user created here passes registration's checks.
//!
//! Passwords never come from a flag (it would end up in shell history and `ps`): a hidden prompt
//! with confirmation on a terminal, or one line on stdin with `--password-stdin`. Prompts appear
//! only on a terminal; without one, a command that would prompt refuses and names the flag.

use clap::{ArgGroup, Args, Subcommand};
use fithub_core::Database;
use fithub_core::accounts::{self, Passwords, RoleChange, User, UserFilter};
use fithub_core::audit::Origin;
use serde::Serialize;

use super::user_create::{self, CreateArgs, read_new_password};
use super::user_sessions;
use crate::output::{Format, explain, print_json, say, table, time};
use crate::{GlobalArgs, Outcome, prompt};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user
    Create(CreateArgs),
    /// List users
    List(ListArgs),
    /// Show one user
    Show {
        /// Id, username or email
        user: String,
        /// Output: text (a table) or json
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Grant or take away the staff and superuser roles
    SetRole(SetRoleArgs),
    /// Let a deactivated user log in again (their old tokens stay invalid)
    Activate {
        /// Id, username or email
        user: String,
    },
    /// Stop a user from logging in and end every token they hold
    Deactivate {
        /// Id, username or email
        user: String,
    },
    /// Set a new password; ends every token the user holds
    ResetPassword {
        /// Id, username or email
        user: String,
        /// Read the password from the first line of stdin instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// End every JWT, the API token and the browser sessions of a user
    RevokeTokens {
        /// Id, username or email
        user: String,
    },
    /// List a user's browser sessions (signed in on the web pages)
    Sessions {
        /// Id, username or email
        user: String,
        /// Output: text (a table) or json
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// End every browser session of a user (their tokens stay valid)
    Logout {
        /// Id, username or email
        user: String,
    },
    /// Delete a user and everything they own
    Delete {
        /// Id, username or email
        user: String,
        /// Do not ask for confirmation (required without a terminal)
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only active users
    #[arg(long, conflicts_with = "inactive")]
    active: bool,
    /// Only deactivated users
    #[arg(long)]
    inactive: bool,
    /// Only users with staff rights (staff or superuser)
    #[arg(long)]
    staff: bool,
    /// Users whose username, email or name contains this (case-insensitive)
    #[arg(long)]
    search: Option<String>,
    /// Output: text (a table) or json
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)))]
pub struct SetRoleArgs {
    /// Id, username or email
    user: String,
    /// Grant the staff role (may modify the public catalogue and any category)
    #[arg(long, group = "change", overrides_with = "no_staff")]
    staff: bool,
    /// Take the staff role away
    #[arg(long, group = "change")]
    no_staff: bool,
    /// Grant the superuser role
    #[arg(long, group = "change", overrides_with = "no_superuser")]
    superuser: bool,
    /// Take the superuser role away
    #[arg(long, group = "change")]
    no_superuser: bool,
}

/// A user as `show`, `list` and `create` print it.
#[derive(Debug, Serialize)]
struct UserView {
    id: i64,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    roles: Vec<&'static str>,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    date_joined: String,
    last_login: Option<String>,
    time_zone: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            roles: user.roles(),
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            date_joined: user.date_joined.to_wire(),
            last_login: user.last_login.map(|at| at.to_wire()),
            time_zone: user.time_zone.name().to_owned(),
        }
    }
}

pub async fn run(global: &GlobalArgs, command: UserCommand) -> anyhow::Result<Outcome> {
    let db = global.connect().await?;
    let outcome = execute(&db, command).await;
    db.close().await;
    outcome
}

async fn execute(db: &Database, command: UserCommand) -> anyhow::Result<Outcome> {
    let origin = Origin::command_line();
    let passwords = Passwords::for_this_machine();
    match command {
        UserCommand::Create(args) => {
            let format = args.format;
            let user = user_create::create(db, &passwords, args, &origin).await?;
            match format {
                Format::Json => print_json(&UserView::from(&user))?,
                Format::Text => say!("Created user {} (id {})", user.username, user.id)?,
            }
        }
        UserCommand::List(args) => {
            let filter = UserFilter {
                active: match (args.active, args.inactive) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                staff: args.staff.then_some(true),
                search: args.search,
            };
            let users = accounts::list_users(db, &filter).await?;
            print_users(&users, args.format)?;
        }
        UserCommand::Show { user, format } => {
            let user = find(db, &user).await?;
            match format {
                Format::Json => print_json(&UserView::from(&user))?,
                Format::Text => print_users(std::slice::from_ref(&user), format)?,
            }
        }
        UserCommand::SetRole(args) => {
            let user = find(db, &args.user).await?;
            let change = RoleChange {
                staff: flag(args.staff, args.no_staff),
                superuser: flag(args.superuser, args.no_superuser),
            };
            let updated = accounts::set_roles(db, &user, change, &origin).await?;
            say!("{}: roles {}", updated.username, updated.roles().join(", "))?;
        }
        UserCommand::Activate { user } => {
            let user = find(db, &user).await?;
            accounts::set_active(db, &user, true, &origin).await?;
            say!("Activated {}", user.username)?;
        }
        UserCommand::Deactivate { user } => {
            let user = find(db, &user).await?;
            accounts::set_active(db, &user, false, &origin).await?;
            say!(
                "Deactivated {}; every token they held is revoked",
                user.username
            )?;
        }
        UserCommand::ResetPassword {
            user,
            password_stdin,
        } => {
            let user = find(db, &user).await?;
            let password = read_new_password(password_stdin)?;
            accounts::reset_password(db, &passwords, &user, &password, &origin)
                .await
                .map_err(explain)?;
            say!(
                "Password of {} reset; every token they held is revoked",
                user.username
            )?;
        }
        UserCommand::RevokeTokens { user } => {
            let user = find(db, &user).await?;
            accounts::revoke_tokens(db, &user, &origin).await?;
            say!("Revoked every token of {}", user.username)?;
        }
        UserCommand::Sessions { user, format } => {
            let user = find(db, &user).await?;
            user_sessions::list(db, &user, format).await?;
        }
        UserCommand::Logout { user } => {
            let user = find(db, &user).await?;
            user_sessions::logout(db, &user, &origin).await?;
        }
        UserCommand::Delete { user, yes } => {
            let user = find(db, &user).await?;
            if !yes && !confirm_delete(&user)? {
                say!("Nothing deleted.")?;
                return Ok(Outcome::Success);
            }
            accounts::delete_user(db, &user, &origin).await?;
            say!("Deleted {} and everything they owned", user.username)?;
        }
    }
    Ok(Outcome::Success)
}

async fn find(db: &Database, who: &str) -> anyhow::Result<User> {
    accounts::find_user(db, who)
        .await
        .map_err(|error| match error {
            fithub_core::Error::NotFound(_) => {
                anyhow::anyhow!("no user with id, username or email {who:?}")
            }
            other => other.into(),
        })
}

/// `--flag` → `Some(true)`, `--no-flag` → `Some(false)`, neither → unchanged.
fn flag(set: bool, unset: bool) -> Option<bool> {
    match (set, unset) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

fn print_users(users: &[User], format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            let views: Vec<UserView> = users.iter().map(UserView::from).collect();
            print_json(&views)?;
        }
        Format::Text => {
            let mut table = table([
                "Id",
                "Username",
                "Email",
                "Roles",
                "Active",
                "Time zone",
                "Joined",
                "Last login",
            ]);
            for user in users {
                table.add_row([
                    user.id.to_string(),
                    user.username.clone(),
                    user.email.clone(),
                    user.roles().join(", "),
                    if user.is_active { "yes" } else { "no" }.to_owned(),
                    user.time_zone.name().to_owned(),
                    time(user.date_joined),
                    user.last_login.map_or_else(|| "never".to_owned(), time),
                ]);
            }
            say!("{table}")?;
        }
    }
    Ok(())
}

/// Asks on a terminal; without one, refuses rather than waiting for an answer that never comes.
fn confirm_delete(user: &User) -> anyhow::Result<bool> {
    if !prompt::on_terminal() {
        return Err(prompt::cannot_ask("confirmation to delete", "--yes"));
    }
    prompt::confirm(&format!(
        "Delete {} (id {}) and everything they own?",
        user.username, user.id
    ))
}
