//! Public author profiles (what a byline links to) and the bylines of articles.
//!
//! A profile lives beside its account, never inside it: the queries here read `users` only for
//! the display name, so no public answer can carry an e-mail, role or login data.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{article_authors, author_profiles, users};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = author_profiles, treat_none_as_null = true)]
pub struct Profile {
    #[diesel(skip_update)]
    pub user_id: i64,
    pub slug: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub job_title: Option<String>,
    /// JSON list of social links, validated before storing.
    pub social_links: String,
    pub public: bool,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

/// A profile with its account's display name: everything a public answer may show.
#[derive(Debug, Clone, PartialEq)]
pub struct Byline {
    pub profile: Profile,
    pub display_name: String,
}

type BylineRow = (Profile, String);

fn byline((profile, display_name): BylineRow) -> Byline {
    Byline {
        profile,
        display_name,
    }
}

/// The profile of account `user_id`, public or not.
pub fn find_by_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<Byline>> {
    author_profiles::table
        .inner_join(users::table)
        .filter(author_profiles::user_id.eq(user_id))
        .select((Profile::as_select(), users::display_name))
        .first::<BylineRow>(conn)
        .optional()
        .map(|found| found.map(byline))
}

/// The public profile with `slug`, if there is one (a non-public profile is not found).
pub fn find_public_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Byline>> {
    author_profiles::table
        .inner_join(users::table)
        .filter(author_profiles::slug.eq(slug))
        .filter(author_profiles::public.eq(true))
        .select((Profile::as_select(), users::display_name))
        .first::<BylineRow>(conn)
        .optional()
        .map(|found| found.map(byline))
}

/// The account ids of the profiles (public or not) among `slugs`, by slug: one query.
pub fn ids_by_slugs(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<(String, i64)>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    author_profiles::table
        .filter(author_profiles::slug.eq_any(slugs))
        .select((author_profiles::slug, author_profiles::user_id))
        .load(conn)
}

/// The account ids of the public profiles among `slugs`, by slug: one query.
pub fn public_ids_by_slugs(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<(String, i64)>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    author_profiles::table
        .filter(author_profiles::slug.eq_any(slugs))
        .filter(author_profiles::public.eq(true))
        .select((author_profiles::slug, author_profiles::user_id))
        .load(conn)
}

/// Any profile with `slug`: who it belongs to, for the rules of a write.
pub fn user_with_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    author_profiles::table
        .filter(author_profiles::slug.eq(slug))
        .select(author_profiles::user_id)
        .first(conn)
        .optional()
}

/// A page of public profiles by display name, and how many there are.
pub fn public_page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Byline>, i64)> {
    let rows: Vec<BylineRow> = author_profiles::table
        .inner_join(users::table)
        .filter(author_profiles::public.eq(true))
        .order((users::display_name, author_profiles::user_id))
        .select((Profile::as_select(), users::display_name))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = author_profiles::table
        .filter(author_profiles::public.eq(true))
        .count()
        .get_result(conn)?;
    Ok((rows.into_iter().map(byline).collect(), total))
}

/// Creates the profile of `profile.user_id` (`replacing` is `None`), or replaces it if its
/// stored version is still `replacing`; `None` when another write moved it on first.
pub fn upsert(conn: &mut DbConn, profile: &Profile, replacing: Option<i32>) -> QueryResult<Option<Profile>> {
    match replacing {
        Some(expected) => diesel::update(
            author_profiles::table
                .find(profile.user_id)
                .filter(author_profiles::version.eq(expected)),
        )
        .set(profile)
        .returning(author_profiles::all_columns)
        .get_result(conn)
        .optional(),
        None => diesel::insert_into(author_profiles::table)
            .values(profile)
            .returning(author_profiles::all_columns)
            .get_result(conn)
            .map(Some),
    }
}

/// The byline authors of each of `article_ids`, in each article's order: one query.
pub fn for_articles(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<(i64, Byline)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Profile, String)> = article_authors::table
        .inner_join(author_profiles::table.inner_join(users::table))
        .filter(article_authors::article_id.eq_any(article_ids))
        .order((article_authors::article_id, article_authors::position))
        .select((
            article_authors::article_id,
            Profile::as_select(),
            users::display_name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(article_id, profile, display_name)| (article_id, byline((profile, display_name))))
        .collect())
}

/// The user ids of an article's byline authors, in order.
pub fn ids_for_article(conn: &mut DbConn, article_id: i64) -> QueryResult<Vec<i64>> {
    article_authors::table
        .filter(article_authors::article_id.eq(article_id))
        .order(article_authors::position)
        .select(article_authors::user_id)
        .load(conn)
}

/// Replaces the byline authors of `article_id` with `user_ids`, in that order.
pub fn attach(conn: &mut DbConn, article_id: i64, user_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article_id)))
        .execute(conn)?;
    let rows: Vec<_> = user_ids
        .iter()
        .enumerate()
        .map(|(position, &user_id)| {
            (
                article_authors::article_id.eq(article_id),
                article_authors::user_id.eq(user_id),
                article_authors::position.eq(position as i32),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::db::on_backend!(conn, |c| diesel::insert_into(article_authors::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// The profile slugs of the given user ids (for revisions, which store bylines by slug).
pub fn slugs_of(conn: &mut DbConn, user_ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    author_profiles::table
        .filter(author_profiles::user_id.eq_any(user_ids))
        .select((author_profiles::user_id, author_profiles::slug))
        .load(conn)
}
