//! `POST bulk_create/`: many measurements at once, all or nothing (API.md §3.6.2).

use serde_json::Value;

use super::{BodyMeasurement, Fields, insert};
use crate::accounts::Caller;
use crate::audit::{self, Entry};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::input::Mode;

/// The most measurements one request may create.
pub const MAX_BULK_ITEMS: usize = 1000;

const PREFIX: &str = "Invalid measurement data: ";

fn shape_error() -> Error {
    Error::rejected(format!(
        "{PREFIX}expected an object with a \"measurements\" list of objects"
    ))
}

/// Validates every item first; if any is invalid, nothing is stored and the error names the
/// first invalid item (its index in `item`) and its fields. Otherwise all are stored in one
/// transaction and returned in input order. `body` is the raw request body, which need not be
/// an object.
pub async fn bulk_create_measurements(
    db: &Database,
    caller: Caller<'_>,
    body: &Value,
) -> Result<Vec<BodyMeasurement>> {
    let Value::Object(body) = body else {
        return Err(shape_error());
    };
    let items = match body.get("measurements") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(shape_error()),
    };
    if items.len() > MAX_BULK_ITEMS {
        return Err(Error::rejected(format!(
            "{PREFIX}at most {MAX_BULK_ITEMS} measurements per request, got {}",
            items.len()
        )));
    }
    let mut valid = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            return Err(shape_error());
        };
        match Fields::read(item, Mode::Create, None) {
            Ok(fields) => valid.push(fields),
            Err(Error::Validation(errors)) => {
                let details = serde_json::to_string(&errors).unwrap_or_default();
                return Err(Error::Rejected {
                    message: format!("{PREFIX}{details}"),
                    item: Some(index),
                });
            }
            Err(other) => return Err(other),
        }
    }
    if valid.is_empty() {
        return Ok(Vec::new());
    }

    let mut tx = caller.begin(db).await?;
    let mut created = Vec::with_capacity(valid.len());
    for fields in &valid {
        created.push(insert(&mut tx, caller.user, fields).await?);
    }
    let ids: Vec<i64> = created.iter().map(|measurement| measurement.id).collect();
    let entry = Entry::new("measurement.bulk_create")
        .by(caller.user)
        .details(serde_json::json!({ "count": ids.len(), "ids": ids }));
    audit::record(&mut tx, caller.origin, entry).await?;
    tx.commit().await?;
    Ok(created)
}
