//! The OpenAPI schema of a request body, built from the core's [`Form`]: the keys, their types,
//! limits, enumerations (in their wire spelling), nullability and which are required are the ones
//! the reader enforces, so the document cannot drift from the code.

use fithub_core::input::{Field, Form, Kind, Mode, Range, Text};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};

/// The schema of a body of `form`, as a request in `mode` must send it.
pub fn body_schema(form: Form, mode: Mode) -> Schema {
    let mut object = ObjectBuilder::new().schema_type(Type::Object);
    for field in form.fields() {
        object = object.property(field.key, property(field));
        if field.need.is_required(mode) {
            object = object.required(field.key);
        }
    }
    Schema::Object(object.build())
}

/// Whether a body of `form` in `mode` must hold anything at all.
pub fn is_required(form: Form, mode: Mode) -> bool {
    form.fields()
        .iter()
        .any(|field| field.need.is_required(mode))
}

fn property(field: &Field) -> Schema {
    let typed = |value_type: Type| {
        let schema_type = if field.nullable {
            SchemaType::from_iter([value_type, Type::Null])
        } else {
            SchemaType::from(value_type)
        };
        ObjectBuilder::new()
            .schema_type(schema_type)
            .description(field.about)
    };
    let builder = match field.kind {
        Kind::Text(rule) => text(typed(Type::String), rule),
        Kind::Number(range) => bounded(typed(Type::Number), range),
        Kind::Integer(range) => bounded(typed(Type::Integer), range),
        Kind::Boolean => typed(Type::Boolean),
        Kind::Date => typed(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(r"^\d{4}-\d{2}-\d{2}$")),
        Kind::Time => typed(Type::String).pattern(Some(fithub_core::datetime::TIME_PATTERN)),
        Kind::Timestamp => {
            typed(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        }
        Kind::Choice(values) => typed(Type::String).enum_values(Some(values.iter().copied())),
        Kind::Reference(_) => {
            typed(Type::Integer).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        }
    };
    Schema::Object(builder.build())
}

fn text(builder: ObjectBuilder, rule: Text) -> ObjectBuilder {
    let builder = builder.max_length(rule.max);
    if rule.blank {
        builder
    } else {
        // Trimmed before it is checked: at least one character that is not white space.
        builder.min_length(Some(1)).pattern(Some(r"\S"))
    }
}

fn bounded(builder: ObjectBuilder, range: Range) -> ObjectBuilder {
    builder.minimum(range.min).maximum(range.max)
}

/// Declares a type whose OpenAPI schema is the body of a core form, for `request_body = …` in
/// an operation's attribute.
macro_rules! form_body {
    ($(#[$meta:meta])* $name:ident = $form:expr, $mode:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::RefOr::T($crate::form_schema::body_schema($form, $mode))
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use form_body;
