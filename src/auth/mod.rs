//! Authentication and authorisation: roles, password hashing, access tokens, sessions with
//! rotating refresh tokens, the request extractors, and login-abuse limits.

pub mod client;
pub mod device;
pub mod extract;
pub mod jwt;
pub mod limiter;
pub mod login_limits;
pub mod password;

pub use extract::{AuthUser, MaybeAuthUser};

pub use crate::values::Role;
