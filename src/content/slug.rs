//! Slugs: lowercase ASCII words joined by single hyphens, never purely numeric.

/// The longest slug accepted or generated.
pub const MAX_SLUG_LEN: usize = 120;

/// A slug from free text, transliterated to ASCII ("Café Zürich" -> "cafe-zurich").
/// A text with no letters gets an `n-` prefix so the slug is never purely numeric.
pub fn slugify(text: &str) -> String {
    let mut slug = slug::slugify(text);
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
    }
    if !slug.is_empty() && !slug.bytes().any(|b| b.is_ascii_lowercase()) {
        slug.insert_str(0, "n-");
    }
    slug
}

/// Why a given slug is refused, or `None` when it is well-formed.
pub fn problem(slug: &str) -> Option<&'static str> {
    if slug.is_empty() {
        return Some("must not be empty");
    }
    if slug.len() > MAX_SLUG_LEN {
        return Some("must be at most 120 characters");
    }
    let well_formed = slug
        .split('-')
        .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if !well_formed {
        return Some("must be lowercase ASCII letters and digits in words joined by single hyphens");
    }
    if !slug.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("must not be purely numeric");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_transliterates_and_joins_words() {
        assert_eq!(
            slugify("Pakistan and Iran: De-escalation!"),
            "pakistan-and-iran-de-escalation"
        );
        assert_eq!(slugify("Café Zürich"), "cafe-zurich");
        assert_eq!(slugify("2024"), "n-2024");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(problem("world-news"), None);
        assert!(problem("World-News").is_some());
        assert!(problem("world--news").is_some());
        assert!(problem("-world").is_some());
        assert!(problem("12345").is_some());
        assert!(problem("").is_some());
    }
}
