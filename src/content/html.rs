//! Article bodies are HTML, sanitized on write to an allow-list fit for news copy: paragraphs,
//! headings, lists, links, emphasis, quotes, figures and images. Scripts, styles, iframes,
//! event handlers and `javascript:` URLs never reach the database.

use std::collections::HashSet;
use std::sync::LazyLock;

static BODY_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "a",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "small",
        "mark",
        "abbr",
        "cite",
        "q",
        "blockquote",
        "code",
        "pre",
        "figure",
        "figcaption",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "caption",
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .generic_attributes(HashSet::new())
        .tag_attributes(
            [
                ("a", ["href", "title"].into_iter().collect::<HashSet<_>>()),
                (
                    "img",
                    ["src", "alt", "title", "width", "height"].into_iter().collect(),
                ),
                ("blockquote", ["cite"].into_iter().collect()),
                ("q", ["cite"].into_iter().collect()),
                ("abbr", ["title"].into_iter().collect()),
                ("th", ["scope", "colspan", "rowspan"].into_iter().collect()),
                ("td", ["colspan", "rowspan"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// The body with everything outside the allow-list removed.
pub fn sanitize_body(html: &str) -> String {
    BODY_CLEANER.clean(html).to_string()
}

/// What full-text search indexes: the headlines, the summary and the body without its markup
/// (tags become spaces, common entities their characters).
pub fn search_text(
    headline: &str,
    alternative: Option<&str>,
    summary: Option<&str>,
    body_html: &str,
) -> String {
    let mut text = String::with_capacity(headline.len() + body_html.len() + 64);
    for part in [headline, alternative.unwrap_or(""), summary.unwrap_or("")] {
        text.push_str(part);
        text.push(' ');
    }
    let mut in_tag = false;
    for c in body_html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                text.push(' ');
            }
            (false, c) => text.push(c),
            (true, _) => {}
        }
    }
    for (entity, plain) in [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&nbsp;", " "),
    ] {
        if text.contains(entity) {
            text = text.replace(entity, plain);
        }
    }
    fold(&text)
}

/// Lowercase ASCII ("Zürich" -> "zurich"): stored text and searched words are folded alike, so
/// both backends ignore case and accents the same way.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// Escapes text for use inside an HTML element.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Paragraphs of plain text as an HTML body.
pub fn paragraphs_to_html(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape_text(p.trim())))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markup_is_removed() {
        let dirty = r#"<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src=x onerror="alert(1)"><iframe src="https://e.vil"></iframe><p style="color:red">s</p>"#;
        let clean = sanitize_body(dirty);
        for bad in ["script", "onclick", "javascript:", "onerror", "iframe", "style"] {
            assert!(!clean.contains(bad), "{bad} survived in {clean}");
        }
        assert!(clean.contains("<p>Hi</p>"));
    }

    #[test]
    fn search_text_drops_markup() {
        let text = search_text("Head", None, Some("Sum"), "<p>Body &amp; <em>more</em></p>");
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            ["head", "sum", "body", "&", "more"]
        );
        assert_eq!(fold("Zürich CAFÉ"), "zurich cafe");
    }

    #[test]
    fn news_markup_survives() {
        let html = r#"<h2>Title</h2><p><a href="https://example.com">link</a> <em>e</em></p><blockquote>q</blockquote><figure><img src="https://example.com/a.jpg" alt="a"><figcaption>c</figcaption></figure>"#;
        let clean = sanitize_body(html);
        assert!(clean.contains("<h2>Title</h2>"));
        assert!(clean.contains(r#"href="https://example.com""#));
        assert!(clean.contains("<figcaption>c</figcaption>"));
        assert!(clean.contains(r#"alt="a""#));
    }
}
