//! The five operations of a collection (API.md §1.7), mounted the same way for every resource.
//!
//! A resource file says only what is particular to it: where it lives, which core functions
//! serve it and how its operations are described ([`Resource`]). [`mount`] turns that into the
//! routes, the status codes, `Location` on creation, conditional writes, and the OpenAPI
//! operations with unique ids (`nutrition_diets_list` … `nutrition_diets_destroy`).

mod docs;

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use fithub_core::Result;
use fithub_core::accounts::{Caller, User};
use fithub_core::input::{Body, Mode};
use fithub_core::listing::{ListSpec, Page};
use fithub_core::precondition::IfMatch;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::App;
use crate::error::{ApiResult, detail};
use crate::extract::{Actor, CurrentUser, IfMatchHeader, JsonBody};
use crate::pagination::{ListRequest, Paginated};

/// A collection of objects and the core functions that serve it.
pub trait Resource: Send + Sync + 'static {
    /// The collection's path, e.g. `/api/nutrition/diets/`; an object's is `{PATH}{id}/`.
    const PATH: &'static str;
    /// The prefix of the operation ids, e.g. `nutrition_diets`.
    const OPERATION: &'static str;
    const TAG: &'static str;
    /// The object as messages name it (`No Diet matches the given query.`).
    const ENTITY: &'static str;
    /// One object and several, in the operations' summaries: `a diet`, `diets`.
    const ONE: &'static str;
    const MANY: &'static str;
    /// Whether a visible object may still be refused to the caller (`403`): shared objects.
    const SHARED: bool = false;
    /// The list's filters, search fields and orderings.
    const LIST: &'static ListSpec;

    type Id: PathKey;
    type Object: Serialize + ToSchema + Send + 'static;
    /// The request body's schema.
    type Request: ToSchema;

    fn id(object: &Self::Object) -> Self::Id;

    fn list(
        app: &App,
        user: &User,
        query: &[(String, String)],
    ) -> impl Future<Output = Result<Page<Self::Object>>> + Send;

    fn get(app: &App, user: &User, id: Self::Id)
    -> impl Future<Output = Result<Self::Object>> + Send;

    fn create(
        app: &App,
        caller: Caller<'_>,
        body: &Body,
    ) -> impl Future<Output = Result<Self::Object>> + Send;

    /// `PUT` (`Mode::Replace`) or `PATCH` (`Mode::Update`), refused unless `if_match` holds.
    fn update(
        app: &App,
        caller: Caller<'_>,
        id: Self::Id,
        body: &Body,
        mode: Mode,
        if_match: &IfMatch,
    ) -> impl Future<Output = Result<Self::Object>> + Send;

    fn delete(
        app: &App,
        caller: Caller<'_>,
        id: Self::Id,
        if_match: &IfMatch,
    ) -> impl Future<Output = Result<()>> + Send;

    /// More words for one operation's description, beyond its summary.
    fn describe(_operation: Operation) -> Option<&'static str> {
        None
    }
}

/// The operations [`mount`] provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    List,
    Create,
    Retrieve,
    Update,
    PartialUpdate,
    Destroy,
}

/// An object id in a path: an integer, or a goal's UUID.
pub trait PathKey: FromStr + Display + Copy + Send + Sync + 'static {
    /// The path parameter's schema.
    fn schema() -> utoipa::openapi::Schema;
}

impl PathKey for i64 {
    fn schema() -> utoipa::openapi::Schema {
        crate::openapi::integer_schema()
    }
}

impl PathKey for uuid::Uuid {
    fn schema() -> utoipa::openapi::Schema {
        crate::openapi::uuid_schema()
    }
}

/// The id of the path; anything that is not one is `404 {"detail": "Not found."}`.
pub struct Key<K>(pub K);

impl<K: PathKey, S: Send + Sync> FromRequestParts<S> for Key<K> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let not_found = || detail(StatusCode::NOT_FOUND, "Not found.");
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse().map(Key).map_err(|_| not_found())
    }
}

/// Adds `R`'s collection and object routes to `router`, with their OpenAPI operations.
pub fn mount<R: Resource>(router: OpenApiRouter<App>) -> OpenApiRouter<App> {
    let collection: MethodRouter<App> = get(list::<R>).post(create::<R>);
    let object: MethodRouter<App> = get(retrieve::<R>)
        .put(replace::<R>)
        .patch(partial_update::<R>)
        .delete(destroy::<R>);
    let mut router = router
        .route(R::PATH, collection)
        .route(&docs::object_path::<R>(), object);
    docs::add_operations::<R>(router.get_openapi_mut());
    router
}

/// `201 Created` with the new object and its `Location` (API.md §6.6).
pub fn created(location: &str, object: impl Serialize) -> Response {
    let mut response = (StatusCode::CREATED, Json(object)).into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn list<R: Resource>(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<R::Object>>> {
    let page = R::list(&app, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

async fn create<R: Resource>(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let object = R::create(&app, actor.caller(), &body).await?;
    let location = format!("{}{}/", R::PATH, R::id(&object));
    Ok(created(&location, object))
}

async fn retrieve<R: Resource>(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    Key(id): Key<R::Id>,
) -> ApiResult<Json<R::Object>> {
    Ok(Json(R::get(&app, &user, id).await?))
}

async fn replace<R: Resource>(
    State(app): State<App>,
    actor: Actor,
    Key(id): Key<R::Id>,
    IfMatchHeader(if_match): IfMatchHeader,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<R::Object>> {
    let object = R::update(&app, actor.caller(), id, &body, Mode::Replace, &if_match).await?;
    Ok(Json(object))
}

async fn partial_update<R: Resource>(
    State(app): State<App>,
    actor: Actor,
    Key(id): Key<R::Id>,
    IfMatchHeader(if_match): IfMatchHeader,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<R::Object>> {
    let object = R::update(&app, actor.caller(), id, &body, Mode::Update, &if_match).await?;
    Ok(Json(object))
}

async fn destroy<R: Resource>(
    State(app): State<App>,
    actor: Actor,
    Key(id): Key<R::Id>,
    IfMatchHeader(if_match): IfMatchHeader,
) -> ApiResult<StatusCode> {
    R::delete(&app, actor.caller(), id, &if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}
