//! The stable codes of `FieldError.code`: one enum, so the spec lists every code a client can see.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares [`FieldCode`] once: each variant's wire name and its meaning (the doc comment), so
/// the spec's description and `FieldCode::ALL` cannot drift from the enum.
macro_rules! field_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal,)+) => {
        /// A stable snake_case code that says what is wrong with a field or parameter; clients
        /// switch on it (`message` is for humans and may change).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum FieldCode {
            $($(#[doc = $doc])+ #[serde(rename = $code)] $variant,)+
        }

        impl FieldCode {
            /// Every code, in declaration order.
            pub const ALL: &[FieldCode] = &[$(Self::$variant),+];

            /// The code as sent.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// What the code means (its doc comment), for the spec.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($($doc),+).trim_start(),)+
                }
            }
        }
    };
}

field_codes! {
    /// A required member or parameter is missing or blank.
    Required = "required",
    /// The value breaks a rule not named by a more specific code.
    Invalid = "invalid",
    /// The value has the wrong JSON type.
    InvalidType = "invalid_type",
    /// The value is not one of the allowed ones (an enum).
    InvalidValue = "invalid_value",
    /// The body is not valid JSON.
    InvalidJson = "invalid_json",
    /// A key is given twice in the body.
    DuplicateKey = "duplicate_key",
    /// A member the request type does not have.
    UnknownField = "unknown_field",
    /// A query parameter the route does not take.
    UnknownParameter = "unknown_parameter",
    /// A query parameter given more than once.
    DuplicateParameter = "duplicate_parameter",
    /// A form field given more than once.
    Repeated = "repeated",
    /// A number that is not a whole number in range.
    InvalidNumber = "invalid_number",
    /// Percent-escapes that are not UTF-8.
    InvalidUtf8 = "invalid_utf8",
    /// A text or list outside its length limits (counted in Unicode code points or items).
    Length = "length",
    /// A number outside its range.
    Range = "range",
    /// A value outside its allowed range (a page past the last, a focal point outside 0..1).
    OutOfRange = "out_of_range",
    /// Longer than allowed.
    TooLong = "too_long",
    /// More items than allowed.
    TooMany = "too_many",
    /// Empty where a value is needed (`q`).
    Empty = "empty",
    /// Not an e-mail address.
    Email = "email",
    /// Not an absolute http(s) URL.
    Url = "url",
    /// Not a slug (lowercase letters, digits and single hyphens, at least one letter).
    InvalidSlug = "invalid_slug",
    /// A value listed twice.
    Duplicate = "duplicate",
    /// Control characters in text.
    ControlCharacters = "control_characters",
    /// Bidirectional controls or zero-width characters in text.
    InvisibleCharacters = "invisible_characters",
    /// Neither an RFC 3339 time nor a date.
    InvalidTime = "invalid_time",
    /// Not a time zone of the IANA database.
    UnknownTimeZone = "unknown_time_zone",
    /// Not a well-formed BCP 47 language tag.
    InvalidLanguage = "invalid_language",
    /// A permalink pattern with unknown placeholders or without `{slug}` or `{id}`.
    InvalidPermalink = "invalid_permalink",
    /// A site address that is not an absolute http(s) URL without query or fragment.
    InvalidBaseUrl = "invalid_base_url",
    /// A navigation entry names both a section and a URL, or neither.
    OneTarget = "one_target",
    /// Names something (a section, tag, source, user, media item, comment) that does not exist.
    NotFound = "not_found",
    /// Refers to a resource that does not exist or is still in use (a database reference).
    Reference = "reference",
    /// Still used by other resources, listed one per error.
    InUse = "in_use",
    /// Already used by another resource (a slug, an e-mail address).
    Taken = "taken",
    /// A section would become its own ancestor.
    Cycle = "cycle",
    /// A reply nested deeper than allowed.
    TooDeep = "too_deep",
    /// The caller's role may not set this member.
    Forbidden = "forbidden",
    /// The combination is not allowed (alt text on a decorative image).
    NotAllowed = "not_allowed",
    /// Two parameters that exclude each other are both given.
    Conflict = "conflict",
    /// A parameter that cannot be combined with a draft preview.
    NotWithPreview = "not_with_preview",
    /// A preview token that is not well-formed.
    InvalidToken = "invalid_token",
    /// An image in the body that is not from the media library, where only those are accepted.
    ForeignImage = "foreign_image",
    /// A slug another article has or had, as told to an author (who may not learn whose).
    Unavailable = "unavailable",
    /// A password too weak to accept.
    Weak = "weak",
    /// A new password too weak to accept.
    WeakPassword = "weak_password",
    /// An uploaded file that cannot be used (truncated, corrupt, too many pixels).
    Unusable = "unusable",
    /// A member `fields=` or `include=` does not know.
    UnknownMember = "unknown_member",
    /// A webhook URL the server refuses to call: not https in production, with credentials, or
    /// a non-public address.
    ForbiddenTarget = "forbidden_target",
}

impl FieldCode {
    /// The code of a `validator` rule: its built-in codes (`length`, `range`, `email`, `url`,
    /// `required`) and the codes our rules give by [`FieldCode::as_str`]; anything else is
    /// `invalid`.
    pub fn from_validator(code: &str) -> Self {
        Self::ALL
            .iter()
            .copied()
            .find(|known| known.as_str() == code)
            .unwrap_or(Self::Invalid)
    }
}

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for FieldCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::FieldCode;

    #[test]
    fn each_code_is_sent_as_its_declared_name() {
        for code in FieldCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            assert!(!code.meaning().is_empty(), "{code} has a meaning");
            assert_eq!(FieldCode::from_validator(code.as_str()), *code);
        }
        assert_eq!(FieldCode::from_validator("something_else"), FieldCode::Invalid);
    }
}
