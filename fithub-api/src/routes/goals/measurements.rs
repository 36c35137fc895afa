//! `/api/goals/measurements/` (API.md §3.6.2).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::measurements::{self, BodyMeasurement, MeasurementSummary, Trend};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, QueryParams, RawJsonBody};
use crate::form_schema::form_body;
use crate::routes::schemas::{ActionError, Detail, ValidationErrors};

form_body!(
    /// One measurement of a bulk request.
    MeasurementRequest = <measurements::Measurements as fithub_core::collection::Collection>::FORM,
    fithub_core::input::Mode::Create
);

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct BulkCreateRequest {
    /// At most 1000 measurements, stored all or none.
    #[schema(inline)]
    measurements: Vec<MeasurementRequest>,
}

/// A refused bulk request: the first invalid item's index and its errors.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct BulkError {
    #[schema(example = "Invalid measurement data: {\"value\":[\"This field is required.\"]}")]
    error: String,
    /// The index of the first invalid item, when one item is at fault.
    item: Option<usize>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct LatestQuery {
    /// Repeat for several metrics; default weight, body fat and muscle mass.
    metrics: Option<Vec<String>>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct MetricQuery {
    #[param(min_length = 1)]
    metric: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct TrendQuery {
    /// Default `weight_kg`.
    metric: Option<String>,
    /// Default 30. The window ends today in the caller's time zone.
    #[param(minimum = -3650, maximum = 3650)]
    days: Option<i64>,
    /// `day`, `week` (from Monday) or `month`: one point per bucket with measurements, with the
    /// mean, least and greatest value and their count. Empty or absent: every measurement.
    #[param(pattern = "^(day|week|month)?$")]
    bucket: Option<String>,
}

/// The most recent measurement of each requested metric, in the order requested.
#[utoipa::path(get, path = "/api/goals/measurements/latest/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), params(LatestQuery),
    responses((status = 200, body = Vec<BodyMeasurement>),
        (status = 400, description = "A metric that is not one", body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn latest(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<Vec<BodyMeasurement>>> {
    let latest = measurements::latest_measurements(&app.db, &user, &query.all("metrics")?).await?;
    Ok(Json(latest))
}

/// Every measurement of one metric, newest first.
#[utoipa::path(get, path = "/api/goals/measurements/by_metric/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), params(MetricQuery),
    responses((status = 200, body = Vec<BodyMeasurement>),
        (status = 400, description = "No metric given", body = ActionError),
        (status = 401, body = Detail)))]
pub async fn by_metric(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<Vec<BodyMeasurement>>> {
    let found = measurements::measurements_by_metric(&app.db, &user, query.get("metric")?).await?;
    Ok(Json(found))
}

/// One metric over the last `days` days, oldest first, or by day, week or month.
#[utoipa::path(get, path = "/api/goals/measurements/trends/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), params(TrendQuery),
    responses((status = 200, body = Trend), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn trends(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<Trend>> {
    let trend = measurements::measurement_trends(
        &app.db,
        &user,
        query.get("metric")?,
        query.get("days")?,
        query.get("bucket")?,
    )
    .await?;
    Ok(Json(trend))
}

/// The latest value of each of seven metrics that has data.
#[utoipa::path(get, path = "/api/goals/measurements/summary/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = MeasurementSummary), (status = 401, body = Detail)))]
pub async fn summary(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<MeasurementSummary>> {
    Ok(Json(
        measurements::measurement_summary(&app.db, &user).await?,
    ))
}

/// Create many measurements, all or none.
#[utoipa::path(post, path = "/api/goals/measurements/bulk_create/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), request_body = BulkCreateRequest,
    responses((status = 201, body = Vec<BodyMeasurement>), (status = 400, body = BulkError),
        (status = 401, body = Detail)))]
pub async fn bulk_create(
    State(app): State<App>,
    actor: Actor,
    RawJsonBody(body): RawJsonBody,
) -> ApiResult<(StatusCode, Json<Vec<BodyMeasurement>>)> {
    let created = measurements::bulk_create_measurements(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
