//! Editorial accounts. Only a display name ever leaves the service publicly.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::users;
use crate::values::Role;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub token_version: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Changes to a user; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub token_version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Active admins other than `except`.
pub fn other_active_admins(conn: &mut DbConn, except: i64) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
}

/// Locks the active admins' rows until the transaction ends, so that writers that check "another
/// active admin remains" take turns, each reading what the one before it wrote (under
/// PostgreSQL's READ COMMITTED, two plain reads would both count the other and both pass). On
/// SQLite this is already so: `db::write` begins with `BEGIN IMMEDIATE`, one writer at a time.
pub fn lock_active_admins(conn: &mut DbConn) -> QueryResult<()> {
    let DbConn::Postgresql(pg) = conn else {
        return Ok(());
    };
    // In id order, so that two lockers never hold one row each while waiting for the other's.
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .order(users::id)
        .select(users::id)
        .for_update()
        .load::<i64>(pg)
        .map(drop)
}

/// One page of users, by id, and the total.
pub fn page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<User>, i64)> {
    let items = users::table
        .select(User::as_select())
        .order(users::id)
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((items, count(conn)?))
}

pub fn update(conn: &mut DbConn, id: i64, changes: &UserChanges) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(users::all_columns)
        .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}
