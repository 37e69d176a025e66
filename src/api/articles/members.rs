//! `fields=` and `include=`: which members an article answer carries.
//!
//! A list card is lean by default: the members read with the article itself, its section and
//! its tags. `include` adds the members that cost a query of their own (bylines, sources,
//! featured image, comment count); `fields` names exactly the members wanted, a sparse
//! fieldset, on cards and on the whole article. `id` is always sent, so a client can key what
//! it gets. An unknown name is a 400 naming the parameter and the name.

use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use serde_json::Value;

use crate::error::{AppError, FieldCode};

/// Declares the member names of one answer: the names, and a string enum of them for the spec
/// (a generated client types `fields` as a union of these names).
macro_rules! member_names {
    ($(#[doc = $doc:literal])* $name:ident { $($text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            /// Every name, in the answer's order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let doc: &[&str] = &[$($doc),*];
                crate::values::text_schema(doc, Self::NAMES.iter().copied())
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

member_names! {
    /// A member of an article card (`ArticleSummary`).
    SummaryField {
        "id",
        "slug",
        "headline",
        "summary",
        "section",
        "tags",
        "published_at",
        "updated_at",
        "url",
        "word_count",
        "reading_time_minutes",
        "authors",
        "sources",
        "featured_image",
        "comment_count",
    }
}

member_names! {
    /// A member a card leaves out unless asked: each costs a query of its own per page.
    Embed {
        "authors",
        "sources",
        "featured_image",
        "comment_count",
    }
}

member_names! {
    /// A member of a whole article (`ArticleDetail`).
    DetailField {
        "id",
        "slug",
        "headline",
        "alternative_headline",
        "summary",
        "body",
        "section",
        "tags",
        "sources",
        "author",
        "authors",
        "byline",
        "status",
        "published_at",
        "created_at",
        "updated_at",
        "comments_enabled",
        "comment_count",
        "public_updated_at",
        "corrections",
        "url",
        "word_count",
        "reading_time_minutes",
        "featured_image",
        "seo",
        "head",
        "structured_data",
    }
}

member_names! {
    /// A block of the story page the whole article embeds (`include` on `GET /articles/{slug}`).
    ArticleEmbed {
        "related",
        "comments",
    }
}

/// Which blocks a whole article embeds: each is exactly the default answer of its own route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArticleEmbeds {
    /// `GET /articles/{slug}/related`'s cards.
    pub related: bool,
    /// The first page of `GET /articles/{slug}/comments`.
    pub comments: bool,
}

impl ArticleEmbeds {
    pub fn any(self) -> bool {
        self.related || self.comments
    }
}

/// Which of the costly members a page of cards carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Embeds {
    pub authors: bool,
    pub sources: bool,
    pub featured_image: bool,
    pub comment_count: bool,
}

impl Embeds {
    /// Every costly member: for editorial lists and feeds, which show them all.
    pub const ALL: Self = Self {
        authors: true,
        sources: true,
        featured_image: true,
        comment_count: true,
    };

    fn add(&mut self, name: &str) {
        match name {
            "authors" => self.authors = true,
            "sources" => self.sources = true,
            "featured_image" => self.featured_image = true,
            "comment_count" => self.comment_count = true,
            _ => {}
        }
    }
}

/// The members a card answer carries: the lean default plus `include`, or exactly `fields`
/// (plus `include`, plus `id`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardShape {
    /// The members named by `fields`, when given.
    only: Option<Vec<&'static str>>,
    pub embeds: Embeds,
}

impl CardShape {
    /// Checks `fields` and `include` (comma-separated names): 400 naming the parameter and the
    /// first unknown or empty name.
    pub fn parse(fields: Option<&str>, include: Option<&str>) -> Result<Self, AppError> {
        let mut embeds = Embeds::default();
        let included = names("include", include, Embed::NAMES)?;
        for name in included.iter().flatten() {
            embeds.add(name);
        }
        let only = names("fields", fields, SummaryField::NAMES)?;
        if let Some(only) = &only {
            for name in only {
                embeds.add(name);
            }
        }
        let only = only.map(|mut only| {
            only.extend(included.into_iter().flatten());
            only
        });
        Ok(Self { only, embeds })
    }

    /// Keeps `names` too when `fields` cuts the cards down: members an answer adds to its
    /// cards (a search hit's snippet).
    pub fn keeping(mut self, names: &[&'static str]) -> Self {
        if let Some(only) = &mut self.only {
            only.extend_from_slice(names);
        }
        self
    }

    /// A card shape that carries every member (editorial lists, feeds).
    pub fn full() -> Self {
        Self {
            only: None,
            embeds: Embeds::ALL,
        }
    }

    /// Answers a list of stored cards (`json`, an object with a `data` array) with only the
    /// members asked for: as stored, byte for byte, when all are.
    pub fn respond_stored(
        &self,
        response: &mut HttpResponseBuilder,
        json: String,
    ) -> Result<HttpResponse, AppError> {
        respond_stored(response, json, self.only.as_deref(), map_cards)
    }

    /// Answers `list` (an object with a `data` array of cards), each card without the members
    /// `fields` did not name.
    pub fn respond<T: Serialize>(
        &self,
        response: &mut HttpResponseBuilder,
        list: &T,
    ) -> Result<HttpResponse, AppError> {
        Ok(match &self.only {
            Some(only) => response.json(map_cards(to_value(list)?, only)),
            None => response.json(list),
        })
    }
}

/// The members a whole article carries: all, or exactly `fields` (plus `id`), and the blocks
/// `include` embeds (always sent, whatever `fields` names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailShape {
    only: Option<Vec<&'static str>>,
    pub embeds: ArticleEmbeds,
}

impl DetailShape {
    /// Checks `fields` and `include`: 400 naming the parameter and the first unknown or empty
    /// name.
    pub fn parse(fields: Option<&str>, include: Option<&str>) -> Result<Self, AppError> {
        let included = names("include", include, ArticleEmbed::NAMES)?.unwrap_or_default();
        let embeds = ArticleEmbeds {
            related: included.contains(&"related"),
            comments: included.contains(&"comments"),
        };
        let only = names("fields", fields, DetailField::NAMES)?.map(|mut only| {
            only.extend(included);
            only
        });
        Ok(Self { only, embeds })
    }

    /// Answers a stored article document (`json`, written from an [`super::ArticleDetail`])
    /// with only the members asked for: as stored, byte for byte, when all are.
    pub fn respond_stored(
        &self,
        response: &mut HttpResponseBuilder,
        json: String,
    ) -> Result<HttpResponse, AppError> {
        respond_stored(response, json, self.only.as_deref(), keep)
    }

    /// Answers the article `detail` with only the members asked for.
    pub fn respond<T: Serialize>(
        &self,
        response: &mut HttpResponseBuilder,
        detail: &T,
    ) -> Result<HttpResponse, AppError> {
        Ok(match &self.only {
            Some(only) => response.json(keep(to_value(detail)?, only)),
            None => response.json(detail),
        })
    }
}

/// The names of a comma-separated list, each one of `known`, or `None` when the parameter is
/// absent. A name given twice counts once: the list is a set, and `id,id` asks for `id`.
fn names(
    param: &str,
    given: Option<&str>,
    known: &[&'static str],
) -> Result<Option<Vec<&'static str>>, AppError> {
    let Some(given) = given else {
        return Ok(None);
    };
    // `fields=` is the empty list (the form style's empty array): no member but `id`.
    if given.is_empty() {
        return Ok(Some(Vec::new()));
    }
    // The spec's `maxItems` is the number of names there are: a longer list breaks it.
    if given.split(',').count() > known.len() {
        return Err(AppError::bad_param(
            param,
            FieldCode::TooMany,
            format!("names more than the {} members there are", known.len()),
        ));
    }
    let mut out: Vec<&'static str> = Vec::new();
    for name in given.split(',') {
        let Some(&found) = known.iter().find(|k| **k == name) else {
            let message = if name.is_empty() {
                "has an empty name (names are separated by single commas)".to_owned()
            } else {
                format!("`{name}` is not a member; expected any of: {}", known.join(", "))
            };
            return Err(AppError::bad_param(param, FieldCode::UnknownMember, message));
        };
        if !out.contains(&found) {
            out.push(found);
        }
    }
    Ok(Some(out))
}

/// An answer as a JSON tree, to be cut down (our shapes always serialize).
fn to_value<T: Serialize>(answer: &T) -> Result<Value, AppError> {
    serde_json::to_value(answer).map_err(AppError::internal)
}

/// `list` (an object with a `data` array of cards) with each card cut down to `only`.
/// A stored document as stored, byte for byte, or, when `only` names members, parsed and cut to
/// them by `cut` (`keep` for an article, `map_cards` for a list).
fn respond_stored(
    response: &mut HttpResponseBuilder,
    json: String,
    only: Option<&[&'static str]>,
    cut: fn(Value, &[&str]) -> Value,
) -> Result<HttpResponse, AppError> {
    Ok(match only {
        Some(only) => {
            let parsed = serde_json::from_str(&json).map_err(AppError::internal)?;
            response.json(cut(parsed, only))
        }
        None => response.content_type("application/json").body(json),
    })
}

fn map_cards(mut list: Value, only: &[&str]) -> Value {
    if let Some(Value::Array(cards)) = list.get_mut("data") {
        for card in cards.iter_mut() {
            *card = keep(std::mem::take(card), only);
        }
    }
    list
}

/// `object` with only the members `only` names, and `id`.
fn keep(object: Value, only: &[&str]) -> Value {
    match object {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(name, _)| name == "id" || only.contains(&name.as_str()))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn include_adds_costly_members_and_fields_names_exactly() {
        let shape = CardShape::parse(None, Some("authors,comment_count")).unwrap();
        assert!(shape.embeds.authors && shape.embeds.comment_count);
        assert!(!shape.embeds.sources && !shape.embeds.featured_image);
        let shape = CardShape::parse(Some("slug,featured_image"), Some("sources")).unwrap();
        assert!(shape.embeds.featured_image && shape.embeds.sources && !shape.embeds.authors);
        let list = json!({"data": [{"id": 1, "slug": "a", "headline": "A", "sources": [], "featured_image": null}], "meta": {}});
        assert_eq!(
            map_cards(list, shape.only.as_deref().unwrap()),
            json!({"data": [{"id": 1, "slug": "a", "sources": [], "featured_image": null}], "meta": {}})
        );
    }

    #[test]
    fn unknown_and_empty_names_are_refused_and_repeated_ones_count_once() {
        for (fields, include) in [
            (Some("slug,nope"), None),
            (Some("slug,,url"), None),
            (None, Some("headline")),
        ] {
            assert!(
                CardShape::parse(fields, include).is_err(),
                "{fields:?} {include:?}"
            );
        }
        assert!(DetailShape::parse(Some("body,seo"), None).is_ok());
        let repeated = CardShape::parse(Some("id,slug,id"), Some("sources,sources")).unwrap();
        assert_eq!(repeated.only.as_deref(), Some(&["id", "slug", "sources"][..]));
        assert!(DetailShape::parse(Some("thumbnail"), None).is_err());
    }

    #[test]
    fn an_article_embeds_related_and_comments_whatever_fields_names() {
        let shape = DetailShape::parse(Some("headline"), Some("comments,related")).unwrap();
        assert!(shape.embeds.related && shape.embeds.comments);
        let detail =
            json!({"id": 1, "headline": "A", "body": "<p>b</p>", "related": [], "comments": {"data": []}});
        assert_eq!(
            keep(detail, shape.only.as_deref().unwrap()),
            json!({"id": 1, "headline": "A", "related": [], "comments": {"data": []}})
        );
        for include in ["authors", "related,,comments", "tags"] {
            assert!(DetailShape::parse(None, Some(include)).is_err(), "{include}");
        }
        assert!(!DetailShape::parse(None, None).unwrap().embeds.any());
    }
}
