//! Optimistic concurrency: editorial reads carry `ETag: "v<version>"`, and writes name the
//! version they are based on in `If-Match`. A stale version is 412 (with the current version in
//! the body) and nothing is written; for articles a write without `If-Match` is 428.

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::error::AppError;

/// The strong ETag of a resource version.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// The parsed `If-Match` header, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IfMatch {
    /// No header.
    #[default]
    Absent,
    /// `*`: any current version.
    Any,
    /// One or more entity tags (weak ones never match: If-Match compares strongly).
    Tags(Vec<String>),
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req))
    }
}

fn parse(req: &HttpRequest) -> Result<IfMatch, AppError> {
    let values: Vec<&header::HeaderValue> = req.headers().get_all(header::IF_MATCH).collect();
    if values.is_empty() {
        return Ok(IfMatch::Absent);
    }
    let mut tags = Vec::new();
    for value in values {
        let text = value.to_str().map_err(|_| {
            AppError::bad_param("If-Match", "invalid", "must be `*` or entity tags such as \"v3\"")
        })?;
        for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if tag == "*" {
                return Ok(IfMatch::Any);
            }
            let well_formed =
                tag.len() >= 2 && tag.ends_with('"') && (tag.starts_with('"') || tag.starts_with("W/\""));
            if !well_formed {
                return Err(AppError::bad_param(
                    "If-Match",
                    "invalid",
                    "must be `*` or quoted entity tags such as \"v3\"",
                ));
            }
            tags.push(tag.to_owned());
        }
    }
    Ok(IfMatch::Tags(tags))
}

impl IfMatch {
    /// Checks the header against the current version. `required` makes a missing header 428.
    /// `current` builds the body of a 412 (only called when needed).
    pub fn check(
        &self,
        version: i32,
        required: bool,
        current: impl FnOnce() -> Result<serde_json::Value, AppError>,
    ) -> Result<(), AppError> {
        let matches = match self {
            Self::Absent => {
                return if required {
                    Err(AppError::PreconditionRequired)
                } else {
                    Ok(())
                };
            }
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| *t == etag(version)),
        };
        if matches {
            Ok(())
        } else {
            Err(stale(version, current()?))
        }
    }
}

/// The 412 answer: the current version's ETag and representation.
pub fn stale(version: i32, current: serde_json::Value) -> AppError {
    AppError::PreconditionFailed {
        etag: etag(version),
        current: Box::new(current),
    }
}
