//! Schema drift: `src/db/schema.rs` is written by hand for both backends, so this test migrates a
//! fresh database and compares what the database itself reports (tables, columns, types,
//! nullability, primary keys) with what `schema.rs` declares. A migration that adds, drops or
//! retypes a column without the matching `schema.rs` change fails here, on either backend.

use std::collections::BTreeMap;

use dateline::db::DbConn;
use diesel::RunQueryDsl;
use diesel::sql_types::{Integer, Text};

use crate::support::TestApp;

const SCHEMA_RS: &str = include_str!("../../src/db/schema.rs");

/// Tables the migrations create that diesel never names: the full-text indexes, queried with
/// raw SQL (SQLite's FTS5 table and its shadow tables; PostgreSQL's `tsvector` table, a type
/// the two backends do not share), and diesel's own bookkeeping.
fn ignored(table: &str) -> bool {
    table.starts_with("article_search_fts")
        || table == "article_search_vectors"
        || table == "__diesel_schema_migrations"
}

/// One column as the comparison sees it: a diesel SQL type name and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    sql_type: String,
    nullable: bool,
}

/// A table: its columns by name and its primary key, in declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
}

type Schema = BTreeMap<String, Table>;

/// Reads the `diesel::table!` blocks of `schema.rs`.
fn declared() -> Schema {
    let mut schema = Schema::new();
    let mut current: Option<String> = None;
    for line in SCHEMA_RS.lines().map(str::trim) {
        if let Some(name) = current.clone() {
            if line == "}" {
                current = None;
            } else if let Some((column, sql_type)) = line.trim_end_matches(',').split_once(" -> ") {
                let table = schema.get_mut(&name).expect("table opened");
                table
                    .columns
                    .insert(column.trim().to_owned(), declared_type(sql_type.trim()));
            }
        } else if let Some((name, key)) = line.strip_suffix(") {").and_then(|l| l.split_once(" (")) {
            let table = Table {
                primary_key: key.split(',').map(|k| k.trim().to_owned()).collect(),
                ..Table::default()
            };
            schema.insert(name.trim().to_owned(), table);
            current = Some(name.trim().to_owned());
        }
    }
    assert!(
        schema.len() >= 10,
        "schema.rs parsed to too few tables: {schema:?}"
    );
    schema
}

fn declared_type(sql_type: &str) -> Column {
    match sql_type
        .strip_prefix("Nullable<")
        .and_then(|t| t.strip_suffix('>'))
    {
        Some(inner) => Column {
            sql_type: inner.to_owned(),
            nullable: true,
        },
        None => Column {
            sql_type: sql_type.to_owned(),
            nullable: false,
        },
    }
}

/// The diesel types a SQLite declared type may stand for. Every SQLite `INTEGER` column holds
/// 64 bits, and ids must be `INTEGER PRIMARY KEY` to be the rowid, so an `INTEGER` column may be
/// declared `Integer` or `BigInt`.
fn sqlite_type(declared: &str) -> &'static str {
    match declared.to_ascii_uppercase().as_str() {
        "BIGINT" => "BigInt",
        "INTEGER" | "INT" => "Integer|BigInt",
        "TEXT" => "Text",
        "BOOLEAN" | "BOOL" => "Bool",
        "TIMESTAMP" | "DATETIME" => "Timestamp",
        "BLOB" => "Binary",
        "REAL" | "DOUBLE" => "Double",
        _ => "unknown",
    }
}

fn postgres_type(data_type: &str) -> &'static str {
    match data_type {
        "bigint" => "BigInt",
        "integer" => "Integer",
        "smallint" => "SmallInt",
        "text" | "character varying" => "Text",
        "boolean" => "Bool",
        "timestamp without time zone" => "Timestamp",
        "bytea" => "Binary",
        "double precision" => "Double",
        _ => "unknown",
    }
}

#[derive(diesel::QueryableByName)]
struct IntrospectedColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    /// Position in the primary key (1-based), 0 when not part of it.
    #[diesel(sql_type = Integer)]
    key_position: i32,
}

const SQLITE_COLUMNS: &str = "
    SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type,
           p.\"notnull\" AS not_null, p.pk AS key_position
    FROM sqlite_master m, pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
    ORDER BY m.name, p.cid";

const POSTGRES_COLUMNS: &str = "
    SELECT c.table_name::text AS table_name, c.column_name::text AS column_name,
           c.data_type::text AS data_type,
           CASE c.is_nullable WHEN 'NO' THEN 1 ELSE 0 END AS not_null,
           COALESCE((SELECT k.ordinal_position::int
                     FROM information_schema.table_constraints t
                     JOIN information_schema.key_column_usage k
                       ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema
                     WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema
                       AND t.table_name = c.table_name AND k.column_name = c.column_name), 0)
             AS key_position
    FROM information_schema.columns c
    WHERE c.table_schema = 'public'
    ORDER BY c.table_name, c.ordinal_position";

/// What the migrated database reports, with types as diesel names them.
fn introspected(conn: &mut DbConn) -> Schema {
    let (rows, map_type): (Vec<IntrospectedColumn>, fn(&str) -> &'static str) = match conn {
        DbConn::Sqlite(c) => (
            diesel::sql_query(SQLITE_COLUMNS).load(c).expect("introspect"),
            sqlite_type,
        ),
        DbConn::Postgresql(c) => (
            diesel::sql_query(POSTGRES_COLUMNS).load(c).expect("introspect"),
            postgres_type,
        ),
    };
    let mut schema = Schema::new();
    let mut keys: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
    let kept = rows.into_iter().filter(|r| !ignored(&r.table_name));
    for row in kept {
        let table = schema.entry(row.table_name.clone()).or_default();
        // SQLite reports an `INTEGER PRIMARY KEY` (the rowid) as nullable; it never is.
        let nullable = row.not_null == 0 && row.key_position == 0;
        let column = Column {
            sql_type: map_type(&row.data_type).to_owned(),
            nullable,
        };
        table.columns.insert(row.column_name.clone(), column);
        if row.key_position > 0 {
            keys.entry(row.table_name)
                .or_default()
                .push((row.key_position, row.column_name));
        }
    }
    for (table, mut key) in keys {
        key.sort();
        schema.get_mut(&table).expect("table").primary_key = key.into_iter().map(|(_, c)| c).collect();
    }
    schema
}

/// Every difference between the two, one line each.
fn differences(declared: &Schema, actual: &Schema) -> Vec<String> {
    let mut found = Vec::new();
    for name in declared.keys().filter(|n| !actual.contains_key(*n)) {
        found.push(format!("table `{name}` is in schema.rs but not in the database"));
    }
    for (name, table) in actual {
        let Some(expected) = declared.get(name) else {
            found.push(format!("table `{name}` is in the database but not in schema.rs"));
            continue;
        };
        if expected.primary_key != table.primary_key {
            found.push(format!(
                "`{name}` primary key: schema.rs {:?}, database {:?}",
                expected.primary_key, table.primary_key
            ));
        }
        found.extend(column_differences(name, expected, table));
    }
    found
}

fn column_differences(name: &str, expected: &Table, actual: &Table) -> Vec<String> {
    let mut found = Vec::new();
    for column in expected
        .columns
        .keys()
        .filter(|c| !actual.columns.contains_key(*c))
    {
        found.push(format!(
            "`{name}.{column}` is in schema.rs but not in the database"
        ));
    }
    for (column, real) in &actual.columns {
        let Some(declared) = expected.columns.get(column) else {
            found.push(format!(
                "`{name}.{column}` is in the database but not in schema.rs"
            ));
            continue;
        };
        let type_matches = real.sql_type.split('|').any(|t| t == declared.sql_type);
        if !type_matches || real.nullable != declared.nullable {
            found.push(format!(
                "`{name}.{column}`: schema.rs says {declared:?}, the database {real:?}"
            ));
        }
    }
    found
}

#[actix_web::test]
async fn schema_rs_matches_the_migrated_database() {
    let app = TestApp::new();
    let actual = app.with_conn(introspected);
    let declared = declared();
    let found = differences(&declared, &actual);
    assert!(
        found.is_empty(),
        "src/db/schema.rs has drifted from the {} migrations:\n{}",
        app.db.backend(),
        found.join("\n")
    );
    // The check itself sees what it compares: every declared table was found with its columns.
    assert_eq!(declared.len(), actual.len());
    assert!(actual["articles"].columns.contains_key("status"));
}

#[test]
fn the_drift_check_reports_a_missing_column_and_a_wrong_type() {
    let mut declared = declared();
    let mut actual = declared.clone();
    actual.get_mut("tags").unwrap().columns.remove("description");
    actual
        .get_mut("users")
        .unwrap()
        .columns
        .get_mut("role")
        .unwrap()
        .sql_type = "Integer".to_owned();
    declared
        .get_mut("sections")
        .unwrap()
        .columns
        .get_mut("position")
        .unwrap()
        .nullable = true;
    let found = differences(&declared, &actual);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found.iter().any(|f| f.contains("tags.description")));
    assert!(found.iter().any(|f| f.contains("users.role")));
    assert!(found.iter().any(|f| f.contains("sections.position")));
}
