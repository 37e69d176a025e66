//! Authentication and authorisation: roles, password hashing, access tokens, sessions with
//! rotating refresh tokens, the request extractors, and login-abuse limits.

pub mod client;
pub mod extract;
pub mod jwt;
pub mod limiter;
pub mod password;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use extract::{AuthUser, MaybeAuthUser};

/// An editorial role. Admins can do everything; editors all content; authors their own drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Editor,
    Author,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Author => "author",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "admin" => Some(Self::Admin),
            "editor" => Some(Self::Editor),
            "author" => Some(Self::Author),
            _ => None,
        }
    }

    /// Editors and admins: all content, publishing, taxonomy and moderation.
    pub fn is_editorial(self) -> bool {
        matches!(self, Self::Admin | Self::Editor)
    }
}
