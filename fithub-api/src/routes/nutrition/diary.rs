//! `/api/nutrition/diary/` (API.md §6.3): day by day, the diet's targets against what was eaten,
//! as JSON or as CSV for spreadsheets.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use fithub_core::nutrition::{self, Diary};
use utoipa::IntoParams;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{CurrentUser, QueryParams};
use crate::routes::schemas::{Detail, ValidationErrors};

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct DiaryQuery {
    /// The first local date, `YYYY-MM-DD`; default today in the caller's time zone.
    #[param(format = Date, example = "2025-03-01")]
    start: Option<String>,
    /// The last local date, not before `start`, at most 365 days after it; default today.
    #[param(format = Date, example = "2025-03-02")]
    end: Option<String>,
    /// `csv` for the CSV form (as does `Accept: text/csv`); `json` or nothing for JSON.
    format: Option<String>,
}

/// Each local date of a range with the diet in effect, its targets, what was eaten and what
/// remains; totals and daily averages.
#[utoipa::path(get, path = "/api/nutrition/diary/", tag = "nutrition",
    operation_id = "nutrition_diary_retrieve",
    security(("jwt" = []), ("api_token" = [])), params(DiaryQuery),
    responses(
        (status = 200, description = "The diary; with `format=csv` or `Accept: text/csv`, a CSV \
            attachment with a header row and one row per day",
            content((Diary = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A malformed date, `end` before `start`, or more than 366 \
            dates", body = ValidationErrors,
            example = json!({"end": ["Ensure this date is not before start."]})),
        (status = 401, body = Detail),
    ))]
pub async fn diary(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (start, end) = (query.get("start")?, query.get("end")?);
    if query.get("format")? == Some("csv") || accepts_csv_first(&headers) {
        let diary = nutrition::diary(&app.db, &user, start, end).await?;
        return Ok(csv(&diary)?);
    }
    let diary = nutrition::diary_json(&app.db, &app.diaries, &user, start, end).await?;
    let mut response = Body::from(diary.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Tagged here, so the tags layer need not hash the kept bytes again.
    if let Ok(tag) = HeaderValue::from_str(diary.etag.as_str()) {
        headers.insert(header::ETAG, tag);
    }
    Ok(response)
}

fn csv(diary: &Diary) -> fithub_core::Result<Response> {
    let body = diary.to_csv()?;
    let disposition = format!("attachment; filename=\"{}\"", diary.csv_filename());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// Whether `Accept` names `text/csv` before any JSON type.
fn accepts_csv_first(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    accept
        .split(',')
        .map(|part| part.split(';').next().unwrap_or_default().trim())
        .find(|media| media.eq_ignore_ascii_case("text/csv") || media.contains("json"))
        .is_some_and(|media| media.eq_ignore_ascii_case("text/csv"))
}
