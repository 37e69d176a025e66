//! The media library's rows: one per uploaded image, with its editorial fields and the files it
//! was rendered to.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::db::schema::{article_media, articles, media, sources};
use crate::media::process::OutputFormat;

diesel::define_sql_function!(fn lower(x: Nullable<Text>) -> Nullable<Text>);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = media)]
pub struct Media {
    pub id: i64,
    pub folder: String,
    pub kind: String,
    pub format: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    /// JSON: [`Files`].
    pub files: String,
    pub alt: Option<String>,
    pub decorative: bool,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub source_id: Option<i64>,
    pub focal_x: f64,
    pub focal_y: f64,
    pub uploaded_by: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Media {
    /// The stored files (written by this server, so they read back).
    pub fn files(&self) -> Files {
        serde_json::from_str(&self.files).unwrap_or_default()
    }
}

/// One stored file of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRendition {
    /// Its key in the store: `{folder}/{name}`.
    pub key: String,
    pub width: u32,
    pub height: u32,
    pub format: OutputFormat,
    pub bytes: u64,
}

/// The files of an item: the full-size rendition and the resized ones, ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Files {
    pub full: Option<StoredRendition>,
    pub variants: Vec<StoredRendition>,
}

impl Files {
    /// Every key, each once.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .full
            .iter()
            .chain(&self.variants)
            .map(|f| f.key.clone())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia<'a> {
    pub folder: &'a str,
    pub kind: &'a str,
    pub format: &'a str,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub files: &'a str,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
    /// The editorial fields (and `updated_at`), as a change sets them.
    #[diesel(embed)]
    pub editorial: Editorial<'a>,
}

/// The editorial fields, as a change sets them all.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = media, treat_none_as_null = true)]
pub struct Editorial<'a> {
    pub alt: Option<&'a str>,
    pub decorative: bool,
    pub caption: Option<&'a str>,
    pub credit: Option<&'a str>,
    pub source_id: Option<i64>,
    pub focal_x: f64,
    pub focal_y: f64,
    pub updated_at: NaiveDateTime,
}

/// Filters of the library.
#[derive(Debug, Clone, Default)]
pub struct MediaFilter {
    /// Text in the alt text, caption or credit (any case).
    pub text: Option<String>,
    pub uploaded_by: Option<i64>,
    pub source_id: Option<i64>,
    pub kind: Option<String>,
}

pub fn insert(conn: &mut DbConn, new: &NewMedia<'_>) -> QueryResult<Media> {
    diesel::insert_into(media::table)
        .values(new)
        .returning(media::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Media>> {
    media::table
        .find(id)
        .select(Media::as_select())
        .first(conn)
        .optional()
}

/// The items `ids` that exist, by id (one query, whatever the number).
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Media>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(media::table
        .filter(media::id.eq_any(ids))
        .select(Media::as_select())
        .load(conn)?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

/// One page of the library, newest first, and the number of matching items.
pub fn page(
    conn: &mut DbConn,
    filter: &MediaFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Media>, i64)> {
    let filtered = || {
        let mut query = media::table.into_boxed();
        if let Some(text) = &filter.text {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            query = query.filter(
                lower(media::alt)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(media::caption).like(pattern.clone()).escape('\\'))
                    .or(lower(media::credit).like(pattern).escape('\\')),
            );
        }
        if let Some(user) = filter.uploaded_by {
            query = query.filter(media::uploaded_by.eq(user));
        }
        if let Some(source) = filter.source_id {
            query = query.filter(media::source_id.eq(source));
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(media::kind.eq(kind.clone()));
        }
        query
    };
    let items = filtered()
        .order((media::created_at.desc(), media::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(Media::as_select())
        .load(conn)?;
    let total = filtered().count().get_result(conn)?;
    Ok((items, total))
}

/// `%`, `_` and `\` taken literally in a LIKE pattern escaped with `\`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Sets the editorial fields if the item is still at `expected_version`; the new row, or
/// `None` when another write came first.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    fields: &Editorial<'_>,
) -> QueryResult<Option<Media>> {
    diesel::update(
        media::table
            .filter(media::id.eq(id))
            .filter(media::version.eq(expected_version)),
    )
    .set((fields, media::version.eq(expected_version + 1)))
    .returning(media::all_columns)
    .get_result(conn)
    .optional()
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(media::table.find(id)).execute(conn)
}

/// The slugs of the articles (any status, the trash included) whose featured image is `id` or
/// whose body shows it.
pub fn used_by(conn: &mut DbConn, id: i64) -> QueryResult<Vec<String>> {
    let mut slugs: Vec<(i64, String)> = articles::table
        .filter(articles::featured_media_id.eq(id))
        .select((articles::id, articles::slug))
        .load(conn)?;
    slugs.extend(
        article_media::table
            .inner_join(articles::table)
            .filter(article_media::media_id.eq(id))
            .select((articles::id, articles::slug))
            .load::<(i64, String)>(conn)?,
    );
    slugs.sort_unstable();
    slugs.dedup();
    Ok(slugs.into_iter().map(|(_, slug)| slug).collect())
}

/// Records the library items the body of article `article_id` shows (replacing the old list).
pub fn set_body_images(conn: &mut DbConn, article_id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_media::table.filter(article_media::article_id.eq(article_id))).execute(conn)?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<_> = ids
        .iter()
        .map(|&id| {
            (
                article_media::article_id.eq(article_id),
                article_media::media_id.eq(id),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::db::on_backend!(conn, |c| diesel::insert_into(article_media::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Which of `folders` a row names.
pub fn existing_folders(conn: &mut DbConn, folders: &[String]) -> QueryResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in folders.chunks(500) {
        found.extend(
            media::table
                .filter(media::folder.eq_any(chunk))
                .select(media::folder)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// The slugs of the sources `ids`, by id.
pub fn source_slugs(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(sources::table
        .filter(sources::id.eq_any(ids))
        .select((sources::id, sources::slug))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}
