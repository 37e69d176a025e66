//! The ceiling: a minimal actix-web server on this machine, for the benchmark suite to report
//! Dateline's figures against. `/static` answers a fixed 4 KB JSON body from memory;
//! `/row/{id}` reads one 4 KB row by primary key from SQLite through r2d2, as Dateline does;
//! `/pgrow/{id}` the same from PostgreSQL when `CEILING_PG_URL` names a database (one indexed
//! read there is a round trip to another process, which SQLite's in-process read never pays);
//! `/blob` answers 100 KB of bytes from memory (the ceiling of serving an image variant).
//!
//!     dateline-ceiling 127.0.0.1:8090 /tmp/ceiling.db
//!     CEILING_STATIC_BYTES=10900 dateline-ceiling ...   # /static with an answer of another size
//!     CEILING_PG_URL=postgres://postgres@127.0.0.1/dateline_ceiling dateline-ceiling ...

use actix_web::{App, HttpResponse, HttpServer, get, web};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sql_types::{BigInt, Text};

const ROWS: i64 = 1000;

#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    body: String,
}

/// A 4 KB JSON document (rows always; `/static` too unless `CEILING_STATIC_BYTES` asks for
/// another size, to tell how much of a gap is the size of an answer).
fn document() -> String {
    sized_document(4096)
}

fn sized_document(bytes: usize) -> String {
    let filler = "x".repeat(bytes.max(64) - 40);
    format!("{{\"id\":1,\"title\":\"ceiling\",\"body\":\"{filler}\"}}")
}

#[get("/static")]
async fn static_body(body: web::Data<String>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.get_ref().clone())
}

/// 100 KB of image-like bytes.
struct Blob(Vec<u8>);

#[get("/blob")]
async fn blob(bytes: web::Data<Blob>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/webp")
        .body(bytes.0.clone())
}

type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;
type PgPool = Pool<ConnectionManager<PgConnection>>;

#[get("/row/{id}")]
async fn row_by_id(pool: web::Data<SqlitePool>, id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    read_row(pool, move |conn| {
        diesel::sql_query("SELECT body FROM rows WHERE id = ?")
            .bind::<BigInt, _>(id)
            .get_result::<Row>(conn)
    })
    .await
}

#[get("/pgrow/{id}")]
async fn pg_row_by_id(pool: web::Data<PgPool>, id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    read_row(pool, move |conn| {
        diesel::sql_query("SELECT body FROM rows WHERE id = $1")
            .bind::<BigInt, _>(id)
            .get_result::<Row>(conn)
    })
    .await
}

/// Runs `read` on a pooled connection on the blocking pool, as Dateline runs its reads.
async fn read_row<C>(
    pool: web::Data<Pool<ConnectionManager<C>>>,
    read: impl FnOnce(&mut C) -> QueryResult<Row> + Send + 'static,
) -> HttpResponse
where
    C: diesel::r2d2::R2D2Connection + 'static,
{
    let pool = pool.clone();
    let found = web::block(move || read(&mut *pool.get().ok()?).ok())
        .await
        .ok()
        .flatten();
    answer(found)
}

fn answer(found: Option<Row>) -> HttpResponse {
    match found {
        Some(row) => HttpResponse::Ok().content_type("application/json").body(row.body),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Creates the table `rows` (`create`) and fills it with `ROWS` copies of the 4 KB document, a
/// row at a time through `insert`.
fn fill<C: Connection>(
    conn: &mut C,
    create: &str,
    insert: impl Fn(&mut C, i64, &str) -> QueryResult<usize>,
) -> QueryResult<()> {
    conn.batch_execute(create)?;
    let body = document();
    conn.transaction(|conn| {
        for id in 1..=ROWS {
            insert(conn, id, &body)?;
        }
        Ok(())
    })
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let path = args
        .next()
        .unwrap_or_else(|| "/tmp/dateline-ceiling.db".to_owned());
    let pool = Pool::builder()
        .max_size(10)
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::<SqliteConnection>::new(&path))
        .expect("open the SQLite file");
    fill(
        &mut *pool.get().expect("a connection"),
        "DROP TABLE IF EXISTS rows; CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
        |conn, id, body| {
            diesel::sql_query("INSERT INTO rows (id, body) VALUES (?, ?)")
                .bind::<BigInt, _>(id)
                .bind::<Text, _>(body)
                .execute(conn)
        },
    )
    .expect("fill the SQLite table");
    // r2d2's defaults: each checkout is tested with `SELECT 1`, as Dateline's PostgreSQL pool does.
    let pg_pool = std::env::var("CEILING_PG_URL").ok().map(|url| {
        let pool: PgPool = Pool::builder()
            .max_size(10)
            .build(ConnectionManager::<PgConnection>::new(url))
            .expect("connect to CEILING_PG_URL");
        fill(
            &mut *pool.get().expect("a connection"),
            "DROP TABLE IF EXISTS rows; CREATE TABLE rows (id BIGINT PRIMARY KEY, body TEXT NOT NULL);",
            |conn, id, body| {
                diesel::sql_query("INSERT INTO rows (id, body) VALUES ($1, $2)")
                    .bind::<BigInt, _>(id)
                    .bind::<Text, _>(body)
                    .execute(conn)
            },
        )
        .expect("fill the PostgreSQL table");
        web::Data::new(pool)
    });
    let static_bytes = std::env::var("CEILING_STATIC_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4096);
    let body = web::Data::new(sized_document(static_bytes));
    let pool = web::Data::new(pool);
    let bytes = web::Data::new(Blob(
        (0..100 * 1024)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect(),
    ));
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            let app = App::new()
                .app_data(body.clone())
                .app_data(pool.clone())
                .app_data(bytes.clone())
                .service(static_body)
                .service(row_by_id)
                .service(pg_row_by_id)
                .service(blob);
            match &pg_pool {
                Some(pg_pool) => app.app_data(pg_pool.clone()),
                None => app,
            }
        })
        .bind(bind)?
        .run(),
    )
}
