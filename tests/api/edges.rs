//! Edges where the two backends part ways: values chrono accepts but PostgreSQL cannot store,
//! and rules that read then write, which PostgreSQL's READ COMMITTED does not serialize.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;

use crate::support::TestApp;

/// A cursor as the API encodes one (`{sort}.{micros}.{id}`), at midnight on 1 January of `year`.
fn forged_cursor(sort: char, year: i32) -> String {
    let at = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("chrono takes the year");
    let micros = at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("{sort}.{micros}.1"))
}

#[actix_web::test]
async fn a_cursor_with_a_time_no_article_can_have_is_a_400_on_both_backends() {
    let app = TestApp::new();
    for n in 0..3 {
        app.article(&format!("story-{n}"))
            .tags(&["t"])
            .published_hours_ago(n + 1)
            .create();
    }
    let sorts = [
        ('n', "-published_at"),
        ('o', "published_at"),
        ('u', "-updated_at"),
        ('l', "updated_at"),
    ];
    // Before PostgreSQL's range (4713 BC; these were 500s there), past anything stored (chrono
    // stops short of PostgreSQL's upper bound), and just outside the years an RFC 3339 time can
    // name: no cursor this API hands out says any of them.
    for year in [-200_000, -4_713, -1, 10_000, 200_000] {
        for (code, sort) in sorts {
            for filter in ["", "&tag=t"] {
                let uri = format!(
                    "/api/v1/articles?sort={sort}{filter}&cursor={}",
                    forged_cursor(code, year)
                );
                let response = app.get(&uri).await;
                assert_eq!(response.error_fields(400), ["cursor"], "{uri}: year {year}");
            }
        }
    }
    // The edges of the range still page.
    for year in [0, 9_999] {
        let uri = format!("/api/v1/articles?cursor={}", forged_cursor('n', year));
        app.get(&uri).await.json(200);
    }
}
