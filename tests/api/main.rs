//! Integration tests: the real application driven through HTTP requests, in-process, against a
//! fresh database per test. SQLite by default; PostgreSQL when `DATELINE_TEST_DATABASE_URL`
//! names a server (each test then gets a database of its own, dropped afterwards).

mod support;

mod access_matrix;
mod articles;
mod auth;
mod authors;
mod caching;
mod cli;
mod comments;
mod documents;
mod edges;
mod editorial;
mod errors;
mod filters;
mod import;
mod include;
mod invalidation;
mod leaks;
mod links;
mod listings;
mod lookalikes;
mod media;
mod members;
mod openapi;
mod previews;
mod related;
mod reliability;
mod replicas;
mod roles;
mod schema_drift;
mod search;
mod sections;
mod security;
mod seo;
mod site;
mod sources;
mod syndication;
mod system;
mod tags;
mod webhooks;
mod writes;
