//! Writes of one user's diets (and goals) from many clients at once: every path takes the user's
//! row lock first, so they queue instead of deadlocking, and none answers a 5xx.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Session, TestApp};
use crate::nutrition::{created, diet, post, send};

const CLIENTS: usize = 8;
const ROUNDS: usize = 40;

/// Runs `CLIENTS` clients of `ada` at once, each sending `ROUNDS` requests that `request` builds
/// from (client, round); the statuses of all of them.
async fn mix<F, Fut>(request: F) -> Vec<StatusCode>
where
    F: Fn(usize, usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode>,
{
    let clients = (0..CLIENTS).map(|client| {
        let request = &request;
        async move {
            let mut statuses = Vec::with_capacity(ROUNDS);
            for round in 0..ROUNDS {
                statuses.push(request(client, round).await);
            }
            statuses
        }
    });
    futures_util::future::join_all(clients)
        .await
        .into_iter()
        .flatten()
        .collect()
}

#[track_caller]
fn assert_no_server_errors(app: &TestApp, statuses: &[StatusCode]) {
    let failed: Vec<&StatusCode> = statuses.iter().filter(|s| s.is_server_error()).collect();
    assert!(
        failed.is_empty(),
        "{:?}: {} of {} answers were 5xx: {failed:?}",
        app.backend(),
        failed.len(),
        statuses.len()
    );
    assert!(statuses.iter().all(|s| s.is_success()), "{statuses:?}");
}

/// A diet PATCH that activates it (deactivating the others, like `activate`) or only renames it.
async fn patch_diet(app: &TestApp, ada: &Session, id: i64, activate: bool) -> StatusCode {
    let body = if activate {
        json!({"is_active": true})
    } else {
        json!({"notes": "renamed"})
    };
    let url = format!("/api/nutrition/diets/{id}/");
    send(app, ada, Method::PATCH, &url, body).await.status
}

#[tokio::test]
async fn activating_and_patching_one_users_diets_at_once_never_deadlocks() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let mut diets = Vec::new();
        for i in 0..4 {
            diets.push(diet(&app, &ada, &format!("Diet {i}")).await);
        }
        let (app_ref, ada_ref, diets_ref) = (&app, &ada, &diets);
        let statuses = mix(|client, round| async move {
            let id = diets_ref[(client + round) % diets_ref.len()];
            match round % 3 {
                0 => {
                    let url = format!("/api/nutrition/diets/{id}/activate/");
                    post(app_ref, ada_ref, &url, json!({})).await.status
                }
                1 => patch_diet(app_ref, ada_ref, id, true).await,
                _ => patch_diet(app_ref, ada_ref, id, false).await,
            }
        })
        .await;
        assert_no_server_errors(&app, &statuses);
        let active = crate::nutrition::get(&app, &ada, "/api/nutrition/diets/?is_active=true")
            .await
            .json();
        assert_eq!(active["count"], 1, "{:?}", app.backend());
    }
}

#[tokio::test]
async fn activating_and_patching_one_users_goals_at_once_never_deadlocks() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let mut goals = Vec::new();
        for _ in 0..4 {
            let goal = created(
                &app,
                &ada,
                "/api/goals/goals/",
                json!({"goal_type": "endurance"}),
            )
            .await;
            goals.push(goal["id"].as_str().expect("uuid").to_owned());
        }
        let (app_ref, ada_ref, goals_ref) = (&app, &ada, &goals);
        let statuses = mix(|client, round| async move {
            let id = &goals_ref[(client + round) % goals_ref.len()];
            let url = format!("/api/goals/goals/{id}/");
            match round % 3 {
                0 => {
                    post(app_ref, ada_ref, &format!("{url}activate/"), json!({}))
                        .await
                        .status
                }
                1 => {
                    post(app_ref, ada_ref, &format!("{url}deactivate/"), json!({}))
                        .await
                        .status
                }
                _ => {
                    let body = json!({"notes": format!("client {client}")});
                    send(app_ref, ada_ref, Method::PATCH, &url, body)
                        .await
                        .status
                }
            }
        })
        .await;
        assert_no_server_errors(&app, &statuses);
    }
}
