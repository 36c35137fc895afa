//! Body measurements (API.md §2.10, §3.6.2): weight, circumferences, body fat, … over time.

mod bulk;
mod stats;
mod trends;

use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::{Caller, User, UserBrief};
use crate::audit::{self, Entry};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::Timestamp;
use crate::db::{Database, Executor, Query, Script, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{Body, Field, Form, Mode, Need, Range, Reader};
use crate::listing::{Filter, FilterKind, ListSpec, Page, timestamp_ranges};
use crate::owned::OwnedTable;
use crate::precondition::IfMatch;

pub use bulk::{MAX_BULK_ITEMS, bulk_create_measurements};
pub use stats::{
    MeasurementSummary, SummaryEntry, latest_measurements, measurement_summary,
    measurements_by_metric,
};
pub use trends::{BucketPoint, Trend, TrendPoint, TrendPoints, measurement_trends};

crate::choices! {
    /// `BodyMeasurement.metric`.
    Metric {
        WeightKg = "weight_kg",
        WaistCm = "waist_cm",
        HipCm = "hip_cm",
        NeckCm = "neck_cm",
        ArmCircumferenceCm = "arm_circumference_cm",
        ThighCircumferenceCm = "thigh_circumference_cm",
        CalfCircumferenceCm = "calf_circumference_cm",
        BodyFatPercentage = "body_fat_percentage",
        MuscleMassPercentage = "muscle_mass_percentage",
        BmiValue = "bmi_value",
    }
}

impl Metric {
    /// The label clients show (`metric_display`).
    pub fn label(self) -> &'static str {
        match self {
            Metric::WeightKg => "Weight (kg)",
            Metric::WaistCm => "Waist (cm)",
            Metric::HipCm => "Hip (cm)",
            Metric::NeckCm => "Neck (cm)",
            Metric::ArmCircumferenceCm => "Arm Circumference (cm)",
            Metric::ThighCircumferenceCm => "Thigh Circumference (cm)",
            Metric::CalfCircumferenceCm => "Calf Circumference (cm)",
            Metric::BodyFatPercentage => "Body Fat (%)",
            Metric::MuscleMassPercentage => "Muscle Mass (%)",
            Metric::BmiValue => "BMI Value",
        }
    }

    /// Percentages cannot exceed 100.
    pub fn is_percentage(self) -> bool {
        matches!(
            self,
            Metric::BodyFatPercentage | Metric::MuscleMassPercentage
        )
    }
}

crate::choices! {
    /// `BodyMeasurement.measurement_type`.
    MeasurementType {
        Target = "target",
        Baseline = "baseline",
        Log = "log",
    }
}

impl MeasurementType {
    /// The label clients show (`measurement_type_display`).
    pub fn label(self) -> &'static str {
        match self {
            MeasurementType::Target => "Target",
            MeasurementType::Baseline => "Baseline",
            MeasurementType::Log => "Log",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BodyMeasurement {
    pub id: i64,
    pub user: UserBrief,
    pub metric: Metric,
    #[schema(example = "Weight (kg)")]
    pub metric_display: &'static str,
    pub measurement_type: MeasurementType,
    #[schema(example = "Log")]
    pub measurement_type_display: &'static str,
    #[schema(example = 71.4)]
    pub value: f64,
    #[schema(value_type = String, format = DateTime)]
    pub timestamp: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "b.id, b.metric, b.measurement_type, b.value, b.\"timestamp\", b.created_at, b.updated_at"
    };
}
pub(crate) use columns;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Row {
    pub id: i64,
    pub metric: Metric,
    pub measurement_type: MeasurementType,
    pub value: f64,
    pub timestamp: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Row {
    pub(crate) fn into_measurement(self, owner: &UserBrief) -> BodyMeasurement {
        let metric = self.metric;
        let measurement_type = self.measurement_type;
        BodyMeasurement {
            id: self.id,
            user: owner.clone(),
            metric,
            metric_display: metric.label(),
            measurement_type,
            measurement_type_display: measurement_type.label(),
            value: self.value,
            timestamp: self.timestamp,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

pub(crate) fn into_measurements(rows: Vec<Row>, user: &User) -> Vec<BodyMeasurement> {
    let owner = user.brief();
    rows.into_iter()
        .map(|row| row.into_measurement(&owner))
        .collect()
}

const TABLE: OwnedTable = OwnedTable {
    table: "body_measurements",
    entity: "BodyMeasurement",
    object_type: "body_measurement",
    create_action: "measurement.create",
    update_action: "measurement.update",
    delete_action: "measurement.delete",
};

const LIST: ListSpec = ListSpec {
    from: "body_measurements b",
    columns: columns!(),
    filters: &{
        let [from, until, date, date_from, date_until] = timestamp_ranges("b.\"timestamp\"");
        [
            Filter {
                param: "metric",
                column: "b.metric",
                kind: FilterKind::Choice(Metric::VALUES),
            },
            Filter {
                param: "measurement_type",
                column: "b.measurement_type",
                kind: FilterKind::Choice(MeasurementType::VALUES),
            },
            from,
            until,
            date,
            date_from,
            date_until,
        ]
    },
    search: &[],
    ordering: &[
        ("timestamp", "b.\"timestamp\""),
        ("created_at", "b.created_at"),
        ("value", "b.value"),
    ],
    default_ordering: &["-timestamp"],
    id: "b.id",
    owner: Some("b.user_id"),
};

/// The measurements collection.
pub struct Measurements;

impl Collection for Measurements {
    const ENTITY: &'static str = "BodyMeasurement";
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = BodyMeasurement;

    fn id(object: &BodyMeasurement) -> i64 {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<BodyMeasurement>> {
        let params = LIST.parse_in(query_string, &user.time_zone)?;
        let page: Page<Row> = LIST.fetch(db, LIST.owned_by(user.id), &params).await?;
        let owner = user.brief();
        Ok(page.map(|row| row.into_measurement(&owner)))
    }

    async fn get(db: &Database, user: &User, id: i64) -> Result<BodyMeasurement> {
        find(db, user, id).await
    }

    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<BodyMeasurement> {
        let fields = Fields::read(body, Mode::Create, None)?;
        let row: Row = audit::insert_audited(
            db,
            insert_script(caller.user, &fields),
            caller.origin,
            Entry::new(TABLE.create_action).by(caller.user),
            TABLE.object_type,
        )
        .await?;
        Ok(row.into_measurement(&caller.user.brief()))
    }

    async fn update(
        db: &Database,
        caller: Caller<'_>,
        id: i64,
        change: Change<'_>,
    ) -> Result<BodyMeasurement> {
        let read = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        let write = async |tx: &mut Transaction, current: &BodyMeasurement| {
            let fields = Fields::read(change.body, change.mode, Some(current))?;
            update_row(tx, caller.user, id, fields).await
        };
        TABLE
            .update(db, caller, id, change.if_match, read, write)
            .await
    }

    async fn delete(db: &Database, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        let current = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        TABLE.delete(db, caller, id, if_match, current).await
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The caller's measurements, newest first."),
            _ => None,
        }
    }
}

async fn update_row(tx: &mut Transaction, user: &User, id: i64, fields: Fields) -> Result<()> {
    query(
        "UPDATE body_measurements SET metric = $3, measurement_type = $4, value = $5, \
             \"timestamp\" = $6, updated_at = $7 WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(fields.metric)
    .bind(fields.measurement_type)
    .bind(fields.value)
    .bind(fields.timestamp)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

async fn find<'e>(
    executor: impl Into<Executor<'e>>,
    user: &User,
    id: i64,
) -> Result<BodyMeasurement> {
    let row: Option<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM body_measurements b WHERE b.id = $1 AND b.user_id = $2"
    ))
    .bind(id)
    .bind(user.id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| row.into_measurement(&user.brief()))
        .ok_or(Error::NotFound("BodyMeasurement"))
}

/// A measurement's writable keys, after defaults or the stored values.
struct Fields {
    metric: Metric,
    measurement_type: MeasurementType,
    value: f64,
    timestamp: Timestamp,
}

/// The keys of a measurement's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::choice("metric", Need::Optional, Metric::VALUES).about("Default `weight_kg`"),
    Field::choice("measurement_type", Need::Required, MeasurementType::VALUES),
    Field::number("value", Need::Required, Range::AMOUNT)
        .about("At most 100 for the two percentage metrics"),
    Field::timestamp("timestamp", Need::Required),
]);

impl Fields {
    fn read(body: &Body, mode: Mode, current: Option<&BodyMeasurement>) -> Result<Fields> {
        let mut reader = Reader::new(body, mode, FORM);
        let metric = reader.choice::<Metric>("metric");
        let measurement_type = reader.choice("measurement_type");
        let value = reader.number("value");
        let timestamp = reader.timestamp("timestamp");
        reader.finish()?;
        let fields = Fields {
            metric: metric
                .or(current.map(|m| m.metric))
                .unwrap_or(Metric::WeightKg),
            measurement_type: measurement_type
                .or(current.map(|m| m.measurement_type))
                .unwrap_or(MeasurementType::Log),
            value: value.or(current.map(|m| m.value)).unwrap_or_default(),
            timestamp: timestamp
                .or(current.map(|m| m.timestamp))
                .unwrap_or_else(Timestamp::now),
        };
        // The stored metric stands in for an omitted one.
        if fields.metric.is_percentage()
            && let Some(message) = Range::between(0.0, 100.0).check(fields.value)
        {
            return Err(Error::field("value", message));
        }
        Ok(fields)
    }
}

/// The `INSERT` of a measurement, `RETURNING` it as stored.
fn insert_script(user: &User, fields: &Fields) -> Script {
    let now = Timestamp::now();
    let mut insert = Script::new();
    insert
        .push(
            "INSERT INTO body_measurements (user_id, metric, measurement_type, value, \
             \"timestamp\", created_at, updated_at) VALUES (",
        )
        .push_bind(user.id)
        .push(", ")
        .push_bind(fields.metric)
        .push(", ")
        .push_bind(fields.measurement_type)
        .push(", ")
        .push_bind(fields.value)
        .push(", ")
        .push_bind(fields.timestamp)
        .push(", ")
        .push_bind(now)
        .push(", ")
        .push_bind(now)
        // Unqualified columns: SQLite's RETURNING does not accept a table alias.
        .push(
            ") RETURNING id, metric, measurement_type, value, \"timestamp\", created_at, \
             updated_at",
        );
    insert
}

/// Inserts a measurement inside `tx` and returns it as stored.
async fn insert(tx: &mut Transaction, user: &User, fields: &Fields) -> Result<BodyMeasurement> {
    let row: Row = Query::from(insert_script(user, fields))
        .fetch_one(tx)
        .await?;
    Ok(row.into_measurement(&user.brief()))
}

/// The user's measurements with these ids, in one query.
pub async fn measurements_by_id(
    db: &Database,
    user: &User,
    ids: &[i64],
) -> Result<Vec<BodyMeasurement>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Query::builder();
    sql.push(concat!(
        "SELECT ",
        columns!(),
        " FROM body_measurements b WHERE b.user_id = "
    ))
    .push_bind(user.id)
    .push(" AND b.id IN (")
    .push_bind_list(ids.iter().copied())
    .push(")");
    let rows: Vec<Row> = sql.fetch_all(db).await?;
    Ok(into_measurements(rows, user))
}
