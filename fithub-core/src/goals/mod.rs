//! Goals (API.md §2.10, §3.6.1): UUID ids, several may be active at once, and `activate` makes
//! one the only active goal.

mod progress;

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::{Caller, User, UserBrief};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::{self, Timestamp};
use crate::db::{Database, DbUuid, Executor, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{Body, Choice, Field, Form, Mode, Need, Reader, Text};
use crate::listing::{Filter, FilterKind, ListSpec, Page};
use crate::owned::OwnedTable;
use crate::precondition::IfMatch;

pub use progress::{GoalProgress, goal_progress};

crate::choices! {
    /// `Goal.goal_type`.
    GoalType {
        WeightLoss = "weight_loss",
        MuscleGain = "muscle_gain",
        Endurance = "endurance",
        Strength = "strength",
        Flexibility = "flexibility",
        GeneralFitness = "general_fitness",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Goal {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub user: UserBrief,
    pub goal_type: GoalType,
    #[serde(with = "datetime::date_serde::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub target_date: Option<Date>,
    #[schema(example = "+4 kg lean mass")]
    pub notes: String,
    pub is_active: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// Days from the owner's today (in their time zone) to the target date, negative once past;
    /// `null` without one.
    pub days_remaining: Option<i64>,
}

macro_rules! columns {
    () => {
        "g.id, g.goal_type, g.target_date, g.notes, g.is_active, g.created_at, g.updated_at"
    };
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: DbUuid,
    goal_type: GoalType,
    target_date: Option<Date>,
    notes: String,
    is_active: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl Row {
    fn into_goal(self, owner: &UserBrief, today: Date) -> Goal {
        Goal {
            id: self.id.0,
            user: owner.clone(),
            goal_type: self.goal_type,
            target_date: self.target_date,
            notes: self.notes,
            is_active: self.is_active,
            created_at: self.created_at,
            updated_at: self.updated_at,
            days_remaining: self.target_date.map(|target| (target - today).whole_days()),
        }
    }
}

fn into_goals(rows: Vec<Row>, user: &User) -> Vec<Goal> {
    let (owner, today) = (user.brief(), user.time_zone.today());
    rows.into_iter()
        .map(|row| row.into_goal(&owner, today))
        .collect()
}

const TABLE: OwnedTable = OwnedTable {
    table: "goals",
    entity: "Goal",
    object_type: "goal",
    create_action: "goal.create",
    update_action: "goal.update",
    delete_action: "goal.delete",
};

const LIST: ListSpec = ListSpec {
    from: "goals g",
    columns: columns!(),
    filters: &[
        Filter {
            param: "goal_type",
            column: "g.goal_type",
            kind: FilterKind::Choice(GoalType::VALUES),
        },
        Filter {
            param: "is_active",
            column: "g.is_active",
            kind: FilterKind::Bool,
        },
        Filter {
            param: "target_date",
            column: "g.target_date",
            kind: FilterKind::Date,
        },
        Filter {
            param: "target_date__gte",
            column: "g.target_date",
            kind: FilterKind::DateFrom,
        },
        Filter {
            param: "target_date__lte",
            column: "g.target_date",
            kind: FilterKind::DateUntil,
        },
    ],
    search: &["g.notes"],
    ordering: &[
        ("created_at", "g.created_at"),
        ("updated_at", "g.updated_at"),
        ("target_date", "g.target_date"),
    ],
    default_ordering: &["-created_at"],
    id: "g.id",
    owner: Some("g.user_id"),
};

/// The goals collection.
pub struct Goals;

impl Collection for Goals {
    const ENTITY: &'static str = "Goal";
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = Uuid;
    type Object = Goal;

    fn id(object: &Goal) -> Uuid {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<Goal>> {
        let params = LIST.parse(query_string)?;
        let page: Page<Row> = LIST.fetch(db, LIST.owned_by(user.id), &params).await?;
        let (owner, today) = (user.brief(), user.time_zone.today());
        Ok(page.map(|row| row.into_goal(&owner, today)))
    }

    async fn get(db: &Database, user: &User, id: Uuid) -> Result<Goal> {
        find(db, user, id).await
    }

    /// Creating or updating a goal never changes the caller's other goals.
    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<Goal> {
        let fields = Fields::read(body, Mode::Create, None)?;
        let insert = async |tx: &mut Transaction| insert_row(tx, caller.user, fields).await;
        let read = async |tx: &mut Transaction, id| find(tx, caller.user, id).await;
        TABLE.create(db, caller, insert, read).await
    }

    async fn update(
        db: &Database,
        caller: Caller<'_>,
        id: Uuid,
        change: Change<'_>,
    ) -> Result<Goal> {
        let read = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        let write = async |tx: &mut Transaction, current: &Goal| {
            let fields = Fields::read(change.body, change.mode, Some(current))?;
            update_row(tx, caller.user, id, fields).await
        };
        TABLE
            .update(db, caller, id, change.if_match, read, write)
            .await
    }

    async fn delete(db: &Database, caller: Caller<'_>, id: Uuid, if_match: &IfMatch) -> Result<()> {
        let current = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        TABLE.delete(db, caller, id, if_match, current).await
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The caller's goals."),
            _ => None,
        }
    }
}

async fn insert_row(tx: &mut Transaction, user: &User, fields: Fields) -> Result<Uuid> {
    let id = Uuid::new_v4();
    query(
        "INSERT INTO goals (id, user_id, goal_type, target_date, notes, is_active, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id)
    .bind(user.id)
    .bind(fields.goal_type)
    .bind(fields.target_date)
    .bind(fields.notes)
    .bind(fields.is_active)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(id)
}

async fn update_row(tx: &mut Transaction, user: &User, id: Uuid, fields: Fields) -> Result<()> {
    query(
        "UPDATE goals SET goal_type = $3, target_date = $4, notes = $5, is_active = $6, \
             updated_at = $7 WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(fields.goal_type)
    .bind(fields.target_date)
    .bind(fields.notes)
    .bind(fields.is_active)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

async fn find<'e>(executor: impl Into<Executor<'e>>, user: &User, id: Uuid) -> Result<Goal> {
    let row: Option<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM goals g WHERE g.id = $1 AND g.user_id = $2"
    ))
    .bind(id)
    .bind(user.id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| row.into_goal(&user.brief(), user.time_zone.today()))
        .ok_or(Error::NotFound("Goal"))
}

/// `GET active/`: the active goals, newest first.
pub async fn active_goals(db: &Database, user: &User) -> Result<Vec<Goal>> {
    let rows: Vec<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM goals g WHERE g.user_id = $1 AND g.is_active ORDER BY g.created_at DESC, g.id DESC"
    ))
    .bind(user.id)
    .fetch_all(db)
    .await?;
    Ok(into_goals(rows, user))
}

/// `GET by_type/?type=`: goals of that type (all without one, none for an unknown one), newest
/// first.
pub async fn goals_by_type(
    db: &Database,
    user: &User,
    goal_type: Option<&str>,
) -> Result<Vec<Goal>> {
    let wanted = match goal_type.filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => match GoalType::parse(text) {
            Some(known) => Some(known),
            None => return Ok(Vec::new()),
        },
    };
    let rows: Vec<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM goals g WHERE g.user_id = $1 AND ($2 IS NULL OR g.goal_type = $2) \
         ORDER BY g.created_at DESC, g.id DESC"
    ))
    .bind(user.id)
    .bind(wanted.map(GoalType::as_str))
    .fetch_all(db)
    .await?;
    Ok(into_goals(rows, user))
}

/// Active goals with a target date on or after today (`upcoming`) or before it (`overdue`), by
/// target date.
pub async fn goals_by_deadline(db: &Database, user: &User, overdue: bool) -> Result<Vec<Goal>> {
    let sql = if overdue {
        concat!(
            "SELECT ",
            columns!(),
            " FROM goals g WHERE g.user_id = $1 AND g.is_active AND g.target_date < $2 \
             ORDER BY g.target_date, g.id"
        )
    } else {
        concat!(
            "SELECT ",
            columns!(),
            " FROM goals g WHERE g.user_id = $1 AND g.is_active AND g.target_date >= $2 \
             ORDER BY g.target_date, g.id"
        )
    };
    let rows: Vec<Row> = query(sql)
        .bind(user.id)
        .bind(user.time_zone.today())
        .fetch_all(db)
        .await?;
    Ok(into_goals(rows, user))
}

struct Fields {
    goal_type: GoalType,
    target_date: Option<Date>,
    notes: String,
    is_active: bool,
}

/// The keys of a goal's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::choice("goal_type", Need::Required, GoalType::VALUES),
    Field::date("target_date", Need::Optional)
        .or_null()
        .about("Past dates are allowed"),
    Field::text("notes", Need::Optional, Text::ANY),
    Field::boolean("is_active", Need::Optional)
        .about("Default `true`; never changes the caller's other goals"),
]);

impl Fields {
    fn read(body: &Body, mode: Mode, current: Option<&Goal>) -> Result<Fields> {
        let mut reader = Reader::new(body, mode, FORM);
        let goal_type = reader.choice("goal_type");
        let target_date = reader.date_or_null("target_date");
        let notes = reader.string("notes");
        let is_active = reader.boolean("is_active");
        reader.finish()?;
        Ok(Fields {
            goal_type: goal_type
                .or(current.map(|g| g.goal_type))
                .unwrap_or(GoalType::GeneralFitness),
            target_date: target_date.unwrap_or_else(|| current.and_then(|g| g.target_date)),
            notes: notes
                .or_else(|| current.map(|g| g.notes.clone()))
                .unwrap_or_default(),
            is_active: is_active.or(current.map(|g| g.is_active)).unwrap_or(true),
        })
    }
}

/// `activate` (this goal active, every other one not, in one transaction) or `deactivate`.
pub async fn set_goal_active(
    db: &Database,
    caller: Caller<'_>,
    id: Uuid,
    active: bool,
) -> Result<()> {
    let mut tx = caller.begin(db).await?;
    find(&mut tx, caller.user, id).await?;
    let now = Timestamp::now();
    if active {
        query(
            "UPDATE goals SET is_active = false, updated_at = $3 \
             WHERE user_id = $1 AND id <> $2 AND is_active",
        )
        .bind(caller.user.id)
        .bind(id)
        .bind(now)
        .execute(&mut tx)
        .await?;
    }
    query("UPDATE goals SET is_active = $3, updated_at = $4 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(caller.user.id)
        .bind(active)
        .bind(now)
        .execute(&mut tx)
        .await?;
    let action = if active {
        "goal.activate"
    } else {
        "goal.deactivate"
    };
    caller.audit(&mut tx, action, "goal", id).await?;
    tx.commit().await?;
    Ok(())
}
