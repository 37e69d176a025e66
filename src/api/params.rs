//! Query-string extraction that names the offending parameter, and page arithmetic.
//!
//! actix's own `web::Query` reports serde's message without the parameter's name and ignores
//! unknown parameters; a typo such as `?sectoin=world` would silently return everything.
//! [`Params`] rejects unknown parameters and says which parameter is wrong and why.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::config::Config;
use crate::error::{AppError, FieldCode, FieldError};

/// A query string deserialized into `T` (which should `deny_unknown_fields`).
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Params<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Params))
    }
}

/// Whether a query parameter is one every route ignores: campaign tracking (`utm_*`, added by
/// newsletters and social networks to shared links) and a cache-buster (`_`, added by some HTTP
/// clients). Refusing them would break shared links; they never change an answer.
pub fn is_ignored_parameter(name: &str) -> bool {
    name == "_" || name.starts_with("utm_")
}

/// `query` without the parameters every route ignores, otherwise as given (for parsing, and
/// for the response cache's key, so that tracked links share one cached answer).
pub fn without_ignored(query: &str) -> std::borrow::Cow<'_, str> {
    let ignored = |pair: &&str| {
        let raw = pair.split('=').next().unwrap_or_default();
        form_urlencoded::parse(raw.as_bytes())
            .next()
            .is_some_and(|(name, _)| is_ignored_parameter(&name))
    };
    if !query.split('&').any(|pair| ignored(&pair)) {
        return std::borrow::Cow::Borrowed(query);
    }
    std::borrow::Cow::Owned(
        query
            .split('&')
            .filter(|pair| !pair.is_empty() && !ignored(pair))
            .collect::<Vec<_>>()
            .join("&"),
    )
}

/// Parses a query string, turning serde's complaints into a 400 naming the parameter. The
/// parameters every route ignores (`utm_*`, `_`) are left out first.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let query = without_ignored(query);
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        let field_error = describe(&path, &message);
        AppError::BadRequest {
            detail: format!("The query parameter `{}` is invalid.", field_error.field),
            errors: vec![field_error],
        }
    })
}

fn describe(path: &str, message: &str) -> FieldError {
    if let Some(name) = between(message, "unknown field `", "`") {
        return FieldError::new(
            name,
            FieldCode::UnknownParameter,
            "is not a parameter of this route",
        );
    }
    if let Some(name) = between(message, "duplicate field `", "`") {
        return FieldError::new(name, FieldCode::DuplicateParameter, "is given more than once");
    }
    let field = if path.is_empty() || path == "." {
        "query"
    } else {
        path
    };
    if message.contains("invalid digit")
        || message.contains("number too large")
        || message.contains("cannot parse")
    {
        return FieldError::new(field, FieldCode::InvalidNumber, "must be a whole number in range");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
        return FieldError::new(field, FieldCode::InvalidValue, format!("must be {expected}"));
    }
    FieldError::new(field, FieldCode::Invalid, message)
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// `page` and `per_page`, for list routes that take nothing else.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    /// Items per page: 20 by default, at most 100 (`DATELINE_PAGE_SIZE`, `DATELINE_MAX_PAGE_SIZE`).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

/// The deepest page number accepted; deeper offsets cost the database more than they are worth.
pub const MAX_PAGE: u32 = 1_000_000;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    /// Checks `page` and `per_page` against the configured bounds. Out of range is an error,
    /// never silently clamped.
    pub fn resolve(page: Option<u32>, per_page: Option<u32>, config: &Config) -> Result<Self, AppError> {
        let page = page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(AppError::bad_param(
                "page",
                FieldCode::OutOfRange,
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let per_page = per_page.unwrap_or(config.default_page_size);
        if !(1..=config.max_page_size).contains(&per_page) {
            return Err(AppError::bad_param(
                "per_page",
                FieldCode::OutOfRange,
                format!("must be between 1 and {}", config.max_page_size),
            ));
        }
        Ok(Self { page, per_page })
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn meta(&self, total: i64) -> PageMeta {
        PageMeta {
            page: self.page,
            per_page: self.per_page,
            total,
            has_more: self.offset() + self.limit() < total,
        }
    }

    /// The slice of an in-memory list that this page covers.
    pub fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = usize::try_from(self.offset())
            .unwrap_or(usize::MAX)
            .min(items.len());
        let end = start.saturating_add(self.per_page as usize).min(items.len());
        &items[start..end]
    }
}

impl PageQuery {
    pub fn resolve(&self, config: &Config) -> Result<Page, AppError> {
        Page::resolve(self.page, self.per_page, config)
    }
}

/// Where a page sits in the whole list. Every list's `meta` has this shape: `per_page` and
/// `has_more` always, `page` on page-numbered lists and `total` where counted; the article
/// list adds `next_cursor` in cursor mode (`ArticleListMeta`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PageMeta {
    /// This page's number, from 1.
    pub page: u32,
    /// The page size used.
    pub per_page: u32,
    /// How many items match, over all pages.
    pub total: i64,
    /// Whether more items follow this page.
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_and_cache_busters_are_left_out_and_nothing_else() {
        assert_eq!(without_ignored("tag=iran&page=2"), "tag=iran&page=2");
        assert_eq!(
            without_ignored("utm_source=newsletter&tag=iran&_=1733140000&utm_medium=email"),
            "tag=iran"
        );
        assert_eq!(
            without_ignored("%75tm_campaign=x&page=2"),
            "page=2",
            "the name is decoded first"
        );
        assert_eq!(
            without_ignored("utm=1&__=2&x_=3"),
            "utm=1&__=2&x_=3",
            "only `utm_*` and `_` itself"
        );
        assert_eq!(without_ignored("_"), "");
    }
}
