//! The command line: `serve` (the default), `migrate`, `import`, `seed`, `openapi`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand};

use validator::ValidateEmail;

use crate::api::AppState;
use crate::api::articles::trash::purge_expired;
use crate::api::users::create_account;
use crate::auth::{Role, password};
use crate::clock::{self, SystemClock};
use crate::config::Config;
use crate::content::{import, seed};
use crate::error::AppError;
use crate::models::audit::Event;
use crate::{db, observability, server};

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
        #[arg(long, value_parser = ["admin", "editor", "author"])]
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
        Err(message) => {
            eprintln!("dateline: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        return Err(format!("cannot read .env: {e}"));
    }
    let config = Config::from_env().map_err(|e| e.to_string())?;
    observability::init_logging(&config.log_filter, config.log_format);
    let pool = db::build_pool(&config.database_url, config.db_pool_size, config.db_pool_timeout)?;
    let mut conn = pool.get().map_err(|e| {
        format!(
            "cannot connect to the {} database: {e}",
            config.database_url.backend_name()
        )
    })?;
    let applied = db::migrate(&mut conn)?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    let now = clock::now_micros(&SystemClock);
    match command {
        Command::Serve => {
            if let Some(admin) = &config.bootstrap_admin {
                bootstrap_admin(&mut conn, &admin.email, &admin.password, now)?;
            }
            if config.jwt_secret.generated {
                tracing::warn!(
                    "DATELINE_JWT_SECRET is not set: signing tokens with a random secret; tokens will not survive a restart"
                );
            }
            drop(conn);
            let state = AppState::new(pool, config, Arc::new(SystemClock));
            actix_web::rt::System::new()
                .block_on(server::serve(state))
                .map_err(|e| format!("server error: {e}"))
        }
        Command::Migrate => {
            println!("{applied} migration(s) applied; the schema is up to date.");
            Ok(())
        }
        Command::Import { file } => {
            let json =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let articles = import::parse(&json)?;
            let report = import::import(&mut conn, &articles, now)?;
            announce_write(&mut conn);
            println!(
                "imported {} article(s) from {}: {} created, {} updated",
                articles.len(),
                file.display(),
                report.created,
                report.updated
            );
            Ok(())
        }
        Command::Seed {
            articles,
            seed: random_seed,
            batch_size,
        } => {
            let started = Instant::now();
            let options = seed::SeedOptions {
                articles,
                seed: random_seed,
                batch_size: batch_size as usize,
            };
            let report = seed::seed(&mut conn, options, now, |done| {
                if done % 10_000 == 0 || done == articles {
                    eprintln!(
                        "seed: {done}/{articles} articles ({:.1}s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            })
            .map_err(|e| format!("seeding failed: {e}"))?;
            announce_write(&mut conn);
            println!(
                "seeded {} articles and {} comments in {:.1}s",
                report.articles,
                report.comments,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::User {
            command: UserCommand::Create { email, name, role },
        } => {
            let password = match std::env::var("DATELINE_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => prompt_password()?,
            };
            let role = Role::parse(&role).ok_or("role must be admin, editor or author")?;
            let created = create_user(&mut conn, &email, &name, role, &password, now)?;
            println!(
                "created {} user {} (id {})",
                role.as_str(),
                created.email,
                created.id
            );
            Ok(())
        }
        Command::Purge { all } => {
            let retention = if all { 0 } else { config.trash_retention_days };
            // With --all, "older than zero days" must include what was trashed a moment ago.
            let now = if all {
                now + chrono::Duration::seconds(1)
            } else {
                now
            };
            let (purged, cutoff) = db::write(&mut conn, |conn| {
                let done = purge_expired(conn, now, retention)?;
                let event = Event {
                    action: "trash.purge",
                    resource_type: "article",
                    resource_id: Some("trash".to_owned()),
                    details: Some(format!("{} purged from the command line", done.0)),
                };
                crate::models::audit::record(conn, None, None, &event, now)?;
                Ok::<_, AppError>(done)
            })
            .map_err(|e| format!("purge failed: {e}"))?;
            announce_write(&mut conn);
            println!(
                "purged {purged} article(s) trashed before {}",
                cutoff.and_utc().to_rfc3339()
            );
            Ok(())
        }
        Command::QueryPlans => {
            drop(conn);
            let scans = actix_web::rt::System::new().block_on(crate::content::plans::check(&config))?;
            if scans > 0 {
                return Err(format!("{scans} plan step(s) read a large table whole"));
            }
            println!("\nno public read scans a large table whole");
            Ok(())
        }
        Command::Openapi => unreachable!("handled before configuration is read"),
    }
}

fn prompt_password() -> Result<String, String> {
    let first = rpassword::prompt_password("Password: ")
        .map_err(|e| format!("cannot read a password (set DATELINE_PASSWORD for scripts): {e}"))?;
    let second =
        rpassword::prompt_password("Repeat it: ").map_err(|e| format!("cannot read the password: {e}"))?;
    if first != second {
        return Err("the two passwords differ".to_owned());
    }
    Ok(first)
}

/// Checks and creates an account, with the same rules as the admin API.
fn create_user(
    conn: &mut db::DbConn,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
    now: chrono::NaiveDateTime,
) -> Result<crate::models::user::User, String> {
    if !email.validate_email() {
        return Err(format!("`{email}` is not an e-mail address"));
    }
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err("the name must not be empty".to_owned());
    }
    if let Some(problem) = password::problem(password) {
        return Err(format!("the password {problem}"));
    }
    let hash = password::hash(password)?;
    db::write(conn, |conn| {
        create_account(conn, email, name, role, &hash, true, now)
    })
    .map_err(|e| match e {
        AppError::Conflict { .. } => format!("an account with the e-mail {email} exists already"),
        other => format!("cannot create the account: {other}"),
    })
}

/// Creates the first admin from DATELINE_ADMIN_EMAIL / DATELINE_ADMIN_PASSWORD when there is no
/// account yet (container deployments); does nothing once any account exists.
fn bootstrap_admin(
    conn: &mut db::DbConn,
    email: &str,
    password: &str,
    now: chrono::NaiveDateTime,
) -> Result<(), String> {
    let existing = crate::models::user::count(conn).map_err(|e| format!("cannot count users: {e}"))?;
    if existing > 0 {
        return Ok(());
    }
    let created = create_user(conn, email, "Administrator", Role::Admin, password, now)
        .map_err(|e| format!("DATELINE_ADMIN_EMAIL/DATELINE_ADMIN_PASSWORD: {e}"))?;
    tracing::info!(email = %created.email, "created the first admin account");
    Ok(())
}

/// Tells running servers that the content changed, so they empty their response caches (within
/// about a second) instead of serving what was there before.
fn announce_write(conn: &mut db::DbConn) {
    if let Err(e) = crate::http_cache::store::bump_generation(conn) {
        eprintln!("dateline: warning: running servers may serve cached answers for a while: {e}");
    }
}
