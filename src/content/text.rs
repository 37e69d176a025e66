//! One-line texts people read as names: which characters they may not hide, and the one form
//! (NFC) a name is stored in.

use unicode_normalization::UnicodeNormalization;

/// Bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and
/// zero-width characters (U+200B to U+200D, U+2060, U+FEFF). Unseen, they make one text pass for
/// another: "Admin\u{202E}gnp.exe" displays as "Adminexe.png", "Ed\u{200B}itor" as "Editor".
///
/// Names, slugs, headlines and summaries refuse them. Free text (comment and article bodies)
/// keeps them: U+200D joins emoji sequences, and bidirectional text needs its marks.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A character a URL may not hold as given (`rules::http_url`, a site's `base_url`): whitespace,
/// a control, or U+FEFF, which ECMAScript's `\s` counts as a space, so that the spec's
/// `[^\s...]` patterns mean the same in every regex dialect a client reads them in.
pub fn is_url_blank(c: char) -> bool {
    c.is_whitespace() || c.is_control() || c == '\u{FEFF}'
}

/// The message of the `invisible_characters` field error.
pub const INVISIBLE_MESSAGE: &str =
    "must not contain invisible formatting characters (bidirectional controls, zero-width characters)";

/// A name as stored: trimmed and composed (NFC), so that "é" typed as one character and "e"
/// followed by a combining accent are the same name, byte for byte.
pub fn name(text: &str) -> String {
    text.trim().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invisible_characters_are_the_listed_ones() {
        let listed: Vec<u32> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| is_invisible_format(*c))
            .map(u32::from)
            .collect();
        let expected: Vec<u32> = [0x061C]
            .into_iter()
            .chain(0x200B..=0x200F)
            .chain(0x202A..=0x202E)
            .chain([0x2060])
            .chain(0x2066..=0x2069)
            .chain([0xFEFF])
            .collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn names_are_trimmed_and_composed() {
        assert_eq!(name("  Zoe\u{301} "), "Zo\u{e9}");
        assert_eq!(name("Zo\u{e9}"), "Zo\u{e9}");
    }
}
