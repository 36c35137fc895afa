//! Pieces of the OpenAPI document that every operation shares: schemas of plain values, the
//! error responses with an example of their own, the conditional-request headers, security.

use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required};

use crate::routes::schemas::{Detail, ValidationErrors};

mod finish;

pub use finish::finish;

/// The schemes that authenticate a protected operation, any one of them.
pub fn security_requirements() -> Vec<SecurityRequirement> {
    ["jwt", "api_token", "session"]
        .into_iter()
        .map(|scheme| SecurityRequirement::new::<_, _, &str>(scheme, []))
        .collect()
}

/// Every operation a JWT authenticates also accepts the browser session (the extractor tries
/// the header, then the cookie): adds `session` to those that do not name it yet.
pub fn accept_sessions(document: &mut OpenApi) {
    let session = SecurityRequirement::new::<_, _, &str>("session", []);
    let jwt = SecurityRequirement::new::<_, _, &str>("jwt", []);
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            if let Some(security) = operation.security.as_mut()
                && security.contains(&jwt)
                && !security.contains(&session)
            {
                security.push(session.clone());
            }
        }
    }
}

/// Adds `T`'s schema and those it names to the document's components; a reference to it.
pub fn register<T: ToSchema>(document: &mut OpenApi) -> RefOr<Schema> {
    let mut named = Vec::new();
    T::schemas(&mut named);
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.extend(named);
    let name = T::name();
    components.schemas.insert(name.to_string(), T::schema());
    RefOr::Ref(Ref::from_schema_name(name))
}

/// Adds `schema` as `name`; a reference to it.
pub fn register_schema(document: &mut OpenApi, name: &str, schema: Schema) -> RefOr<Schema> {
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.insert(name.to_owned(), RefOr::T(schema));
    RefOr::Ref(Ref::from_schema_name(name))
}

/// A general error of API.md §1.6, as one operation answers it.
pub enum ErrorExample {
    Unauthenticated,
    NotFound(&'static str),
    InvalidPage,
    Forbidden,
    PreconditionFailed,
}

impl ErrorExample {
    fn describe(&self) -> (&'static str, String) {
        match self {
            ErrorExample::Unauthenticated => (
                "Missing, malformed, expired or revoked credentials",
                "Authentication credentials were not provided.".to_owned(),
            ),
            ErrorExample::NotFound(entity) => (
                "No such object, or not the caller's",
                format!("No {entity} matches the given query."),
            ),
            ErrorExample::InvalidPage => (
                "A page past the end, or not a page",
                "Invalid page.".to_owned(),
            ),
            ErrorExample::Forbidden => (
                "Visible, but not the caller's to change",
                "You do not have permission to perform this action.".to_owned(),
            ),
            ErrorExample::PreconditionFailed => (
                "If-Match names no current ETag of the object: nothing was written",
                "Precondition failed: the object has changed.".to_owned(),
            ),
        }
    }
}

/// `{"detail": …}` with its description and example.
pub fn error_response(error: ErrorExample) -> Response {
    let (description, message) = error.describe();
    json_response_with_example(
        description,
        schema_ref::<Detail>(),
        json!({ "detail": message }),
    )
}

/// A field-keyed `400`, its example an error of this very body.
pub fn validation_response(example: Value) -> Response {
    json_response_with_example(
        "Invalid keys, each with its messages (or non_field_errors); or `{\"detail\": …}` for a \
         body that is not JSON",
        schema_ref::<ValidationErrors>(),
        example,
    )
}

/// A list's `400`: a filter or paging parameter that does not parse.
pub fn filter_error_response() -> Response {
    json_response_with_example(
        "A filter or paging parameter that does not parse, keyed by the parameter",
        schema_ref::<ValidationErrors>(),
        json!({"page_size": ["A valid integer is required."]}),
    )
}

pub fn json_response(description: &str, schema: RefOr<Schema>) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", Content::new(Some(schema)))
        .build()
}

fn json_response_with_example(
    description: &str,
    schema: RefOr<Schema>,
    example: Value,
) -> Response {
    let mut content = Content::new(Some(schema));
    content.example = Some(example);
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
}

/// `200` with an object and its `ETag`.
pub fn object_response(object: &RefOr<Schema>) -> Response {
    let mut response = json_response("The object", object.clone());
    response
        .headers
        .insert("ETag".to_owned(), RefOr::T(etag_header()));
    response
}

/// `201` with the new object and its `Location`.
pub fn created_response(object: &RefOr<Schema>) -> Response {
    let mut response = json_response("Created", object.clone());
    response.headers.insert(
        "Location".to_owned(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(string_schema()))
                .description(Some("The new object's path"))
                .build(),
        ),
    );
    response
}

/// `304`: the representation is the one `If-None-Match` named.
pub fn not_modified_response() -> Response {
    let mut response = ResponseBuilder::new()
        .description("Not modified: the ETag named by If-None-Match is current")
        .build();
    response
        .headers
        .insert("ETag".to_owned(), RefOr::T(etag_header()));
    response
}

fn etag_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(Some(string_schema()))
        .description(Some("A strong tag of this representation"))
        .build()
}

fn header_parameter(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .schema(Some(string_schema()))
        .description(Some(description))
        .build()
}

pub fn if_match_parameter() -> Parameter {
    header_parameter(
        "If-Match",
        "Write only if the object's current ETag is one of these (or `*`); else 412",
    )
}

pub fn if_none_match_parameter() -> Parameter {
    header_parameter(
        "If-None-Match",
        "An ETag from an earlier answer: 304 without a body while it is current",
    )
}

fn schema_ref<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

fn plain(schema_type: Type, format: Option<KnownFormat>) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(schema_type)
            .format(format.map(SchemaFormat::KnownFormat))
            .build(),
    )
}

pub fn string_schema() -> Schema {
    plain(Type::String, None)
}

pub fn boolean_schema() -> Schema {
    plain(Type::Boolean, None)
}

pub fn date_schema() -> Schema {
    plain(Type::String, Some(KnownFormat::Date))
}

pub fn date_time_schema() -> Schema {
    plain(Type::String, Some(KnownFormat::DateTime))
}

pub fn integer_schema() -> Schema {
    plain(Type::Integer, Some(KnownFormat::Int64))
}

pub fn uuid_schema() -> Schema {
    plain(Type::String, Some(KnownFormat::Uuid))
}

/// An integer from `min`, up to `max` when given.
pub fn bounded_integer_schema(min: i64, max: Option<i64>) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min as f64))
            .maximum(max.map(|max| max as f64))
            .build(),
    )
}

/// One of these wire values.
pub fn choice_schema(values: &[&str]) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .build(),
    )
}
