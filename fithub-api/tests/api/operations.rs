//! What operators rely on: metrics, CORS, security headers, the audit trail, timeouts.

use axum::http::{Method, StatusCode};
use fithub_core::audit::{self, AuditFilter};
use fithub_core::testing::TestDatabase;
use serde_json::json;

use crate::helpers::{TestApp, test_config};

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let diet = app
        .call(Method::POST, "/api/nutrition/diets/")
        .by(&ada)
        .json(&json!({"name": "Cut", "day_proteins_g": 1, "day_fats_g": 1, "day_carbohydrates_g": 1, "day_calories_kcal": 1}))
        .send()
        .await
        .json();
    for _ in 0..3 {
        app.call(
            Method::GET,
            &format!("/api/nutrition/diets/{}/", diet["id"]),
        )
        .by(&ada)
        .send()
        .await
        .assert_status(StatusCode::OK);
    }
    let response = app.get("/metrics").await;
    response.assert_status(StatusCode::OK);
    assert!(
        response
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    let text = response.text();
    let series = r#"fithub_http_requests_total{method="GET",route="/api/nutrition/diets/{id}/",status="200"}"#;
    let count: f64 = text
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("{series} in\n{text}"));
    assert!(count >= 3.0, "{count}");
    for expected in [
        r#"fithub_http_request_duration_seconds_bucket{method="GET",route="/api/nutrition/diets/{id}/",status="200",le="0.01"}"#,
        "fithub_http_requests_in_flight",
        "fithub_db_pool_connections",
        "fithub_db_pool_idle",
        "fithub_db_pool_waiting",
        "fithub_db_pool_max",
        "fithub_build_info{version=",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(
        !text.contains(&format!("/api/nutrition/diets/{}/", diet["id"])),
        "no raw paths"
    );
}

#[tokio::test]
async fn a_metrics_address_takes_metrics_off_the_public_one() {
    let config = fithub_core::Config {
        metrics_bind: Some("127.0.0.1:0".parse().expect("address")),
        ..test_config()
    };
    let app = TestApp::with_config(TestDatabase::sqlite_migrated().await, config);
    app.get("/metrics")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let metrics = fithub_api::metrics_router(app.app.clone());
    let response = tower::ServiceExt::oneshot(
        metrics,
        axum::http::Request::get("/metrics")
            .body(axum::body::Body::empty())
            .expect("request"),
    )
    .await
    .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn cors_echoes_any_origin_by_default_and_answers_preflights() {
    let app = TestApp::spawn().await;
    let preflight = app
        .call(Method::OPTIONS, "/api/nutrition/diets/")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await;
    preflight.assert_status(StatusCode::OK);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        preflight.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(preflight.header("access-control-max-age"), Some("86400"));
    let methods = preflight
        .header("access-control-allow-methods")
        .unwrap_or_default();
    for method in ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"] {
        assert!(methods.contains(method), "{methods}");
    }
    let headers = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default();
    assert!(
        headers.contains("authorization") && headers.contains("x-csrftoken"),
        "{headers}"
    );

    let actual = app
        .call(Method::GET, "/health")
        .header("origin", "https://app.example")
        .send()
        .await;
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(
        actual
            .header("vary")
            .unwrap_or_default()
            .to_lowercase()
            .contains("origin")
    );
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let config = fithub_core::Config {
        cors_allowed_origins: vec!["https://app.example".into()],
        ..test_config()
    };
    let app = TestApp::with_config(TestDatabase::sqlite_migrated().await, config);
    let allowed = app
        .call(Method::GET, "/health")
        .header("origin", "https://app.example")
        .send()
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let refused = app
        .call(Method::GET, "/health")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/health", "/api/nutrition/diets/", "/nope"] {
        let response = app.get(path).await;
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),
            ("cross-origin-opener-policy", "same-origin"),
            (
                "content-security-policy",
                "default-src 'none'; frame-ancestors 'none'",
            ),
        ] {
            assert_eq!(response.header(name), Some(value), "{name} on {path}");
        }
        assert_eq!(
            response.header("strict-transport-security"),
            None,
            "off by default"
        );
    }
    // The documentation pages load their own scripts and styles.
    let docs = app.get("/api/docs/").await;
    let csp = docs.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self'"), "{csp}");

    let config = fithub_core::Config {
        hsts_max_age_secs: 31_536_000,
        ..test_config()
    };
    let app = TestApp::with_config(TestDatabase::sqlite_migrated().await, config);
    assert_eq!(
        app.get("/health").await.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
}

#[tokio::test]
async fn api_writes_are_audited_with_request_id_and_client_address() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let created = app
            .call(Method::POST, "/api/goals/measurements/")
            .by(&ada)
            .peer("198.51.100.20")
            .header("x-request-id", "req-123")
            .json(&json!({"measurement_type": "log", "value": 70, "timestamp": "2025-03-02T06:30:00Z"}))
            .send()
            .await;
        created.assert_status(StatusCode::CREATED);
        let id = created.json()["id"].as_i64().expect("id");
        app.call(Method::DELETE, &format!("/api/goals/measurements/{id}/"))
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);

        let rows = audit::list(app.db(), &AuditFilter::default())
            .await
            .expect("audit");
        let create = rows
            .iter()
            .find(|row| row.action == "measurement.create")
            .expect("the create is audited");
        assert_eq!(create.actor_id, Some(ada.id));
        assert_eq!(create.object_type.as_deref(), Some("body_measurement"));
        assert_eq!(create.object_id, Some(id.to_string()));
        assert_eq!(create.request_id.as_deref(), Some("req-123"));
        assert_eq!(create.client_addr.as_deref(), Some("198.51.100.20"));
        assert!(rows.iter().any(|row| row.action == "measurement.delete"));
    }
}

#[tokio::test]
async fn a_request_over_the_timeout_is_a_json_504() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let url = database.url().expose().to_owned();
    let config = fithub_core::Config {
        request_timeout_secs: 1,
        ..test_config()
    };
    let app = TestApp::with_config(database, config);
    let ada = app.register("ada").await;
    // Another session holds the diets table: listing diets must wait.
    let mut blocker = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("connect");
    sqlx::raw_sql("BEGIN; LOCK TABLE diets IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");
    let response = app
        .call(Method::GET, "/api/nutrition/diets/")
        .by(&ada)
        .send()
        .await;
    response.assert_status(StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        response.json(),
        json!({"detail": "The request took too long."})
    );
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("unlock");
}
