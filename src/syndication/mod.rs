//! Syndication: what the site publishes for others to read without the API, namely feeds (RSS,
//! Atom, JSON Feed) for readers and aggregators and sitemaps for search engines.

pub mod feeds;
pub mod sitemaps;

/// `document` without the characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF,
/// unpaired surrogates cannot occur in Rust strings): one such character in a headline would
/// make a whole feed or sitemap unreadable. Markup never contains them, so filtering the
/// finished document only touches text.
pub fn xml_safe(document: String) -> String {
    fn allowed(c: char) -> bool {
        matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }
    if document.chars().all(allowed) {
        return document;
    }
    document.chars().filter(|c| allowed(*c)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn characters_xml_forbids_are_dropped_and_nothing_else() {
        let text = "<t>Tab\there\u{B}, form\u{C}feed, \u{FFFF} and é 𝄞</t>".to_owned();
        assert_eq!(super::xml_safe(text), "<t>Tab\there, formfeed,  and é 𝄞</t>");
    }
}
