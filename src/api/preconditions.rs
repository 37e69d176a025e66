//! Optimistic concurrency: editorial reads carry `ETag: "v<version>"`, and writes name the
//! version they are based on in `If-Match`. A stale version is 412 (with the current version in
//! the body) and nothing is written; for articles a write without `If-Match` is 428. A header
//! that breaks its documented grammar is 400 naming `If-Match`.

use std::future::{Ready, ready};
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::error::{AppError, FieldCode, FieldError};

/// The strong ETag of a resource version.
pub use crate::error::version_etag as etag;

/// Fills the `current` body of a 412 raised below the HTTP layer (`domain::stale`) with the
/// resource's representation now; other errors pass through.
pub fn with_current(
    err: AppError,
    representation: impl FnOnce() -> Result<serde_json::Value, AppError>,
) -> AppError {
    match err {
        AppError::PreconditionFailed { etag, current } if current.is_null() => match representation() {
            Ok(value) => AppError::PreconditionFailed {
                etag,
                current: Box::new(value),
            },
            Err(e) => e,
        },
        other => other,
    }
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

/// The header's grammar (RFC 9110 sections 8.8.3 and 13.1.1), for the spec and for [`parse`]:
/// `*`, or a list of entity tags (visible ASCII but `"` between the quotes) separated by commas
/// and optional spaces or tabs.
const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)$"#;

// Operations declare `("If-Match" = IfMatch, Header, ...)`: the schema is the one above.
impl utoipa::PartialSchema for IfMatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(IF_MATCH_PATTERN))
            .into()
    }
}

impl utoipa::ToSchema for IfMatch {}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req))
    }
}

/// The header, held to [`IF_MATCH_PATTERN`]: what the spec promises is exactly what is taken.
fn parse(req: &HttpRequest) -> Result<IfMatch, AppError> {
    static GRAMMAR: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(IF_MATCH_PATTERN).expect("the If-Match pattern compiles"));
    let values: Vec<&header::HeaderValue> = req.headers().get_all(header::IF_MATCH).collect();
    if values.is_empty() {
        return Ok(IfMatch::Absent);
    }
    // Several header lines are one comma-separated list (RFC 9110 section 5.3).
    let texts: Option<Vec<&str>> = values.iter().map(|v| v.to_str().ok()).collect();
    let text = texts.map(|texts| texts.join(", ")).unwrap_or_default();
    let text = text.trim();
    if !GRAMMAR.is_match(text) {
        return Err(malformed());
    }
    if text == "*" {
        return Ok(IfMatch::Any);
    }
    entity_tags(text).map(IfMatch::Tags).ok_or_else(malformed)
}

/// 400: the header is neither `*` nor a list of entity tags, so it names no version at all.
fn malformed() -> AppError {
    AppError::BadRequest {
        detail: "The If-Match header is malformed.".to_owned(),
        errors: vec![FieldError::new(
            "If-Match",
            FieldCode::Invalid,
            "must be `*` or a list of entity tags, e.g. `\"v3\"`",
        )],
    }
}

/// Splits a list of entity tags (RFC 9110 section 8.8.3): `W/"a", "b,c"`. Commas may appear
/// inside the quotes, so the list is scanned, not split. `None` when malformed.
fn entity_tags(text: &str) -> Option<Vec<String>> {
    let mut tags = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return Some(tags);
        }
        let weak = rest.starts_with("W/");
        let quoted = if weak { &rest[2..] } else { rest };
        let body = quoted.strip_prefix('"')?;
        let end = body.find('"')?;
        let tag_len = (if weak { 2 } else { 0 }) + 1 + end + 1;
        tags.push(rest[..tag_len].to_owned());
        rest = &rest[tag_len..];
        // Between tags only whitespace and a comma may stand.
        let next = rest.trim_start_matches([' ', '\t']);
        if !(next.is_empty() || next.starts_with(',')) {
            return None;
        }
        rest = next;
    }
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

#[cfg(test)]
mod tests {
    use super::entity_tags;

    #[test]
    fn entity_tag_lists_are_scanned_not_split() {
        assert_eq!(entity_tags(r#""v1""#), Some(vec![r#""v1""#.to_owned()]));
        assert_eq!(
            entity_tags("W/\",Z,\"\t  , W/\"<{\""),
            Some(vec!["W/\",Z,\"".to_owned(), "W/\"<{\"".to_owned()])
        );
        assert_eq!(entity_tags("v1"), None);
        assert_eq!(entity_tags(r#""v1" x"#), None);
        assert_eq!(entity_tags(r#""unterminated"#), None);
    }
}
