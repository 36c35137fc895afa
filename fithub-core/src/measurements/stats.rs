//! What the measurements say: the latest of each metric, one metric's history, and a summary.
//! One query each, however many measurements there are: the latest per metric is a window
//! function, not a query per metric.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use super::{BodyMeasurement, MeasurementType, Metric, Row, columns, into_measurements};
use crate::accounts::User;
use crate::datetime;
use crate::db::{Database, Query, query};
use crate::error::{Error, Result};
use crate::input::Choice;

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
            latest_date: user.time_zone.date_of(row.timestamp),
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
