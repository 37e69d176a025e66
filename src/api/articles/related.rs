//! Related articles: their own route, and the answer the article embeds with `include=related`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::members::{CardShape, Embed, Embeds, SummaryField};
use super::read::{Lookup, Moved, card_keys, lookup, moved};
use super::{ArticleSummary, Cards, lean_cards, stored_cards_object, summaries};
use crate::api::AppState;
use crate::api::params::Params;
use crate::api::reads::ReadFrom;
use crate::db::DbConn;
use crate::documents::Documents;
use crate::error::{AppError, FieldCode, Problem};
use crate::http_cache::{keys as cache_keys, surrogate_keys};
use crate::media::storage::MediaStore;
use crate::models::article::{self, Article};
use crate::models::section::Section;
use crate::models::taxonomy;

/// `limit` of the related-articles route.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// How many related articles: 5 by default, at most 20.
    #[param(minimum = 1, maximum = 20, example = 5)]
    pub limit: Option<u32>,
    /// Members each card carries beyond the lean default, as on the article list.
    #[param(value_type = Option<Vec<Embed>>, style = Form, explode = false, max_items = 4, example = json!(["featured_image"]))]
    pub include: Option<String>,
    /// Exactly these members on each card, as on the article list; `id` is always sent.
    #[param(value_type = Option<Vec<SummaryField>>, style = Form, explode = false, max_items = 15, example = json!(["slug", "headline"]))]
    pub fields: Option<String>,
}

/// Related articles, most relevant first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RelatedArticles {
    pub data: Vec<ArticleSummary>,
}

pub const RELATED_DEFAULT: u32 = 5;
pub const RELATED_MAX: u32 = 20;

/// The article related articles are ranked from: its id, and its section's id and slug.
#[derive(Debug, Clone, Copy)]
pub struct Anchor<'a> {
    pub id: i64,
    pub section_id: i64,
    pub section_slug: &'a str,
}

impl<'a> Anchor<'a> {
    pub fn of(article: &Article, section: &'a Section) -> Self {
        Self {
            id: article.id,
            section_id: section.id,
            section_slug: &section.slug,
        }
    }
}

/// The related articles of `anchor`, built live, and the surrogate keys of that answer: the
/// article, the membership of its candidates (its section's and its tags' articles) and the
/// cards shown. A fixed number of queries, whatever `limit`.
pub fn related(
    conn: &mut DbConn,
    media: &MediaStore,
    anchor: Anchor<'_>,
    (limit, embeds): (u32, Embeds),
    now: chrono::NaiveDateTime,
) -> Result<(Vec<String>, RelatedArticles), AppError> {
    let (ids, mut keys) = ranked(conn, anchor, limit, now)?;
    let rows = article::visible_summaries_by_ids(conn, &ids, now)?;
    let data = summaries(conn, media, rows, embeds)?;
    keys.extend(card_keys(&data));
    Ok((keys, RelatedArticles { data }))
}

/// [`related`] with lean cards, from their stored documents when each is fresh (see
/// [`lean_cards`]): the route's answer without `include`.
fn related_lean(
    conn: &mut DbConn,
    media: &MediaStore,
    documents: &Documents,
    anchor: Anchor<'_>,
    limit: u32,
    now: chrono::NaiveDateTime,
) -> Result<(Vec<String>, Cards), AppError> {
    let (ids, mut keys) = ranked(conn, anchor, limit, now)?;
    let cards = lean_cards(conn, media, documents, ids, now)?;
    keys.extend(cards.keys().into_iter().map(std::borrow::Cow::into_owned));
    Ok((keys, cards))
}

/// The ids of the related articles of `anchor`, most relevant first, and the keys their choice
/// depends on: the article, and the membership of its section and of its tags.
fn ranked(
    conn: &mut DbConn,
    anchor: Anchor<'_>,
    limit: u32,
    now: chrono::NaiveDateTime,
) -> Result<(Vec<i64>, Vec<String>), AppError> {
    let tags = taxonomy::tag_ids_and_slugs(conn, anchor.id)?;
    let tag_ids: Vec<i64> = tags.iter().map(|(id, _)| *id).collect();
    let ids = crate::models::related::related_ids(
        conn,
        (anchor.id, anchor.section_id),
        &tag_ids,
        now,
        limit as usize,
    )?;
    let mut keys = vec![
        cache_keys::article(anchor.id),
        cache_keys::in_section(anchor.section_slug),
    ];
    keys.extend(tags.iter().map(|(_, slug)| cache_keys::in_term("tag", slug)));
    Ok((ids, keys))
}

/// The article `slug` if the public may see it, as an anchor; otherwise what [`lookup`] says
/// (a redirect from a former slug, gone, or not found). The common case reads no article row.
fn find_anchor(
    conn: &mut DbConn,
    slug: &str,
    now: chrono::NaiveDateTime,
) -> Result<Result<(i64, i64, String), Moved>, AppError> {
    if let Some(found) = article::visible_anchor(conn, slug, now)? {
        return Ok(Ok(found));
    }
    match lookup(conn, None, slug, now)? {
        Lookup::Found(article, section, _) => Ok(Ok((article.id, section.id, section.slug))),
        Lookup::Moved(current) => Ok(Err(current)),
    }
}

/// Other published articles that share tags or the section with this one, most relevant first.
///
/// Each shared tag counts one and the same section one more; ties go to the most recent.
/// Candidates are the 50 newest articles of each shared tag and the section's newest, so the
/// answer costs the same on any size of archive. The article itself is never included.
#[utoipa::path(
    tag = "articles",
    params(
        ("slug" = String, Path, description = "The article's slug."),
        RelatedQuery,
    ),
    responses(
        (status = 200, description = "Related articles, most relevant first.", body = RelatedArticles),
        (status = 301, description = "A former slug: `Location` is the current URL.",
            headers(("Location" = String, description = "The current URL."),
                ("Cache-Control" = String, description = "`public, max-age=` as for public reads."))),
        (status = 410, description = "The article was withdrawn (archived); also by a former slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "`limit` is malformed or out of range.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/related")]
pub async fn related_articles(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    slug: web::Path<String>,
    query: Params<RelatedQuery>,
) -> Result<HttpResponse, AppError> {
    let shape = CardShape::parse(query.0.fields.as_deref(), query.0.include.as_deref())?;
    let embeds = shape.embeds;
    let limit = query.0.limit.unwrap_or(RELATED_DEFAULT);
    if !(1..=RELATED_MAX).contains(&limit) {
        return Err(AppError::bad_param(
            "limit",
            FieldCode::OutOfRange,
            format!("must be between 1 and {RELATED_MAX}"),
        ));
    }
    let slug = slug.into_inner();
    let now = state.now();
    let media = state.media.clone();
    let documents = state.documents.clone();
    // A fixed number of windows, each bounded: a bounded read (see `db::run_bounded_read`).
    let answer = from
        .run_bounded_read(&state, move |conn| {
            let (id, section_id, section_slug) = match find_anchor(conn, &slug, now)? {
                Ok(found) => found,
                Err(current) => return Ok(Err(current)),
            };
            let anchor = Anchor {
                id,
                section_id,
                section_slug: &section_slug,
            };
            if documents.enabled() && embeds == Embeds::default() {
                let (keys, cards) = related_lean(conn, &media, &documents, anchor, limit, now)?;
                return Ok(Ok((keys, cards)));
            }
            let (keys, answer) = related(conn, &media, anchor, (limit, embeds), now)?;
            Ok(Ok((keys, Cards::built(answer.data))))
        })
        .await?;
    Ok(match answer {
        Ok((keys, cards)) => {
            if let Some(stored) = cards.used_documents() {
                state.metrics.document_lookup(stored);
            }
            let mut response = HttpResponse::Ok();
            response.insert_header(surrogate_keys(keys));
            match cards {
                Cards::Built { cards, .. } => {
                    shape.respond(&mut response, &RelatedArticles { data: cards })?
                }
                Cards::Stored(stored) => {
                    shape.respond_stored(&mut response, stored_cards_object(&stored, None))?
                }
            }
        }
        Err(current) => moved(
            &format!("/api/v1/articles/{}/related", current.slug),
            req.query_string(),
            &current,
            state.config.cache_max_age_secs,
        ),
    })
}
