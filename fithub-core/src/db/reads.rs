//! Which of a request's reads a replica may serve, and what the request wrote.
//!
//! The API opens a [`scope`] per request. Its reads stay on the primary unless the request is
//! identified as a user's read that may be slightly stale ([`identified`]: a `GET` or `HEAD`);
//! then each read outside a transaction may go to a replica that has replayed that user's last
//! write. The first write (or transaction) of the request sends its remaining reads back to the
//! primary, and when the request ends the primary's position is remembered for the user, so
//! that their next requests, on any API process, read what they wrote.

use std::cell::Cell;
use std::future::Future;

use super::Database;
use super::replicas::{PRIMARY_POSITION, position};

tokio::task_local! {
    static REQUEST: RequestReads;
}

#[derive(Default)]
struct RequestReads {
    user: Cell<Option<i64>>,
    /// The position a replica must have replayed to serve this request's reads; `None`: the
    /// primary serves them.
    floor: Cell<Option<u64>>,
    wrote: Cell<bool>,
}

/// Runs `future` (a request) with its reads routed as above.
pub async fn scope<F: Future>(db: &Database, future: F) -> F::Output {
    let Some(replicas) = db.replicas() else {
        return future.await;
    };
    let (output, user, wrote) = REQUEST
        .scope(RequestReads::default(), async {
            let output = future.await;
            let (user, wrote) = REQUEST.with(|reads| (reads.user.get(), reads.wrote.get()));
            (output, user, wrote)
        })
        .await;
    if let (Some(user), true, Database::Postgres(pools)) = (user, wrote, db) {
        // Read after the commit, so at or past it. Unknown: a position no replica has yet,
        // and the user reads from the primary until it is forgotten.
        let written = position(pools.primary(), PRIMARY_POSITION)
            .await
            .unwrap_or(u64::MAX);
        replicas
            .written
            .raise(user, written, replicas.remember_writes_for())
            .await;
    }
    output
}

/// Names the request's user; with `may_be_stale` (a read-only request), lets a replica that has
/// replayed the user's last write serve its reads.
pub async fn identified(db: &Database, user: i64, may_be_stale: bool) {
    let Some(replicas) = db.replicas() else {
        return;
    };
    let floor = if may_be_stale {
        Some(replicas.written.of(user).await)
    } else {
        None
    };
    let _ = REQUEST.try_with(|reads| {
        reads.user.set(Some(user));
        if !reads.wrote.get() {
            reads.floor.set(floor);
        }
    });
}

/// Takes note of a write: the request's reads stay on the primary from now on.
pub(super) fn wrote() {
    let _ = REQUEST.try_with(|reads| {
        reads.wrote.set(true);
        reads.floor.set(None);
    });
}

/// Sends the request's remaining reads to the primary, without counting as a write: for reads
/// that must see at least what an earlier read of the request saw. One server's replay only moves
/// forward; two replicas taken in turn need not agree.
pub(crate) fn read_from_primary() {
    let _ = REQUEST.try_with(|reads| reads.floor.set(None));
}

/// The position a replica must have replayed to serve the current read, if one may.
pub(crate) fn replica_floor() -> Option<u64> {
    REQUEST.try_with(|reads| reads.floor.get()).ok().flatten()
}
