//! The command line: `serve` (the default), `migrate`, `import`, `seed`, `openapi`,
//! `query-plans`, `purge`, `media gc`, `documents rebuild` and `user create`: one small function per command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::NaiveDateTime;
use clap::{Parser, Subcommand};

use crate::api::AppState;
use crate::auth::password;
use crate::clock::{self, SystemClock};
use crate::config::Config;
use crate::content::import;
use crate::db::{self, DbConn, Pool};
use crate::domain::{Change, accounts, trash};
use crate::error::AppError;
use crate::tools::seed;
use crate::values::Role;
use crate::{observability, server};

#[derive(Debug, Parser)]
#[command(
    name = "dateline",
    version,
    about = "A headless CMS for newsrooms: a JSON REST API over SQLite or PostgreSQL."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Import articles (with their sections, tags and sources) from a JSON file; idempotent by slug.
    Import {
        /// The JSON file: one article, an array of them, or {"articles": [...]}.
        file: PathBuf,
    },
    /// Generate a realistic dataset for demos and benchmarks.
    Seed {
        /// How many articles to generate.
        #[arg(long, default_value_t = 1000)]
        articles: u64,
        /// The random seed; the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Articles written per transaction.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        batch_size: u64,
    },
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
    /// Print the database's plan for every query behind the public read routes; fails when one
    /// reads a large table whole.
    QueryPlans,
    /// Remove for good the articles in the trash longer than DATELINE_TRASH_RETENTION_DAYS.
    Purge {
        /// Empty the whole trash, whatever the age of its articles.
        #[arg(long)]
        all: bool,
    },
    /// Manage editorial accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Maintain the media library's files.
    Media {
        #[command(subcommand)]
        command: MediaCommand,
    },
    /// Maintain the stored public documents (see DATELINE_STORED_DOCUMENTS).
    Documents {
        #[command(subcommand)]
        command: DocumentsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum DocumentsCommand {
    /// Render now every published article without a fresh stored document (after an upgrade,
    /// an import or a change of the media URL), instead of leaving it to the running servers.
    Rebuild,
}

#[derive(Debug, Subcommand)]
enum MediaCommand {
    /// Remove stored files no library item names (failed or interrupted uploads) that are older
    /// than DATELINE_MEDIA_GC_GRACE_SECS (an hour by default).
    Gc,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account. The password comes from DATELINE_PASSWORD, or is asked for.
    Create {
        #[arg(long)]
        email: String,
        /// The display name (the byline).
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Role::ALL.iter().map(|r| r.as_str())))]
        role: String,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", crate::openapi::spec_json());
        return ExitCode::SUCCESS;
    }
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the context chain on one line: "what failed: why".
            eprintln!("dateline: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What every command starts from: the configuration and a migrated database.
struct Setup {
    config: Config,
    pool: Pool,
    conn: r2d2::PooledConnection<db::ConnectionManager>,
    applied: usize,
    now: NaiveDateTime,
}

fn setup() -> anyhow::Result<Setup> {
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        return Err(e).context("cannot read .env");
    }
    let config = Config::from_env()?;
    observability::init_logging(&config.log_filter, config.log_format);
    let pool = db::build_pool(&config.database_url, config.db_pool_size, config.db_pool_timeout)?;
    let backend = config.database_url.backend_name();
    let mut conn = pool
        .get()
        .with_context(|| format!("cannot connect to the {backend} database"))?;
    let applied = db::migrate(&mut conn)?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    let now = clock::now_micros(&SystemClock);
    Ok(Setup {
        config,
        pool,
        conn,
        applied,
        now,
    })
}

fn run(command: Command) -> anyhow::Result<()> {
    let setup = setup()?;
    match command {
        Command::Serve => serve(setup),
        Command::Migrate => {
            println!(
                "{} migration(s) applied; the schema is up to date.",
                setup.applied
            );
            Ok(())
        }
        Command::Import { file } => import_file(setup, &file),
        Command::Seed {
            articles,
            seed: random_seed,
            batch_size,
        } => seed_data(setup, articles, random_seed, batch_size),
        Command::User {
            command: UserCommand::Create { email, name, role },
        } => create_user_command(setup, &email, &name, &role),
        Command::Purge { all } => purge(setup, all),
        Command::Media {
            command: MediaCommand::Gc,
        } => media_gc(setup),
        Command::QueryPlans => query_plans(setup),
        Command::Documents {
            command: DocumentsCommand::Rebuild,
        } => rebuild_documents(setup),
        Command::Openapi => unreachable!("handled before configuration is read"),
    }
}

fn serve(mut setup: Setup) -> anyhow::Result<()> {
    if let Some(admin) = &setup.config.bootstrap_admin {
        bootstrap_admin(&mut setup.conn, &admin.email, &admin.password, setup.now)?;
    }
    if setup.config.jwt_secret.generated {
        tracing::warn!(
            "DATELINE_JWT_SECRET is not set: signing tokens with a random secret; tokens will not survive a restart"
        );
    }
    drop(setup.conn);
    let state = AppState::new(setup.pool, setup.config, Arc::new(SystemClock))?;
    // Kept for the life of the server: other instances' writes reach this one's cache at once.
    let _listener = crate::http_cache::listen::spawn(&state.config.database_url, Arc::clone(&state.cache));
    actix_web::rt::System::new()
        .block_on(server::serve(state))
        .context("server error")
}

fn import_file(mut setup: Setup, file: &Path) -> anyhow::Result<()> {
    let json = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let articles = import::parse(&json)?;
    let store = crate::media::storage::MediaStore::open(&setup.config.media)?;
    let base = file.parent().unwrap_or(Path::new("."));
    let images =
        actix_web::rt::System::new().block_on(store_images(&store, &setup.config, base, &articles))?;
    let body_images = crate::domain::articles::BodyImages::new(&setup.config.media);
    let imported = import::import_with_images(
        &mut setup.conn,
        &store,
        &articles,
        &images,
        &body_images,
        setup.now,
    );
    // Files the import does not use (it failed, or the library held the image) go now.
    let unused: Vec<String> = match &imported {
        Ok(report) => report.redundant_files.clone(),
        Err(_) => images
            .iter()
            .flatten()
            .flat_map(|i| i.ingested.files.keys())
            .collect(),
    };
    if !unused.is_empty() {
        let _ = actix_web::rt::System::new().block_on(store.delete(&unused));
    }
    let report = imported?;
    announce_write(&mut setup.conn);
    println!(
        "imported {} article(s) from {}: {} created, {} updated",
        articles.len(),
        file.display(),
        report.created,
        report.updated
    );
    Ok(())
}

/// Stores the featured images `articles` name (paths relative to `base`), in the media library's
/// store; their rows are written by the import itself.
async fn store_images(
    store: &crate::media::storage::MediaStore,
    config: &Config,
    base: &Path,
    articles: &[import::ImportArticle],
) -> anyhow::Result<Vec<Option<import::StoredImage>>> {
    let turns = tokio::sync::Semaphore::new(1);
    let mut stored = Vec::with_capacity(articles.len());
    for (i, article) in articles.iter().enumerate() {
        let Some(image) = &article.featured_image else {
            stored.push(None);
            continue;
        };
        let path = base.join(&image.file);
        let ingested = match std::fs::read(&path) {
            Ok(bytes) => crate::media::ingest::ingest(store, &turns, &config.media, bytes)
                .await
                .map_err(|e| e.problem().detail),
            Err(e) => Err(format!("cannot read it: {e}")),
        };
        let ingested = match ingested {
            Ok(ingested) => ingested,
            Err(why) => {
                let stored_keys: Vec<String> = stored
                    .iter()
                    .flatten()
                    .flat_map(|i: &import::StoredImage| i.ingested.files.keys())
                    .collect();
                let _ = store.delete(&stored_keys).await;
                bail!("articles[{i}].featured_image ({}): {why}", path.display());
            }
        };
        stored.push(Some(import::StoredImage {
            ingested,
            fields: image.fields(),
        }));
    }
    Ok(stored)
}

/// Stores the seed's photographs in the media library; their ids, to feature on the articles.
fn seed_images(setup: &mut Setup, random_seed: u64) -> anyhow::Result<seed::SeedImages> {
    let store = crate::media::storage::MediaStore::open(&setup.config.media)?;
    let turns = tokio::sync::Semaphore::new(setup.config.media.concurrency);
    let photographs = crate::tools::seed_images::photographs(random_seed);
    let ingested = actix_web::rt::System::new().block_on(async {
        let work = photographs
            .iter()
            .map(|(jpeg, _)| crate::media::ingest::ingest(&store, &turns, &setup.config.media, jpeg.clone()));
        futures_util::future::join_all(work).await
    });
    let now = setup.now;
    let mut ids = Vec::with_capacity(ingested.len());
    db::write(&mut setup.conn, |conn| {
        for (stored, (_, fields)) in ingested.iter().zip(&photographs) {
            let stored = stored
                .as_ref()
                .map_err(|e| anyhow::anyhow!("a seed photograph: {}", e.problem().detail))?;
            let item = crate::domain::media::create(conn, Change::by_operator(now), &stored.upload, fields)
                .map_err(|e| anyhow::anyhow!("a seed photograph: {e}"))?;
            ids.push(item.id);
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(seed::SeedImages(ids))
}

fn seed_data(mut setup: Setup, articles: u64, random_seed: u64, batch_size: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let options = seed::SeedOptions {
        articles,
        seed: random_seed,
        batch_size: batch_size as usize,
    };
    let images = seed_images(&mut setup, random_seed)?;
    let report = seed::seed(&mut setup.conn, options, &images, setup.now, |done| {
        if done % 10_000 == 0 || done == articles {
            eprintln!(
                "seed: {done}/{articles} articles ({:.1}s)",
                started.elapsed().as_secs_f64()
            );
        }
    })
    .context("seeding failed")?;
    announce_write(&mut setup.conn);
    println!(
        "seeded {} articles and {} comments in {:.1}s",
        report.articles,
        report.comments,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn create_user_command(mut setup: Setup, email: &str, name: &str, role: &str) -> anyhow::Result<()> {
    let password = match std::env::var("DATELINE_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => prompt_password()?,
    };
    let role: Role = role.parse()?;
    let created = create_user(&mut setup.conn, email, name, role, &password, setup.now)?;
    println!("created {role} user {} (id {})", created.email, created.id);
    Ok(())
}

fn purge(mut setup: Setup, all: bool) -> anyhow::Result<()> {
    let retention = if all { 0 } else { setup.config.trash_retention_days };
    // With --all, "older than zero days" must include what was trashed a moment ago.
    let now = if all {
        setup.now + chrono::Duration::seconds(1)
    } else {
        setup.now
    };
    let (purged, cutoff) = db::write(&mut setup.conn, |conn| {
        trash::purge(conn, Change::by_operator(now), retention)
    })
    .context("purge failed")?;
    announce_write(&mut setup.conn);
    println!(
        "purged {purged} article(s) trashed before {}",
        cutoff.and_utc().to_rfc3339()
    );
    Ok(())
}

fn media_gc(mut setup: Setup) -> anyhow::Result<()> {
    let store = crate::media::storage::MediaStore::open(&setup.config.media)?;
    let grace = setup.config.media.gc_grace;
    let pool = setup.pool.clone();
    let report = actix_web::rt::System::new()
        .block_on(crate::media::gc::collect(&store, &pool, grace))
        .map_err(|e| anyhow::anyhow!("media gc failed: {e}"))?;
    let details = format!("{} files, {} bytes", report.files_removed, report.bytes_removed);
    db::write(&mut setup.conn, |conn| {
        Change::by_operator(setup.now).audit(conn, crate::values::AuditAction::MediaGc, "gc", Some(details))
    })
    .context("cannot record the gc in the audit log")?;
    println!(
        "removed {} file(s), {} bytes; {} unnamed file(s) are younger than the grace period and stay",
        report.files_removed, report.bytes_removed, report.files_too_recent
    );
    Ok(())
}

fn rebuild_documents(mut setup: Setup) -> anyhow::Result<()> {
    let store = crate::media::storage::MediaStore::open(&setup.config.media)?;
    let documents = crate::documents::Documents::new(true, &store.url(""));
    let started = std::time::Instant::now();
    let stored = crate::documents::rebuild::all(&mut setup.conn, &store, documents.fingerprint(), setup.now)
        .map_err(|e| anyhow::anyhow!("rebuilding the stored documents failed: {e}"))?;
    println!(
        "rendered {stored} article(s) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn query_plans(setup: Setup) -> anyhow::Result<()> {
    drop(setup.conn);
    let scans = actix_web::rt::System::new().block_on(crate::tools::plans::check(&setup.config))?;
    if scans > 0 {
        bail!("{scans} plan step(s) read a large table whole");
    }
    println!("\nno public read scans a large table whole");
    Ok(())
}

fn prompt_password() -> anyhow::Result<String> {
    let first = rpassword::prompt_password("Password: ")
        .context("cannot read a password (set DATELINE_PASSWORD for scripts)")?;
    let second = rpassword::prompt_password("Repeat it: ").context("cannot read the password")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

/// Checks and creates an account, by the domain's rules (those the admin API follows).
fn create_user(
    conn: &mut DbConn,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
    now: NaiveDateTime,
) -> anyhow::Result<crate::models::user::User> {
    accounts::check_new(email, name, password).map_err(|e| anyhow::anyhow!(field_messages(&e)))?;
    let hash = password::hash(password)?;
    let account = accounts::NewAccount {
        email,
        display_name: name,
        role,
        password_hash: &hash,
        active: true,
    };
    db::write(conn, |conn| {
        accounts::create(conn, Change::by_operator(now), &account)
    })
    .map_err(|e| match e {
        AppError::Conflict { .. } => anyhow::anyhow!("an account with the e-mail {email} exists already"),
        other => anyhow::Error::new(other).context("cannot create the account"),
    })
}

/// The messages of a 422's fields, one after the other ("`x` is not an e-mail address").
fn field_messages(err: &AppError) -> String {
    match err {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| match f.field.as_str() {
                "password" => format!("the password {}", f.message),
                "display_name" => format!("the name {}", f.message),
                _ => f.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Creates the first admin from DATELINE_ADMIN_EMAIL / DATELINE_ADMIN_PASSWORD when there is no
/// account yet (container deployments); does nothing once any account exists.
fn bootstrap_admin(conn: &mut DbConn, email: &str, password: &str, now: NaiveDateTime) -> anyhow::Result<()> {
    let existing = crate::models::user::count(conn).context("cannot count users")?;
    if existing > 0 {
        return Ok(());
    }
    let created = create_user(conn, email, "Administrator", Role::Admin, password, now)
        .context("DATELINE_ADMIN_EMAIL/DATELINE_ADMIN_PASSWORD")?;
    tracing::info!(email = %created.email, "created the first admin account");
    Ok(())
}

/// Tells running servers that the content changed, so they empty their response caches (within
/// about a second) instead of serving what was there before.
fn announce_write(conn: &mut DbConn) {
    if let Err(e) = crate::http_cache::store::record(conn, None) {
        eprintln!("dateline: warning: running servers may serve cached answers for a while: {e}");
    }
}
