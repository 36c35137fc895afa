use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn schema_is_yaml_by_default_and_json_on_request() {
    let app = TestApp::spawn().await;

    let yaml = app.get("/api/schema/").await;
    assert_eq!(yaml.status, StatusCode::OK);
    assert_eq!(
        yaml.header("content-type"),
        Some("application/vnd.oai.openapi; charset=utf-8")
    );
    assert!(
        yaml.text().starts_with("openapi: 3"),
        "{}",
        &yaml.text()[..40]
    );

    let json = app.get("/api/schema/?format=json").await;
    assert_eq!(
        json.header("content-type"),
        Some("application/vnd.oai.openapi+json")
    );
    assert_eq!(json.json()["info"]["title"], "FitHub API");

    let request = Request::get("/api/schema/")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .expect("request");
    let negotiated = app.request(request).await;
    assert_eq!(
        negotiated.header("content-type"),
        Some("application/vnd.oai.openapi+json")
    );
}

/// Every documented operation: `(method, path, has a request body)`.
const OPERATIONS: &[(&str, &str, bool)] = &[
    ("post", "/api/auth/jwt/token/", true),
    ("post", "/api/auth/jwt/token/refresh/", true),
    ("post", "/api/auth/jwt/token/verify/", true),
    ("post", "/api/auth/token/", true),
    ("get", "/api/accounts/", false),
    ("post", "/api/accounts/register/", true),
    ("get", "/api/accounts/profile/", false),
    ("put", "/api/accounts/profile/", true),
    ("patch", "/api/accounts/profile/", true),
    ("post", "/api/accounts/change-password/", true),
    ("post", "/api/accounts/delete/", false),
    ("get", "/api/accounts/export/", false),
    ("get", "/api/nutrition/", false),
    ("get", "/api/nutrition/diets/", false),
    ("post", "/api/nutrition/diets/", true),
    ("get", "/api/nutrition/diets/{id}/", false),
    ("put", "/api/nutrition/diets/{id}/", true),
    ("patch", "/api/nutrition/diets/{id}/", true),
    ("delete", "/api/nutrition/diets/{id}/", false),
    ("post", "/api/nutrition/diets/{id}/activate/", false),
    ("get", "/api/nutrition/diets/active/", false),
    ("get", "/api/nutrition/meals/", false),
    ("post", "/api/nutrition/meals/", true),
    ("get", "/api/nutrition/meals/{id}/", false),
    ("put", "/api/nutrition/meals/{id}/", true),
    ("patch", "/api/nutrition/meals/{id}/", true),
    ("delete", "/api/nutrition/meals/{id}/", false),
    ("get", "/api/nutrition/meals/{id}/ingredients/", false),
    ("post", "/api/nutrition/meals/{id}/add_ingredient/", true),
    ("get", "/api/nutrition/meals/{id}/nutrition_summary/", false),
    ("get", "/api/nutrition/ingredients/", false),
    ("post", "/api/nutrition/ingredients/", true),
    ("get", "/api/nutrition/ingredients/{id}/", false),
    ("put", "/api/nutrition/ingredients/{id}/", true),
    ("patch", "/api/nutrition/ingredients/{id}/", true),
    ("delete", "/api/nutrition/ingredients/{id}/", false),
    ("get", "/api/nutrition/ingredients/search/", false),
    ("get", "/api/nutrition/ingredients/personal/", false),
    ("get", "/api/nutrition/categories/", false),
    ("post", "/api/nutrition/categories/", true),
    ("get", "/api/nutrition/categories/{id}/", false),
    ("put", "/api/nutrition/categories/{id}/", true),
    ("patch", "/api/nutrition/categories/{id}/", true),
    ("delete", "/api/nutrition/categories/{id}/", false),
    ("get", "/api/nutrition/records/", false),
    ("post", "/api/nutrition/records/", true),
    ("get", "/api/nutrition/records/{id}/", false),
    ("put", "/api/nutrition/records/{id}/", true),
    ("patch", "/api/nutrition/records/{id}/", true),
    ("delete", "/api/nutrition/records/{id}/", false),
    ("get", "/api/nutrition/records/today/", false),
    ("get", "/api/nutrition/records/nutrition_summary/", false),
    ("get", "/api/nutrition/diary/", false),
    ("get", "/api/nutrition/preferences/", false),
    ("post", "/api/nutrition/preferences/", true),
    ("get", "/api/nutrition/preferences/{id}/", false),
    ("put", "/api/nutrition/preferences/{id}/", true),
    ("patch", "/api/nutrition/preferences/{id}/", true),
    ("delete", "/api/nutrition/preferences/{id}/", false),
    ("get", "/api/nutrition/preferences/by_type/", false),
    ("get", "/api/nutrition/meal-ingredients/", false),
    ("post", "/api/nutrition/meal-ingredients/", true),
    ("get", "/api/nutrition/meal-ingredients/{id}/", false),
    ("put", "/api/nutrition/meal-ingredients/{id}/", true),
    ("patch", "/api/nutrition/meal-ingredients/{id}/", true),
    ("delete", "/api/nutrition/meal-ingredients/{id}/", false),
    ("get", "/api/goals/", false),
    ("get", "/api/goals/goals/", false),
    ("post", "/api/goals/goals/", true),
    ("get", "/api/goals/goals/{id}/", false),
    ("put", "/api/goals/goals/{id}/", true),
    ("patch", "/api/goals/goals/{id}/", true),
    ("delete", "/api/goals/goals/{id}/", false),
    ("post", "/api/goals/goals/{id}/activate/", false),
    ("post", "/api/goals/goals/{id}/deactivate/", false),
    ("get", "/api/goals/goals/{id}/progress/", false),
    ("get", "/api/goals/goals/active/", false),
    ("get", "/api/goals/goals/by_type/", false),
    ("get", "/api/goals/goals/upcoming/", false),
    ("get", "/api/goals/goals/overdue/", false),
    ("get", "/api/goals/measurements/", false),
    ("post", "/api/goals/measurements/", true),
    ("get", "/api/goals/measurements/{id}/", false),
    ("put", "/api/goals/measurements/{id}/", true),
    ("patch", "/api/goals/measurements/{id}/", true),
    ("delete", "/api/goals/measurements/{id}/", false),
    ("get", "/api/goals/measurements/latest/", false),
    ("get", "/api/goals/measurements/by_metric/", false),
    ("get", "/api/goals/measurements/trends/", false),
    ("get", "/api/goals/measurements/summary/", false),
    ("post", "/api/goals/measurements/bulk_create/", true),
    ("post", "/auth/register/", true),
    ("post", "/auth/login/", true),
    ("post", "/auth/logout/", false),
    ("get", "/auth/user-info/", false),
    ("get", "/auth/auth-status/", false),
    ("post", "/auth/update-profile/", true),
];

#[tokio::test]
async fn every_route_of_the_contract_is_documented() {
    let document = fithub_api::openapi();
    let operations: usize = document
        .paths
        .paths
        .values()
        .map(|item| {
            serde_json::to_value(item)
                .expect("json")
                .as_object()
                .map_or(0, |o| o.len())
        })
        .sum();
    // The contract's operations plus /health, /ready, /api/schema/ and /metrics.
    assert_eq!(operations, OPERATIONS.len() + 4);
}

#[tokio::test]
async fn every_endpoint_has_its_request_and_response_schemas() {
    let document = serde_json::to_value(fithub_api::openapi()).expect("json");
    for (method, path, has_body) in OPERATIONS {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        let responses = operation["responses"].as_object().expect("responses");
        let success = responses
            .iter()
            .find(|(status, _)| status.starts_with('2'))
            .unwrap_or_else(|| panic!("{method} {path} has a success response"));
        let documented = success.1["content"]
            .as_object()
            .is_some_and(|content| content.values().all(|media| media["schema"].is_object()));
        assert!(
            success.0 == "204" || documented,
            "{method} {path} documents its answer: {}",
            success.1
        );
        if *has_body {
            assert!(
                operation["requestBody"]["content"]["application/json"]["schema"].is_object(),
                "{method} {path} documents its request body"
            );
        }
        let public = [
            "/api/accounts/register/",
            "/auth/register/",
            "/auth/login/",
            "/auth/auth-status/",
        ];
        let protected = !path.starts_with("/api/auth/") && !public.contains(path);
        assert_eq!(
            operation["security"].is_array(),
            protected,
            "{method} {path}: security requirements"
        );
        if protected {
            assert!(
                operation["security"]
                    .as_array()
                    .is_some_and(|schemes| schemes.contains(&json!({"session": []}))),
                "{method} {path} accepts the browser session: {}",
                operation["security"]
            );
        }
    }
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["jwt"]["scheme"], "bearer");
    assert_eq!(schemes["api_token"]["name"], "Authorization");
    assert_eq!(
        schemes["session"],
        json!({"type": "apiKey", "in": "cookie", "name": "sessionid",
            "description": schemes["session"]["description"]})
    );
}

#[tokio::test]
async fn schema_documents_every_route() {
    let document = fithub_api::openapi();
    let paths: Vec<&String> = document.paths.paths.keys().collect();
    for expected in ["/health", "/ready", "/api/schema/"] {
        assert!(
            paths.iter().any(|p| *p == expected),
            "{expected} missing from {paths:?}"
        );
    }
    let ready = serde_json::to_value(&document.paths.paths["/ready"]).expect("json");
    assert!(ready["get"]["responses"]["503"].is_object(), "{ready}");
}

#[tokio::test]
async fn swagger_ui_is_served_offline_and_reads_our_schema() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(!page.text().contains("cdn"), "no CDN assets");

    let initializer = app.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status, StatusCode::OK);
    assert!(
        initializer.text().contains("/api/schema/?format=json"),
        "{}",
        initializer.text()
    );

    let bundle = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(bundle.body.len() > 100_000, "the vendored bundle is served");
}

#[tokio::test]
async fn redoc_is_served_from_the_vendored_bundle() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/redoc/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(r#"spec-url="/api/schema/?format=json""#),
        "{html}"
    );
    assert!(
        html.contains(r#"src="/api/redoc/redoc.standalone.js""#),
        "{html}"
    );
    assert!(
        !html.contains("http"),
        "no external URL in the page: {html}"
    );

    let bundle = app.get("/api/redoc/redoc.standalone.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert_eq!(
        bundle.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(bundle.body.len() > 500_000);
}

/// Every enumeration in `value`, with where it is.
fn enumerations(value: &serde_json::Value, at: &str, found: &mut Vec<(String, Vec<String>)>) {
    match value {
        serde_json::Value::Object(object) => {
            if let Some(values) = object.get("enum").and_then(|values| values.as_array()) {
                let values = values.iter().filter_map(|v| v.as_str().map(str::to_owned));
                found.push((at.to_owned(), values.collect()));
            }
            for (key, inner) in object {
                enumerations(inner, &format!("{at}/{key}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                enumerations(inner, &format!("{at}[{index}]"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_enumeration_lists_the_values_the_core_accepts() {
    use fithub_core::{goals, measurements, nutrition};
    let lists: [&[&str]; 6] = [
        goals::GoalType::VALUES,
        measurements::Metric::VALUES,
        measurements::MeasurementType::VALUES,
        nutrition::MealType::VALUES,
        nutrition::RecurrenceType::VALUES,
        nutrition::PreferenceType::VALUES,
    ];
    let document = serde_json::to_value(fithub_api::openapi()).expect("json");
    let mut found = Vec::new();
    enumerations(&document, "", &mut found);
    assert!(
        found.len() > 20,
        "the enumerations of bodies, answers and filters"
    );
    for (at, values) in &found {
        assert!(
            lists.iter().any(|list| list == values),
            "{at} lists {values:?}, which is no list of the core"
        );
    }
    for component in [
        "GoalType",
        "Metric",
        "MeasurementType",
        "MealType",
        "RecurrenceType",
    ] {
        let schema = &document["components"]["schemas"][component];
        let values = schema["enum"].as_array().expect(component);
        assert!(
            values
                .iter()
                .all(|v| v.as_str().is_some_and(|v| v == v.to_lowercase()))
        );
    }
}

/// The query parameters the API requires are documented as required, and the trend bucket's
/// pattern admits exactly the core's buckets (or none, as an empty value means).
#[tokio::test]
async fn required_query_parameters_and_the_bucket_pattern_follow_the_core() {
    let document = serde_json::to_value(fithub_api::openapi()).expect("json");
    let parameter = |path: &str, name: &str| {
        let parameters = document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path} has parameters"));
        let found = parameters.iter().find(|p| p["name"] == name);
        found
            .unwrap_or_else(|| panic!("{path} documents {name}"))
            .clone()
    };
    let q = parameter("/api/nutrition/ingredients/search/", "q");
    assert_eq!(
        (&q["required"], &q["schema"]["minLength"]),
        (&true.into(), &2.into())
    );
    let metric = parameter("/api/goals/measurements/by_metric/", "metric");
    assert_eq!(metric["required"], true);
    let bucket = parameter("/api/goals/measurements/trends/", "bucket");
    let values = fithub_core::calendar::Bucket::VALUES.join("|");
    assert_eq!(bucket["schema"]["pattern"], format!("^({values})?$"));
    // An unknown type is no error but an empty list, so these filters must not promise an enum.
    for path in [
        "/api/goals/goals/by_type/",
        "/api/nutrition/preferences/by_type/",
    ] {
        let kind = parameter(path, "type");
        assert_eq!(kind["schema"]["type"], "string", "{path}: {kind}");
        assert!(kind["schema"].get("enum").is_none(), "{path}: {kind}");
        assert!(kind["schema"].get("$ref").is_none(), "{path}: {kind}");
    }
}

#[tokio::test]
async fn operations_have_unique_ids_summaries_tags_and_described_responses() {
    let document = serde_json::to_value(fithub_api::openapi()).expect("json");
    let mut ids = std::collections::HashSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let id = operation["operationId"].as_str().expect("an operationId");
            assert!(ids.insert(id.to_owned()), "{id} is used twice");
            for key in ["summary", "description"] {
                let text = operation[key].as_str().unwrap_or_default();
                assert!(!text.is_empty(), "{method} {path} has a {key}");
            }
            assert!(
                operation["tags"][0].is_string(),
                "{method} {path} has a tag"
            );
            for (status, response) in operation["responses"].as_object().expect("responses") {
                let described = response["description"].as_str().unwrap_or_default();
                assert!(!described.is_empty(), "{method} {path} {status}");
            }
        }
    }
    for expected in [
        "nutrition_diets_list",
        "nutrition_diets_create",
        "nutrition_diets_partial_update",
        "goals_measurements_bulk_create",
        "accounts_profile_partial_update",
    ] {
        assert!(ids.contains(expected), "{expected} in {ids:?}");
    }
}

#[tokio::test]
async fn request_schemas_follow_the_readers_declarations() {
    let document = serde_json::to_value(fithub_api::openapi()).expect("json");
    let schemas = &document["components"]["schemas"];
    let diet = &schemas["DietRequest"];
    let required: Vec<&str> = diet["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|key| key.as_str())
        .collect();
    assert_eq!(
        required,
        [
            "name",
            "day_proteins_g",
            "day_fats_g",
            "day_carbohydrates_g",
            "day_calories_kcal"
        ]
    );
    assert_eq!(diet["properties"]["name"]["maxLength"], 255);
    assert_eq!(diet["properties"]["day_fats_g"]["minimum"], 0.0);
    assert_eq!(
        diet["properties"]["is_active"]["type"], "boolean",
        "not nullable"
    );
    assert_eq!(
        diet["properties"]["end_date"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert!(
        schemas["PatchedDietRequest"]["required"].is_null(),
        "PATCH requires nothing"
    );
    // A meal's diet is required on create only.
    assert!(
        schemas["MealRequest"]["required"]
            .to_string()
            .contains("diet_id")
    );
    assert!(
        !schemas["MealReplaceRequest"]["required"]
            .to_string()
            .contains("diet_id")
    );
    let record = &schemas["MealRecordRequest"];
    assert_eq!(record["required"], serde_json::json!(["timestamp"]));
    let password = &schemas["RegisterRequest"]["properties"]["password"];
    assert_eq!(password["maxLength"], 4096);
}

#[tokio::test]
async fn web_authentication_operation_ids_are_their_own() {
    let document = serde_json::to_value(fithub_api::openapi()).expect("json");
    let mut ids: Vec<(String, bool)> = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for operation in item.as_object().expect("item").values() {
            if let Some(id) = operation["operationId"].as_str() {
                ids.push((id.to_owned(), path.starts_with("/auth/")));
            }
        }
    }
    for (id, _) in ids.iter().filter(|(_, web)| *web) {
        assert!(id.starts_with("auth_"), "{id}");
        assert_eq!(
            ids.iter().filter(|(other, _)| other == id).count(),
            1,
            "{id}"
        );
    }
    let tagged = ids.iter().filter(|(_, web)| *web).count();
    assert_eq!(tagged, 6);
    let tags = document["tags"].as_array().expect("tags");
    assert!(tags.iter().any(|tag| tag["name"] == "Web authentication"));
}
