//! The HTTP API: handlers, a file per resource, mounted under `/api/v1`.

pub mod articles;
pub mod params;
pub mod sections;
pub mod sources;
pub mod system;
pub mod tags;
pub mod views;

use std::sync::Arc;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Pool;

/// What every handler can reach: the pool, the configuration and the clock.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    /// Now, at the precision the database stores.
    pub fn now(&self) -> chrono::NaiveDateTime {
        crate::clock::now_micros(self.clock.as_ref())
    }
}

/// The versioned API and the unversioned operational routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            .service(articles::list_articles)
            .service(articles::get_article)
            .service(articles::related_articles)
            .service(sections::list_sections)
            .service(sections::get_section)
            .service(tags::list_tags)
            .service(tags::get_tag)
            .service(sources::list_sources)
            .service(sources::get_source),
    )
    .service(system::healthz)
    .service(system::readyz);
}
