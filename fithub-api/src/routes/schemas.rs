//! Shapes that appear in the OpenAPI document only: error bodies and small acknowledgements
//! (API.md §1.6). Handlers build these bodies with `json!`; the types describe them.

use std::collections::BTreeMap;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, ToSchema};

/// A general error.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct Detail {
    #[schema(example = "Not found.")]
    detail: String,
}

/// Field-keyed validation errors: each key the client sent (or `non_field_errors`) with its
/// messages.
#[derive(ToSchema)]
#[schema(example = json!({"name": ["This field is required."], "day_fats_g": ["A valid number is required."]}))]
#[allow(dead_code)] // documentation only
pub struct ValidationErrors(BTreeMap<String, Vec<String>>);

/// A custom action's error.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct ActionError {
    #[schema(example = "Query must be at least 2 characters")]
    error: String,
}

/// A confirmation.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct Message {
    #[schema(example = "Password changed successfully")]
    message: String,
}

/// An empty object.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct Empty {}

/// The query parameters every list accepts (API.md §1.8, §1.9).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct ListQuery {
    /// A page number from 1, or `last`.
    page: Option<String>,
    /// Results per page, 1 to 100 (default 20).
    page_size: Option<u32>,
    /// Terms (split at spaces and commas; "quoted phrases" kept) that must each occur in a
    /// search field, case-insensitively.
    search: Option<String>,
    /// Comma-separated field names, `-` for descending.
    ordering: Option<String>,
}

/// The ways to authenticate: two headers and the browser session.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from /api/auth/jwt/token/: `Authorization: Bearer <token>`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "An API token from /api/auth/token/: `Authorization: Token <key>`",
            ))),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sessionid",
                "A browser session from /auth/login/ or /auth/register/. Unsafe methods also \
                 need the `X-CSRFToken` header, equal to the `csrftoken` cookie, and a trusted \
                 `Origin`.",
            ))),
        );
    }
}
