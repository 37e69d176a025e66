//! Compression of JSON answers when the client accepts it (brotli, else gzip), above a small size
//! where it pays.

use std::io::Write;

use actix_web::http::header::{self, HeaderMap};
use bytes::Bytes;

/// A content coding this service produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` value, `None` for identity.
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }

    /// Strong validators differ per coding (RFC 9110 section 8.8.3): a suffix for the ETag.
    pub fn etag_suffix(self) -> &'static str {
        match self {
            Self::Identity => "",
            Self::Gzip => "-gz",
            Self::Brotli => "-br",
        }
    }
}

/// The best coding the request accepts: brotli, then gzip, else identity. `q=0` refuses one.
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    let mut brotli = false;
    let mut gzip = false;
    for value in headers
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
    {
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            match coding.as_str() {
                "br" => brotli = !refused,
                "gzip" | "x-gzip" => gzip = !refused,
                _ => {}
            }
        }
    }
    if brotli {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// `body` in `encoding` (as it is, without a copy, for `identity`).
pub fn encode(body: Bytes, encoding: Encoding) -> Bytes {
    compress(&body, encoding).map_or(body, Bytes::from)
}

/// `body` compressed in `encoding`; `None` for `identity` or when compressing failed.
fn compress(body: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Identity => None,
        Encoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
            encoder.write_all(body).and_then(|()| encoder.finish()).ok()
        }
        Encoding::Brotli => {
            let mut out = Vec::with_capacity(body.len() / 3);
            // Quality 5: most of brotli's gain at a fraction of its top-quality cost.
            let params = brotli::enc::BrotliEncoderParams {
                quality: 5,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &body[..], &mut out, &params)
                .ok()
                .map(|_| out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn accept(value: &str) -> Encoding {
        negotiate(
            TestRequest::default()
                .insert_header(("Accept-Encoding", value))
                .to_http_request()
                .headers(),
        )
    }

    #[test]
    fn brotli_is_preferred_and_q_zero_refuses() {
        assert_eq!(accept("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(accept("gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(accept("identity"), Encoding::Identity);
    }

    #[test]
    fn encodings_round_trip() {
        let body = br#"{"data": "news news news news news news news"}"#.repeat(50);
        let body = Bytes::from(body);
        let gz = encode(body.clone(), Encoding::Gzip);
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut decoded).unwrap();
        assert_eq!(decoded, body);
        assert!(encode(body.clone(), Encoding::Brotli).len() < body.len() / 5);
        assert_eq!(encode(body.clone(), Encoding::Identity), body);
    }
}
