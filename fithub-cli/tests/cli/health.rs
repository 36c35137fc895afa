use std::net::SocketAddr;

use fithub_api::App;
use fithub_core::config::{Config, Secret};
use fithub_core::testing::TestDatabase;
use tokio::net::TcpListener;

use crate::helpers::{assert_exit, fithub, stdout};

/// Serves the real application in-process on a free port until the test ends.
async fn serve(database: &TestDatabase) -> SocketAddr {
    let app = App::new(
        Config::default(),
        database.database().clone(),
        Secret::new("s".repeat(32)),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(fithub_api::serve(app, listener, std::future::pending()));
    address
}

/// Runs the CLI off the async runtime, so the in-process server keeps answering.
async fn fithub_async(args: Vec<String>, env: Vec<(String, String)>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().expect("temp dir");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        fithub(dir.path(), &args, &env)
    })
    .await
    .expect("blocking task")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_api_exits_0() {
    let database = TestDatabase::sqlite_migrated().await;
    let address = serve(&database).await;
    let url = format!("http://{address}");

    let output = fithub_async(strings(&["health", "--url", &url]), vec![]).await;
    assert_exit(&output, 0);
    assert!(
        stdout(&output).starts_with(&format!("attempt 1/1: {url}/health healthy")),
        "{}",
        stdout(&output)
    );

    let output = fithub_async(
        strings(&["health", "--url", &url, "--ready", "--format", "json"]),
        vec![],
    )
    .await;
    assert_exit(&output, 0);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["healthy"], true);
    assert_eq!(report["target"], format!("{url}/ready"));
    assert_eq!(report["attempts"][0]["status"], 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn not_ready_exits_3_after_every_retry() {
    let database = TestDatabase::sqlite().await; // no schema: /ready answers 503
    let address = serve(&database).await;
    let url = format!("http://{address}");
    let output = fithub_async(
        strings(&[
            "health",
            "--url",
            &url,
            "--ready",
            "--retries",
            "2",
            "--interval",
            "10ms",
        ]),
        vec![],
    )
    .await;
    assert_exit(&output, 3);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 3, "one line per attempt:\n{text}");
    assert!(
        text.lines()
            .all(|line| line.contains("unhealthy") && line.contains("503")),
        "{text}"
    );
    assert!(text.contains("V1 pending"), "says what failed:\n{text}");

    // /health is only liveness: the same process is alive.
    let output = fithub_async(strings(&["health", "--url", &url]), vec![]).await;
    assert_exit(&output, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_listening_exits_3() {
    let output = fithub_async(
        strings(&[
            "health",
            "--url",
            "http://127.0.0.1:1",
            "--retries",
            "1",
            "--interval",
            "10ms",
            "--format",
            "json",
        ]),
        vec![],
    )
    .await;
    assert_exit(&output, 3);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["healthy"], false);
    assert_eq!(report["attempts"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["attempts"][1]["detail"], "connection failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn default_url_follows_fithub_bind() {
    let database = TestDatabase::sqlite_migrated().await;
    let address = serve(&database).await;
    let output = fithub_async(
        strings(&["health"]),
        vec![(
            "FITHUB_BIND".to_owned(),
            format!("0.0.0.0:{}", address.port()),
        )],
    )
    .await;
    assert_exit(&output, 0);
    assert!(stdout(&output).contains(&format!("http://127.0.0.1:{}/health", address.port())));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["health", "--retries", "many"][..],
        &["health", "--interval", "soon"],
        &["health", "--url", "not a url"],
        &["health", "--database", "--url", "http://x"],
    ] {
        assert_exit(&fithub(dir.path(), args, &[]), 2);
    }
}

#[test]
fn other_errors_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(
        dir.path(),
        &["health", "--database", "--database-url", "mysql://x/y"],
        &[],
    );
    assert_exit(&output, 1);
}

#[tokio::test]
async fn database_check_needs_a_current_schema() {
    for database in TestDatabase::all_empty().await {
        let url = database.url().expose();
        let dir = tempfile::tempdir().expect("temp dir");
        let output = fithub(
            dir.path(),
            &["health", "--database"],
            &[("DATABASE_URL", url)],
        );
        assert_exit(&output, 3);
        assert!(
            stdout(&output).contains("fithub migrate"),
            "{}",
            stdout(&output)
        );

        fithub_core::db::migrations::migrate(database.database())
            .await
            .expect("migrate");
        let output = fithub(
            dir.path(),
            &["health", "--database"],
            &[("DATABASE_URL", url)],
        );
        assert_exit(&output, 0);
        assert!(stdout(&output).contains("reachable, migrations current"));
    }
}

#[test]
fn database_check_never_creates_a_missing_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(
        dir.path(),
        &["health", "--database", "--timeout", "2s"],
        &[],
    );
    assert_exit(&output, 3);
    assert!(!dir.path().join("fithub.db").exists());
}
