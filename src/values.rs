//! Typed domain values: article status, comment status, role and audit action.
//!
//! Each is a Rust enum everywhere (handlers, domain rules, models) and text in the database and
//! in JSON, with the same spelling as before they were typed. [`text_enum!`] declares one: its
//! variants with their stored names, and it derives the rest (serde, OpenAPI schema, diesel
//! `ToSql`/`FromSql` for `Text` on every backend, `FromStr`, `Display`).

use std::fmt;

/// The stored text was not one of an enum's names (a row written by something else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a known {}", self.value, self.kind)
    }
}

impl std::error::Error for UnknownValue {}

/// The OpenAPI schema of a text enum: a string with these values, described by its doc lines.
pub fn text_schema<'a>(
    doc: &[&str],
    values: impl Iterator<Item = &'a str>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let description = doc.iter().map(|line| line.trim()).collect::<Vec<_>>().join("\n");
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .description(Some(description))
        .enum_values(Some(values.map(str::to_owned)))
        .into()
}

/// Declares a text-backed enum: `Variant = "stored name"`, one per line.
macro_rules! text_enum {
    ($(#[doc = $doc:literal])* $name:ident ($kind:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name stored in the database and written in JSON.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        // Written by hand: utoipa's derive does not see serde renames passed through a macro.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let doc: &[&str] = &[$($doc),*];
                crate::values::text_schema(doc, Self::ALL.iter().map(|v| v.as_str()))
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::str::FromStr for $name {
            type Err = crate::values::UnknownValue;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(crate::values::UnknownValue { kind: $kind, value: value.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                Ok(String::from_sql(bytes)?.parse()?)
            }
        }
    };
}

text_enum! {
    /// An article's editorial state. A `published` article whose `published_at` is still in the
    /// future is scheduled: invisible to the public until then.
    ArticleStatus ("article status") {
        Draft = "draft",
        Published = "published",
        Archived = "archived",
    }
}

text_enum! {
    /// A comment's moderation state.
    CommentStatus ("comment status") {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
        Spam = "spam",
    }
}

text_enum! {
    /// An editorial role. Admins can do everything; editors all content; authors their own drafts.
    Role ("role") {
        Admin = "admin",
        Editor = "editor",
        Author = "author",
    }
}

impl Role {
    /// Editors and admins: all content, publishing, taxonomy and moderation.
    pub fn is_editorial(self) -> bool {
        matches!(self, Self::Admin | Self::Editor)
    }
}

text_enum! {
    /// What an audit entry records. The part before the dot names the kind of resource.
    AuditAction ("audit action") {
        ArticleCreate = "article.create",
        ArticleReplace = "article.replace",
        ArticleUpdate = "article.update",
        ArticleTrash = "article.trash",
        ArticleUntrash = "article.untrash",
        ArticleRestoreRevision = "article.restore_revision",
        ArticleCorrect = "article.correct",
        TrashPurge = "trash.purge",
        SectionCreate = "section.create",
        SectionUpdate = "section.update",
        SectionDelete = "section.delete",
        TagCreate = "tag.create",
        TagUpdate = "tag.update",
        TagDelete = "tag.delete",
        SourceCreate = "source.create",
        SourceUpdate = "source.update",
        SourceDelete = "source.delete",
        CommentModerate = "comment.moderate",
        CommentModerateMany = "comment.moderate_many",
        CommentDelete = "comment.delete",
        UserCreate = "user.create",
        UserUpdate = "user.update",
        UserDelete = "user.delete",
        SiteUpdate = "site.update",
        AuthorUpdate = "author.update",
        MediaUpload = "media.upload",
        MediaUpdate = "media.update",
        MediaDelete = "media.delete",
        /// Files no row named were removed.
        MediaGc = "media.gc",
        /// A draft preview link was made (its id; the token is never logged).
        PreviewCreate = "preview.create",
        PreviewRevoke = "preview.revoke",
        WebhookCreate = "webhook.create",
        WebhookUpdate = "webhook.update",
        WebhookDelete = "webhook.delete",
        /// A new signing secret; the old one signs too until the overlap ends.
        WebhookRotateSecret = "webhook.rotate_secret",
        AuthLogin = "auth.login",
        AuthLoginFailed = "auth.login_failed",
        AuthLogout = "auth.logout",
        /// A refresh token presented again after it was rotated: taken as theft, the session
        /// was revoked.
        AuthRefreshReused = "auth.refresh_reused",
    }
}

text_enum! {
    /// What a webhook event reports. `article.published` also fires when a scheduled article's
    /// time comes; `article.updated` only for changes the public sees; `article.unpublished`
    /// when it leaves the public (archived, trashed, back to draft, rescheduled);
    /// `article.deleted` when it is removed for good. `webhook.ping` is a test sent on request.
    WebhookEvent ("webhook event") {
        ArticlePublished = "article.published",
        ArticleUpdated = "article.updated",
        ArticleUnpublished = "article.unpublished",
        ArticleDeleted = "article.deleted",
        CommentApproved = "comment.approved",
        SectionChanged = "section.changed",
        TagChanged = "tag.changed",
        SourceChanged = "source.changed",
        AuthorChanged = "author.changed",
        SiteChanged = "site.changed",
        MediaChanged = "media.changed",
        WebhookPing = "webhook.ping",
    }
}

text_enum! {
    /// Where a webhook delivery stands: `pending` (waiting for its first or next attempt),
    /// `delivered` (a 2xx answer), `failed` (no 2xx within the retry period).
    DeliveryState ("delivery state") {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
    }
}

impl AuditAction {
    /// The kind of resource the action is about, as the audit log's `resource_type` stores it.
    pub fn resource_type(self) -> &'static str {
        match self {
            Self::TrashPurge => "article",
            Self::AuthLogin | Self::AuthLoginFailed | Self::AuthLogout | Self::AuthRefreshReused => "session",
            other => other.as_str().split_once('.').map_or("", |(kind, _)| kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for status in ArticleStatus::ALL {
            assert_eq!(status.as_str().parse::<ArticleStatus>(), Ok(*status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(*action));
        }
        assert!("Draft".parse::<ArticleStatus>().is_err());
    }

    #[test]
    fn audit_actions_name_their_resource() {
        assert_eq!(AuditAction::TagCreate.resource_type(), "tag");
        assert_eq!(AuditAction::TrashPurge.resource_type(), "article");
        assert_eq!(AuditAction::AuthLogin.resource_type(), "session");
        assert_eq!(AuditAction::AuthRefreshReused.resource_type(), "session");
        assert_eq!(AuditAction::CommentModerateMany.resource_type(), "comment");
    }
}
