//! Diaries already answered, kept in this process until what they show changes.
//!
//! A year's diary reads a thousand records to answer about 100 KB of JSON, and a client asks for
//! the same one each time its diary screen opens. So its JSON is kept, with its entity tag, under
//! two versions that triggers change inside every writing transaction (migration V9): the user's,
//! for their records, meal ingredients and diets (and their personal ingredients' nutrients), and
//! the catalogue's, for the nutrients of any public ingredient, which anyone's meals may hold.
//! Every writer counts, an API replica, `fithub import` or SQL typed by hand, and a rolled-back
//! write changes nothing. A request that reads the same two versions (one statement) is answered
//! the kept bytes, with no work in this process.
//!
//! - Both versions are read in one statement, before the diary, so what is kept under them is at
//!   least as new as they are: a change committed in between changes a version, and the next
//!   request reads afresh. With replicas, a miss reads the versions again and the diary from the
//!   primary: two replicas taken in turn need not agree, and a diary read from one further
//!   behind would be kept under versions it does not show.
//! - Versions are random numbers, never counters, so a database taken back in time (a restore, a
//!   promoted replica) cannot bring back one that an answer was kept under.
//! - The key holds the user's time zone and the dates (the range is resolved before, so "today"
//!   is part of it), and when the user joined as well as their id: an id given again (an archive
//!   restored elsewhere) can never be answered another person's diary.
//! - At most `diary_cache_mib` of JSON; moka keeps the answers asked for most often and most
//!   recently, may refuse a new one when full, and drops one unread for [`IDLE_FOR`]. `0` keeps
//!   nothing. The CSV form, an occasional download, is always read afresh.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use moka::sync::Cache;
use time::Date;

use super::{diary_of, range};
use crate::accounts::User;
use crate::datetime::Timestamp;
use crate::db::{Database, query, reads};
use crate::error::{Error, Result};
use crate::precondition::ETag;

/// An answer unread for this long is dropped, used or not, to give its memory back.
const IDLE_FOR: Duration = Duration::from_secs(30 * 60);

/// A diary's JSON, as `GET /api/nutrition/diary/` answers it, and its entity tag.
#[derive(Debug)]
pub struct DiaryJson {
    pub body: Bytes,
    pub etag: ETag,
}

/// The diaries this process answered, by user, version and range.
pub struct KeptDiaries {
    answers: Option<Cache<Key, Arc<DiaryJson>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    user: i64,
    joined: Timestamp,
    versions: Versions,
    time_zone: String,
    start: Date,
    end: Date,
}

/// The user's diary version and the catalogue's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::FromRow)]
struct Versions {
    user: i64,
    catalogue: i64,
}

impl KeptDiaries {
    /// Keeps answers up to `bytes` of JSON in all; `0` keeps none.
    pub fn new(bytes: u64) -> KeptDiaries {
        let answers = (bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(bytes)
                .weigher(|_: &Key, answer: &Arc<DiaryJson>| {
                    u32::try_from(answer.body.len()).unwrap_or(u32::MAX)
                })
                .time_to_idle(IDLE_FOR)
                .build()
        });
        KeptDiaries { answers }
    }
}

/// `GET /api/nutrition/diary/?start=&end=` as JSON: the kept answer while the versions are the
/// ones it was read at, or the diary read now (and kept).
pub async fn diary_json(
    db: &Database,
    kept: &KeptDiaries,
    user: &User,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Arc<DiaryJson>> {
    let (start, end) = range(start, end, user.time_zone.today())?;
    let Some(answers) = &kept.answers else {
        return render(db, user, start, end).await.map(Arc::new);
    };
    let key = |versions| Key {
        user: user.id,
        joined: user.date_joined,
        versions,
        time_zone: user.time_zone.name().to_owned(),
        start,
        end,
    };
    let kept_under = |versions: Option<Versions>| versions.and_then(|v| answers.get(&key(v)));
    let may_be_stale = reads::replica_floor().is_some();
    let mut versions = versions_of(db, user).await?;
    if let Some(answer) = kept_under(versions) {
        return Ok(answer);
    }
    if may_be_stale && versions.is_some() {
        reads::read_from_primary();
        versions = versions_of(db, user).await?;
        if let Some(answer) = kept_under(versions) {
            return Ok(answer);
        }
    }
    let answer = Arc::new(render(db, user, start, end).await?);
    // Without a version row (V9 gives every user one; only SQL by hand takes it away), nothing
    // is kept.
    if let Some(versions) = versions {
        answers.insert(key(versions), Arc::clone(&answer));
    }
    Ok(answer)
}

async fn versions_of(db: &Database, user: &User) -> Result<Option<Versions>> {
    Ok(query(
        "SELECT d.version AS \"user\", c.version AS catalogue \
         FROM diary_versions d CROSS JOIN catalogue_versions c WHERE d.user_id = $1",
    )
    .bind(user.id)
    .fetch_optional(db)
    .await?)
}

async fn render(db: &Database, user: &User, start: Date, end: Date) -> Result<DiaryJson> {
    let diary = diary_of(db, user, start, end).await?;
    let body = serde_json::to_vec(&diary)
        .map_err(|error| Error::Internal(format!("serializing a diary: {error}")))?;
    Ok(DiaryJson {
        etag: ETag::of_json(&body),
        body: Bytes::from(body),
    })
}
