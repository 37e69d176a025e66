//! What an article page's `<head>` needs: the resolved SEO and social values, and schema.org
//! structured data (a NewsArticle and a BreadcrumbList, as JSON-LD).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{ArticleDetail, BylineAuthor};
use crate::api::media::FeaturedImage;
use crate::domain::articles::Seo;
use crate::domain::site::absolute;
use crate::media::process::OutputFormat;
use crate::models::site::SiteRow;

/// The values to put in the page's `<head>`, overrides applied over the article's own fields.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleHead {
    /// `<title>`: the SEO title, or the headline.
    #[schema(example = "Pakistan and Iran Announce De-escalation Agreement Following Border Airstrikes")]
    pub title: String,
    /// `<meta name="description">`: the meta description, or the summary.
    pub description: Option<String>,
    /// `<link rel="canonical">`: the override (the original of syndicated copy), or the
    /// article's own `url`.
    #[schema(
        example = "https://news.example.com/world-news/pakistan-and-iran-announce-de-escalation-agreement"
    )]
    pub canonical_url: String,
    /// `<meta name="robots">`.
    #[schema(example = "index, follow")]
    pub robots: String,
    /// `og:title`: the social title, else the headline.
    pub social_title: String,
    /// `og:description`: the social description, else the description above.
    pub social_description: Option<String>,
    /// `og:image`: the social image, else the site's default social image.
    pub social_image_url: Option<String>,
}

/// What an article shows by default, before its SEO overrides.
pub struct OwnFields<'a> {
    pub headline: &'a str,
    pub summary: Option<&'a str>,
    pub url: &'a str,
}

/// Resolves the head: each override in `seo`, or the article's own value.
pub fn head(seo: &Seo, own: OwnFields<'_>, featured: Option<&FeaturedImage>, site: &SiteRow) -> ArticleHead {
    let description = seo.description.clone().or_else(|| own.summary.map(str::to_owned));
    ArticleHead {
        title: seo.title.clone().unwrap_or_else(|| own.headline.to_owned()),
        canonical_url: seo.canonical_url.clone().unwrap_or_else(|| own.url.to_owned()),
        robots: if seo.noindex {
            "noindex, follow"
        } else {
            "index, follow"
        }
        .to_owned(),
        social_title: seo
            .social_title
            .clone()
            .unwrap_or_else(|| own.headline.to_owned()),
        social_description: seo.social_description.clone().or_else(|| description.clone()),
        social_image_url: seo
            .social_image_url
            .clone()
            .or_else(|| featured.map(|image| absolute(&site.base_url, &share_image(image))))
            .or_else(|| site.social_image_url.clone()),
        description,
    }
}

/// The rendition a link preview shows: the widest JPEG or PNG variant up to 1280 pixels (what
/// social networks fetch best), else the full-size image.
fn share_image(image: &FeaturedImage) -> String {
    image
        .variants
        .iter()
        .filter(|v| v.format != OutputFormat::Webp && v.width <= 1280)
        .max_by_key(|v| v.width)
        .map_or_else(|| image.url.clone(), |v| v.url.clone())
}

/// schema.org ImageObjects of the featured image: the full size and each JPEG/PNG variant
/// (crawlers do not all read WebP).
fn image_objects(image: &FeaturedImage, base_url: &str) -> Value {
    let url = |url: &str| absolute(base_url, url);
    let mut objects = vec![
        json!({"@type": "ImageObject", "url": url(&image.url), "width": image.width, "height": image.height}),
    ];
    objects.extend(
        image
            .variants
            .iter()
            .filter(|v| v.format != OutputFormat::Webp && v.width != image.width)
            .rev()
            .map(
                |v| json!({"@type": "ImageObject", "url": url(&v.url), "width": v.width, "height": v.height}),
            ),
    );
    if let (Some(first), Some(credit)) = (objects.first_mut(), &image.credit) {
        first["creditText"] = Value::from(credit.as_str());
    }
    Value::from(objects)
}

/// The schema.org NewsArticle of `detail` and the BreadcrumbList of its section, for one
/// `<script type="application/ld+json">` each.
pub fn structured_data(detail: &ArticleDetail, site: &SiteRow, home: &str) -> Vec<Value> {
    vec![news_article(detail, site), breadcrumbs(detail, home)]
}

fn news_article(detail: &ArticleDetail, site: &SiteRow) -> Value {
    let head = &detail.head;
    let publisher_name = site.publisher_name.clone().unwrap_or_else(|| site.name.clone());
    let mut publisher =
        json!({"@type": "Organization", "name": publisher_name, "url": format!("{}/", site.base_url)});
    if let Some(logo) = &site.logo_url {
        publisher["logo"] = json!({"@type": "ImageObject", "url": logo});
    }
    let mut article = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": detail.headline,
        "url": detail.url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": head.canonical_url},
        "author": authors(&detail.authors, detail.byline.as_deref(), &publisher_name),
        "publisher": publisher,
        "articleSection": detail.section.name,
        "keywords": detail.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "inLanguage": site.language,
        "wordCount": detail.word_count,
        "isAccessibleForFree": true,
    });
    let fields = [
        (
            "alternativeHeadline",
            detail.alternative_headline.clone().map(Value::from),
        ),
        ("description", head.description.clone().map(Value::from)),
        (
            "image",
            match (&detail.seo.social_image_url, &detail.featured_image) {
                (None, Some(image)) => Some(image_objects(image, &site.base_url)),
                _ => head.social_image_url.clone().map(|url| json!([url])),
            },
        ),
        (
            "datePublished",
            detail.published_at.map(|at| Value::from(at.to_rfc3339())),
        ),
        (
            "dateModified",
            detail
                .public_updated_at
                .or(detail.published_at)
                .map(|at| Value::from(at.to_rfc3339())),
        ),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            article[name] = value;
        }
    }
    article
}

/// The byline as schema.org authors: each credited person (with their profile page when it is
/// public), or else the free-text byline as an organisation ("By Agencies" is "Agencies"), or
/// else the publisher.
fn authors(credited: &[BylineAuthor], byline: Option<&str>, publisher: &str) -> Value {
    if !credited.is_empty() {
        return credited
            .iter()
            .map(|a| {
                let mut person = json!({"@type": "Person", "name": a.display_name});
                if let Some(url) = &a.url {
                    person["url"] = json!(url);
                }
                if let Some(title) = &a.job_title {
                    person["jobTitle"] = json!(title);
                }
                person
            })
            .collect();
    }
    let name = byline
        .map(|b| {
            b.strip_prefix("By ")
                .or_else(|| b.strip_prefix("by "))
                .unwrap_or(b)
                .trim()
        })
        .filter(|b| !b.is_empty())
        .unwrap_or(publisher);
    json!([{"@type": "Organization", "name": name}])
}

/// Home, then each section from the root down, then the article itself.
fn breadcrumbs(detail: &ArticleDetail, home: &str) -> Value {
    let base = home.trim_end_matches('/');
    let mut items = vec![json!({"@type": "ListItem", "position": 1, "name": "Home", "item": home})];
    for crumb in &detail.section.breadcrumb {
        items.push(json!({
            "@type": "ListItem",
            "position": items.len() + 1,
            "name": crumb.name,
            "item": format!("{base}/{}", crumb.slug),
        }));
    }
    items.push(json!({"@type": "ListItem", "position": items.len() + 1, "name": detail.headline, "item": detail.url}));
    json!({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items})
}
