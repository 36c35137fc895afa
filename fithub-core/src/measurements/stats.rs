//! What the measurements say: the latest of each metric, one metric's history, a trend over a
//! window, and a summary. One query each, however many measurements there are: the latest per
//! metric is a window function, not a query per metric.

use std::collections::HashMap;

use serde::Serialize;
use time::{Date, Duration};
use utoipa::ToSchema;

use super::{BodyMeasurement, MeasurementType, Metric, Row, columns, into_measurements};
use crate::accounts::User;
use crate::datetime::{self, Timestamp};
use crate::db::{Database, Query, query};
use crate::error::{Error, Result};
use crate::input::{Choice, days_param};

/// The most recent measurement (greatest timestamp, then id) of each of `metrics`.
async fn latest_per_metric(db: &Database, user: &User, metrics: &[Metric]) -> Result<Vec<Row>> {
    if metrics.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Query::builder();
    sql.push(concat!(
        "SELECT ",
        columns!(),
        " FROM (SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.metric \
         ORDER BY m.\"timestamp\" DESC, m.id DESC) AS position \
         FROM body_measurements m WHERE m.user_id = "
    ))
    .push_bind(user.id)
    .push(" AND m.metric IN (")
    .push_bind_list(metrics.iter().copied())
    .push(")) b WHERE b.position = 1");
    Ok(sql.fetch_all(db).await?)
}

/// The metrics `latest` reports when none are named.
const DEFAULT_LATEST: [Metric; 3] = [
    Metric::WeightKg,
    Metric::BodyFatPercentage,
    Metric::MuscleMassPercentage,
];

/// `GET latest/?metrics=…&metrics=…`: for each requested metric, in the order given, its most
/// recent measurement. Unknown metrics and metrics without data are skipped.
pub async fn latest_measurements(
    db: &Database,
    user: &User,
    requested: &[&str],
) -> Result<Vec<BodyMeasurement>> {
    let wanted: Vec<Metric> = if requested.is_empty() {
        DEFAULT_LATEST.to_vec()
    } else {
        requested
            .iter()
            .filter_map(|text| Metric::parse(text))
            .collect()
    };
    let mut distinct = wanted.clone();
    distinct.sort_by_key(|metric| metric.as_str());
    distinct.dedup();
    let latest: HashMap<Metric, BodyMeasurement> =
        into_measurements(latest_per_metric(db, user, &distinct).await?, user)
            .into_iter()
            .map(|measurement| (measurement.metric, measurement))
            .collect();
    Ok(wanted
        .iter()
        .filter_map(|metric| latest.get(metric).cloned())
        .collect())
}

/// `GET by_metric/?metric=`: every measurement of the metric, newest first.
pub async fn measurements_by_metric(
    db: &Database,
    user: &User,
    metric: Option<&str>,
) -> Result<Vec<BodyMeasurement>> {
    let Some(metric) = metric.filter(|metric| !metric.is_empty()) else {
        return Err(Error::rejected("metric parameter is required"));
    };
    let rows: Vec<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM body_measurements b WHERE b.user_id = $1 AND b.metric = $2 \
         ORDER BY b.\"timestamp\" DESC, b.id DESC"
    ))
    .bind(user.id)
    .bind(metric)
    .fetch_all(db)
    .await?;
    Ok(into_measurements(rows, user))
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrendPoint {
    /// The UTC date of the measurement.
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub value: f64,
    pub measurement_type: MeasurementType,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Trend {
    /// As requested: an unknown metric simply has no points.
    #[schema(example = "weight_kg")]
    pub metric: String,
    pub period_days: i64,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub start_date: Date,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub end_date: Date,
    pub measurements: Vec<TrendPoint>,
    pub count: usize,
}

#[derive(sqlx::FromRow)]
struct PointRow {
    #[sqlx(rename = "timestamp")]
    at: Timestamp,
    value: f64,
    measurement_type: MeasurementType,
}

/// `GET trends/?metric=&days=`: one metric's measurements from `days` days before today up to
/// today (both UTC dates included), oldest first.
pub async fn measurement_trends(
    db: &Database,
    user: &User,
    metric: Option<&str>,
    days: Option<&str>,
) -> Result<Trend> {
    let days = days_param(days, 30)?;
    let metric = metric
        .filter(|metric| !metric.is_empty())
        .unwrap_or(Metric::WeightKg.as_str())
        .to_owned();
    let end_date = datetime::today();
    let start_date = end_date - Duration::days(days);
    let rows: Vec<PointRow> = query(
        "SELECT b.\"timestamp\", b.value, b.measurement_type FROM body_measurements b \
         WHERE b.user_id = $1 AND b.metric = $2 AND b.\"timestamp\" >= $3 AND b.\"timestamp\" < $4 \
         ORDER BY b.\"timestamp\", b.id",
    )
    .bind(user.id)
    .bind(metric.as_str())
    .bind(Timestamp::start_of(start_date))
    .bind(Timestamp::start_of(end_date) + Duration::days(1))
    .fetch_all(db)
    .await?;
    let measurements: Vec<TrendPoint> = rows
        .into_iter()
        .map(|row| TrendPoint {
            date: row.at.date(),
            value: row.value,
            measurement_type: row.measurement_type,
        })
        .collect();
    Ok(Trend {
        metric,
        period_days: days,
        start_date,
        end_date,
        count: measurements.len(),
        measurements,
    })
}

/// The latest measurement of one metric, in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SummaryEntry {
    pub latest_value: f64,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub latest_date: Date,
    pub measurement_type: MeasurementType,
}

/// One entry per metric with data, of these seven, in this order (the arm, thigh and calf
/// circumferences are never included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct MeasurementSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<SummaryEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waist_cm: Option<SummaryEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hip_cm: Option<SummaryEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neck_cm: Option<SummaryEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_fat_percentage: Option<SummaryEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muscle_mass_percentage: Option<SummaryEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bmi_value: Option<SummaryEntry>,
}

const SUMMARY_METRICS: [Metric; 7] = [
    Metric::WeightKg,
    Metric::WaistCm,
    Metric::HipCm,
    Metric::NeckCm,
    Metric::BodyFatPercentage,
    Metric::MuscleMassPercentage,
    Metric::BmiValue,
];

/// `GET summary/`: the latest value of each summarized metric.
pub async fn measurement_summary(db: &Database, user: &User) -> Result<MeasurementSummary> {
    let mut summary = MeasurementSummary::default();
    for row in latest_per_metric(db, user, &SUMMARY_METRICS).await? {
        let entry = Some(SummaryEntry {
            latest_value: row.value,
            latest_date: row.timestamp.date(),
            measurement_type: row.measurement_type,
        });
        match row.metric {
            Metric::WeightKg => summary.weight_kg = entry,
            Metric::WaistCm => summary.waist_cm = entry,
            Metric::HipCm => summary.hip_cm = entry,
            Metric::NeckCm => summary.neck_cm = entry,
            Metric::BodyFatPercentage => summary.body_fat_percentage = entry,
            Metric::MuscleMassPercentage => summary.muscle_mass_percentage = entry,
            Metric::BmiValue => summary.bmi_value = entry,
            Metric::ArmCircumferenceCm
            | Metric::ThighCircumferenceCm
            | Metric::CalfCircumferenceCm => {}
        }
    }
    Ok(summary)
}
