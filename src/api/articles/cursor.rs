//! Opaque cursors for keyset pagination: where a page ended, in the list's own order. A cursor
//! stays valid while new articles arrive (they land before it, not in the middle of the pages).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDateTime};

use crate::error::{AppError, FieldCode};
use crate::models::article::{ArticleSort, Keyset};

fn sort_code(sort: ArticleSort) -> char {
    match sort {
        ArticleSort::NewestFirst => 'n',
        ArticleSort::OldestFirst => 'o',
        ArticleSort::RecentlyUpdated => 'u',
        ArticleSort::LeastRecentlyUpdated => 'l',
    }
}

/// The cursor after `keyset` in a list in `sort` order.
pub fn encode(sort: ArticleSort, keyset: Keyset) -> String {
    let micros = keyset.at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("{}.{micros}.{}", sort_code(sort), keyset.id))
}

/// The years a stored time can fall in: times reach the database as RFC 3339 (years 0000 to
/// 9999) or as the clock's now, so a cursor this API hands out never names another year.
const YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

/// The position a cursor names; a cursor made for another order, a forged one, or no cursor at
/// all, is a 400 naming the parameter.
pub fn decode(cursor: &str, sort: ArticleSort) -> Result<Keyset, AppError> {
    let invalid = |why: &str| AppError::bad_param("cursor", FieldCode::Invalid, why.to_owned());
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid("is not a cursor from this API"))?;
    let text = String::from_utf8(bytes).map_err(|_| invalid("is not a cursor from this API"))?;
    let mut parts = text.splitn(3, '.');
    let (Some(code), Some(micros), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("is not a cursor from this API"));
    };
    if code.chars().ne(std::iter::once(sort_code(sort))) {
        return Err(invalid(
            "was made for another `sort`; keep the sort of the page it came from",
        ));
    }
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .map(|at| at.naive_utc())
        .filter(in_range)
        .ok_or_else(|| invalid("is not a cursor from this API"))?;
    let id = id
        .parse::<i64>()
        .map_err(|_| invalid("is not a cursor from this API"))?;
    Ok(Keyset { at, id })
}

/// A forged time outside [`YEARS`] would reach the query: chrono takes years PostgreSQL cannot
/// store (before 4713 BC it fails the whole statement), and SQLite compares them as text.
fn in_range(at: &NaiveDateTime) -> bool {
    YEARS.contains(&at.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_is_tied_to_its_order() {
        let at = DateTime::from_timestamp_micros(1_717_243_200_123_456)
            .unwrap()
            .naive_utc();
        let keyset = Keyset { at, id: 42 };
        let cursor = encode(ArticleSort::NewestFirst, keyset);
        assert_eq!(decode(&cursor, ArticleSort::NewestFirst).unwrap(), keyset);
        assert!(decode(&cursor, ArticleSort::OldestFirst).is_err());
        assert!(decode("not-a-cursor", ArticleSort::NewestFirst).is_err());
    }

    #[test]
    fn a_cursor_outside_the_years_of_stored_times_is_refused() {
        let at = |year| {
            chrono::NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap()
        };
        for (year, ok) in [
            (-4713, false),
            (-1, false),
            (0, true),
            (9999, true),
            (10_000, false),
        ] {
            let cursor = encode(ArticleSort::NewestFirst, Keyset { at: at(year), id: 1 });
            assert_eq!(decode(&cursor, ArticleSort::NewestFirst).is_ok(), ok, "{year}");
        }
    }
}
