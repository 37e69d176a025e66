//! The headers of every answer and the conditional request headers, documented in one pass over
//! the collected paths, from what each route does (see [`document`]).

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Components, Header, HeaderBuilder, Ref, RefOr, Required};

/// The kind of answer an operation gives, for the headers that follow from it.
pub struct Shape {
    /// An anonymous GET under `/api/v1/`: answered through the response cache (`http_cache`),
    /// with validators, `Cache-Control` and `Surrogate-Key`, and 304 to a conditional request.
    pub cached_read: bool,
    /// The operation takes a token (required or optional): answers to a request with
    /// `Authorization` are `private, no-store`.
    pub takes_token: bool,
    /// The resource is written under `If-Match` (this operation or a sibling on its path): its
    /// answers carry the version's `ETag`.
    pub versioned: bool,
    /// A write that answers the resource's address in `Location`.
    pub locates: bool,
    /// A paged list: the answer has a `Link` header.
    pub paged: bool,
}

/// Adds the response headers each status of `operation` may carry (references to
/// `components/headers`, see [`register`]), and the conditional request headers a cached read
/// honours. Entries an annotation already wrote stay.
pub fn document(operation: &mut Operation, shape: &Shape) {
    if shape.cached_read {
        add_conditional_parameters(operation);
    }
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        for (name, component) in headers_for(status, shape) {
            let reference = Ref::new(format!("#/components/headers/{component}"));
            response
                .headers
                .entry(name.to_owned())
                .or_insert(RefOr::Ref(reference));
        }
    }
}

/// The headers of one status of an operation of this shape: (header name, component name).
fn headers_for(status: &str, shape: &Shape) -> Vec<(&'static str, &'static str)> {
    let mut headers = vec![("X-Request-Id", "RequestId")];
    let success = status.starts_with('2') || status == "304";
    if status.starts_with('4') || status.starts_with('5') {
        headers.push(("Cache-Control", "NoStore"));
    }
    match status {
        "401" => headers.push(("WWW-Authenticate", "WwwAuthenticate")),
        "412" => headers.push(("ETag", "CurrentVersion")),
        "429" | "503" => headers.push(("Retry-After", "RetryAfter")),
        _ => {}
    }
    if shape.cached_read && success {
        let cache_control = if shape.takes_token {
            "PublicOrPrivate"
        } else {
            "Public"
        };
        headers.extend([
            ("ETag", "AnswerTag"),
            ("Cache-Control", cache_control),
            ("Vary", "Vary"),
            ("Surrogate-Key", "SurrogateKey"),
            ("Last-Modified", "LastModified"),
        ]);
    } else if shape.takes_token && success {
        headers.push(("Cache-Control", "Private"));
    }
    if shape.versioned && status.starts_with('2') && status != "204" {
        headers.push(("ETag", "Version"));
    }
    if shape.locates && status.starts_with('2') && status != "204" {
        headers.push(("Location", "Location"));
    }
    if shape.paged && (status == "200" || status == "304") {
        headers.push(("Link", "Link"));
    }
    headers
}

/// Declares every header [`headers_for`] refers to, once, in `components/headers`.
pub fn register(components: &mut Components) {
    let public = "`public, max-age=N, stale-while-revalidate=M` (`DATELINE_CACHE_MAX_AGE_SECS`, \
                  `DATELINE_CACHE_STALE_WHILE_REVALIDATE_SECS`)";
    let described = [
        (
            "RequestId",
            "The request's id, in the server's logs too: the client's own `X-Request-Id` when it \
             is a plain token (1 to 64 of `A-Za-z0-9._:-`), else a new one.".to_owned(),
        ),
        ("NoStore", "`no-store`: errors are never cached.".to_owned()),
        (
            "WwwAuthenticate",
            "`Bearer`, or `Bearer error=\"invalid_token\"` for a token that is expired or not valid (RFC 6750).".to_owned(),
        ),
        ("CurrentVersion", "The entity tag of the version now stored.".to_owned()),
        (
            "AnswerTag",
            "A strong entity tag of the answer (per content coding and variant): send it back in `If-None-Match`.".to_owned(),
        ),
        ("Public", format!("{public}; `private, no-store` with `Authorization`.")),
        (
            "PublicOrPrivate",
            format!("{public} for an anonymous request; `private, no-store` with `Authorization` or a draft preview token."),
        ),
        ("Private", "`private, no-store` when the request has `Authorization`.".to_owned()),
        (
            "Vary",
            "`Accept-Encoding, Authorization`: the answer differs by content coding, and a request with a token gets a private one.".to_owned(),
        ),
        (
            "SurrogateKey",
            "The space-separated keys of what the answer depends on (`article-42 section-world-news dateline`), for CDN purges.".to_owned(),
        ),
        (
            "LastModified",
            "When the answer's data last changed, where the route knows it (a section, tag or source); `If-Modified-Since` is honoured then.".to_owned(),
        ),
        (
            "Version",
            "The entity tag of the version answered (`\"v3\"`): what `If-Match` names to write over it.".to_owned(),
        ),
        ("Link", super::PAGING_LINKS.to_owned()),
        (
            "Location",
            "The resource's address under `/api/v1` (it follows a changed slug).".to_owned(),
        ),
    ];
    for (name, description) in described {
        components
            .headers
            .insert(name.to_owned(), RefOr::T(string(&description)));
    }
    components
        .headers
        .insert("RetryAfter".to_owned(), RefOr::T(seconds()));
}

/// `If-None-Match` and `If-Modified-Since` on a cached read (`http_cache::answer`): 304 when
/// the copy named is current.
fn add_conditional_parameters(operation: &mut Operation) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    let present = |name: &str, parameters: &Vec<RefOr<utoipa::openapi::path::Parameter>>| {
        parameters
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(name)))
    };
    let conditional = [
        (
            "If-None-Match",
            "Entity tags of copies the client holds (or `*`): 304 when one is the current answer's \
             (weak comparison).",
        ),
        (
            "If-Modified-Since",
            "An HTTP date: 304 when the answer has a `Last-Modified` time no later than it. \
             Ignored when `If-None-Match` is given.",
        ),
    ];
    for (name, description) in conditional {
        if present(name, parameters) {
            continue;
        }
        let parameter = ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build();
        parameters.push(RefOr::T(parameter));
    }
}

fn string(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(description))
        .build()
}

/// `Retry-After` in seconds.
fn seconds() -> Header {
    HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)),
        ))
        .description(Some("Seconds to wait before retrying."))
        .build()
}
