//! `fithub user sessions` and `fithub user logout`: a user's browser sessions, listed or ended.

use fithub_core::Database;
use fithub_core::accounts::{self, User};
use fithub_core::audit::Origin;

use crate::output::{Format, print_json, say, table, time};

/// Prints the user's unexpired sessions, newest first.
pub async fn list(db: &Database, user: &User, format: Format) -> anyhow::Result<()> {
    let sessions = accounts::list_sessions(db, user).await?;
    match format {
        Format::Json => print_json(&sessions)?,
        Format::Text if sessions.is_empty() => {
            say!("{} has no browser session", user.username)?;
        }
        Format::Text => {
            let mut table = table(["Session", "Signed in", "Expires", "Address", "Browser"]);
            for session in &sessions {
                table.add_row([
                    session.id.clone(),
                    time(session.created_at),
                    time(session.expires_at),
                    session.client_addr.clone().unwrap_or_default(),
                    session.user_agent.clone(),
                ]);
            }
            say!("{table}")?;
        }
    }
    Ok(())
}

/// Ends every session of the user; their tokens are left alone.
pub async fn logout(db: &Database, user: &User, origin: &Origin) -> anyhow::Result<()> {
    let ended = accounts::end_user_sessions(db, user, origin).await?;
    say!(
        "Ended {ended} browser session{} of {}",
        if ended == 1 { "" } else { "s" },
        user.username
    )?;
    Ok(())
}
