//! The real `fithub-api` binary: configuration from the environment, signals, exit codes.

use std::net::TcpListener as StdListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fithub_core::testing::TestDatabase;
use sqlx::Connection;

struct RunningApi {
    child: Child,
    base: String,
}

impl RunningApi {
    fn start(dir: &Path, database_url: &str, extra_env: &[(&str, &str)]) -> RunningApi {
        Self::start_with_stdout(dir, database_url, extra_env, Stdio::null())
    }

    /// With its log (stdout) written to `log`.
    fn start_logging(
        dir: &Path,
        database_url: &str,
        extra_env: &[(&str, &str)],
        log: &Path,
    ) -> RunningApi {
        let file = std::fs::File::create(log).expect("log file");
        Self::start_with_stdout(dir, database_url, extra_env, Stdio::from(file))
    }

    fn start_with_stdout(
        dir: &Path,
        database_url: &str,
        extra_env: &[(&str, &str)],
        stdout: Stdio,
    ) -> RunningApi {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_fithub-api"));
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("FITHUB_BIND", format!("127.0.0.1:{port}"))
            .envs(extra_env.iter().copied())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::null());
        let child = command.spawn().expect("start fithub-api");
        RunningApi {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(response) = client().get(format!("{}/health", self.base)).send().await
                && response.status() == 200
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("fithub-api exited early: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fithub-api did not become healthy");
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "fithub-api did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RunningApi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[tokio::test]
async fn runs_on_the_embedded_default_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut api = RunningApi::start(dir.path(), "sqlite://fithub.db", &[]);
    api.wait_until_healthy().await;

    for path in ["/ready", "/api/docs/", "/api/redoc/", "/api/schema/"] {
        let response = client()
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
    }
    assert!(
        dir.path().join("fithub.db").exists(),
        "SQLite file in the working directory"
    );
    assert!(
        dir.path().join("fithub.db.jwt-secret").exists(),
        "development secret kept"
    );

    api.terminate();
    let status = api.wait_for_exit();
    assert!(status.success(), "clean exit on SIGTERM: {status}");
}

#[tokio::test]
async fn refuses_insecure_production_settings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut api = RunningApi::start(
        dir.path(),
        "sqlite://fithub.db",
        &[("FITHUB_ENV", "production")],
    );
    let status = api.wait_for_exit();
    assert_eq!(status.code(), Some(1));
}

/// SIGTERM arrives while a request is waiting on the database: the request completes, then the
/// process exits. `/ready` is made slow by holding a lock on the table it reads.
#[tokio::test]
async fn sigterm_during_a_slow_request_lets_it_complete() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut api = RunningApi::start(
        dir.path(),
        database.url().expose(),
        &[
            ("FITHUB_READY_TIMEOUT_MS", "10000"),
            ("FITHUB_JWT_SECRET", "binary-test-secret-0123456789abcdef"),
        ],
    );
    api.wait_until_healthy().await;

    let mut blocker = sqlx::PgConnection::connect(database.url().expose())
        .await
        .expect("connect");
    sqlx::raw_sql("BEGIN; LOCK TABLE refinery_schema_history IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");

    let slow = tokio::spawn(client().get(format!("{}/ready", api.base)).send());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!slow.is_finished(), "the request is in flight");
    api.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        api.child.try_wait().expect("wait").is_none(),
        "still draining"
    );

    sqlx::raw_sql("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("unlock");
    let response = slow
        .await
        .expect("task")
        .expect("the in-flight request got its answer");
    assert_eq!(response.status(), 200);
    let status = api.wait_for_exit();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn refuses_to_start_on_postgres_with_pending_migrations() {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut api = RunningApi::start(dir.path(), database.url().expose(), &[]);
    assert_eq!(api.wait_for_exit().code(), Some(1));
}

#[tokio::test]
async fn each_request_is_one_json_log_line_with_its_id_and_user() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("api.log");
    let mut api = RunningApi::start_logging(
        dir.path(),
        "sqlite://fithub.db",
        &[
            ("FITHUB_LOG_FORMAT", "json"),
            ("FITHUB_JWT_SECRET", "binary-test-secret-0123456789abcdef"),
        ],
        &log,
    );
    api.wait_until_healthy().await;
    let password = "violet-Harbor-47-kite";
    let registered: serde_json::Value = client()
        .post(format!("{}/api/accounts/register/", api.base))
        .json(&serde_json::json!({"username": "ada", "password": password, "password_confirm": password}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let access = registered["tokens"]["access"].as_str().expect("access");
    let response = client()
        .get(format!("{}/api/accounts/profile/", api.base))
        .bearer_auth(access)
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("profile");
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    api.terminate();
    api.wait_for_exit();

    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains(password) && !text.contains(access),
        "no secrets in the log"
    );
    let line: serde_json::Value = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| {
            line["span"]["request_id"] == "trace-me-123" && line["fields"]["message"] == "request"
        })
        .unwrap_or_else(|| panic!("the request's line in\n{text}"));
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["route"], "/api/accounts/profile/");
    assert_eq!(line["span"]["user_id"], registered["user"]["id"]);
    assert_eq!(line["fields"]["status"], 200);
    assert!(line["fields"]["latency_ms"].as_f64().is_some(), "{line}");
}

/// Two replicas behind one load balancer: the limit holds across both, through Redis.
#[tokio::test]
async fn rate_limits_hold_across_replicas_through_redis() {
    let Ok(redis) = std::env::var("FITHUB_TEST_REDIS_URL") else {
        eprintln!("skipped: FITHUB_TEST_REDIS_URL is not set");
        return;
    };
    // Windows are whole minutes: do not start a few seconds before one ends.
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        % 60;
    if second >= 50 {
        tokio::time::sleep(Duration::from_secs(61 - second)).await;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let prefix = format!("fithub-test-{}", uuid::Uuid::new_v4().simple());
    let env = [
        ("FITHUB_REDIS_URL", redis.as_str()),
        ("FITHUB_REDIS_PREFIX", prefix.as_str()),
        ("FITHUB_AUTH_RATE_LIMIT_PER_ADDRESS", "3"),
        ("FITHUB_JWT_SECRET", "replica-secret-0123456789abcdefghij"),
    ];
    let mut first = RunningApi::start(dir.path(), "sqlite://fithub.db", &env);
    first.wait_until_healthy().await;
    let mut second = RunningApi::start(dir.path(), "sqlite://fithub.db", &env);
    second.wait_until_healthy().await;

    let attempt = |base: String| async move {
        client()
            .post(format!("{base}/api/auth/jwt/token/"))
            .json(&serde_json::json!({"username": "nobody", "password": "wrong-password"}))
            .send()
            .await
            .expect("login attempt")
    };
    let statuses = [
        attempt(first.base.clone()).await.status(),
        attempt(second.base.clone()).await.status(),
        attempt(first.base.clone()).await.status(),
    ];
    assert!(statuses.iter().all(|status| *status == 401), "{statuses:?}");
    let limited = attempt(second.base.clone()).await;
    assert_eq!(
        limited.status(),
        429,
        "the second replica knows of the first's attempts"
    );
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
}
