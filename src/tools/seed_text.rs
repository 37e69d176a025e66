//! News-like text for `dateline seed`: words drawn with the skewed frequencies of real news
//! copy, grouped in themes, so that full-text search meets a realistic archive.
//!
//! In real news a few words (`the`, `said`, `government`) are in nearly every story, and most
//! words belong to a subject: `border` and `talks` are common in diplomacy stories and rare
//! elsewhere. Each generated story has a place, a main theme and a second theme; each word is
//! drawn from one of five pools (function words, general news words, the main theme's, the
//! second theme's, any theme's), and within a pool by Zipf's law (the k-th word is k times rarer
//! than the first). A two-word query about one subject then matches a few percent of the
//! archive, as in a real one, while common words still match nearly all of it.

use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;

/// Words in nearly every sentence of any story.
const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "in", "a", "on", "for", "that", "said", "with", "was", "by", "at", "as",
    "from", "is", "it", "has", "its", "have", "were", "be", "been", "this", "which", "their", "after", "but",
    "not", "also", "would", "could", "more", "than", "over", "about", "into", "while", "since",
];

/// News words that any subject uses.
const GENERAL_WORDS: &[&str] = &[
    "government",
    "officials",
    "statement",
    "week",
    "country",
    "people",
    "region",
    "reported",
    "announced",
    "plans",
    "new",
    "public",
    "national",
    "local",
    "residents",
    "years",
    "expected",
    "support",
    "leaders",
    "international",
    "called",
    "response",
    "first",
    "time",
    "across",
    "capital",
    "city",
    "province",
    "according",
    "sources",
    "spokesperson",
    "confirmed",
    "details",
    "remain",
    "unclear",
    "continues",
    "month",
    "year",
    "million",
    "percent",
    "including",
    "told",
    "meeting",
    "policy",
    "further",
    "state",
    "major",
    "recent",
    "several",
    "since",
    "days",
    "measures",
    "issue",
    "report",
    "group",
    "set",
    "part",
    "number",
    "agency",
    "minister",
];

/// The subjects of stories and the words that mark each one, most characteristic first.
const THEMES: &[&[&str]] = &[
    &[
        "talks",
        "border",
        "agreement",
        "foreign",
        "delegation",
        "summit",
        "ambassador",
        "embassy",
        "visit",
        "envoy",
        "treaty",
        "dialogue",
        "diplomatic",
        "ties",
    ],
    &[
        "security",
        "forces",
        "council",
        "military",
        "attack",
        "troops",
        "militants",
        "airstrike",
        "defence",
        "border",
        "ceasefire",
        "tensions",
        "intelligence",
        "patrol",
    ],
    &[
        "economic",
        "growth",
        "market",
        "prices",
        "inflation",
        "analysts",
        "forecast",
        "interest",
        "rates",
        "bank",
        "currency",
        "recession",
        "economy",
        "demand",
    ],
    &[
        "trade",
        "agreement",
        "exports",
        "imports",
        "tariffs",
        "goods",
        "deal",
        "signed",
        "partners",
        "shipping",
        "ports",
        "customs",
        "quota",
        "surplus",
    ],
    &[
        "energy",
        "crisis",
        "supply",
        "gas",
        "oil",
        "power",
        "electricity",
        "grid",
        "fuel",
        "shortages",
        "pipeline",
        "renewable",
        "solar",
        "prices",
    ],
    &[
        "parliament",
        "vote",
        "election",
        "opposition",
        "party",
        "coalition",
        "candidates",
        "campaign",
        "ballot",
        "lawmakers",
        "president",
        "polls",
        "turnout",
        "reform",
    ],
    &[
        "budget",
        "reform",
        "spending",
        "taxes",
        "deficit",
        "finance",
        "debt",
        "revenue",
        "cuts",
        "pension",
        "fiscal",
        "treasury",
        "ministry",
        "subsidies",
    ],
    &[
        "court",
        "ruling",
        "appeal",
        "judge",
        "trial",
        "verdict",
        "lawyers",
        "prosecutors",
        "case",
        "sentence",
        "charges",
        "supreme",
        "evidence",
        "hearing",
    ],
    &[
        "union",
        "workers",
        "negotiations",
        "strike",
        "wages",
        "employers",
        "jobs",
        "unemployment",
        "contract",
        "protest",
        "factory",
        "pay",
        "shifts",
        "talks",
    ],
    &[
        "storm",
        "flooding",
        "relief",
        "weather",
        "rain",
        "rescue",
        "evacuated",
        "damage",
        "homes",
        "emergency",
        "drought",
        "heatwave",
        "villages",
        "aid",
    ],
    &[
        "hospital",
        "vaccine",
        "study",
        "researchers",
        "patients",
        "doctors",
        "disease",
        "outbreak",
        "treatment",
        "clinical",
        "infections",
        "nurses",
        "health",
        "trial",
    ],
    &[
        "company",
        "shares",
        "profits",
        "quarter",
        "investors",
        "executive",
        "earnings",
        "stock",
        "merger",
        "sales",
        "losses",
        "board",
        "revenue",
        "chief",
    ],
    &[
        "migrants",
        "refugees",
        "asylum",
        "camps",
        "crossing",
        "humanitarian",
        "displaced",
        "shelter",
        "border",
        "aid",
        "deportation",
        "families",
        "route",
        "agencies",
    ],
    &[
        "schools",
        "students",
        "teachers",
        "university",
        "exams",
        "curriculum",
        "classrooms",
        "tuition",
        "enrolment",
        "literacy",
        "scholarships",
        "campus",
        "graduates",
        "education",
    ],
    &[
        "technology",
        "data",
        "internet",
        "startups",
        "software",
        "artificial",
        "intelligence",
        "chips",
        "digital",
        "platform",
        "users",
        "privacy",
        "cyber",
        "network",
    ],
    &[
        "climate",
        "emissions",
        "carbon",
        "temperatures",
        "glaciers",
        "forests",
        "pollution",
        "targets",
        "warming",
        "coal",
        "wildlife",
        "conservation",
        "summit",
        "drought",
    ],
    &[
        "transport",
        "railway",
        "trains",
        "airport",
        "flights",
        "roads",
        "highway",
        "passengers",
        "ferry",
        "traffic",
        "metro",
        "bridge",
        "construction",
        "airline",
    ],
    &[
        "police",
        "arrested",
        "suspects",
        "investigation",
        "officers",
        "crime",
        "robbery",
        "murder",
        "gang",
        "raid",
        "detained",
        "charged",
        "victims",
        "custody",
    ],
    &[
        "match",
        "team",
        "coach",
        "players",
        "season",
        "league",
        "goal",
        "tournament",
        "final",
        "cup",
        "fans",
        "stadium",
        "championship",
        "victory",
    ],
    &[
        "film",
        "festival",
        "music",
        "artists",
        "museum",
        "exhibition",
        "book",
        "author",
        "award",
        "audience",
        "theatre",
        "concert",
        "heritage",
        "premiere",
    ],
];

/// Where a word of a body comes from, and how often (in thousandths): about seven words in ten
/// are function or general words, two the story's main theme, and one in two hundred any theme.
const BODY_POOLS: [(Pool, u32); 5] = [
    (Pool::Function, 420),
    (Pool::General, 345),
    (Pool::Main, 180),
    (Pool::Second, 50),
    (Pool::AnyTheme, 5),
];

/// A headline is mostly its subject.
const HEADLINE_POOLS: [(Pool, u32); 5] = [
    (Pool::Function, 200),
    (Pool::General, 250),
    (Pool::Main, 400),
    (Pool::Second, 100),
    (Pool::AnyTheme, 50),
];

#[derive(Debug, Clone, Copy)]
enum Pool {
    Function,
    General,
    Main,
    Second,
    AnyTheme,
}

/// Zipf's law over `n` ranks: the k-th (from 1) weighs 1/k.
fn zipf(n: usize) -> WeightedIndex<f64> {
    WeightedIndex::new((1..=n).map(|k| 1.0 / k as f64)).expect("a non-empty list of positive weights")
}

/// The word samplers, built once per seed run.
pub struct Vocabulary {
    function: WeightedIndex<f64>,
    general: WeightedIndex<f64>,
    theme: Vec<WeightedIndex<f64>>,
    body_pools: WeightedIndex<u32>,
    headline_pools: WeightedIndex<u32>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Self::new()
    }
}

impl Vocabulary {
    pub fn new() -> Self {
        let pools = |list: &[(Pool, u32)]| {
            WeightedIndex::new(list.iter().map(|(_, w)| *w)).expect("positive pool weights")
        };
        Self {
            function: zipf(FUNCTION_WORDS.len()),
            general: zipf(GENERAL_WORDS.len()),
            theme: THEMES.iter().map(|words| zipf(words.len())).collect(),
            body_pools: pools(&BODY_POOLS),
            headline_pools: pools(&HEADLINE_POOLS),
        }
    }

    /// A new story's subject: the place it is about and two different themes.
    pub fn story<'p>(&self, rng: &mut StdRng, place: &'p str) -> Story<'p> {
        let main = rng.random_range(0..THEMES.len());
        let second = (main + rng.random_range(1..THEMES.len())) % THEMES.len();
        Story { place, main, second }
    }

    /// A headline of `min..=max` words after the place (`Place: Words of the subject`).
    pub fn headline(&self, rng: &mut StdRng, story: &Story, min: usize, max: usize) -> String {
        let words = self.words(rng, story, &HEADLINE_POOLS, &self.headline_pools, min, max);
        format!("{}: {}", story.place, capitalized(&words))
    }

    /// A sentence of `min..=max` words, capitalized, with a full stop.
    pub fn sentence(&self, rng: &mut StdRng, story: &Story, min: usize, max: usize) -> String {
        let words = self.words(rng, story, &BODY_POOLS, &self.body_pools, min, max);
        format!("{}.", capitalized(&words))
    }

    /// A reader's remark: a sentence on a random subject.
    pub fn remark(&self, rng: &mut StdRng, min: usize, max: usize) -> String {
        let story = self.story(rng, "");
        self.sentence(rng, &story, min, max)
    }

    fn words(
        &self,
        rng: &mut StdRng,
        story: &Story,
        pools: &[(Pool, u32)],
        pick: &WeightedIndex<u32>,
        min: usize,
        max: usize,
    ) -> Vec<&'static str> {
        let n = rng.random_range(min..=max);
        (0..n)
            .map(|_| {
                let pool = pools[pick.sample(rng)].0;
                self.word(rng, story, pool)
            })
            .collect()
    }

    fn word(&self, rng: &mut StdRng, story: &Story, pool: Pool) -> &'static str {
        match pool {
            Pool::Function => FUNCTION_WORDS[self.function.sample(rng)],
            Pool::General => GENERAL_WORDS[self.general.sample(rng)],
            Pool::Main => self.theme_word(rng, story.main),
            Pool::Second => self.theme_word(rng, story.second),
            Pool::AnyTheme => {
                let theme = rng.random_range(0..THEMES.len());
                self.theme_word(rng, theme)
            }
        }
    }

    fn theme_word(&self, rng: &mut StdRng, theme: usize) -> &'static str {
        THEMES[theme][self.theme[theme].sample(rng)]
    }
}

/// What one generated story is about.
pub struct Story<'p> {
    pub place: &'p str,
    main: usize,
    second: usize,
}

impl Story<'_> {
    /// A paragraph of 4-6 sentences of 10-16 words, naming the place once.
    pub fn paragraph(&self, vocabulary: &Vocabulary, rng: &mut StdRng) -> String {
        let sentences: Vec<String> = (0..rng.random_range(4..=6))
            .map(|_| vocabulary.sentence(rng, self, 10, 16))
            .collect();
        let mention = format!("In {}, {}", self.place, lower_first(&sentences[0]));
        std::iter::once(mention)
            .chain(sentences.into_iter().skip(1))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn capitalized(words: &[&str]) -> String {
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

fn lower_first(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The share of `stories` whose text contains every one of `words`.
    fn share(stories: &[String], words: &[&str]) -> f64 {
        let hits = stories
            .iter()
            .filter(|text| {
                let tokens: std::collections::HashSet<&str> =
                    text.split(|c: char| !c.is_ascii_alphanumeric()).collect();
                words.iter().all(|w| tokens.contains(w))
            })
            .count();
        hits as f64 / stories.len() as f64
    }

    #[test]
    fn common_words_are_everywhere_and_subjects_are_rare() {
        let vocabulary = Vocabulary::new();
        let mut rng = StdRng::seed_from_u64(7);
        let stories: Vec<String> = (0..2000)
            .map(|_| {
                let story = vocabulary.story(&mut rng, "Kenya");
                (0..9)
                    .map(|_| story.paragraph(&vocabulary, &mut rng).to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert!(share(&stories, &["the", "government"]) > 0.95);
        let subject = share(&stories, &["border", "talks"]);
        assert!((0.01..0.15).contains(&subject), "border talks: {subject}");
        let unrelated = share(&stories, &["vaccine", "tariffs"]);
        assert!(unrelated < subject / 2.0, "vaccine tariffs: {unrelated}");
    }
}
