//! Response shapes shared by several resources.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::models::section::Section;
use crate::models::taxonomy::Term;

/// A UTC timestamp as sent on the wire (RFC 3339, `Z`).
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// A reference to a section, tag or other named resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SectionRef {
    #[schema(example = "world-news")]
    pub slug: String,
    #[schema(example = "World News")]
    pub name: String,
}

impl From<&Section> for SectionRef {
    fn from(s: &Section) -> Self {
        Self {
            slug: s.slug.clone(),
            name: s.name.clone(),
        }
    }
}

/// A tag as attached to an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TagRef {
    #[schema(example = "pakistan")]
    pub slug: String,
    #[schema(example = "Pakistan")]
    pub name: String,
}

impl From<&Term> for TagRef {
    fn from(t: &Term) -> Self {
        Self {
            slug: t.slug.clone(),
            name: t.name.clone(),
        }
    }
}

/// A source as credited by an article ("By Agencies").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SourceRef {
    #[schema(example = "agencies")]
    pub slug: String,
    #[schema(example = "Agencies")]
    pub name: String,
    /// The source's home page, if known.
    #[schema(example = "https://www.reuters.com")]
    pub url: Option<String>,
}

impl From<&Term> for SourceRef {
    fn from(s: &Term) -> Self {
        Self {
            slug: s.slug.clone(),
            name: s.name.clone(),
            url: s.extra.clone(),
        }
    }
}
