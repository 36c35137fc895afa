//! The five operations of a collection (API.md §1.7), mounted the same way for every resource.
//!
//! The core declares each collection once ([`Collection`]: its operations, list and rules);
//! [`mount`] serves it at a path with the routes, the status codes, `Location` on creation,
//! conditional writes, and the OpenAPI operations with unique ids derived from the path
//! (`nutrition_diets_list` … `nutrition_diets_destroy`).

mod docs;

use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use fithub_core::collection::{Change, Collection};
use fithub_core::input::Mode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::App;
use crate::error::{ApiResult, detail};
use crate::extract::{Actor, CurrentUser, IfMatchHeader, JsonBody};
use crate::pagination::{ListRequest, Paginated};

/// Where a collection is mounted: what the HTTP side adds to a core [`Collection`].
pub struct Mounted<C> {
    /// The collection's path, e.g. `/api/nutrition/diets/`; an object's is `{path}{id}/`.
    pub path: &'static str,
    collection: PhantomData<fn() -> C>,
}

impl<C> Mounted<C> {
    /// The operation ids' prefix, from the path: `nutrition_diets`, `nutrition_meal_ingredients`.
    fn operation_prefix(&self) -> String {
        self.path
            .trim_start_matches("/api/")
            .trim_matches('/')
            .replace(['/', '-'], "_")
    }

    /// The tag, the area of the API: `nutrition`, `goals`.
    fn tag(&self) -> &'static str {
        let area = self.path.trim_start_matches("/api/");
        area.split('/').next().unwrap_or(area)
    }

    /// Several objects in a summary: the last segment, `meal ingredients`.
    fn many(&self) -> String {
        let last = self
            .path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        last.replace('-', " ")
    }
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

/// Adds collection `C`'s routes at `path`, with their OpenAPI operations.
pub fn mount<C>(router: OpenApiRouter<App>, path: &'static str) -> OpenApiRouter<App>
where
    C: Collection,
    C::Id: PathKey,
    C::Object: ToSchema,
{
    let mounted = Mounted::<C> {
        path,
        collection: PhantomData,
    };
    let collection: MethodRouter<App> = get(list::<C>).post(create::<C>);
    let object: MethodRouter<App> = get(retrieve::<C>)
        .put(replace::<C>)
        .patch(update::<C>)
        .delete(delete::<C>);
    let mut router = router
        .route(path, collection)
        .route(&format!("{path}{{id}}/"), object);
    docs::add_operations(&mounted, router.get_openapi_mut());
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

async fn list<C: Collection>(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<C::Object>>> {
    let page = C::list(&app.db, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

async fn create<C: Collection>(
    State(app): State<App>,
    actor: Actor,
    uri: Uri,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let object = C::create(&app.db, actor.caller(), &body).await?;
    // The collection's path is this request's.
    let location = format!("{}{}/", uri.path(), C::id(&object));
    Ok(created(&location, object))
}

async fn retrieve<C: Collection>(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    Key(id): Key<C::Id>,
) -> ApiResult<Json<C::Object>>
where
    C::Id: PathKey,
{
    Ok(Json(C::get(&app.db, &user, id).await?))
}

async fn replace<C: Collection>(
    State(app): State<App>,
    actor: Actor,
    Key(id): Key<C::Id>,
    IfMatchHeader(if_match): IfMatchHeader,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<C::Object>>
where
    C::Id: PathKey,
{
    let change = Change {
        body: &body,
        mode: Mode::Replace,
        if_match: &if_match,
    };
    Ok(Json(C::update(&app.db, actor.caller(), id, change).await?))
}

async fn update<C: Collection>(
    State(app): State<App>,
    actor: Actor,
    Key(id): Key<C::Id>,
    IfMatchHeader(if_match): IfMatchHeader,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<C::Object>>
where
    C::Id: PathKey,
{
    let change = Change {
        body: &body,
        mode: Mode::Update,
        if_match: &if_match,
    };
    Ok(Json(C::update(&app.db, actor.caller(), id, change).await?))
}

async fn delete<C: Collection>(
    State(app): State<App>,
    actor: Actor,
    Key(id): Key<C::Id>,
    IfMatchHeader(if_match): IfMatchHeader,
) -> ApiResult<StatusCode>
where
    C::Id: PathKey,
{
    C::delete(&app.db, actor.caller(), id, &if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}
