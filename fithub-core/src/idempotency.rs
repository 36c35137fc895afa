//! Idempotency keys (API.md §6.5): a create sent again with the same `Idempotency-Key` is answered
//! from the first answer instead of creating again.
//!
//! A key is claimed by inserting its row, so of two requests racing with one key, one inserts and
//! the other finds the row. The row keeps what identifies the request (a fingerprint of its
//! method, path and parsed body) and, once there is one, the answer. Keys live in the database, so
//! a retry that reaches another replica is recognised too, and for [`KEPT_FOR`] only.

use serde_json::Value;
use sha2::{Digest, Sha256};
use time::Duration;

use crate::datetime::Timestamp;
use crate::db::{Database, query};
use crate::error::Result;

/// How long an answer is kept for its key.
pub const KEPT_FOR: Duration = Duration::hours(24);

/// How much longer than the request timeout a claim may stay unanswered before it is taken for
/// abandoned: room for the clocks of two API processes to disagree.
const CLOCK_MARGIN: Duration = Duration::seconds(2);

/// A kept answer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Answer {
    pub status: i32,
    pub body: String,
    pub location: Option<String>,
}

/// What a request finds for its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's now: process it, then [`keep`] or [`release`] the answer.
    Claimed,
    /// The same request was answered before: send this again.
    Answered(Answer),
    /// The first request with the key is still being processed.
    InFlight,
    /// The key was used with another request.
    Mismatch,
}

#[derive(sqlx::FromRow)]
struct Row {
    fingerprint: String,
    status: Option<i32>,
    body: Option<String>,
    location: Option<String>,
    created_at: Timestamp,
}

/// What identifies a request: its method, its path and its body as parsed, so that the order of
/// keys and white space make no difference.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let body = match serde_json::from_slice::<Value>(body) {
        Ok(value) => canonical(&value),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let mut hash = Sha256::new();
    for part in [method, path, &body] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

/// JSON with every object's keys in order.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            let members: Vec<String> = keys
                .into_iter()
                .map(|key| format!("{}:{}", Value::from(key.as_str()), canonical(&object[key])))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// Claims `key` of user `user_id` for the request identified by `fingerprint`.
///
/// No request runs longer than `request_timeout`, so a claim left unanswered for longer belongs
/// to a request that will never answer (its process died, or it was given up while its claim was
/// still being written, too early to release it): another request with the key takes it over.
pub async fn claim(
    db: &Database,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    request_timeout: std::time::Duration,
) -> Result<Claim> {
    let now = Timestamp::now();
    let inserted = query(
        "INSERT INTO idempotency_keys (user_id, idempotency_key, fingerprint, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(fingerprint)
    .bind(now)
    .execute(db)
    .await?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let row: Option<Row> = query(
        "SELECT fingerprint, status, body, location, created_at FROM idempotency_keys \
         WHERE user_id = $1 AND idempotency_key = $2",
    )
    .bind(user_id)
    .bind(key)
    .writing()
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        // Released meanwhile: this request may have it.
        return Box::pin(claim(db, user_id, key, fingerprint, request_timeout)).await;
    };
    let expired = row.created_at < now - KEPT_FOR;
    let in_flight_at_most = Duration::try_from(request_timeout).unwrap_or(KEPT_FOR) + CLOCK_MARGIN;
    let abandoned = row.status.is_none() && row.created_at < now - in_flight_at_most;
    if expired || abandoned {
        return take_over(db, user_id, key, fingerprint, row.created_at).await;
    }
    if row.fingerprint != fingerprint {
        return Ok(Claim::Mismatch);
    }
    Ok(match (row.status, row.body) {
        (Some(status), Some(body)) => Claim::Answered(Answer {
            status,
            body,
            location: row.location,
        }),
        _ => Claim::InFlight,
    })
}

/// Claims a key whose row is stale, unless another request did first.
async fn take_over(
    db: &Database,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    stale_since: Timestamp,
) -> Result<Claim> {
    let taken = query(
        "UPDATE idempotency_keys SET fingerprint = $3, status = NULL, body = NULL, \
         location = NULL, created_at = $4 \
         WHERE user_id = $1 AND idempotency_key = $2 AND created_at = $5",
    )
    .bind(user_id)
    .bind(key)
    .bind(fingerprint)
    .bind(Timestamp::now())
    .bind(stale_since)
    .execute(db)
    .await?;
    Ok(if taken == 1 {
        Claim::Claimed
    } else {
        Claim::InFlight
    })
}

/// Keeps the answer to the request that claimed `key`.
pub async fn keep(db: &Database, user_id: i64, key: &str, answer: &Answer) -> Result<()> {
    query(
        "UPDATE idempotency_keys SET status = $3, body = $4, location = $5 \
         WHERE user_id = $1 AND idempotency_key = $2",
    )
    .bind(user_id)
    .bind(key)
    .bind(answer.status)
    .bind(answer.body.as_str())
    .bind(answer.location.as_deref())
    .execute(db)
    .await?;
    Ok(())
}

/// Gives `key` up unanswered (a server error, or the client went away), so that a retry runs
/// the request again.
pub async fn release(db: &Database, user_id: i64, key: &str) -> Result<()> {
    query(
        "DELETE FROM idempotency_keys \
         WHERE user_id = $1 AND idempotency_key = $2 AND status IS NULL",
    )
    .bind(user_id)
    .bind(key)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the keys older than [`KEPT_FOR`]; returns how many.
pub async fn purge_expired<'e>(executor: impl Into<crate::db::Executor<'e>>) -> Result<u64> {
    Ok(query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(Timestamp::now() - KEPT_FOR)
        .execute(executor)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_ignores_key_order_and_white_space_only() {
        let a = fingerprint("POST", "/api/x/", br#"{"a": 1, "b": {"c": [1, 2]}}"#);
        let b = fingerprint("POST", "/api/x/", br#"{"b":{"c":[1,2]},"a":1}"#);
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint("POST", "/api/y/", br#"{"a": 1, "b": {"c": [1, 2]}}"#)
        );
        assert_ne!(
            a,
            fingerprint("PUT", "/api/x/", br#"{"a": 1, "b": {"c": [1, 2]}}"#)
        );
        assert_ne!(
            a,
            fingerprint("POST", "/api/x/", br#"{"a": 2, "b": {"c": [1, 2]}}"#)
        );
        assert_ne!(
            a,
            fingerprint("POST", "/api/x/", br#"{"a": 1, "b": {"c": [2, 1]}}"#)
        );
    }
}
