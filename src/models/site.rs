//! The site settings row: one row (id 1), created by the migration with defaults.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::site_settings;

/// The stored settings. Social links and the navigation are JSON text, validated before storing.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = site_settings, treat_none_as_null = true)]
pub struct SiteRow {
    #[diesel(skip_update)]
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub base_url: String,
    pub language: String,
    pub time_zone: String,
    pub publisher_name: Option<String>,
    pub social_links: String,
    pub navigation: String,
    pub permalink: String,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub logo_url: Option<String>,
    pub social_image_url: Option<String>,
    /// The logo as a media library item (wins over `logo_url`).
    pub logo_media_id: Option<i64>,
    /// The default share image as a media library item (wins over `social_image_url`).
    pub social_image_media_id: Option<i64>,
}

/// The settings (the migration made the row).
pub fn load(conn: &mut DbConn) -> QueryResult<SiteRow> {
    site_settings::table
        .find(1_i64)
        .select(SiteRow::as_select())
        .first(conn)
}

/// Stores `row` if the stored version is still `expected`; returns whether it did.
pub fn save(conn: &mut DbConn, row: &SiteRow, expected: i32) -> QueryResult<bool> {
    let updated = diesel::update(
        site_settings::table
            .find(1_i64)
            .filter(site_settings::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(updated == 1)
}
