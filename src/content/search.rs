//! Search text as a reader types it, parsed by hand, and the highlighted snippets of the hits.
//!
//! Nothing a reader types reaches a search engine as syntax: the text is folded like the index
//! ([`fold`]: accents and scripts transliterated, lowercase), split into words of ASCII letters
//! and digits, and only the parsed [`Term`]s are written out as FTS5 or tsquery expressions
//! (`models::search`). Snippets are made here too, the same way on both backends: the text is
//! walked word by word, matches are wrapped in `<mark>`, everything else is HTML-escaped.

use super::html::{escape_text, fold, plain_text};

/// The longest search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words a search uses (those of phrases included); the rest are ignored.
pub const MAX_WORDS: usize = 8;
/// The shortest prefix (`word*`); a shorter one is searched as a whole word, since a prefix of
/// one or two letters expands to a large part of the vocabulary.
pub const MIN_PREFIX: usize = 3;
/// Words of a snippet.
pub const SNIPPET_WORDS: usize = 30;
/// The most characters of a hit's text (summary, then body) a snippet is looked for in: the
/// lead, where news copy says what a story is about. A long body's rest would cost time on
/// every search for little: when only it matches, the snippet is the start of the text.
pub const SNIPPET_SCAN_CHARS: usize = 4_000;

/// Words too common to narrow a search: dropped from the search unless quoted in a phrase.
/// A text of nothing else finds nothing.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "he", "her", "his",
    "in", "is", "it", "its", "not", "of", "on", "or", "she", "that", "the", "their", "they", "this", "to",
    "was", "were", "which", "will", "with",
];

/// One part of a search: every term must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A whole word.
    Word(String),
    /// Words starting with this (`diplo*`).
    Prefix(String),
    /// These words in this order, next to each other (`"border talks"`).
    Phrase(Vec<String>),
}

impl Term {
    fn words(&self) -> usize {
        match self {
            Term::Word(_) | Term::Prefix(_) => 1,
            Term::Phrase(words) => words.len(),
        }
    }
}

/// The terms of a search text (already checked for length): `"..."` quotes a phrase (an
/// unclosed quote runs to the end), `word*` is a prefix; every other character separates words
/// and means nothing. Stop words are dropped outside phrases, repeated terms are searched once,
/// and at most [`MAX_WORDS`] words are kept. No terms at all: the search finds nothing.
pub fn parse(q: &str) -> Vec<Term> {
    let folded = fold(q);
    let mut raw = Vec::new();
    let mut word = String::new();
    let mut phrase: Option<Vec<String>> = None;
    for c in folded.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            let w = std::mem::take(&mut word);
            match &mut phrase {
                Some(words) => words.push(w),
                None if c == '*' && w.len() >= MIN_PREFIX => raw.push(Term::Prefix(w)),
                None => raw.push(Term::Word(w)),
            }
        }
        if c == '"' {
            match phrase.take() {
                Some(words) => raw.extend(phrase_term(words)),
                None => phrase = Some(Vec::new()),
            }
        }
    }
    raw.extend(phrase.and_then(phrase_term));
    let mut terms: Vec<Term> = Vec::new();
    let mut words = 0;
    for term in raw {
        let common = match &term {
            Term::Word(w) => is_stop_word(w),
            Term::Prefix(_) => false,
            Term::Phrase(ws) => ws.iter().all(|w| is_stop_word(w)),
        };
        if common || terms.contains(&term) {
            continue;
        }
        if words + term.words() > MAX_WORDS {
            break;
        }
        words += term.words();
        terms.push(term);
    }
    terms
}

fn phrase_term(words: Vec<String>) -> Option<Term> {
    match words.len() {
        0 => None,
        1 => words.into_iter().next().map(Term::Word),
        _ => Some(Term::Phrase(words)),
    }
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// A word of a text: where it is, and, unless it is ASCII (compared as it is, ignoring case),
/// its folded parts (one word may fold to several: "北京" to "bei jing"). Most words of news
/// copy are ASCII, and a snippet walks thousands of them: they allocate nothing.
struct Token {
    start: usize,
    end: usize,
    folded: Vec<String>,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (start, c.is_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let word = &text[s..i];
                if word.is_ascii() {
                    out.push(Token {
                        start: s,
                        end: i,
                        folded: Vec::new(),
                    });
                } else {
                    let folded: Vec<String> = fold(word)
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect();
                    if !folded.is_empty() {
                        out.push(Token {
                            start: s,
                            end: i,
                            folded,
                        });
                    }
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The text a hit's snippet is cut from: the summary and the body's text, at most
/// [`SNIPPET_SCAN_CHARS`] characters of them.
pub fn snippet_source(summary: Option<&str>, body_html: &str) -> String {
    // Markup takes some of the HTML: twice the bound in bytes leaves enough text, and a tag
    // cut at the end is dropped whole by `plain_text`.
    let cut = body_html.floor_char_boundary(SNIPPET_SCAN_CHARS * 2);
    let text = format!(
        "{} {}",
        summary.unwrap_or_default(),
        plain_text(&body_html[..cut])
    );
    match text.char_indices().nth(SNIPPET_SCAN_CHARS) {
        Some((end, _)) => text[..end].to_owned(),
        None => text,
    }
}

/// Which tokens match a term.
fn marks(text: &str, tokens: &[Token], terms: &[Term]) -> Vec<bool> {
    // Every word part, with the token it belongs to: an ASCII word as it is in the text, other
    // words as their folded parts. Terms are folded (lowercase ASCII): compared ignoring case.
    let mut parts: Vec<(&str, usize)> = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        if token.folded.is_empty() {
            parts.push((&text[token.start..token.end], i));
        } else {
            parts.extend(token.folded.iter().map(|p| (p.as_str(), i)));
        }
    }
    let same = |part: &str, word: &str| part.eq_ignore_ascii_case(word);
    let starts = |part: &str, word: &str| {
        part.len() >= word.len() && part.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
    };
    let mut marked = vec![false; tokens.len()];
    for term in terms {
        match term {
            Term::Word(w) => parts
                .iter()
                .filter(|(p, _)| same(p, w))
                .for_each(|(_, i)| marked[*i] = true),
            Term::Prefix(w) => parts
                .iter()
                .filter(|(p, _)| starts(p, w))
                .for_each(|(_, i)| marked[*i] = true),
            Term::Phrase(ws) => {
                for start in 0..parts.len().saturating_sub(ws.len() - 1) {
                    let run = &parts[start..start + ws.len()];
                    if run.iter().zip(ws).all(|((p, _), w)| same(p, w)) {
                        run.iter().for_each(|(_, i)| marked[*i] = true);
                    }
                }
            }
        }
    }
    marked
}

/// `text` (plain text, whitespace collapsed) with the words matching `terms` wrapped in
/// `<mark>` and everything else HTML-escaped; `None` when no word matches.
pub fn highlight(text: &str, terms: &[Term]) -> Option<String> {
    let text = collapse(text);
    let tokens = tokens(&text);
    let marked = marks(&text, &tokens, terms);
    if !marked.contains(&true) {
        return None;
    }
    Some(render(&text, &tokens, &marked, 0, tokens.len()))
}

/// About [`SNIPPET_WORDS`] words of `text` (plain text) around the most matches, with the
/// matching words wrapped in `<mark>` and everything else HTML-escaped; `…` where the text was
/// cut. Without a match (the headline matched), the start of the text.
pub fn snippet(text: &str, terms: &[Term]) -> String {
    let text = collapse(text);
    let tokens = tokens(&text);
    if tokens.is_empty() {
        return escape_text(&text);
    }
    let marked = marks(&text, &tokens, terms);
    let window = SNIPPET_WORDS.min(tokens.len());
    // The first window holding the most marked words, started a few words before the first.
    let mut best = (0, 0);
    let mut count = marked[..window].iter().filter(|m| **m).count();
    if count > 0 {
        best = (count, 0);
    }
    for start in 1..=tokens.len() - window {
        count += usize::from(marked[start + window - 1]);
        count -= usize::from(marked[start - 1]);
        if count > best.0 {
            best = (count, start);
        }
    }
    let first_mark = (best.1..best.1 + window).find(|&i| marked[i]).unwrap_or(best.1);
    // A few words of lead-in before the first match.
    let start = first_mark.saturating_sub(5).min(tokens.len() - window);
    let end = (start + window).min(tokens.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let body = render(&text, &tokens, &marked, start, end);
    out.push_str(&body);
    if end < tokens.len() {
        out.push('…');
    }
    out
}

/// Tokens `from..to` of `text` and what lies between them, escaped, marked ones in `<mark>`;
/// the text before the first and after the last token is kept only at the text's own ends.
fn render(text: &str, tokens: &[Token], marked: &[bool], from: usize, to: usize) -> String {
    let mut out = String::with_capacity(text.len().min(1024) + 32);
    let begin = if from == 0 { 0 } else { tokens[from].start };
    let finish = if to == tokens.len() {
        text.len()
    } else {
        tokens[to - 1].end
    };
    let mut at = begin;
    for (token, mark) in tokens[from..to].iter().zip(&marked[from..to]) {
        out.push_str(&escape_text(&text[at..token.start]));
        let word = escape_text(&text[token.start..token.end]);
        if *mark {
            out.push_str("<mark>");
            out.push_str(&word);
            out.push_str("</mark>");
        } else {
            out.push_str(&word);
        }
        at = token.end;
    }
    out.push_str(&escape_text(&text[at..finish]));
    out.trim().to_owned()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Term {
        Term::Word(s.to_owned())
    }

    #[test]
    fn parses_words_phrases_and_prefixes() {
        assert_eq!(parse("Border TALKS"), [w("border"), w("talks")]);
        assert_eq!(
            parse("\"border talks\" diplo*"),
            [
                Term::Phrase(vec!["border".into(), "talks".into()]),
                Term::Prefix("diplo".into())
            ]
        );
        // An unclosed quote runs to the end; a one-word phrase is a word.
        assert_eq!(
            parse("\"iran pakistan"),
            [Term::Phrase(vec!["iran".into(), "pakistan".into()])]
        );
        assert_eq!(parse("\"iran\""), [w("iran")]);
        // Short prefixes are whole words; stop words go unless quoted.
        assert_eq!(parse("ab* the iran"), [w("ab"), w("iran")]);
        assert_eq!(
            parse("\"state of the art\""),
            [Term::Phrase(vec![
                "state".into(),
                "of".into(),
                "the".into(),
                "art".into()
            ])]
        );
        // Engine syntax is only separators.
        assert_eq!(
            parse("NEAR(a b) OR c:* -d & e | !f"),
            [w("near"), w("b"), w("c"), w("d"), w("e"), w("f")]
        );
        assert!(parse("* : & | ! ( ) ^").is_empty());
        assert!(parse("the and of").is_empty());
        assert_eq!(parse("Zürich CAFÉ"), [w("zurich"), w("cafe")]);
        assert_eq!(parse("a b c d e f g h i j k l").len(), MAX_WORDS);
        assert_eq!(parse("iran iran"), [w("iran")]);
    }

    #[test]
    fn highlights_and_escapes() {
        let terms = parse("border");
        assert_eq!(
            highlight("<b>Border</b> & borders", &terms).as_deref(),
            Some("&lt;b&gt;<mark>Border</mark>&lt;/b&gt; &amp; borders")
        );
        assert_eq!(highlight("nothing here", &terms), None);
        let terms = parse("\"border talks\" diplo*");
        assert_eq!(
            highlight("Border talks, talks; diplomacy", &terms).as_deref(),
            Some("<mark>Border</mark> <mark>talks</mark>, talks; <mark>diplomacy</mark>")
        );
        assert_eq!(
            highlight("Café zürich", &parse("cafe")).as_deref(),
            Some("<mark>Café</mark> zürich")
        );
    }

    #[test]
    fn snippets_are_windows_around_the_matches() {
        let text: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let text = text.join(" ");
        let s = snippet(&text, &parse("w50"));
        assert!(s.starts_with("…w45 "), "{s}");
        assert!(s.contains("<mark>w50</mark>"));
        assert!(s.ends_with("w74…"), "{s}");
        let s = snippet(&text, &parse("nothing"));
        assert!(s.starts_with("w0 ") && s.ends_with("w29…"), "{s}");
        assert_eq!(
            snippet("short <text>", &parse("text")),
            "short &lt;<mark>text</mark>&gt;"
        );
        assert_eq!(snippet("", &parse("text")), "");
    }

    #[test]
    fn snippets_are_looked_for_in_the_lead_only() {
        let body = format!("<p>{}</p><p>late match</p>", "word ".repeat(2_000));
        let source = snippet_source(Some("The summary"), &body);
        let words: Vec<&str> = source.split_whitespace().take(4).collect();
        assert_eq!(words, ["The", "summary", "word", "word"]);
        assert_eq!(source.chars().count(), SNIPPET_SCAN_CHARS);
        assert!(!source.contains("late"));
        let short = snippet_source(None, "<p>Caf\u{e9} &amp; <b>more</b></p>");
        assert_eq!(
            short.split_whitespace().collect::<Vec<_>>(),
            ["Caf\u{e9}", "&", "more"]
        );
        // A multi-byte character at the cut is kept whole.
        let wide = "\u{e9}".repeat(SNIPPET_SCAN_CHARS * 2);
        assert_eq!(snippet_source(None, &wide).chars().count(), SNIPPET_SCAN_CHARS);
    }
}
