//! Cursors for keyset pagination: where a page ended (its last article's time and id), in the
//! list's own order. A cursor stays valid while new articles arrive (they land before it, not
//! in the middle of the pages).
//!
//! The form is `{micros}.{id}`: microseconds since 0000-01-01T00:00:00Z, then the article id,
//! both in decimal. Every string of that form ([`PATTERN`], the spec's) names a position: a time
//! past the last one a database stores is read as that last one, an id past `i64` as the
//! largest, so a schema-valid cursor is never refused. It names no order, so a cursor read with
//! another `sort` picks up after the same article in that order.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::error::{AppError, FieldCode};
use crate::models::article::Keyset;

/// A cursor's form, as the spec states it for the `cursor` parameter.
pub const PATTERN: &str = r"^[0-9]{1,18}\.[0-9]{1,19}$";

/// Where cursor times count from: the first instant RFC 3339 can write.
fn origin() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(0, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("year 0 is a date")
}

/// The last instant RFC 3339 can write (and both databases store): later times read as it.
fn last() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 999_999))
        .expect("year 9999 is a date")
}

/// The cursor after `keyset`.
pub fn encode(keyset: Keyset) -> String {
    let at = keyset.at.clamp(origin(), last());
    let micros = (at - origin()).num_microseconds().unwrap_or(0);
    format!("{micros}.{}", keyset.id)
}

/// The position a cursor names; one not of the form [`PATTERN`] is a 400 naming `cursor`.
pub fn decode(cursor: &str) -> Result<Keyset, AppError> {
    let digits =
        |text: &str, max: usize| (1..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    let (micros, id) = cursor
        .split_once('.')
        .filter(|(micros, id)| digits(micros, 18) && digits(id, 19))
        .ok_or_else(|| {
            AppError::bad_param(
                "cursor",
                FieldCode::Invalid,
                "is not a cursor from this API (`next_cursor`)",
            )
        })?;
    // Both fit: 18 decimal digits in an i64, 19 in a u64.
    let micros: i64 = micros.parse().unwrap_or(i64::MAX);
    let id: u64 = id.parse().unwrap_or(u64::MAX);
    let at = origin()
        .checked_add_signed(TimeDelta::microseconds(micros))
        .map_or(last(), |at| at.min(last()));
    Ok(Keyset {
        at,
        id: i64::try_from(id).unwrap_or(i64::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_has_the_documented_form() {
        let at = chrono::DateTime::from_timestamp_micros(1_717_243_200_123_456)
            .unwrap()
            .naive_utc();
        let keyset = Keyset { at, id: 42 };
        let cursor = encode(keyset);
        assert!(regex::Regex::new(PATTERN).unwrap().is_match(&cursor), "{cursor}");
        assert_eq!(decode(&cursor).unwrap(), keyset);
        for bad in [
            "not-a-cursor",
            "",
            "1.",
            ".1",
            "-1.1",
            "1.2.3",
            "1234567890123456789.1",
        ] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_cursor_of_the_documented_form_names_a_storable_position() {
        let span = (last() - origin()).num_microseconds().unwrap();
        for (cursor, at, id) in [
            ("0.1".to_owned(), origin(), 1),
            (
                "999999999999999999.9999999999999999999".to_owned(),
                last(),
                i64::MAX,
            ),
            (format!("{span}.7"), last(), 7),
            (format!("{}.7", span + 1), last(), 7),
        ] {
            assert_eq!(decode(&cursor).unwrap(), Keyset { at, id }, "{cursor}");
        }
    }
}
