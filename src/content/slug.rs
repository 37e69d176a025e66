//! Slugs: lowercase ASCII words joined by single hyphens, never purely numeric.

/// The longest slug accepted or generated.
pub const MAX_SLUG_LEN: usize = 120;

/// A slug from free text, transliterated to ASCII ("Café Zürich" -> "cafe-zurich").
/// A text with no letters gets an `n-` prefix so the slug is never purely numeric.
/// At most [`MAX_SLUG_LEN`] bytes, cut between words where it can be.
pub fn slugify(text: &str) -> String {
    fit(&slug::slugify(text), MAX_SLUG_LEN)
}

/// `base` with the suffix `-n`, `base` shortened first so the whole stays within
/// [`MAX_SLUG_LEN`]: a unique slug is still a valid one.
pub fn with_suffix(base: &str, n: u32) -> String {
    let suffix = format!("-{n}");
    let head = fit(base, MAX_SLUG_LEN.saturating_sub(suffix.len()));
    format!("{head}{suffix}")
}

/// `slug` in at most `room` bytes, never purely numeric: cut at a character boundary, back to
/// the last whole word when the cut falls inside one, without a trailing hyphen; then `n-` in
/// front when no letter is left.
fn fit(slug: &str, room: usize) -> String {
    let head = shorten(slug, room);
    if head.is_empty() || head.bytes().any(|b| b.is_ascii_lowercase()) {
        return head.to_owned();
    }
    format!("n-{}", shorten(head, room.saturating_sub(2)))
}

fn shorten(slug: &str, room: usize) -> &str {
    if slug.len() <= room {
        return slug;
    }
    let mut cut = room;
    while !slug.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &slug[..cut];
    let whole_words = if slug[cut..].starts_with('-') {
        head
    } else {
        head.rfind('-').map_or(head, |i| &head[..i])
    };
    whole_words.trim_end_matches('-')
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
    fn generated_slugs_stay_within_the_limit_and_valid() {
        let long = "word ".repeat(40);
        let numeric = "2024 ".repeat(40);
        let letter_last = format!("{}x", "1 ".repeat(70));
        for text in [
            long.as_str(),
            numeric.as_str(),
            letter_last.as_str(),
            &"a".repeat(300),
        ] {
            let base = slugify(text);
            assert!(base.len() <= MAX_SLUG_LEN, "{base}");
            assert_eq!(problem(&base), None, "{base}");
            for n in [2, 9, 10, 1000, u32::MAX] {
                let suffixed = with_suffix(&base, n);
                assert!(suffixed.len() <= MAX_SLUG_LEN, "{suffixed}");
                assert_eq!(problem(&suffixed), None, "{suffixed}");
                assert!(suffixed.ends_with(&format!("-{n}")));
            }
        }
        assert_eq!(with_suffix("short", 2), "short-2");
        assert!(slugify(&long).starts_with("word-word"));
        assert!(!slugify(&long).ends_with('-'));
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
