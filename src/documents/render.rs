//! Rendering articles' documents with the same code that answers live reads, and storing them
//! unless a write invalidated them meanwhile.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::api::articles::members::Embeds;
use crate::api::articles::read::{article_keys, card_keys};
use crate::api::articles::{self, ArticleStatus};
use crate::db::schema::{article_documents, document_generation};
use crate::db::{DbConn, on_backend};
use crate::error::AppError;
use crate::media::storage::MediaStore;
use crate::models::article::{self as article_rows, SummaryRow};

/// One article's documents, ready to store.
struct Rendered {
    article_id: i64,
    /// The stamp read before the article was (`None`: no row yet).
    stamp_seen: Option<i64>,
    detail: String,
    detail_keys: String,
    summary: String,
    summary_keys: String,
}

/// Renders and stores the documents of `ids` that the public may see now or once due (published,
/// not in the trash); answers how many were stored. A document whose article a write touched
/// while it was being rendered is not stored (it will be asked for again).
pub fn render(
    conn: &mut DbConn,
    media: &MediaStore,
    fingerprint: &str,
    ids: &[i64],
) -> Result<usize, AppError> {
    begin(conn, ids)?.complete(conn, media, fingerprint)
}

/// A render begun: what it read before reading the articles.
#[derive(Debug)]
pub struct Begun {
    generation: i64,
    stamps: HashMap<i64, i64>,
    ids: Vec<i64>,
}

/// Reads the generation and the stamps of `ids`, before the articles: a write after these reads
/// moves one of them on, and the store then finds it moved.
pub fn begin(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Begun> {
    let generation: i64 = document_generation::table
        .select(document_generation::value)
        .first(conn)?;
    let stamps: HashMap<i64, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        article_documents::table
            .filter(article_documents::article_id.eq_any(ids))
            .select((article_documents::article_id, article_documents::stamp))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(Begun {
        generation,
        stamps,
        ids: ids.to_vec(),
    })
}

impl Begun {
    /// Renders the articles as they are now, then stores each document whose stamp has not
    /// moved, all in one short write transaction: one commit for the batch (on SQLite, minutes
    /// instead of hours at a million articles), and the write lock is held for the stores only,
    /// not the rendering.
    pub fn complete(
        self,
        conn: &mut DbConn,
        media: &MediaStore,
        fingerprint: &str,
    ) -> Result<usize, AppError> {
        let rendered = render_all(conn, media, &self.ids, &self.stamps)?;
        crate::db::write(conn, |conn| {
            let mut stored = 0;
            for doc in &rendered {
                if store(conn, doc, self.generation, fingerprint)? {
                    stored += 1;
                }
            }
            Ok(stored)
        })
    }
}

/// The documents of those of `ids` the public may see now or once due (published, not in the
/// trash), built together: the queries of one article, not of each (on PostgreSQL each query is
/// a round trip, and a batch of 200 took 15 of them per article).
fn render_all(
    conn: &mut DbConn,
    media: &MediaStore,
    ids: &[i64],
    stamps: &HashMap<i64, i64>,
) -> Result<Vec<Rendered>, AppError> {
    let mut public: Vec<_> = article_rows::with_sections(conn, ids)?
        .into_iter()
        .filter(|(article, ..)| article.status == ArticleStatus::Published && article.deleted_at.is_none())
        .collect();
    public.sort_unstable_by_key(|(article, ..)| article.id);
    let rows = public.iter().map(|(article, ..)| SummaryRow {
        id: article.id,
        slug: article.slug.clone(),
        headline: article.headline.clone(),
        summary: article.summary.clone(),
        published_at: article.published_at,
        updated_at: article.updated_at,
        section_id: article.section_id,
        word_count: article.word_count,
        featured_media_id: article.featured_media_id,
    });
    let cards = articles::summaries(conn, media, rows.collect(), Embeds::default())?;
    let details = articles::details(conn, media, public)?;
    cards
        .into_iter()
        .zip(details)
        .map(|(card, detail)| {
            let card = [card];
            Ok(Rendered {
                article_id: detail.id,
                stamp_seen: stamps.get(&detail.id).copied(),
                detail_keys: article_keys(&detail).join(" "),
                detail: serde_json::to_string(&detail).map_err(AppError::internal)?,
                summary_keys: card_keys(&card).join(" "),
                summary: serde_json::to_string(&card[0]).map_err(AppError::internal)?,
            })
        })
        .collect()
}

/// Stores `doc` if its row's stamp is still the one read before rendering; answers whether it
/// did. A single statement, so the check and the write are one step on either backend.
fn store(conn: &mut DbConn, doc: &Rendered, generation: i64, fingerprint: &str) -> QueryResult<bool> {
    use article_documents::dsl as d;
    let values = (
        d::generation.eq(generation),
        d::fingerprint.eq(fingerprint),
        d::detail.eq(&doc.detail),
        d::detail_keys.eq(&doc.detail_keys),
        d::summary.eq(&doc.summary),
        d::summary_keys.eq(&doc.summary_keys),
    );
    let written = match doc.stamp_seen {
        Some(stamp) => diesel::update(
            d::article_documents
                .filter(d::article_id.eq(doc.article_id))
                .filter(d::stamp.eq(stamp)),
        )
        .set(values)
        .execute(conn)?,
        None => on_backend!(conn, |c| diesel::insert_into(d::article_documents)
            .values((d::article_id.eq(doc.article_id), d::stamp.eq(0_i64), values))
            .on_conflict(d::article_id)
            .do_nothing()
            .execute(c))?,
    };
    Ok(written == 1)
}
