//! Account management, for admins only.
//!
//! Changing a user's role, password or active flag, or deleting them, ends all their sessions:
//! their access and refresh tokens stop working at once, not at expiry.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{BodySize, NameText, RequestBody, ValidJson, non_null, rules};
use crate::api::links::{Nav, link_header};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::transact::{touched, write_touching};
use crate::api::views::utc;
use crate::auth::password::Lane;
use crate::auth::{AuthUser, Role, password};
use crate::db::{self};
use crate::domain::Change;
use crate::domain::accounts::{self, AccountChanges, NewAccount};
use crate::error::{AppError, FieldCode, Problem};
use crate::http_cache::{invalidated, keys as cache_keys, public_unchanged};
use crate::models::user::{self, User};
use crate::state::AppState;

/// An account, as admins see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = "jane@example.com")]
    pub email: String,
    #[schema(example = "Jane Doe")]
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            role: u.role,
            email: u.email,
            display_name: u.display_name,
            active: u.active,
            created_at: utc(u.created_at),
            updated_at: utc(u.updated_at),
        }
    }
}

/// A page of accounts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub data: Vec<UserView>,
    pub meta: PageMeta,
}

/// A new account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "jane@example.com", "display_name": "Jane Doe", "role": "author",
    "password": "a long passphrase"}))]
pub struct CreateUserRequest {
    #[validate(required, email, length(max = 254))]
    #[schema(value_type = String, required = true, nullable = false, format = "email", max_length = 254)]
    pub email: Option<String>,
    #[validate(required, length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = NameText, required = true, nullable = false)]
    pub display_name: Option<String>,
    #[validate(required)]
    #[schema(value_type = Role, required = true, nullable = false)]
    pub role: Option<Role>,
    /// At least 12 characters.
    #[validate(required, custom(function = "new_password"))]
    #[schema(value_type = String, required = true, nullable = false, min_length = 12, max_length = 256, format = "password")]
    pub password: Option<String>,
    /// `true` unless given.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub active: Option<bool>,
}

impl RequestBody for CreateUserRequest {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to an account; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "editor", "active": true}))]
pub struct UpdateUserRequest {
    #[validate(email, length(max = 254))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, format = "email", max_length = 254)]
    pub email: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = NameText, nullable = false)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Role, nullable = false)]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub active: Option<bool>,
    /// At least 12 characters.
    #[validate(custom(function = "new_password"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 12, max_length = 256, format = "password")]
    pub password: Option<String>,
}

impl RequestBody for UpdateUserRequest {
    const SIZE: BodySize = BodySize::Small;
}

fn new_password(value: &str) -> Result<(), validator::ValidationError> {
    match password::problem(value) {
        None => Ok(()),
        Some(message) => {
            let mut e = validator::ValidationError::new(FieldCode::WeakPassword.as_str());
            e.message = Some(message.into());
            Err(e)
        }
    }
}

use crate::domain::accounts::not_found as user_not_found;

/// Lists accounts by id.
#[utoipa::path(
    tag = "users",
    security(("bearer" = ["admin"])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of accounts.", body = UserList),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let page = query.0.resolve(&state.config)?;
    let (users, total) = db::run(&state.pool, move |conn| {
        Ok(user::page(conn, page.offset(), page.limit())?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(UserList {
            data: users.into_iter().map(UserView::from).collect(),
            meta: page.meta(total),
        }))
}

/// Reads one account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The user's id.", minimum = 1)),
    responses(
        (status = 200, description = "The account.", body = UserView),
        (status = 400, description = "The id is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No user has this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<web::Json<UserView>, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let found = db::run(&state.pool, move |conn| Ok(user::find(conn, id)?)).await?;
    found
        .map(|u| web::Json(UserView::from(u)))
        .ok_or_else(user_not_found)
}

/// Creates an account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = ["admin"])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created.", body = UserView,
            headers(("Location" = String, description = "The account's address."))),
        (status = 409, description = "The e-mail is taken.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<CreateUserRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let request = body.0;
    let now = state.now();
    let turn = state.hashing.turn(Lane::Known).await?;
    let created = db::run(&state.pool, move |conn| {
        let _turn = turn; // held until the hash is done, even if the client leaves
        let (Some(email), Some(display_name), Some(role), Some(password)) = (
            request.email,
            request.display_name,
            request.role,
            request.password,
        ) else {
            return Err(AppError::internal("validated fields missing"));
        };
        let hash = password::hash(&password).map_err(AppError::internal)?;
        db::write(conn, |conn| {
            let account = NewAccount {
                email: &email,
                display_name: &display_name,
                role,
                password_hash: &hash,
                active: request.active.unwrap_or(true),
            };
            accounts::create(conn, Change::by(&caller, now), &account)
        })
    })
    .await;
    let created = created?;
    // A new account has no article yet.
    Ok(public_unchanged(
        HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/users/{}", created.id)))
            .json(UserView::from(created)),
    ))
}

/// Changes an account. A new role, password or active flag ends the user's sessions.
#[utoipa::path(
    tag = "users",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The user's id.", minimum = 1)),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated.", body = UserView),
        (status = 404, description = "No user has this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The e-mail is taken, or the change would leave no active admin.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let request = body.0;
    let now = state.now();
    let turn = state.hashing.turn(Lane::Known).await?;
    let updated = db::run(&state.pool, move |conn| {
        let _turn = turn; // held until the hash is done, even if the client leaves
        let password_hash = match &request.password {
            Some(p) => Some(password::hash(p).map_err(AppError::internal)?),
            None => None,
        };
        let edit = AccountChanges {
            email: request.email,
            display_name: request.display_name,
            role: request.role,
            active: request.active,
            password_hash,
        };
        db::write(conn, |conn| {
            let name_before = user::find(conn, id)?.map(|u| u.display_name);
            let updated = accounts::update(conn, Change::by(&caller, now), id, edit)?;
            if name_before.as_deref() != Some(updated.display_name.as_str()) {
                // The name shows in bylines and on the author's page.
                crate::api::authors::author_changed(conn, now, id, "updated", &authored_by(id))?;
            }
            touched(conn, updated, authored_by(id))
        })
    })
    .await;
    let written = updated?;
    let view = UserView::from(written.value.clone());
    Ok(invalidated(HttpResponse::Ok().json(view), &written))
}

/// Whether account `id` has a public author profile.
fn has_public_profile(conn: &mut crate::db::DbConn, id: i64) -> Result<bool, AppError> {
    Ok(crate::models::author::find_by_user(conn, id)?.is_some_and(|b| b.profile.public))
}

/// What a change to an account touches in public: the bylines of its articles, its author
/// profile and the list of profiles (its display name shows there).
fn authored_by(id: i64) -> Vec<String> {
    vec![
        cache_keys::author(id),
        cache_keys::by_author(id),
        cache_keys::AUTHORS.to_owned(),
    ]
}

/// Deletes an account. Their articles stay, without an author.
#[utoipa::path(
    tag = "users",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The user's id.", minimum = 1)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "The id is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No user has this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This is the last active admin.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let written = write_touching(&state, caller, move |conn, change| {
        // Their bylines and author page go with them.
        let had_profile = has_public_profile(conn, id)?;
        accounts::delete(conn, change, id)?;
        if had_profile {
            crate::api::authors::author_changed(conn, change.at, id, "deleted", &authored_by(id))?;
        }
        Ok(((), authored_by(id)))
    })
    .await?;
    Ok(invalidated(HttpResponse::NoContent().finish(), &written))
}
