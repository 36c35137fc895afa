//! One metric over a window of local dates (API.md §3.6.2, §6.2): each measurement, or one point
//! per day, week or month, aggregated by the database in one statement.

use serde::Serialize;
use time::{Date, Duration};
use utoipa::ToSchema;

use super::{MeasurementType, Metric};
use crate::accounts::User;
use crate::calendar::{Bucket, push_spans};
use crate::datetime::{self, Timestamp};
use crate::db::{Database, Query, query};
use crate::error::{Error, Result};
use crate::input::{Choice, days_param};

/// One measurement of the window.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrendPoint {
    /// The local date of the measurement, in the caller's time zone.
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub value: f64,
    pub measurement_type: MeasurementType,
}

/// One bucket of the window that has measurements.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BucketPoint {
    /// The bucket's first local date, which may precede `start_date`.
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date, example = "2025-02-24")]
    pub date: Date,
    /// The mean of the bucket's measurements inside the window.
    #[schema(example = 72.05)]
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub count: i64,
}

/// The points: measurements without `bucket`, buckets with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TrendPoints {
    Measurements(Vec<TrendPoint>),
    Buckets(Vec<BucketPoint>),
}

// By hand: the derive says `oneOf`, which an empty list (valid as either) contradicts.
impl utoipa::PartialSchema for TrendPoints {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder};
        use utoipa::openapi::{Ref, RefOr};
        let list_of =
            |name: &str| ArrayBuilder::new().items(RefOr::Ref(Ref::from_schema_name(name)));
        AnyOfBuilder::new()
            .item(list_of("TrendPoint"))
            .item(list_of("BucketPoint"))
            .description(Some(
                "The points: measurements without `bucket`, buckets with it.",
            ))
            .into()
    }
}

impl ToSchema for TrendPoints {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push(("TrendPoint".to_owned(), TrendPoint::schema()));
        schemas.push(("BucketPoint".to_owned(), BucketPoint::schema()));
        TrendPoint::schemas(schemas);
        BucketPoint::schemas(schemas);
    }
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
    pub measurements: TrendPoints,
    /// The number of points.
    pub count: usize,
}

#[derive(sqlx::FromRow)]
struct PointRow {
    #[sqlx(rename = "timestamp")]
    at: Timestamp,
    value: f64,
    measurement_type: MeasurementType,
}

#[derive(sqlx::FromRow)]
struct BucketRow {
    slot: i64,
    value: f64,
    min: f64,
    max: f64,
    count: i64,
}

/// `GET trends/?metric=&days=&bucket=`: one metric from `days` days before today up to today
/// (local dates, both included), oldest first.
pub async fn measurement_trends(
    db: &Database,
    user: &User,
    metric: Option<&str>,
    days: Option<&str>,
    bucket: Option<&str>,
) -> Result<Trend> {
    let days = days_param(days, 30)?;
    let bucket = match bucket.filter(|text| !text.is_empty()) {
        None => None,
        Some(text) => Some(Bucket::parse(text).ok_or_else(|| {
            Error::field(
                "bucket",
                format!("Select a valid choice. {text} is not one of the available choices."),
            )
        })?),
    };
    let metric = metric
        .filter(|metric| !metric.is_empty())
        .unwrap_or(Metric::WeightKg.as_str())
        .to_owned();
    let zone = &user.time_zone;
    let end_date = zone.today();
    let start_date = end_date - Duration::days(days);
    let measurements = match bucket {
        None => {
            let window = zone.window(start_date, end_date);
            let rows: Vec<PointRow> = query(
                "SELECT b.\"timestamp\", b.value, b.measurement_type FROM body_measurements b \
                 WHERE b.user_id = $1 AND b.metric = $2 AND b.\"timestamp\" >= $3 \
                 AND b.\"timestamp\" < $4 ORDER BY b.\"timestamp\", b.id",
            )
            .bind(user.id)
            .bind(metric.as_str())
            .bind(window.from)
            .bind(window.until)
            .fetch_all(db)
            .await?;
            TrendPoints::Measurements(
                rows.into_iter()
                    .map(|row| TrendPoint {
                        date: zone.date_of(row.at),
                        value: row.value,
                        measurement_type: row.measurement_type,
                    })
                    .collect(),
            )
        }
        Some(bucket) => {
            TrendPoints::Buckets(buckets(db, user, &metric, start_date, end_date, bucket).await?)
        }
    };
    Ok(Trend {
        metric,
        period_days: days,
        start_date,
        end_date,
        count: measurements.len(),
        measurements,
    })
}

/// The buckets of the window that hold measurements: the database groups the measurements by
/// the bucket whose instants contain them.
async fn buckets(
    db: &Database,
    user: &User,
    metric: &str,
    start_date: Date,
    end_date: Date,
    bucket: Bucket,
) -> Result<Vec<BucketPoint>> {
    let spans = user.time_zone.spans(start_date, end_date, bucket);
    if spans.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Query::builder();
    sql.push("WITH ");
    push_spans(&mut sql, "spans", &spans);
    sql.push(
        " SELECT CAST(s.slot AS BIGINT) AS slot, \
           CAST(AVG(b.value) AS DOUBLE PRECISION) AS value, \
           CAST(MIN(b.value) AS DOUBLE PRECISION) AS min, \
           CAST(MAX(b.value) AS DOUBLE PRECISION) AS max, COUNT(*) AS count \
         FROM spans s CROSS JOIN body_measurements b WHERE b.user_id = ",
    )
    .push_bind(user.id)
    .push(" AND b.metric = ")
    .push_bind(metric)
    .push(
        " AND b.\"timestamp\" >= s.span_from AND b.\"timestamp\" < s.span_until \
         GROUP BY s.slot ORDER BY s.slot",
    );
    let rows: Vec<BucketRow> = sql.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let span = spans.get(usize::try_from(row.slot).ok()?)?;
            Some(BucketPoint {
                date: span.first_date,
                value: row.value,
                min: row.min,
                max: row.max,
                count: row.count,
            })
        })
        .collect())
}

impl TrendPoints {
    pub fn len(&self) -> usize {
        match self {
            TrendPoints::Measurements(points) => points.len(),
            TrendPoints::Buckets(points) => points.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
