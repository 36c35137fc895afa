//! Ending a user's credentials, in one place: the JWTs (by their token generation), the API
//! token and the browser sessions. Every event that must sign a user out everywhere comes here,
//! inside its own transaction; deleting the user cascades to the same rows.

use crate::datetime::Timestamp;
use crate::db::{Transaction, query};
use crate::error::Result;

/// Ends every credential issued so far: the JWTs (see [`end_token_generation`]), the API
/// token and the browser sessions (see [`end_sessions`]). Password change or reset,
/// deactivation and `fithub user revoke-tokens` come here.
pub async fn revoke_credentials(tx: &mut Transaction, id: i64) -> Result<()> {
    end_token_generation(tx, id).await?;
    end_sessions(tx, id).await?;
    query("DELETE FROM api_tokens WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Ends the user's current token generation: every JWT carries the generation it was issued
/// under, so all of them, access and refresh, stop working at once; refresh tokens are also
/// marked revoked. Returns how many refresh tokens that revoked.
pub(super) async fn end_token_generation(tx: &mut Transaction, id: i64) -> Result<u64> {
    query("UPDATE users SET token_generation = token_generation + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let revoked = query(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(Timestamp::now())
    .execute(&mut *tx)
    .await?;
    Ok(revoked)
}

/// Ends every session of user `id` (they are deleted). Returns how many there were.
pub(super) async fn end_sessions(tx: &mut Transaction, id: i64) -> Result<u64> {
    Ok(query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?)
}
