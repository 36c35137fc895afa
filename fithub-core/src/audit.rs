//! The audit trail: who did what, to which object, when and from where. Rows outlive their actor
//! (the username is kept). Never put a password, a token or a secret in an entry.

use serde::Serialize;

use crate::datetime::Timestamp;
use crate::db::{Database, Dialect, Executor, Query, Record, Script};
use crate::error::Result;

/// Where an action came from: a request (client address, request id) or the command line.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    /// The operator running `fithub` (`cli:alice`), who acts without a FitHub account.
    pub operator: Option<String>,
    /// Where the core notes the rate limit this request was counted against, for its answer.
    pub rate: crate::ratelimit::RateNote,
}

impl Origin {
    /// An action of `fithub`, run by the current operating-system user: `cli:$USER`, or where
    /// that is unset (containers, cron) `cli:uid=1000@host`, which still tells operators apart.
    pub fn command_line() -> Origin {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .ok()
            .filter(|user| !user.is_empty());
        Origin {
            client_addr: None,
            request_id: None,
            operator: Some(operator_name(user, process_uid(), host_name())),
            rate: Default::default(),
        }
    }
}

/// `cli:NAME` for a known user name, else `cli:uid=UID@HOST` with what is known of the two.
fn operator_name(user: Option<String>, uid: Option<u32>, host: Option<String>) -> String {
    if let Some(user) = user {
        return format!("cli:{user}");
    }
    let uid = uid.map_or_else(|| "unknown".to_owned(), |uid| uid.to_string());
    let host = host.unwrap_or_else(|| "unknown".to_owned());
    format!("cli:uid={uid}@{host}")
}

/// The real uid of this process: the owner of its `/proc` entry (no `unsafe` call to getuid).
fn process_uid() -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").ok().map(|meta| meta.uid())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The machine's (or container's) host name, from the kernel or `/etc/hostname`.
fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
}

/// The account that acted, as the trail keeps it: the username outlives the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub username: String,
}

/// One audited action.
#[derive(Debug, Clone)]
pub struct Entry {
    action: &'static str,
    actor: Option<Actor>,
    object_type: Option<&'static str>,
    object_id: Option<String>,
    details: Option<serde_json::Value>,
}

impl Entry {
    /// `action` is a dotted name such as `auth.login` or `user.deactivate`.
    pub fn new(action: &'static str) -> Entry {
        Entry {
            action,
            actor: None,
            object_type: None,
            object_id: None,
            details: None,
        }
    }

    pub fn by(mut self, actor: impl Into<Actor>) -> Entry {
        self.actor = Some(actor.into());
        self
    }

    pub fn on(mut self, object_type: &'static str, object_id: impl ToString) -> Entry {
        self.object_type = Some(object_type);
        self.object_id = Some(object_id.to_string());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Entry {
        self.details = Some(details);
        self
    }
}

/// The audit trail's columns, in the order [`values`] gives them.
const COLUMNS: &str = "occurred_at, actor_id, actor_username, action, object_type, object_id, \
     client_addr, request_id, details";

/// `entry`'s values for [`COLUMNS`], comma-separated. `object_id_sql`, when given, is the SQL
/// for the object's id in place of the entry's own.
fn values(origin: &Origin, entry: Entry, object_id_sql: Option<&'static str>) -> Script {
    let (actor_id, actor_username) = match entry.actor {
        Some(actor) => (Some(actor.id), Some(actor.username)),
        None => (None, origin.operator.clone()),
    };
    let mut values = Script::new();
    values.push_bind(Timestamp::now()).push(", ");
    values.push_bind(actor_id).push(", ");
    values.push_bind(actor_username).push(", ");
    values.push_bind(entry.action).push(", ");
    values.push_bind(entry.object_type).push(", ");
    match object_id_sql {
        Some(sql) => values.push(sql),
        None => values.push_bind(entry.object_id),
    };
    values.push(", ");
    values.push_bind(origin.client_addr.as_deref()).push(", ");
    values.push_bind(origin.request_id.as_deref()).push(", ");
    values.push_bind(entry.details.map(|details| details.to_string()));
    values
}

/// The `INSERT INTO audit_log … VALUES (…)` of `entry` (see [`values`]).
fn insert(origin: &Origin, entry: Entry, object_id_sql: Option<&'static str>) -> Script {
    let mut insert = Script::new();
    insert
        .push("INSERT INTO audit_log (")
        .push(COLUMNS)
        .push(") VALUES (")
        .append(values(origin, entry, object_id_sql))
        .push(")");
    insert
}

/// Writes `entry`; inside the transaction of the action, so that both happen or neither.
pub async fn record<'e>(
    executor: impl Into<Executor<'e>>,
    origin: &Origin,
    entry: Entry,
) -> Result<()> {
    Query::from(insert(origin, entry, None))
        .execute(executor)
        .await?;
    Ok(())
}

/// Runs `insert`, an `INSERT … RETURNING` the new row, and records `entry` on that row as an
/// `object_type`: both or neither, in one trip to the database where a transaction took four
/// (BEGIN, both INSERTs and COMMIT). On PostgreSQL the insert is a data-modifying `WITH`; on
/// SQLite the two INSERTs are one atomic script, written in a group with others waiting for the
/// writer (see [`Database::write_atomically`]).
pub async fn insert_audited<T: Record>(
    db: &Database,
    insert_row: Script,
    origin: &Origin,
    entry: Entry,
    object_type: &'static str,
) -> Result<T> {
    let entry = Entry {
        object_type: Some(object_type),
        ..entry
    };
    let row = match db.dialect() {
        Dialect::Postgres => {
            let mut statement = Script::new();
            statement
                .push("WITH written AS (")
                .append(insert_row)
                .push("), audited AS (INSERT INTO audit_log (")
                .push(COLUMNS)
                .push(") SELECT ")
                .append(values(origin, entry, Some("CAST(written.id AS TEXT)")))
                .push(" FROM written) SELECT * FROM written");
            Query::from(statement).fetch_one(db).await?
        }
        Dialect::Sqlite => {
            let mut script = insert_row;
            // The id the INSERT just gave, a trigger's inserts aside.
            script.push(";\n").append(insert(
                origin,
                entry,
                Some("CAST(last_insert_rowid() AS TEXT)"),
            ));
            let rows = db.write_atomically(script).await?;
            rows.into_iter().next().ok_or(sqlx::Error::RowNotFound)?
        }
    };
    Ok(row)
}

/// A row of the audit trail.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub occurred_at: Timestamp,
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub details: Option<String>,
}

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Actions by this user, or on this user.
    pub user_id: Option<i64>,
    pub since: Option<Timestamp>,
    pub action: Option<String>,
    pub limit: Option<i64>,
}

/// Newest first.
pub async fn list(db: &Database, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
    let mut sql = Query::builder();
    sql.push(
        "SELECT id, occurred_at, actor_id, actor_username, action, object_type, object_id, \
         client_addr, request_id, details FROM audit_log WHERE 1 = 1",
    );
    if let Some(user_id) = filter.user_id {
        sql.push(" AND (actor_id = ").push_bind(user_id);
        sql.push(" OR (object_type = 'user' AND object_id = ")
            .push_bind(user_id.to_string());
        sql.push("))");
    }
    if let Some(since) = filter.since {
        sql.push(" AND occurred_at >= ").push_bind(since);
    }
    if let Some(action) = &filter.action {
        sql.push(" AND action = ").push_bind(action.as_str());
    }
    sql.push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
        .push_bind(filter.limit.unwrap_or(1000));
    Ok(sql.fetch_all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_is_the_user_or_else_the_uid_and_host() {
        assert_eq!(
            operator_name(Some("alice".into()), Some(1000), Some("box".into())),
            "cli:alice"
        );
        assert_eq!(
            operator_name(None, Some(1000), Some("box".into())),
            "cli:uid=1000@box"
        );
        assert_eq!(operator_name(None, None, None), "cli:uid=unknown@unknown");
    }
}
