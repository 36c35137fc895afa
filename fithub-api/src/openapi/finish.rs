//! The last pass over the whole document: what every operation must carry for validators,
//! Swagger UI and client generators, filled in where an operation's own declaration is silent.

use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};

/// Gives every operation a unique, stable `operationId` built from its path (an action's path
/// alone, `goals_measurements_bulk_create`; with the method where a path has several,
/// `accounts_profile_partial_update`), a description, and every response a description.
pub fn finish(document: &mut OpenApi) {
    for (path, item) in document.paths.paths.iter_mut() {
        let methods = [&item.get, &item.post, &item.put, &item.patch, &item.delete]
            .iter()
            .filter(|operation| operation.is_some())
            .count();
        let operations = [
            (HttpMethod::Get, item.get.as_mut()),
            (HttpMethod::Post, item.post.as_mut()),
            (HttpMethod::Put, item.put.as_mut()),
            (HttpMethod::Patch, item.patch.as_mut()),
            (HttpMethod::Delete, item.delete.as_mut()),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                finish_operation(path, &method, methods > 1, operation);
            }
        }
    }
}

fn finish_operation(path: &str, method: &HttpMethod, shared: bool, operation: &mut Operation) {
    let prefix = operation_prefix(path);
    let is_derived = operation
        .operation_id
        .as_deref()
        .is_some_and(|id| id.starts_with(&prefix));
    if !is_derived {
        operation.operation_id = Some(if shared {
            format!("{prefix}_{}", suffix(method))
        } else {
            prefix
        });
    }
    if operation
        .description
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        let summary = operation.summary.clone().unwrap_or_default();
        let access = if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
            "Requires authentication."
        } else {
            "Public."
        };
        operation.description = Some(format!("{} {access}", sentence(&summary)).trim().to_owned());
    }
    admit_unreadable_input(operation);
    for (status, response) in operation.responses.responses.iter_mut() {
        if let utoipa::openapi::RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = status_description(status).to_owned();
        }
    }
}

/// A body that is not JSON is `400 {"detail": …}`, and one that is not an object
/// `400 {"non_field_errors": […]}`, wherever a body is read, beside the operation's own `400`s;
/// a query parameter that does not parse is a field-keyed `400` too. The `400` admits them all.
fn admit_unreadable_input(operation: &mut Operation) {
    let reads_query = operation.parameters.as_ref().is_some_and(|parameters| {
        parameters.iter().any(
            |parameter| matches!(parameter, RefOr::T(p) if p.parameter_in == ParameterIn::Query),
        )
    });
    let reads_body = operation.request_body.is_some();
    if !reads_query && !reads_body {
        return;
    }
    let detail = RefOr::Ref(Ref::from_schema_name("Detail"));
    let field_keyed = RefOr::Ref(Ref::from_schema_name("ValidationErrors"));
    let responses = &mut operation.responses.responses;
    let response = responses.entry("400".to_owned()).or_insert_with(|| {
        RefOr::T(
            ResponseBuilder::new()
                .description("Invalid input, keyed by field or parameter")
                .content("application/json", Content::new(Some(field_keyed.clone())))
                .build(),
        )
    });
    let RefOr::T(response) = response else {
        return;
    };
    let Some(RefOr::T(content)) = response.content.get_mut("application/json") else {
        return;
    };
    let mut admitted = Vec::new();
    if let Some(own) = content.schema.take() {
        admitted.push(own);
    }
    let mut admit = |schema: &RefOr<Schema>| {
        let name = |schema: &RefOr<Schema>| match schema {
            RefOr::Ref(reference) => Some(reference.ref_location.clone()),
            RefOr::T(_) => None,
        };
        if !admitted
            .iter()
            .any(|kept| name(kept).is_some() && name(kept) == name(schema))
        {
            admitted.push(schema.clone());
        }
    };
    admit(&field_keyed);
    if reads_body {
        admit(&detail);
    }
    content.schema = Some(if admitted.len() == 1 {
        admitted.remove(0)
    } else {
        let mut any_of = AnyOfBuilder::new();
        for schema in admitted {
            any_of = any_of.item(schema);
        }
        RefOr::T(Schema::AnyOf(any_of.build()))
    });
}

/// `/api/nutrition/meals/{id}/add_ingredient/` → `nutrition_meals_add_ingredient`.
fn operation_prefix(path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty() && !segment.starts_with('{'))
        .collect();
    // `/api/` itself is `api`; below it, the segments after `api`.
    let named = match segments.as_slice() {
        ["api"] => &segments[..],
        ["api", rest @ ..] => rest,
        all => all,
    };
    named.join("_").replace('-', "_")
}

fn suffix(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "retrieve",
        HttpMethod::Post => "create",
        HttpMethod::Put => "update",
        HttpMethod::Patch => "partial_update",
        HttpMethod::Delete => "destroy",
        _ => "other",
    }
}

fn sentence(summary: &str) -> String {
    let summary = summary.trim();
    if summary.is_empty() || summary.ends_with('.') {
        summary.to_owned()
    } else {
        format!("{summary}.")
    }
}

fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No content",
        "304" => "Not modified",
        "400" => "Invalid input, keyed by field or parameter",
        "401" => "Missing, malformed, expired or revoked credentials",
        "403" => "Not permitted",
        "404" => "Not found, or not the caller's",
        "409" => "A conflicting request is in progress",
        "412" => "The precondition failed: nothing was written",
        "413" => "Request body too large",
        "422" => "The request cannot be processed as sent",
        "429" => "Too many requests; see Retry-After",
        "503" => "Temporarily unavailable; see Retry-After",
        _ => "See the API guide",
    }
}

#[cfg(test)]
mod tests {
    use super::operation_prefix;

    #[test]
    fn prefixes_leave_out_path_parameters() {
        assert_eq!(
            operation_prefix("/api/nutrition/meals/{id}/add_ingredient/"),
            "nutrition_meals_add_ingredient"
        );
        assert_eq!(
            operation_prefix("/api/goals/goals/by_type/"),
            "goals_goals_by_type"
        );
        assert_eq!(operation_prefix("/api/"), "api");
        assert_eq!(operation_prefix("/health"), "health");
    }
}
