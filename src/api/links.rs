//! RFC 8288 `Link` headers on paged lists: where the first, previous and next pages are, so a
//! client pages by following links instead of building URLs.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};

use crate::api::params::{Page, is_ignored_parameter};

/// Where a list's neighbouring pages are.
#[derive(Debug, Clone, Copy)]
pub enum Nav<'a> {
    /// Page-number paging: this page, and whether another follows.
    Numbered { page: u32, has_next: bool },
    /// Keyset paging: the cursor of the next page, if there is one.
    Cursor { next: Option<&'a str> },
}

impl Nav<'_> {
    /// Page-number paging over `total` items.
    pub fn numbered(page: &Page, total: i64) -> Self {
        let seen = i64::from(page.page) * i64::from(page.per_page);
        Nav::Numbered {
            page: page.page,
            has_next: seen < total,
        }
    }
}

/// The `Link` header of the page `req` asked for: `first`, `prev` (from page 2 on) and `next`
/// (when another page follows), each the request's own path and query with only `page` (or
/// `cursor`) changed.
pub fn link_header(req: &HttpRequest, nav: Nav<'_>) -> (HeaderName, String) {
    let mut links = vec![(target(req, None), "first")];
    match nav {
        Nav::Numbered { page, has_next } => {
            if page > 1 {
                links.push((target(req, Some(("page", &(page - 1).to_string()))), "prev"));
            }
            if has_next {
                links.push((target(req, Some(("page", &(page + 1).to_string()))), "next"));
            }
        }
        Nav::Cursor { next } => {
            if let Some(cursor) = next {
                links.push((target(req, Some(("cursor", cursor))), "next"));
            }
        }
    }
    let value = links
        .iter()
        .map(|(url, rel)| format!("<{url}>; rel=\"{rel}\""))
        .collect::<Vec<_>>()
        .join(", ");
    (header::LINK, value)
}

/// The request's path and query without `page` and `cursor`, plus `set` if given. Parameters
/// every route ignores (`utm_*`, `_`) are left out: a cached answer is shared by the links that
/// differ only in them, so its links must not carry one requester's.
fn target(req: &HttpRequest, set: Option<(&str, &str)>) -> String {
    let kept = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(name, _)| name != "page" && name != "cursor" && !is_ignored_parameter(name));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in kept {
        query.append_pair(&name, &value);
    }
    if let Some((name, value)) = set {
        query.append_pair(name, value);
    }
    let query = query.finish();
    if query.is_empty() {
        req.path().to_owned()
    } else {
        format!("{}?{query}", req.path())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn header_for(uri: &str, nav: Nav<'_>) -> String {
        link_header(&TestRequest::get().uri(uri).to_http_request(), nav).1
    }

    #[test]
    fn numbered_pages_link_first_prev_and_next_keeping_the_other_parameters() {
        assert_eq!(
            header_for(
                "/api/v1/tags?per_page=2&page=2",
                Nav::Numbered {
                    page: 2,
                    has_next: true
                }
            ),
            "</api/v1/tags?per_page=2>; rel=\"first\", </api/v1/tags?per_page=2&page=1>; rel=\"prev\", \
             </api/v1/tags?per_page=2&page=3>; rel=\"next\""
        );
        assert_eq!(
            header_for(
                "/api/v1/tags",
                Nav::Numbered {
                    page: 1,
                    has_next: false
                }
            ),
            "</api/v1/tags>; rel=\"first\""
        );
    }

    #[test]
    fn tracking_parameters_are_not_passed_on() {
        let nav = Nav::Numbered {
            page: 1,
            has_next: false,
        };
        assert_eq!(
            header_for("/api/v1/tags?utm_source=mail&_=17&page=1", nav),
            "</api/v1/tags>; rel=\"first\""
        );
    }

    #[test]
    fn cursor_pages_link_first_and_next() {
        assert_eq!(
            header_for(
                "/api/v1/articles?tag=iran&cursor=abc",
                Nav::Cursor { next: Some("def") }
            ),
            "</api/v1/articles?tag=iran>; rel=\"first\", </api/v1/articles?tag=iran&cursor=def>; rel=\"next\""
        );
    }
}
