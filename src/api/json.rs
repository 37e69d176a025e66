//! JSON request bodies: read within a size limit, parsed strictly, validated once.
//!
//! - not `application/json` -> 415; larger than the route's limit -> 413;
//! - not JSON at all (syntax, trailing bytes, nesting deeper than 128) or a key given twice -> 400;
//! - JSON of the wrong shape (unknown field, wrong type, bad date) -> 422 naming the field;
//! - breaking a `validator` rule -> 422 naming every bad field at once.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{AppError, FieldCode, FieldError};
use crate::state::AppState;

/// Which body limit a request type gets (`DATELINE_MAX_BODY_BYTES` or `..._SMALL_BODY_BYTES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySize {
    /// Articles and other content.
    Large,
    /// Logins, tokens, comments.
    Small,
}

/// A request body type: how large it may be.
pub trait RequestBody: DeserializeOwned + Validate {
    const SIZE: BodySize;
}

/// A parsed and validated JSON body.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T: RequestBody + 'static> FromRequest for ValidJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (limit, timeout) = req
            .app_data::<web::Data<AppState>>()
            .map(|s| {
                let limit = match T::SIZE {
                    BodySize::Large => s.config.max_body_bytes,
                    BodySize::Small => s.config.max_small_body_bytes,
                };
                (limit, s.config.body_timeout)
            })
            .unwrap_or((16 * 1024, std::time::Duration::from_secs(10)));
        let checked = check_headers(req, limit);
        let mut payload = payload.take();
        Box::pin(async move {
            checked?;
            let read = async {
                let mut body = web::BytesMut::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk
                        .map_err(|e| AppError::bad_request(format!("The body could not be read: {e}")))?;
                    if body.len() + chunk.len() > limit {
                        return Err(too_large(limit));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            };
            // A client trickling its body must not hold a worker's attention forever.
            let body = actix_web::rt::time::timeout(timeout, read).await.map_err(|_| {
                AppError::RequestTimeout(format!(
                    "The body did not arrive within {} seconds.",
                    timeout.as_secs()
                ))
            })??;
            let value: T = parse(&body)?;
            value
                .validate()
                .map_err(|e| AppError::Validation(field_errors(&e)))?;
            Ok(ValidJson(value))
        })
    }
}

fn check_headers(req: &HttpRequest, limit: usize) -> Result<(), AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && !(essence.starts_with("application/") && essence.ends_with("+json")) {
        return Err(AppError::UnsupportedMediaType(
            "The body must be JSON, sent with `Content-Type: application/json`.".to_owned(),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    Ok(())
}

fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "The body is larger than this route accepts ({limit} bytes)."
    ))
}

/// Parses `body` as `T`, telling malformed JSON (400) from JSON of the wrong shape (422).
///
/// Two passes: the bytes become a JSON value (refusing keys given twice, which serde_json
/// would otherwise settle silently, and reading integral numbers such as `3.0` as the integers
/// JSON Schema says they are), then the value becomes `T`, with the path of any bad field.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let StrictValue(value) =
        StrictValue::deserialize(&mut deserializer).map_err(|err| shape_error("", err))?;
    deserializer.end().map_err(|e| malformed(&e))?;
    // Every request body is an object; serde would also read a struct from an array.
    if !value.is_object() {
        return Err(AppError::invalid_field(
            "body",
            FieldCode::InvalidType,
            "must be a JSON object",
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        shape_error(&path, err.into_inner())
    })
}

/// A JSON value read strictly: duplicate keys are an error, integral floats become integers.
struct StrictValue(serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // 2^63 as f64: every integral float below it fits an i64 exactly enough.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if v.fract() == 0.0 && v.abs() < LIMIT {
            Ok((v as i64).into())
        } else {
            Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
        }
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        StrictValue::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate field `{key}`")));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

fn malformed(err: &serde_json::Error) -> AppError {
    AppError::BadRequest {
        detail: "The body is not valid JSON.".to_owned(),
        errors: vec![FieldError::new("body", FieldCode::InvalidJson, err.to_string())],
    }
}

fn shape_error(path: &str, err: serde_json::Error) -> AppError {
    use serde_json::error::Category;
    if matches!(err.classify(), Category::Syntax | Category::Eof | Category::Io) {
        return malformed(&err);
    }
    // serde's messages end with " at line L column C"; the field path says where instead.
    let full = err.to_string();
    let message = full.split(" at line ").next().unwrap_or(&full).to_owned();
    let at = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else {
            format!("{}.{name}", path.trim_end_matches('.'))
        }
    };
    let field = if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    if let Some(name) = between(&message, "duplicate field `", "`") {
        return AppError::BadRequest {
            detail: "The body gives a key more than once.".to_owned(),
            errors: vec![FieldError::new(
                at(name),
                FieldCode::DuplicateKey,
                "is given more than once",
            )],
        };
    }
    let error = if let Some(name) = between(&message, "missing field `", "`") {
        FieldError::new(at(name), FieldCode::Required, "is required")
    } else if let Some(name) = between(&message, "unknown field `", "`") {
        // The path of an unknown field already ends with its name.
        let field = if path.ends_with(name) {
            path.to_owned()
        } else {
            at(name)
        };
        FieldError::new(field, FieldCode::UnknownField, "is not a field of this request")
    } else if message.starts_with("invalid type") {
        FieldError::new(field, FieldCode::InvalidType, message)
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
        FieldError::new(field, FieldCode::InvalidValue, format!("must be {expected}"))
    } else {
        FieldError::new(field, FieldCode::Invalid, message)
    };
    AppError::Validation(vec![error])
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// Every broken rule as a field error, nested fields and list items by path (`tags[2]`).
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map_or_else(|| default_message(e), |m| m.to_string());
                    out.push(FieldError::new(
                        path.clone(),
                        FieldCode::from_validator(&e.code),
                        message,
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn default_message(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must have between {min} and {max} characters or items"),
            (None, Some(max)) => format!("must have at most {max} characters or items"),
            (Some(min), None) => format!("must have at least {min} characters or items"),
            _ => "has the wrong length".to_owned(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            _ => "is out of range".to_owned(),
        },
        "email" => "must be an e-mail address".to_owned(),
        "url" => "must be an http or https URL".to_owned(),
        "required" => "is required".to_owned(),
        _ => "is invalid".to_owned(),
    }
}

// The text types below exist for the spec only: fields stay `String`s (validated by [`rules`])
// and name one of these as their `value_type`, so each pattern is written once.
//
// Their patterns say exactly what `rules::name` and `rules::line` check, in every regex dialect
// a client may read them in: the excluded class holds the control characters (Unicode Cc:
// U+0000 to U+001F, U+007F to U+009F) and the invisible formatting characters
// (`content::text::is_invisible_format`); and where ECMAScript's `\s` and Python's differ from
// Rust's `char::is_whitespace` (U+FEFF; U+001C to U+001F, U+0085), the character is excluded
// anyway. The `spec_patterns_say_what_the_rules_check` test holds them to it.

/// A slug: lowercase letters, digits and single hyphens between them, with at least one letter.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$", example = "world-news")]
pub struct SlugText(#[allow(dead_code)] String);

/// A single-line name of at most 200 characters: not blank, no control characters, no
/// bidirectional controls or zero-width characters. Stored composed (NFC).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*[^\s\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff][^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*$")]
pub struct NameText(#[allow(dead_code)] String);

/// A headline: one line of at most 300 characters, not blank, no control characters, no
/// bidirectional controls or zero-width characters.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, min_length = 1, max_length = 300, pattern = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*[^\s\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff][^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*$")]
pub struct HeadlineText(#[allow(dead_code)] String);

/// A commenter's name: one line of at most 100 characters, not blank, no control characters, no
/// bidirectional controls or zero-width characters. Stored composed (NFC).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*[^\s\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff][^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*$")]
pub struct AuthorName(#[allow(dead_code)] String);

/// A summary: one line of at most 2000 characters (blank means none), no control characters,
/// no bidirectional controls or zero-width characters.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, max_length = 2000, pattern = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*$")]
pub struct SummaryText(#[allow(dead_code)] String);

/// A short line that may be blank (an SEO or social title): at most 300 characters, no control
/// characters, no bidirectional controls or zero-width characters.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, max_length = 300, pattern = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*$")]
pub struct TitleLineText(#[allow(dead_code)] String);

/// A free-text byline ("By Agencies"): one line of at most 200 characters (blank means none),
/// no control characters, no bidirectional controls or zero-width characters.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*$", example = "By Agencies")]
pub struct BylineText(#[allow(dead_code)] String);

/// An absolute http(s) URL of at most 2000 characters (what `rules::http_url` checks): no
/// whitespace or control characters, nor U+FEFF (which ECMAScript's `\s` counts as a space).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, max_length = 2000, pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f\ufeff]+$", example = "https://news.example.com/world-news/story")]
pub struct HttpUrl(#[allow(dead_code)] String);

/// Validator rules shared by request types.
pub mod rules {
    use validator::ValidationError;

    use crate::content::text;
    use crate::error::FieldCode;

    fn error(code: FieldCode, message: impl Into<String>) -> ValidationError {
        let mut e = ValidationError::new(code.as_str());
        e.message = Some(message.into().into());
        e
    }

    /// Not empty once surrounding whitespace is removed.
    pub fn not_blank(value: &str) -> Result<(), ValidationError> {
        if value.trim().is_empty() {
            Err(error(FieldCode::Required, "must not be empty"))
        } else {
            Ok(())
        }
    }

    /// No control characters.
    pub fn no_control_chars(value: &str) -> Result<(), ValidationError> {
        if value.chars().any(|c| c.is_control()) {
            Err(error(
                FieldCode::ControlCharacters,
                "must not contain control characters",
            ))
        } else {
            Ok(())
        }
    }

    /// No bidirectional controls or zero-width characters: they make a text pass for another.
    pub fn no_invisible_chars(value: &str) -> Result<(), ValidationError> {
        if value.chars().any(text::is_invisible_format) {
            Err(error(FieldCode::InvisibleCharacters, text::INVISIBLE_MESSAGE))
        } else {
            Ok(())
        }
    }

    /// A single-line name: not blank, no control or invisible formatting characters.
    pub fn name(value: &str) -> Result<(), ValidationError> {
        not_blank(value)?;
        no_control_chars(value)?;
        no_invisible_chars(value)
    }

    /// One line that may be blank (a summary): no control or invisible formatting characters.
    pub fn line(value: &str) -> Result<(), ValidationError> {
        no_control_chars(value)?;
        no_invisible_chars(value)
    }

    /// A well-formed slug.
    pub fn slug(value: &str) -> Result<(), ValidationError> {
        match crate::content::slug::problem(value) {
            None => Ok(()),
            Some(problem) => Err(error(FieldCode::InvalidSlug, problem)),
        }
    }

    /// An absolute http(s) URL.
    pub fn http_url(value: &str) -> Result<(), ValidationError> {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        // What follows the scheme: at least one character, none of them blank or control.
        let ok = rest.is_some_and(|rest| !rest.is_empty() && !rest.chars().any(text::is_url_blank));
        if ok {
            Ok(())
        } else {
            Err(error(FieldCode::Url, "must be an http or https URL"))
        }
    }

    /// Each slug in a list well-formed.
    pub fn slugs(values: &[String]) -> Result<(), ValidationError> {
        for value in values {
            if let Some(problem) = crate::content::slug::problem(value) {
                return Err(error(FieldCode::InvalidSlug, format!("`{value}`: {problem}")));
            }
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = values.iter().find(|v| !seen.insert(v.as_str())) {
            return Err(error(FieldCode::Duplicate, format!("`{dup}` is listed twice")));
        }
        Ok(())
    }
}

/// Deserializes a field that may be absent (`None`) or a value, but not `null`: a client that
/// sends `null` for a field that cannot be empty gets a 422, not a silent no-op.
pub fn non_null<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom(
            "invalid value: null, expected a value (omit the field to leave it as it is)",
        )),
    }
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value
/// (`Some(Some(v))`): what a partial update needs for nullable columns.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    /// The pattern of a text type's schema, as a client's validator reads it.
    fn pattern<T: PartialSchema>() -> regex::Regex {
        let schema = serde_json::to_value(T::schema()).expect("a schema");
        let pattern = schema["pattern"].as_str().expect("a pattern");
        regex::Regex::new(pattern).expect("a pattern the regex crate reads")
    }

    /// Every code point up to U+30FF (controls, Latin, punctuation, the Unicode spaces) and from
    /// U+FE00 to U+FFFF, and a sample of the others.
    fn code_points() -> impl Iterator<Item = char> {
        (0..=0x10FFFF_u32)
            .filter(|c| *c <= 0x30FF || (0xFE00..=0xFFFF).contains(c) || c % 61 == 0)
            .filter_map(char::from_u32)
    }

    #[test]
    fn spec_patterns_say_what_the_rules_check() {
        let names = [
            ("NameText", pattern::<NameText>()),
            ("HeadlineText", pattern::<HeadlineText>()),
            ("AuthorName", pattern::<AuthorName>()),
        ];
        let lines = [
            ("SummaryText", pattern::<SummaryText>()),
            ("TitleLineText", pattern::<TitleLineText>()),
            ("BylineText", pattern::<BylineText>()),
        ];
        let url = pattern::<HttpUrl>();
        for c in code_points() {
            for text in [c.to_string(), format!("a{c}b"), format!(" {c} ")] {
                for (schema, name) in &names {
                    let ok = rules::name(&text).is_ok();
                    assert_eq!(name.is_match(&text), ok, "{schema}: {text:?}");
                }
                for (schema, line) in &lines {
                    let ok = rules::line(&text).is_ok();
                    assert_eq!(line.is_match(&text), ok, "{schema}: {text:?}");
                }
                let link = format!("https://news.example.com/{text}");
                assert_eq!(
                    url.is_match(&link),
                    rules::http_url(&link).is_ok(),
                    "HttpUrl: {link:?}"
                );
            }
        }
    }
}
