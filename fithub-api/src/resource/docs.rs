//! The OpenAPI operations of a mounted [`Resource`], built from its declaration: the list's
//! parameters from its `ListSpec`, the bodies from its schemas, an example of each error from
//! its own words.

use utoipa::ToSchema;
use utoipa::openapi::path::{
    HttpMethod, Operation as OpenApiOperation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{Content, OpenApi, RefOr, Required};

use fithub_core::listing::{FilterKind, ListSpec};

use fithub_core::collection::{Collection, Operation};
use fithub_core::input::{Form, Mode};

use super::{Mounted, PathKey};
use crate::form_schema;
use crate::openapi::{self, ErrorExample};

/// Adds the six operations of `mounted`, and the schemas they name, to `document`.
pub(super) fn add_operations<C>(mounted: &Mounted<C>, document: &mut OpenApi)
where
    C: Collection,
    C::Id: PathKey,
    C::Object: ToSchema,
{
    let object = openapi::register::<C::Object>(document);
    let name = <C::Object as ToSchema>::name();
    let page = paginated::<C::Object>(document, &object);
    let prefix = mounted.operation_prefix();
    let one = one(C::ENTITY);
    let many = mounted.many();

    let id = ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(<C::Id as PathKey>::schema()))
        .build();
    let operation = |op: Operation, summary: String| {
        let mut builder = OperationBuilder::new()
            .operation_id(Some(format!("{prefix}_{}", suffix(op))))
            .summary(Some(summary))
            .description(C::rule(op))
            .tag(mounted.tag())
            .securities(Some(openapi::security_requirements()))
            .response(
                "401",
                openapi::error_response(ErrorExample::Unauthenticated),
            );
        if op != Operation::List && op != Operation::Create {
            builder = builder.parameter(id.clone()).response(
                "404",
                openapi::error_response(ErrorExample::NotFound(C::ENTITY)),
            );
        }
        if matches!(
            op,
            Operation::Replace | Operation::Update | Operation::Delete
        ) {
            builder = builder.parameter(openapi::if_match_parameter()).response(
                "412",
                openapi::error_response(ErrorExample::PreconditionFailed),
            );
            if C::SHARED {
                builder = builder.response("403", openapi::error_response(ErrorExample::Forbidden));
            }
        }
        builder
    };
    // The bodies, from the collection's form: one schema per mode that differs.
    let mut body = |mode: Mode, description: &str| {
        let schema_name = match mode {
            Mode::Create => format!("{name}Request"),
            Mode::Replace if differs_on_replace(C::FORM) => format!("{name}ReplaceRequest"),
            Mode::Replace => format!("{name}Request"),
            Mode::Update => format!("Patched{name}Request"),
        };
        let schema = form_schema::body_schema(C::FORM, mode);
        let reference = openapi::register_schema(document, &schema_name, schema);
        let required = if form_schema::is_required(C::FORM, mode) {
            Required::True
        } else {
            // An empty body reads as `{}`.
            Required::False
        };
        RequestBodyBuilder::new()
            .description(Some(description))
            .content("application/json", Content::new(Some(reference)))
            .required(Some(required))
            .build()
    };
    let create_body = body(Mode::Create, "The new object's keys");
    let replace_body = body(
        Mode::Replace,
        "Every key required on create, again; others keep their values",
    );
    let update_body = body(Mode::Update, "Any subset of the writable keys");
    let invalid = openapi::validation_response(required_example(C::FORM));

    let mut list = operation(Operation::List, format!("List {many}"))
        .response(
            "200",
            openapi::json_response(&format!("A page of {many}"), page),
        )
        .response("400", openapi::filter_error_response())
        .response("404", openapi::error_response(ErrorExample::InvalidPage));
    for parameter in list_parameters(C::LIST) {
        list = list.parameter(parameter);
    }
    let create = operation(Operation::Create, format!("Create {one}"))
        .request_body(Some(create_body))
        .response("201", openapi::created_response(&object))
        .response("400", invalid.clone());
    let retrieve = operation(Operation::Get, format!("Get {one}"))
        .parameter(openapi::if_none_match_parameter())
        .response("200", openapi::object_response(&object))
        .response("304", openapi::not_modified_response());
    let update = operation(Operation::Replace, format!("Replace {one}"))
        .request_body(Some(replace_body))
        .response("200", openapi::object_response(&object))
        .response("400", invalid.clone());
    let partial_update = operation(Operation::Update, format!("Change some keys of {one}"))
        .request_body(Some(update_body))
        .response("200", openapi::object_response(&object))
        .response("400", invalid);
    let destroy = operation(Operation::Delete, format!("Delete {one}"))
        .response("204", ResponseBuilder::new().description("Deleted").build());

    let add = |document: &mut OpenApi, path: &str, method: HttpMethod, op: OpenApiOperation| {
        document.paths.add_path_operation(path, vec![method], op);
    };
    let object_path = format!("{}{{id}}/", mounted.path);
    add(document, mounted.path, HttpMethod::Get, list.build());
    add(document, mounted.path, HttpMethod::Post, create.build());
    add(document, &object_path, HttpMethod::Get, retrieve.build());
    add(document, &object_path, HttpMethod::Put, update.build());
    add(
        document,
        &object_path,
        HttpMethod::Patch,
        partial_update.build(),
    );
    add(document, &object_path, HttpMethod::Delete, destroy.build());
}

/// Whether a replacement requires other keys than a creation.
fn differs_on_replace(form: Form) -> bool {
    form.fields()
        .iter()
        .any(|field| field.need.is_required(Mode::Create) != field.need.is_required(Mode::Replace))
}

/// A create's `400` example: its first required key, missing.
fn required_example(form: Form) -> serde_json::Value {
    match form
        .fields()
        .iter()
        .find(|f| f.need.is_required(Mode::Create))
    {
        Some(field) => serde_json::json!({ field.key: [fithub_core::input::REQUIRED] }),
        None => {
            serde_json::json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
        }
    }
}

/// The operation id's suffix, as Django REST framework names them.
fn suffix(operation: Operation) -> &'static str {
    match operation {
        Operation::List => "list",
        Operation::Create => "create",
        Operation::Get => "retrieve",
        Operation::Replace => "update",
        Operation::Update => "partial_update",
        Operation::Delete => "destroy",
    }
}

/// One object in a summary: `MealRecord` is `a meal record`, `Ingredient` `an ingredient`.
fn one(entity: &str) -> String {
    let mut words = String::new();
    for c in entity.chars() {
        if c.is_uppercase() && !words.is_empty() {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {words}")
}

/// `Paginated<Object>`: the page envelope of API.md §1.8 around `object`.
fn paginated<T: ToSchema>(document: &mut OpenApi, object: &RefOr<Schema>) -> RefOr<Schema> {
    let link = |description: &str| {
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Null,
            ]))
            .format(Some(SchemaFormat::Custom("uri".to_owned())))
            .description(Some(description))
            .build()
    };
    let schema = ObjectBuilder::new()
        .property(
            "count",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("Matching objects on every page")),
        )
        .property("next", link("The next page's absolute URL"))
        .property("previous", link("The previous page's absolute URL"))
        .property("results", ArrayBuilder::new().items(object.clone()))
        .required("count")
        .required("next")
        .required("previous")
        .required("results")
        .build();
    let name = format!("Paginated{}", T::name());
    openapi::register_schema(document, &name, Schema::Object(schema))
}

/// The query parameters a list declares: paging, its filters, search and ordering.
fn list_parameters(spec: &ListSpec) -> Vec<utoipa::openapi::path::Parameter> {
    let query = |name: &str, schema: Schema, description: String| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .schema(Some(schema))
            .description(Some(description))
            .build()
    };
    let mut parameters = vec![
        query(
            "page",
            openapi::string_schema(),
            "A page number from 1, or `last`".to_owned(),
        ),
        query(
            "page_size",
            openapi::bounded_integer_schema(1, None),
            "Results per page; above 100 counts as 100 (default 20)".to_owned(),
        ),
    ];
    for filter in spec.filters {
        let (schema, description) = match filter.kind {
            FilterKind::Choice(values) => (
                openapi::choice_schema(values),
                "Exactly this value".to_owned(),
            ),
            FilterKind::Id => (
                openapi::integer_schema(),
                "Objects referring to this id; one the caller cannot see matches nothing"
                    .to_owned(),
            ),
            FilterKind::Bool => (openapi::boolean_schema(), "Exactly this value".to_owned()),
            FilterKind::Date => (openapi::date_schema(), "Exactly this date".to_owned()),
            FilterKind::Timestamp => (
                openapi::date_time_schema(),
                "Exactly this instant".to_owned(),
            ),
            FilterKind::DateFrom => (openapi::date_schema(), "On or after this date".to_owned()),
            FilterKind::DateUntil => (openapi::date_schema(), "On or before this date".to_owned()),
            FilterKind::TimestampFrom => (
                openapi::date_time_schema(),
                "At or after this instant".to_owned(),
            ),
            FilterKind::TimestampUntil => (
                openapi::date_time_schema(),
                "At or before this instant".to_owned(),
            ),
            FilterKind::LocalDate => (
                openapi::date_schema(),
                "On this date in the caller's time zone".to_owned(),
            ),
            FilterKind::LocalDateFrom => (
                openapi::date_schema(),
                "On or after this date in the caller's time zone".to_owned(),
            ),
            FilterKind::LocalDateUntil => (
                openapi::date_schema(),
                "On or before this date in the caller's time zone".to_owned(),
            ),
        };
        parameters.push(query(filter.param, schema, description));
    }
    if !spec.search.is_empty() {
        parameters.push(query(
            "search",
            openapi::string_schema(),
            "Terms (split at spaces and commas; a \"quoted phrase\" stays one) that must each \
             occur in one of the searched fields, ignoring case"
                .to_owned(),
        ));
    }
    let names: Vec<&str> = spec.ordering.iter().map(|(name, _)| *name).collect();
    parameters.push(query(
        "ordering",
        openapi::string_schema(),
        format!(
            "Comma-separated names among {}, each `-` for descending (default {})",
            names.join(", "),
            spec.default_ordering.join(",")
        ),
    ));
    parameters
}
