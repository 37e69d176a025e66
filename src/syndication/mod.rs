//! Syndication: what the site publishes for others to read without the API, namely feeds (RSS,
//! Atom, JSON Feed) for readers and aggregators and sitemaps for search engines.

pub mod feeds;
pub mod sitemaps;
