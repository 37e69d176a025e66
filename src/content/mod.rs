//! Content rules shared by the API and the CLI: slugs, HTML sanitizing and import.

pub mod html;
pub mod import;
pub mod search;
pub mod slug;
pub mod text;

/// At most `max` characters, cut at a word boundary, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let at_word = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.']))
}
