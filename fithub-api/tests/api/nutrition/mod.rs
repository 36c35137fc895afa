//! `/api/nutrition/` (API.md §3.5), on every backend. Fixtures are made through the API, except
//! the public catalogue, which only operators load.

mod categories;
mod diets;
mod ingredients;
mod meal_ingredients;
mod meals;
mod preferences;
mod records;
mod root;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestResponse};

/// `POST` a JSON body as `session`.
pub async fn post(app: &TestApp, session: &Session, uri: &str, body: Value) -> TestResponse {
    app.call(Method::POST, uri)
        .by(session)
        .json(&body)
        .send()
        .await
}

pub async fn get(app: &TestApp, session: &Session, uri: &str) -> TestResponse {
    app.call(Method::GET, uri).by(session).send().await
}

pub async fn send(
    app: &TestApp,
    session: &Session,
    method: Method,
    uri: &str,
    body: Value,
) -> TestResponse {
    app.call(method, uri).by(session).json(&body).send().await
}

/// Creates and returns an object, asserting the 201.
pub async fn created(app: &TestApp, session: &Session, uri: &str, body: Value) -> Value {
    let response = post(app, session, uri, body).await;
    response.assert_status(StatusCode::CREATED);
    response.json()
}

pub fn diet_body(name: &str) -> Value {
    json!({
        "name": name, "day_proteins_g": 160, "day_fats_g": 70, "day_carbohydrates_g": 300,
        "day_calories_kcal": 2500,
    })
}

pub async fn diet(app: &TestApp, session: &Session, name: &str) -> i64 {
    created(app, session, "/api/nutrition/diets/", diet_body(name)).await["id"]
        .as_i64()
        .expect("id")
}

pub async fn meal(app: &TestApp, session: &Session, diet_id: i64, name: &str) -> i64 {
    created(
        app,
        session,
        "/api/nutrition/meals/",
        json!({"name": name, "diet_id": diet_id}),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

/// A personal ingredient of `session` with these nutrients per 100 g.
pub async fn personal_ingredient(
    app: &TestApp,
    session: &Session,
    name: &str,
    [calories, proteins, fats, carbs]: [f64; 4],
) -> i64 {
    created(
        app,
        session,
        "/api/nutrition/ingredients/",
        json!({
            "name": name, "calories": calories, "proteins": proteins, "fats": fats, "carbs": carbs,
            "fibers": 0, "sugars": 0,
        }),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

/// A public (catalogue) ingredient, as an operator would load it.
pub async fn public_ingredient(
    app: &TestApp,
    name: &str,
    [calories, proteins, fats, carbs]: [f64; 4],
) -> i64 {
    fithub_core::db::query(
        "INSERT INTO ingredients (name, proteins, fats, carbs, calories, fibers, sugars, \
         description, is_personal, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, 1, 'Whole grain', false, $6, $6) RETURNING id",
    )
    .bind(name)
    .bind(proteins)
    .bind(fats)
    .bind(carbs)
    .bind(calories)
    .bind(fithub_core::datetime::Timestamp::now())
    .writing()
    .fetch_scalar(app.db())
    .await
    .expect("public ingredient")
}

/// The ids of a page's results, in order.
pub fn ids(page: &Value) -> Vec<i64> {
    page["results"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

/// Makes `session` a staff user.
pub async fn make_staff(app: &TestApp, session: &Session) {
    fithub_core::db::query("UPDATE users SET is_staff = true WHERE id = $1")
        .bind(session.id)
        .execute(app.db())
        .await
        .expect("staff");
}
