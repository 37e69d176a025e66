//! Public correction notes on published articles: text and time, shown in order with the
//! article.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{BodySize, RequestBody, ValidJson, rules};
use crate::api::transact::write_touching;
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::domain::articles::{self, find_for_write};
use crate::error::{AppError, Problem};
use crate::http_cache::{invalidated, keys as cache_keys};
use crate::models::correction::Correction;
use crate::state::AppState;
use crate::webhooks::events;

/// A correction note.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "An earlier version misstated the date of the elections."}))]
pub struct CorrectionInput {
    #[validate(required, length(max = 2000), custom(function = "rules::not_blank"))]
    #[schema(value_type = String, required = true, nullable = false, min_length = 1, max_length = 2000, pattern = r"[^\s\x85]")]
    pub text: Option<String>,
}

impl RequestBody for CorrectionInput {
    const SIZE: BodySize = BodySize::Small;
}

/// A correction as published with the article.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CorrectionView {
    #[schema(example = "An earlier version misstated the date of the elections.")]
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<Correction> for CorrectionView {
    fn from(c: Correction) -> Self {
        Self {
            text: c.body,
            created_at: utc(c.created_at),
        }
    }
}

/// Attaches a public correction note to a published article (editors and admins).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = ["editor", "admin"])),
    params(("slug" = String, Path, description = "The article's slug.")),
    request_body = CorrectionInput,
    responses(
        (status = 201, description = "Attached.", body = CorrectionView),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The article is not published.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The text is missing or too long.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{slug}/corrections")]
pub async fn add_correction(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    body: ValidJson<CorrectionInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let text = body.0.text.unwrap_or_default().trim().to_owned();
    let slug = slug.into_inner();
    let writer = caller.clone();
    let media = state.media.clone();
    let written = write_touching(&state, caller, move |conn, change| {
        let current = find_for_write(conn, &writer, &slug, change.at)?;
        // A correction changes the article's answer, not where it is listed.
        let listed = cache_keys::listed(conn, &current, change.at)?;
        let touched = cache_keys::touched(listed.clone(), listed);
        let correction = articles::correct(conn, change, &current, &text)?;
        events::article_changed(conn, &media, change.at, current.id, &touched)?;
        Ok((correction, touched))
    })
    .await?;
    let response = HttpResponse::Created().json(CorrectionView::from(written.value.clone()));
    Ok(invalidated(response, &written))
}
