use super::*;
use crate::testing::TestDatabase;

async fn audit_entry(db: &Database, action: &str, at: Timestamp) {
    query("INSERT INTO audit_log (action, occurred_at) VALUES ($1, $2)")
        .bind(action)
        .bind(at)
        .execute(db)
        .await
        .expect("audit entry");
}

async fn count(db: &Database, sql: &'static str) -> i64 {
    query(sql).fetch_scalar(db).await.expect("count")
}

#[tokio::test]
async fn purge_removes_what_expired_and_keeps_the_rest() {
    for test in TestDatabase::all_migrated().await {
        let db = test.database();
        let now = Timestamp::now();
        let user: i64 =
            query("INSERT INTO users (username, password_hash) VALUES ('ada', 'x') RETURNING id")
                .writing()
                .fetch_scalar(db)
                .await
                .expect("user");
        for (jti, expires) in [
            ("old", now - Duration::hours(1)),
            ("new", now + Duration::days(1)),
        ] {
            query(
                "INSERT INTO refresh_tokens (jti, user_id, family_id, issued_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(jti)
            .bind(user)
            .bind(uuid::Uuid::new_v4())
            .bind(now - Duration::days(8))
            .bind(expires)
            .execute(db)
            .await
            .expect("refresh token");
        }
        for (key, created) in [("old", now - Duration::days(2)), ("new", now)] {
            query(
                "INSERT INTO idempotency_keys (user_id, idempotency_key, fingerprint, created_at) \
                 VALUES ($1, $2, 'f', $3)",
            )
            .bind(user)
            .bind(key)
            .bind(created)
            .execute(db)
            .await
            .expect("idempotency key");
        }
        // 500 days old: on PostgreSQL one in a monthly partition of its own, one in the default
        // partition (a month that never got one).
        let ancient = now - Duration::days(500);
        if db.dialect() == Dialect::Postgres {
            query(
                "SELECT 1 FROM fithub_audit_partition(date_trunc('month', $1 AT TIME ZONE 'UTC'))",
            )
            .bind(ancient)
            .fetch_all::<(i32,)>(db)
            .await
            .expect("an old month's partition");
        }
        audit_entry(db, "old.partitioned", ancient).await;
        let older = now - Duration::days(600);
        audit_entry(db, "old.default", older).await;
        audit_entry(db, "recent", now - Duration::days(10)).await;

        let purged = purge(db, 400).await.expect("purge").expect("not locked");
        assert_eq!(purged.refresh_tokens, 1, "{:?}", db.backend());
        assert_eq!(purged.idempotency_keys, 1);
        if db.dialect() == Dialect::Postgres {
            assert_eq!((purged.audit_partitions, purged.audit_rows), (1, 1));
        } else {
            assert_eq!((purged.audit_partitions, purged.audit_rows), (0, 2));
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM refresh_tokens").await, 1);
        assert_eq!(count(db, "SELECT COUNT(*) FROM idempotency_keys").await, 1);
        let left: Vec<(String,)> = query("SELECT action FROM audit_log")
            .fetch_all(db)
            .await
            .expect("audit");
        assert_eq!(left, [("recent".to_owned(),)]);
        // Nothing left to purge.
        assert_eq!(
            purge(db, 400).await.expect("again"),
            Some(Purged::default())
        );
    }
}

#[tokio::test]
async fn one_process_at_a_time_purges_on_postgres() {
    let Some(test) = TestDatabase::postgres_migrated().await else {
        return;
    };
    let db = test.database();
    let mut holder = Transaction::begin(db).await.expect("begin");
    let _: bool = query("SELECT pg_try_advisory_xact_lock($1)")
        .bind(PURGE_LOCK_KEY)
        .fetch_scalar(&mut holder)
        .await
        .expect("lock");
    assert_eq!(purge(db, 400).await.expect("purge"), None);
    holder.commit().await.expect("release");
    assert!(purge(db, 400).await.expect("purge").is_some());
}

#[tokio::test]
async fn writes_land_in_monthly_partitions_on_postgres() {
    let Some(test) = TestDatabase::postgres_migrated().await else {
        return;
    };
    let db = test.database();
    audit_entry(db, "now", Timestamp::now()).await;
    let partition: String = query("SELECT tableoid::regclass::text FROM audit_log")
        .fetch_scalar(db)
        .await
        .expect("partition");
    assert!(partition.starts_with("audit_log_y"), "{partition}");
}
