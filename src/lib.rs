//! Dateline: a headless CMS for newsrooms. A JSON REST API over SQLite or PostgreSQL.
//!
//! The binary (`src/main.rs`) only calls [`cli::main`]; everything else lives here so that the
//! integration tests drive the same application in-process.

pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod db;
pub mod documents;
pub mod domain;
pub mod error;
pub mod field_code;
pub mod http_cache;
pub mod media;
pub mod models;
pub mod observability;
pub mod openapi;
pub mod outbound;
pub mod server;
pub mod state;
pub mod syndication;
pub mod tools;
pub mod values;
pub mod webhooks;
