//! The HTTP API: handlers, a file per resource, mounted under `/api/v1`.

pub mod articles;
pub mod audit;
pub mod auth;
pub mod authors;
pub mod comments;
pub mod feeds;
pub mod json;
pub mod links;
pub mod media;
pub mod media_files;
pub mod metrics;
pub mod moderation;
pub mod params;
pub mod preconditions;
pub mod reads;
pub mod search;
pub mod sections;
pub mod site;
pub mod sitemaps;
pub mod sources;
pub mod system;
pub mod tags;
pub mod taxonomy;
pub mod transact;
pub mod users;
pub mod views;
pub mod webhooks;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub use crate::state::AppState;

/// The versioned API and the unversioned operational routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            .service(articles::read::list_articles)
            .service(articles::read::get_article)
            .service(articles::related::related_articles)
            .service(search::search_articles)
            .service(articles::write::create_article)
            .service(articles::write::replace_article)
            .service(articles::write::update_article)
            .service(articles::write::delete_article)
            .service(articles::history::list_revisions)
            .service(articles::history::get_revision)
            .service(articles::history::diff_revisions)
            .service(articles::history::restore_revision)
            .service(articles::corrections::add_correction)
            .service(articles::previews::create_preview)
            .service(articles::previews::list_previews)
            .service(articles::previews::revoke_preview)
            // Before `/trash/{slug}/restore`: the literal path must win.
            .service(articles::trash::purge_trash)
            .service(articles::trash::list_trash)
            .service(articles::trash::restore_from_trash)
            .service(audit::list_audit)
            .service(moderation::moderate_many)
            .service(comments::submit_comment)
            .service(comments::list_comments)
            .service(moderation::moderation_queue)
            .service(moderation::moderate_comment)
            .service(moderation::delete_comment)
            .service(sections::list_sections)
            .service(sections::get_section)
            .service(sections::create_section)
            .service(sections::update_section)
            .service(sections::delete_section)
            .service(tags::list_tags)
            .service(tags::get_tag)
            .service(tags::create_tag)
            .service(tags::update_tag)
            .service(tags::delete_tag)
            .service(sources::list_sources)
            .service(sources::get_source)
            .service(sources::create_source)
            .service(sources::update_source)
            .service(sources::delete_source)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::me)
            .service(feeds::site_feed)
            .service(feeds::scoped_feed)
            .service(sitemaps::sitemap_index)
            // Before `/sitemaps/articles/{file}`'s siblings could be taken for it: literal paths.
            .service(sitemaps::pages_sitemap)
            .service(sitemaps::news_sitemap)
            .service(sitemaps::month_sitemap)
            .service(webhooks::list_webhooks)
            .service(webhooks::create_webhook)
            .service(webhooks::get_webhook)
            .service(webhooks::update_webhook)
            .service(webhooks::delete_webhook)
            .service(webhooks::rotate_webhook_secret)
            .service(webhooks::list_deliveries)
            .service(webhooks::redeliver)
            .service(webhooks::ping_webhook)
            .service(users::list_users)
            .service(users::get_user)
            .service(users::create_user)
            .service(users::update_user)
            .service(users::delete_user)
            .service(authors::list_authors)
            .service(authors::get_author)
            .service(authors::get_profile)
            .service(authors::replace_profile)
            .service(site::get_site)
            .service(site::replace_site)
            .service(site::update_site)
            // Before `/media/{id}`: the literal path must win.
            .service(media::collect_garbage)
            .service(media::upload_media)
            .service(media::list_media)
            .service(media::get_media)
            .service(media::update_media)
            .service(media::delete_media),
    )
    .service(media_files::serve_media_file)
    .service(system::healthz)
    .service(metrics::metrics)
    .service(system::readyz);
}
