//! The operations of the OpenAPI document and what their `security` promises each caller.

use actix_web::http::Method;
use serde_json::Value;

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Caller {
    Anonymous,
    Author,
    Editor,
    Admin,
    /// An admin's token from before an admin deactivated the account.
    Deactivated,
    /// A token of a live admin session, past its `exp`.
    Expired,
}

pub const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::Author,
    Caller::Editor,
    Caller::Admin,
    Caller::Deactivated,
    Caller::Expired,
];

impl Caller {
    /// The role of a caller whose token is good.
    pub fn role(self) -> Option<&'static str> {
        match self {
            Self::Author => Some("author"),
            Self::Editor => Some("editor"),
            Self::Admin => Some("admin"),
            Self::Anonymous | Self::Deactivated | Self::Expired => None,
        }
    }
}

/// The roles the bearer scheme's scopes may name.
const ROLES: [&str; 3] = ["author", "editor", "admin"];

/// What an operation's `security` admits.
#[derive(Debug, Clone, PartialEq)]
pub enum Security {
    /// No requirement: tokens, good or bad, are not looked at.
    Public,
    /// A user's access token; `anonymous` when an empty requirement admits callers without one;
    /// `roles` are the scopes (none listed: any role).
    Bearer { anonymous: bool, roles: Vec<String> },
    /// The operator's metrics token, which no user token is.
    MetricsToken,
}

/// What a caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx.
    Allowed,
    /// 401.
    Unauthorized,
    /// 403.
    Forbidden,
}

impl Security {
    pub fn outcome(&self, caller: Caller) -> Outcome {
        match self {
            Self::Public => Outcome::Allowed,
            Self::MetricsToken => Outcome::Unauthorized,
            Self::Bearer { anonymous, roles } => match caller.role() {
                Some(role) if roles.is_empty() || roles.iter().any(|r| r == role) => Outcome::Allowed,
                Some(_) => Outcome::Forbidden,
                None if caller == Caller::Anonymous && *anonymous => Outcome::Allowed,
                None => Outcome::Unauthorized,
            },
        }
    }
}

/// One operation of the spec, as far as the walk needs it.
#[derive(Debug)]
pub struct Operation {
    pub method: Method,
    pub path: String,
    pub id: String,
    pub security: Security,
    /// The documented statuses (`"200"`, `"4XX"`, `"default"`, ...).
    pub responses: Vec<String>,
    /// Path and header parameters: (name, in, required).
    pub parameters: Vec<(String, String, bool)>,
    /// The media types of the request body, if the operation takes one.
    pub body: Option<Vec<String>>,
}

impl Operation {
    pub fn name(&self) -> String {
        format!("{} {} ({})", self.method, self.path, self.id)
    }

    pub fn documents(&self, status: u16) -> bool {
        let class = format!("{}XX", status / 100);
        self.responses
            .iter()
            .any(|r| *r == status.to_string() || r.eq_ignore_ascii_case(&class) || r == "default")
    }

    /// The bearer-only operations act, for an author, on the author's own draft (authors may
    /// only change their own drafts); everything else on the published article.
    pub fn needs_own_draft(&self, caller: Caller) -> bool {
        caller == Caller::Author && matches!(&self.security, Security::Bearer { anonymous: false, .. })
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of the spec the server serves, with its security read from the document.
pub fn operations() -> Vec<Operation> {
    let spec = serde_json::to_value(dateline::server::openapi_spec()).expect("the spec serializes");
    let global_security = spec.get("security").cloned();
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let security = operation
                .get("security")
                .or(global_security.as_ref())
                .map(|s| security_of(path, s))
                .unwrap_or(Security::Public);
            let parameters = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["name"].as_str().expect("a parameter name").to_owned(),
                        p["in"].as_str().expect("a parameter location").to_owned(),
                        p["required"].as_bool().unwrap_or(false),
                    )
                })
                .collect();
            let body = operation.get("requestBody").map(|body| {
                body["content"]
                    .as_object()
                    .map_or_else(Vec::new, |c| c.keys().cloned().collect())
            });
            found.push(Operation {
                method: Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method"),
                path: path.clone(),
                id: operation["operationId"]
                    .as_str()
                    .unwrap_or("(no operationId)")
                    .to_owned(),
                security,
                responses: operation["responses"]
                    .as_object()
                    .map_or_else(Vec::new, |r| r.keys().cloned().collect()),
                parameters,
                body,
            });
        }
    }
    found
}

/// An operation's `security` list, in the terms of [`Security`]. A scheme the matrix does not
/// know stops the test: a new way of authenticating needs its own callers here.
fn security_of(path: &str, requirements: &Value) -> Security {
    let requirements = requirements.as_array().expect("security is a list");
    let mut anonymous = false;
    let mut found = None;
    for requirement in requirements {
        let requirement = requirement.as_object().expect("a security requirement");
        if requirement.is_empty() {
            anonymous = true;
            continue;
        }
        assert_eq!(
            requirement.len(),
            1,
            "{path}: the matrix knows one scheme per requirement, not {requirement:?}"
        );
        let (scheme, scopes) = requirement.iter().next().expect("one scheme");
        let scopes: Vec<String> = scopes
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().expect("a scope").to_owned())
            .collect();
        let security = match scheme.as_str() {
            "bearer" => {
                for role in &scopes {
                    assert!(
                        ROLES.contains(&role.as_str()),
                        "{path}: bearer scope `{role}` is not a role"
                    );
                }
                Security::Bearer {
                    anonymous: false,
                    roles: scopes,
                }
            }
            "metrics_token" => Security::MetricsToken,
            other => panic!(
                "{path}: security scheme `{other}` is unknown to the access matrix; teach \
                 tests/api/access_matrix.rs who holds it"
            ),
        };
        assert!(
            found.replace(security).is_none(),
            "{path}: the matrix knows one scheme per operation"
        );
    }
    match found {
        None => Security::Public,
        Some(Security::Bearer { roles, .. }) => Security::Bearer { anonymous, roles },
        Some(Security::MetricsToken) => {
            assert!(
                !anonymous,
                "{path}: an optional metrics token is unknown to the matrix"
            );
            Security::MetricsToken
        }
        Some(Security::Public) => unreachable!(),
    }
}
