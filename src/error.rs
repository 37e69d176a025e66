//! The one error type of the HTTP layer and its RFC 9457 `application/problem+json` body.
//!
//! Every failure a client can see goes through [`AppError`]. Internal causes (SQL, driver
//! messages, panics) are logged with context and answered with a generic message, never echoed.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::field_code::FieldCode;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input: which field (or query parameter), a stable code, and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The JSON field (dotted path) or query/path parameter at fault.
    #[schema(example = "per_page")]
    pub field: String,
    /// A stable code clients can switch on; the `FieldCode` schema lists each with its meaning.
    #[schema(example = "out_of_range")]
    pub code: FieldCode,
    /// A message for humans.
    #[schema(example = "must be between 1 and 100")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document, the body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Bad Request", "status": 400,
    "detail": "The query string is invalid.",
    "errors": [{"field": "per_page", "code": "out_of_range", "message": "must be between 1 and 100"}]
}))]
pub struct Problem {
    /// A URI identifying the problem type; `about:blank` means the status says it all.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for humans.
    pub detail: String,
    /// Field-level errors, for invalid input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On 412: the ETag of the current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub etag: Option<String>,
    /// On 412: the current version of the resource, so the client can merge and retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

/// Every error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed request: bad JSON, bad query parameter, bad path segment.
    #[error("bad request: {detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    /// No credentials, or credentials that do not identify anyone.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// A bearer token that is expired, tampered with, or no longer valid.
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// Authenticated, but the role does not allow this.
    #[error("forbidden: {detail}")]
    Forbidden { detail: String, errors: Vec<FieldError> },
    #[error("not found: {detail}")]
    NotFound { detail: String, errors: Vec<FieldError> },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request conflicts with the current state (a slug taken, a cycle, a duplicate).
    #[error("conflict: {detail}")]
    Conflict { detail: String, errors: Vec<FieldError> },
    /// The resource existed and was withdrawn (an archived article).
    #[error("gone: {0}")]
    Gone(String),
    /// `If-Match` names a version that is no longer current; nothing was written.
    #[error("precondition failed")]
    PreconditionFailed {
        etag: String,
        current: Box<serde_json::Value>,
    },
    /// The write needs `If-Match` (the ETag of the version it was based on).
    #[error("precondition required")]
    PreconditionRequired,
    #[error("URI too long")]
    UriTooLong(String),
    #[error("request headers too large")]
    HeadersTooLarge(String),
    /// The client took too long to send its request.
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// Well-formed input that breaks a rule: each bad field is named.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database is out of reach or saturated; the client may retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything else. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The ETag of a stored version (`"v3"`): what `If-Match` must name to write over it.
pub fn version_etag(version: i32) -> String {
    format!("\"v{version}\"")
}

impl AppError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn bad_param(field: &str, code: FieldCode, message: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: format!("The parameter `{field}` is invalid."),
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::NotFound {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn invalid_field(field: &str, code: FieldCode, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    /// Logs the cause and returns an error whose body says nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The problem document sent to the client.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            Self::BadRequest { detail, errors }
            | Self::NotFound { detail, errors }
            | Self::Forbidden { detail, errors }
            | Self::Conflict { detail, errors } => (detail.clone(), errors.clone()),
            Self::PreconditionFailed { .. } => (
                "The resource changed since the version given in If-Match; nothing was written. `current` is the version now stored.".to_owned(),
                Vec::new(),
            ),
            Self::PreconditionRequired => (
                "This write needs an If-Match header with the ETag of the version it is based on.".to_owned(),
                Vec::new(),
            ),
            Self::Unauthorized(detail)
            | Self::Gone(detail)
            | Self::InvalidToken(detail)
            | Self::PayloadTooLarge(detail)
            | Self::RequestTimeout(detail)
            | Self::UriTooLong(detail)
            | Self::HeadersTooLarge(detail)
            | Self::UnsupportedMediaType(detail) => (detail.clone(), Vec::new()),
            Self::MethodNotAllowed => (
                "This method is not allowed on this resource.".to_owned(),
                Vec::new(),
            ),
            Self::Validation(errors) => ("The request has invalid fields.".to_owned(), errors.clone()),
            Self::TooManyRequests { retry_after_secs } => (
                format!("Too many requests; retry in {retry_after_secs} seconds."),
                Vec::new(),
            ),
            // The cause of these two is for the logs only.
            Self::Unavailable(_) => (
                "The service is temporarily unavailable; retry shortly.".to_owned(),
                Vec::new(),
            ),
            Self::Internal(_) => ("An internal error occurred.".to_owned(), Vec::new()),
        };
        let (etag, current) = match self {
            Self::PreconditionFailed { etag, current } => (Some(etag.clone()), Some((**current).clone())),
            _ => (None, None),
        };
        Problem {
            problem_type: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            etag,
            current,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Gone(_) => StatusCode::GONE,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(cause = %cause, "service unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::InvalidToken(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::PreconditionFailed { etag, .. } => {
                response.insert_header((header::ETAG, etag.clone()));
            }
            _ => {}
        }
        let body = serde_json::to_string(&self.problem()).unwrap_or_else(|_| String::from("{}"));
        response.body(body)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => Self::not_found("The requested resource does not exist."),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::conflict("A resource with the same unique value already exists.")
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Self::Validation(vec![FieldError::new(
                    "",
                    FieldCode::Reference,
                    "refers to a resource that does not exist or is still in use",
                )])
            }
            Error::DatabaseError(DatabaseErrorKind::CheckViolation, info) => {
                tracing::warn!(constraint = ?info.constraint_name(), "check constraint refused a write");
                Self::Validation(vec![FieldError::new(
                    "",
                    FieldCode::Invalid,
                    "a value breaks a data rule",
                )])
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(format!("database connection closed: {}", info.message()))
            }
            Error::DatabaseError(_, ref info) if is_busy(info.message()) => {
                Self::Unavailable(format!("database busy: {}", info.message()))
            }
            Error::BrokenTransactionManager => Self::Unavailable("broken connection".to_owned()),
            other => Self::internal(other),
        }
    }
}

/// Errors that mean "the database is not there right now", not "this request is wrong": SQLite
/// lock waits past `busy_timeout`, and PostgreSQL going away under a connection.
fn is_busy(message: &str) -> bool {
    const TRANSIENT: [&str; 6] = [
        "database is locked",
        "database is busy",
        "terminating connection",
        "server closed the connection",
        "connection to server",
        "the database system is",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

impl From<r2d2::Error> for AppError {
    fn from(err: r2d2::Error) -> Self {
        Self::Unavailable(format!("no database connection available: {err}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(format!("blocking task failed: {err}"))
    }
}
