//! The media library through HTTP, on the local disk and on a real S3-compatible server (moto on
//! loopback): upload and type detection, limits, metadata stripping and orientation, variants,
//! serving, the library routes, featured images on articles, delete and gc.

use std::io::Cursor;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use serde_json::{Value, json};

use crate::support::{Response, TestApp, s3};

/// Where the files of a test go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Local,
    S3,
}

/// Small widths keep the tests quick; the rules are the same as the defaults'.
const WIDTHS: [u32; 3] = [64, 128, 256];

/// A test app on `storage`, or `None` when the S3 server is not installed (outside CI).
fn app_on(storage: Storage, adjust: impl FnOnce(&mut dateline::config::Config)) -> Option<TestApp> {
    let endpoint = match storage {
        Storage::Local => None,
        Storage::S3 => Some(s3::endpoint()?),
    };
    Some(TestApp::with_config(|config| {
        config.media.widths = WIDTHS.to_vec();
        if let Some(endpoint) = &endpoint {
            s3::use_new_bucket(config, endpoint);
        }
        adjust(config);
    }))
}

/// A photograph-like gradient.
fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

fn encoded(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("encode");
    bytes
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encoded(DynamicImage::ImageRgb8(photo(width, height)), ImageFormat::Jpeg)
}

/// The GPS latitude of the test photograph, as EXIF stores it: 33/1, 41/1, 5127/100. No stored
/// file may hold these bytes.
const GPS_LATITUDE: [u8; 24] = [
    0, 0, 0, 33, 0, 0, 0, 1, 0, 0, 0, 41, 0, 0, 0, 1, 0, 0, 0x14, 0x07, 0, 0, 0, 100,
];

/// A JPEG `width` x `height` as stored, with EXIF (orientation 6: turn 90 degrees clockwise to
/// view; a GPS position), an XMP packet and IPTC data, as a camera or an agency would send.
fn jpeg_with_metadata(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a\x00\x00\x00\x08");
    // IFD0: Orientation = 6, GPS IFD at 38.
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    // GPS IFD: latitude ref "N", latitude (three rationals at 68).
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 68]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&GPS_LATITUDE);
    let segment = |marker: u8, payload: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    };
    let exif = segment(0xE1, &[b"Exif\x00\x00".as_slice(), &tiff].concat());
    let xmp = segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'><exif:GPSLatitude>33,41.85N</exif:GPSLatitude></x:xmpmeta>",
    );
    let iptc = segment(
        0xED,
        b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x5a\x00\x07Karachi",
    );
    [&plain[..2], &exif, &xmp, &iptc, &plain[2..]].concat()
}

/// A PNG with transparent pixels.
fn png_with_alpha(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |x, _| {
        Rgba([200, 30, 30, if x < width / 2 { 0 } else { 255 }])
    });
    encoded(DynamicImage::ImageRgba8(image), ImageFormat::Png)
}

/// A PNG header that declares 60,000 x 60,000 pixels (3.6 gigapixels): a decompression bomb.
fn png_bomb() -> Vec<u8> {
    png_declaring(60_000, 60_000)
}

/// A PNG that declares `width` x `height` pixels and holds little.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut crc = flate2::Crc::new();
    crc.update(&ihdr);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc.sum().to_be_bytes());
    // The start of its pixels: a megabyte of zeros in a kilobyte (a bomb's whole trick).
    let mut deflated = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut deflated, &vec![0u8; 1 << 20]).unwrap();
    let data = deflated.finish().unwrap();
    for (kind, payload) in [
        (b"IDAT".as_slice(), data.as_slice()),
        (b"IEND".as_slice(), &[][..]),
    ] {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(payload);
        png.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(payload);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    png
}

/// A multipart/form-data body: the file part (if any) and text fields.
fn form(file: Option<(&str, &str, &[u8])>, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "dateline-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_form(app: &TestApp, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Response {
    let mut request = TestRequest::post()
        .uri("/api/v1/media")
        .insert_header(("Content-Type", content_type.to_owned()))
        .set_payload(body);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    app.send(request).await
}

/// Uploads `bytes` as `photo.jpg` with an alt text and a credit.
async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> Response {
    let (content_type, body) = form(
        Some(("photo.jpg", "image/jpeg", bytes)),
        &[("alt", "Officials shake hands"), ("credit", "AFP / Getty Images")],
    );
    upload_form(app, Some(token), &content_type, body).await
}

/// The bytes of every stored file of `item`, fetched by URL.
async fn stored_files(app: &TestApp, item: &Value) -> Vec<(String, Vec<u8>)> {
    let mut urls = vec![item["url"].as_str().unwrap().to_owned()];
    urls.extend(
        item["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["url"].as_str().unwrap().to_owned()),
    );
    let mut files = Vec::new();
    for url in urls {
        files.push((url.clone(), fetch(app, &url).await.expect("a stored file")));
    }
    files
}

/// A file by its public URL: from the binary (local) or the bucket (S3); `None` when absent.
async fn fetch(app: &TestApp, url: &str) -> Option<Vec<u8>> {
    // A bucket's objects are private unless its policy says otherwise: read them as the server does.
    if url.starts_with("http://") {
        let key = app.state.media.key_of(url).expect("a URL of the store");
        return app.state.media.get(key).await.expect("the store answers");
    }
    let response = app.get(url).await;
    (response.status == 200).then_some(response.body)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

macro_rules! on_both_storages {
    ($($name:ident),* $(,)?) => {
        mod on_local_disk {
            $( #[actix_web::test] async fn $name() { super::$name(super::Storage::Local).await } )*
        }
        mod on_s3 {
            $( #[actix_web::test] async fn $name() { super::$name(super::Storage::S3).await } )*
        }
    };
}

on_both_storages!(
    a_photo_is_stored_upright_without_metadata_with_variants,
    every_accepted_format_is_read_from_its_bytes,
    a_file_disguised_by_name_and_type_is_refused_naming_what_it_is,
    truncated_and_corrupt_files_are_refused,
    the_byte_and_pixel_limits_refuse_before_decoding,
    editorial_fields_are_checked,
    the_library_lists_filters_and_edits_with_if_match,
    authors_see_and_change_only_their_own_uploads,
    an_article_shows_its_featured_image_in_detail_and_lists,
    an_image_in_use_is_not_deleted_and_a_deleted_one_takes_its_files,
    gc_removes_only_old_files_no_row_names,
    authors_feature_and_embed_only_their_own_uploads,
    body_images_naming_library_items_are_completed_at_write_time,
    the_site_logo_and_share_image_come_from_the_library,
);

async fn a_photo_is_stored_upright_without_metadata_with_variants(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, token) = app.logged_in("editor").await;
    // Stored 300 x 200 with orientation 6: upright it is 200 x 300.
    let response = upload(&app, &token, &jpeg_with_metadata(300, 200)).await;
    let item = response.json(201);
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/media/{}", item["id"]))
    );
    assert!(response.header("etag").is_some());
    assert_eq!(
        (item["width"].as_u64(), item["height"].as_u64()),
        (Some(200), Some(300))
    );
    assert_eq!(item["format"], "jpeg");
    assert_eq!(item["alt"], "Officials shake hands");
    assert_eq!(item["credit"], "AFP / Getty Images");
    assert_eq!(item["focal_point"], json!({"x": 0.5, "y": 0.5}));
    // Never enlarged: 64 and 128 below the width, then the full size (200 <= 256), each in WebP
    // and JPEG.
    let variants: Vec<(u64, u64, String)> = item["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["width"].as_u64().unwrap(),
                v["height"].as_u64().unwrap(),
                v["format"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        variants,
        vec![
            (64, 96, "webp".to_owned()),
            (64, 96, "jpeg".to_owned()),
            (128, 192, "webp".to_owned()),
            (128, 192, "jpeg".to_owned()),
            (200, 300, "webp".to_owned()),
            (200, 300, "jpeg".to_owned()),
        ]
    );
    let files = stored_files(&app, &item).await;
    assert_eq!(files.len(), 7);
    for (url, bytes) in &files {
        assert!(!contains(bytes, &GPS_LATITUDE), "{url} keeps the GPS position");
        for marker in [
            b"Exif".as_slice(),
            b"xmpmeta",
            b"Photoshop 3.0",
            b"Karachi",
            b"GPSLatitude",
        ] {
            assert!(
                !contains(bytes, marker),
                "{url} keeps {}",
                String::from_utf8_lossy(marker)
            );
        }
        let decoded = image::load_from_memory(bytes).expect("a stored file is a readable image");
        assert!(decoded.height() > decoded.width(), "{url} is upright");
    }
    // The URLs name the content: another upload of other bytes gets other names.
    let other = upload(&app, &token, &jpeg(300, 200)).await.json(201);
    assert_ne!(other["url"], item["url"]);
}

async fn every_accepted_format_is_read_from_its_bytes(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, token) = app.logged_in("author").await;
    let gif = encoded(DynamicImage::ImageRgb8(photo(90, 60)), ImageFormat::Gif);
    let webp = encoded(DynamicImage::ImageRgb8(photo(90, 60)), ImageFormat::WebP);
    let png = encoded(DynamicImage::ImageRgb8(photo(90, 60)), ImageFormat::Png);
    for (bytes, format, family) in [
        (jpeg(90, 60), "jpeg", "jpeg"),
        (png, "png", "png"),
        (png_with_alpha(90, 60), "png", "png"),
        (webp, "webp", "jpeg"),
        (gif, "gif", "png"),
    ] {
        // Named and typed as a JPEG whatever it is: only the bytes count.
        let item = upload(&app, &token, &bytes).await.json(201);
        assert_eq!(item["format"], format);
        let formats: Vec<&str> = item["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["format"].as_str().unwrap())
            .collect();
        assert_eq!(
            formats,
            ["webp", family, "webp", family],
            "{format}: 64 px and full size (90)"
        );
        assert!(
            item["url"]
                .as_str()
                .unwrap()
                .ends_with(if family == "png" { ".png" } else { ".jpg" })
        );
        for (url, bytes) in stored_files(&app, &item).await {
            let decoded = image::load_from_memory(&bytes).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(decoded.width() <= 90);
        }
    }
}

async fn a_file_disguised_by_name_and_type_is_refused_naming_what_it_is(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, token) = app.logged_in("editor").await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let problem = upload(&app, &token, &pdf).await.problem(415);
    assert!(
        problem["detail"].as_str().unwrap().contains("application/pdf"),
        "{problem}"
    );
    let text = b"just some words, not a picture".to_vec();
    let problem = upload(&app, &token, &text).await.problem(415);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("application/octet-stream"),
        "{problem}"
    );
    // Not multipart at all.
    let response = app
        .send(
            TestRequest::post()
                .uri("/api/v1/media")
                .insert_header(("Authorization", format!("Bearer {token}")))
                .insert_header(("Content-Type", "image/jpeg"))
                .set_payload(jpeg(10, 10)),
        )
        .await;
    response.problem(415);
    assert_eq!(library_size(&app, &token).await, 0, "nothing was stored");
}

async fn library_size(app: &TestApp, token: &str) -> i64 {
    app.get_as("/api/v1/media", token).await.json(200)["meta"]["total"]
        .as_i64()
        .unwrap()
}

async fn truncated_and_corrupt_files_are_refused(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, token) = app.logged_in("editor").await;
    let whole = jpeg(200, 100);
    let truncated = &whole[..whole.len() / 2];
    let fields = upload(&app, &token, truncated).await.error_fields(422);
    assert_eq!(fields, ["file"]);
    let mut corrupt = whole[..20].to_vec();
    corrupt.extend(std::iter::repeat_n(0x5Au8, 400));
    assert_eq!(upload(&app, &token, &corrupt).await.error_fields(422), ["file"]);
    // No file part at all.
    let (content_type, body) = form(None, &[("alt", "Nothing attached")]);
    let problem = upload_form(&app, Some(&token), &content_type, body)
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "file");
    // A malformed form, an unknown field, a field given twice.
    let response = upload_form(
        &app,
        Some(&token),
        "multipart/form-data; boundary=x",
        b"garbage".to_vec(),
    )
    .await;
    assert_eq!(response.status.as_u16(), 400, "{}", response.text());
    let (content_type, body) = form(
        Some(("a.jpg", "image/jpeg", &whole)),
        &[("alt", "A"), ("colour", "red")],
    );
    assert_eq!(
        upload_form(&app, Some(&token), &content_type, body)
            .await
            .error_fields(400),
        ["colour"]
    );
    let (content_type, body) = form(
        Some(("a.jpg", "image/jpeg", &whole)),
        &[("alt", "A"), ("alt", "B")],
    );
    assert_eq!(
        upload_form(&app, Some(&token), &content_type, body)
            .await
            .error_fields(400),
        ["alt"]
    );
    assert_eq!(library_size(&app, &token).await, 0);
}

async fn the_byte_and_pixel_limits_refuse_before_decoding(storage: Storage) {
    let Some(app) = app_on(storage, |config| {
        config.media.max_bytes = 20_000;
        config.media.max_pixels = 40_000;
    }) else {
        return;
    };
    let (_, token) = app.logged_in("editor").await;
    let large = encoded(DynamicImage::ImageRgb8(photo(400, 400)), ImageFormat::Png);
    assert!(large.len() > 20_000);
    let problem = upload(&app, &token, &large).await.problem(413);
    assert!(problem["detail"].as_str().unwrap().contains("20000"), "{problem}");
    // 250 x 200 = 50,000 pixels: more than 40,000, refused from the header.
    let problem = upload(&app, &token, &jpeg(250, 200)).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "file");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("250 x 200"),
        "{problem}"
    );
    // A bomb: its header alone says 3.6 gigapixels; it is refused without being decoded.
    let problem = upload(&app, &token, &png_bomb()).await.problem(422);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("60000 x 60000"),
        "{problem}"
    );
    // A side WebP cannot hold (and no page needs), under the pixel limit: 422 from the header.
    let problem = upload(&app, &token, &png_declaring(16_384, 2)).await.problem(422);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("16383"),
        "{problem}"
    );
    assert_eq!(upload(&app, &token, &jpeg(150, 100)).await.status.as_u16(), 201);
}

async fn editorial_fields_are_checked(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, token) = app.logged_in("editor").await;
    app.source("afp", "AFP", None);
    let image = jpeg(80, 60);
    let send = |fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, String)> = fields;
        let image = image.clone();
        let app = &app;
        let token = token.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (content_type, body) = form(Some(("a.jpg", "image/jpeg", &image)), &pairs);
            upload_form(app, Some(&token), &content_type, body).await
        }
    };
    assert_eq!(
        send(vec![]).await.error_fields(422),
        ["alt"],
        "alt text is required"
    );
    assert_eq!(send(vec![("alt", "   ".into())]).await.error_fields(422), ["alt"]);
    assert_eq!(
        send(vec![("alt", "A".into()), ("decorative", "true".into())])
            .await
            .error_fields(422),
        ["alt"],
        "a decorative image has no alt text"
    );
    assert_eq!(
        send(vec![("alt", "A".into()), ("focal_x", "1.5".into())])
            .await
            .error_fields(422),
        ["focal_x"]
    );
    assert_eq!(
        send(vec![("alt", "A".into()), ("focal_y", "high".into())])
            .await
            .error_fields(422),
        ["focal_y"]
    );
    assert_eq!(
        send(vec![("alt", "A".into()), ("decorative", "maybe".into())])
            .await
            .error_fields(422),
        ["decorative"]
    );
    assert_eq!(
        send(vec![("alt", "A".into()), ("source", "reuters".into())])
            .await
            .error_fields(422),
        ["source"]
    );
    assert_eq!(
        send(vec![("alt", "x".repeat(1001))]).await.error_fields(422),
        ["alt"]
    );
    let decorative = send(vec![("decorative", "true".into())]).await.json(201);
    assert_eq!(decorative["decorative"], true);
    assert!(decorative["alt"].is_null());
    let item = send(vec![
        ("alt", "Rescuers at work".into()),
        ("caption", "Rescuers search the rubble.".into()),
        ("credit", "AFP".into()),
        ("source", "afp".into()),
        ("focal_x", "0.25".into()),
        ("focal_y", "0.75".into()),
    ])
    .await
    .json(201);
    assert_eq!(item["source"], "afp");
    assert_eq!(item["caption"], "Rescuers search the rubble.");
    assert_eq!(item["focal_point"], json!({"x": 0.25, "y": 0.75}));
    // Without a token there is no upload.
    let (content_type, body) = form(Some(("a.jpg", "image/jpeg", &image)), &[("alt", "A")]);
    upload_form(&app, None, &content_type, body).await.problem(401);
}

async fn the_library_lists_filters_and_edits_with_if_match(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (editor_id, token) = app.logged_in("editor").await;
    app.source("afp", "AFP", None);
    let first = upload(&app, &token, &jpeg(80, 60)).await.json(201);
    let (content_type, body) = form(
        Some(("b.jpg", "image/jpeg", &jpeg(70, 60))),
        &[
            ("alt", "Flooded street in Lahore"),
            ("credit", "Reuters"),
            ("source", "afp"),
        ],
    );
    let second = upload_form(&app, Some(&token), &content_type, body)
        .await
        .json(201);
    let list = app.get_as("/api/v1/media", &token).await.json(200);
    let ids: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(ids, [&second["id"], &first["id"]], "newest first");
    assert_eq!(list["meta"]["total"], 2);
    let only = |uri: &str| {
        let uri = uri.to_owned();
        let token = token.clone();
        let app = &app;
        async move {
            app.get_as(&uri, &token).await.json(200)["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        only("/api/v1/media?q=LAHORE").await,
        [second["id"].clone()],
        "any case"
    );
    assert_eq!(
        only("/api/v1/media?q=reuters").await,
        [second["id"].clone()],
        "credit too"
    );
    assert_eq!(
        only("/api/v1/media?q=100%25").await,
        Vec::<Value>::new(),
        "% is literal"
    );
    assert_eq!(only("/api/v1/media?source=afp").await, [second["id"].clone()]);
    assert_eq!(
        only(&format!("/api/v1/media?uploader={editor_id}&kind=image"))
            .await
            .len(),
        2
    );
    assert_eq!(
        app.get_as("/api/v1/media?source=nope", &token)
            .await
            .error_fields(404),
        ["source"]
    );
    assert_eq!(
        app.get_as("/api/v1/media?kind=video", &token)
            .await
            .error_fields(400),
        ["kind"]
    );
    assert_eq!(
        app.get_as("/api/v1/media?colour=red", &token)
            .await
            .status
            .as_u16(),
        400
    );
    app.get("/api/v1/media").await.problem(401);
    assert_eq!(
        app.get_as("/api/v1/media?uploader=0", &token)
            .await
            .error_fields(400),
        ["uploader"]
    );
    // `/media/gc` is a literal path: other methods there are 405, not a bad id.
    let wrong = app.call(Method::PATCH, "/api/v1/media/gc", Some(&token)).await;
    wrong.problem(405);
    assert_eq!(wrong.header("allow").as_deref(), Some("POST, OPTIONS"));

    let uri = format!("/api/v1/media/{}", first["id"]);
    let read = app.get_as(&uri, &token).await;
    let etag = read.header("etag").unwrap();
    assert_eq!(read.json(200)["alt"], "Officials shake hands");
    let patch = |if_match: &str, body: Value| {
        TestRequest::patch()
            .uri(&uri)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("If-Match", if_match.to_owned()))
            .set_json(body)
    };
    let changed = app
        .send(patch(
            &etag,
            json!({"caption": "Leaders meet.", "focal_point": {"x": 0.1, "y": 0.9}, "source": "afp"}),
        ))
        .await
        .json(200);
    assert_eq!(changed["caption"], "Leaders meet.");
    assert_eq!(changed["focal_point"], json!({"x": 0.1, "y": 0.9}));
    assert_eq!(changed["source"], "afp");
    assert_eq!(changed["alt"], "Officials shake hands", "absent members stay");
    let stale = app
        .send(patch(&etag, json!({"caption": "Lost update"})))
        .await
        .problem(412);
    assert_eq!(stale["current"]["caption"], "Leaders meet.");
    let fields = app
        .send(patch("*", json!({"focal_point": {"x": 2, "y": 0}})))
        .await
        .error_fields(422);
    assert_eq!(fields, ["focal_point.x"]);
    assert_eq!(
        app.send(patch("*", json!({"alt": null}))).await.error_fields(422),
        ["alt"]
    );
    assert_eq!(
        app.send(patch("*", json!({"source": "nope"})))
            .await
            .error_fields(422),
        ["source"]
    );
    assert_eq!(
        app.send(patch("*", json!({"width": 10}))).await.status.as_u16(),
        422
    );
    let decorative = app
        .send(patch("*", json!({"alt": null, "decorative": true})))
        .await
        .json(200);
    assert_eq!(decorative["decorative"], true);
    assert_eq!(
        app.get_as("/api/v1/media/999999", &token).await.status.as_u16(),
        404
    );
    assert_eq!(app.get_as("/api/v1/media/abc", &token).await.status.as_u16(), 400);
    let audit = app
        .get_as("/api/v1/audit?resource=media", &app.logged_in("admin").await.1)
        .await
        .json(200);
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["media.update", "media.update", "media.upload", "media.upload"]
    );
}

async fn authors_see_and_change_only_their_own_uploads(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, author) = app.logged_in("author").await;
    let (_, other_author) = app.logged_in("author").await;
    let (_, editor) = app.logged_in("editor").await;
    let (_, admin) = app.logged_in("admin").await;
    let own = upload(&app, &author, &jpeg(80, 60)).await.json(201);
    let others = upload(&app, &other_author, &jpeg(70, 60)).await.json(201);
    let listed = app.get_as("/api/v1/media", &author).await.json(200);
    assert_eq!(listed["meta"]["total"], 1);
    assert_eq!(listed["data"][0]["id"], own["id"]);
    let others_uri = format!("/api/v1/media/{}", others["id"]);
    assert_eq!(app.get_as(&others_uri, &author).await.status.as_u16(), 404);
    let patch = app
        .patch_json(&others_uri, Some(&author), json!({"caption": "Mine now"}))
        .await;
    assert_eq!(patch.status.as_u16(), 404);
    assert_eq!(
        app.call(Method::DELETE, &others_uri, Some(&author))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        app.get_as("/api/v1/media", &editor).await.json(200)["meta"]["total"],
        2
    );
    let edited = app
        .patch_json(&others_uri, Some(&editor), json!({"credit": "Desk"}))
        .await
        .json(200);
    assert_eq!(edited["credit"], "Desk");
    let own_uri = format!("/api/v1/media/{}", own["id"]);
    app.patch_json(&own_uri, Some(&author), json!({"caption": "Mine"}))
        .await
        .json(200);
    // gc is for admins only.
    app.call(Method::POST, "/api/v1/media/gc", Some(&editor))
        .await
        .problem(403);
    app.call(Method::POST, "/api/v1/media/gc", Some(&admin))
        .await
        .json(200);
}

async fn an_article_shows_its_featured_image_in_detail_and_lists(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let image = upload(&app, &editor, &jpeg(300, 200)).await.json(201);
    let mut body = crate::support::auth::article_body("Leaders meet");
    body["status"] = json!("published");
    body["featured_media"] = json!(999_999);
    assert_eq!(
        app.post_json("/api/v1/articles", Some(&editor), body.clone())
            .await
            .error_fields(422),
        ["featured_media"]
    );
    body["featured_media"] = image["id"].clone();
    let created = app
        .post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    let featured = &created["featured_image"];
    assert_eq!(featured["id"], image["id"]);
    assert_eq!(featured["alt"], "Officials shake hands");
    assert_eq!(featured["credit"], "AFP / Getty Images");
    assert_eq!(featured["url"], image["url"]);
    assert_eq!(
        (featured["width"].as_u64(), featured["height"].as_u64()),
        (Some(300), Some(200))
    );
    assert_eq!(featured["variants"], image["variants"]);
    let slug = created["slug"].as_str().unwrap().to_owned();
    let public = app.get(&format!("/api/v1/articles/{slug}")).await;
    assert!(
        public
            .header("surrogate-key")
            .unwrap()
            .contains(&format!("media-{}", image["id"]))
    );
    let public = public.json(200);
    assert_eq!(public["featured_image"], created["featured_image"]);
    // The JSON-LD image is the featured image's renditions; the share image a JPEG variant.
    let json_ld_image = &public["structured_data"][0]["image"];
    let url = image["url"].as_str().unwrap();
    assert!(
        json_ld_image[0]["url"].as_str().unwrap().ends_with(url),
        "absolute: {json_ld_image}"
    );
    assert!(json_ld_image[0]["url"].as_str().unwrap().starts_with("http"));
    assert_eq!(json_ld_image[0]["creditText"], "AFP / Getty Images");
    assert!(
        public["head"]["social_image_url"]
            .as_str()
            .unwrap()
            .ends_with("-256.jpg")
    );
    let list = app.get("/api/v1/articles?include=featured_image").await;
    assert!(
        list.header("surrogate-key")
            .unwrap()
            .contains(&format!("media-{}", image["id"]))
    );
    assert_eq!(
        list.json(200)["data"][0]["featured_image"],
        created["featured_image"]
    );
    // An edit of the image shows at once; a patch with `null` removes it from the article.
    let media_uri = format!("/api/v1/media/{}", image["id"]);
    app.patch_json(
        &media_uri,
        Some(&editor),
        json!({"alt": "Two leaders shake hands"}),
    )
    .await
    .json(200);
    let public = app.get(&format!("/api/v1/articles/{slug}")).await.json(200);
    assert_eq!(public["featured_image"]["alt"], "Two leaders shake hands");
    let uri = format!("/api/v1/articles/{slug}");
    let patched = app
        .patch_json(&uri, Some(&editor), json!({"featured_media": null}))
        .await
        .json(200);
    assert!(patched["featured_image"].is_null());
    // Revisions carry it: restoring the first brings the image back.
    let restored = app
        .send(
            TestRequest::post()
                .uri(&format!("{uri}/revisions/1/restore"))
                .insert_header(("Authorization", format!("Bearer {editor}")))
                .insert_header(("If-Match", "*")),
        )
        .await
        .json(200);
    assert_eq!(restored["featured_image"]["id"], image["id"]);
}

async fn an_image_in_use_is_not_deleted_and_a_deleted_one_takes_its_files(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let image = upload(&app, &editor, &jpeg(120, 80)).await.json(201);
    let mut body = crate::support::auth::article_body("Leaders meet");
    body["featured_media"] = image["id"].clone();
    let article = app
        .post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    let slug = article["slug"].as_str().unwrap();
    let uri = format!("/api/v1/media/{}", image["id"]);
    let problem = app.call(Method::DELETE, &uri, Some(&editor)).await.problem(409);
    assert!(problem["detail"].as_str().unwrap().contains(slug), "{problem}");
    assert_eq!(problem["errors"][0]["field"], "used_by");
    // In the trash it is still in use (a restore would bring it back).
    app.call(Method::DELETE, &format!("/api/v1/articles/{slug}"), Some(&editor))
        .await;
    app.call(Method::DELETE, &uri, Some(&editor)).await.problem(409);
    app.clock.advance(chrono::Duration::days(31));
    // Tokens expired meanwhile: log in again.
    let (_, admin) = app.logged_in("admin").await;
    let (_, editor) = app.logged_in("editor").await;
    let purged = app.call(Method::POST, "/api/v1/trash/purge", Some(&admin)).await;
    assert_eq!(purged.json(200)["purged"], 1);
    let files = stored_files(&app, &image).await;
    assert!(!files.is_empty());
    let stale = app
        .send(
            TestRequest::delete()
                .uri(&uri)
                .insert_header(("Authorization", format!("Bearer {editor}")))
                .insert_header(("If-Match", "\"v99\"")),
        )
        .await;
    stale.problem(412);
    assert_eq!(
        app.call(Method::DELETE, &uri, Some(&editor))
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(app.get_as(&uri, &editor).await.status.as_u16(), 404);
    for (url, _) in files {
        assert!(fetch(&app, &url).await.is_none(), "{url} is gone");
    }
}

async fn gc_removes_only_old_files_no_row_names(storage: Storage) {
    // S3 objects cannot be aged: there the grace period is zero.
    let Some(app) = app_on(storage, |config| {
        if storage == Storage::S3 {
            config.media.gc_grace = std::time::Duration::ZERO;
        }
    }) else {
        return;
    };
    let (_, admin) = app.logged_in("admin").await;
    let kept = upload(&app, &admin, &jpeg(80, 60)).await.json(201);
    let orphan_key = "zzzzzzzzzzzzzzzzzzzz/0123456789abcdef01234567-80.jpg";
    app.state
        .media
        .put(orphan_key, jpeg(80, 60), "image/jpeg")
        .await
        .expect("store an orphan");
    let orphan_url = app.state.media.url(orphan_key);
    if storage == Storage::Local {
        // Young files stay: an upload may be in progress.
        let report = app
            .call(Method::POST, "/api/v1/media/gc", Some(&admin))
            .await
            .json(200);
        assert_eq!(report["files_removed"], 0);
        assert_eq!(report["files_too_recent"], 1);
        assert!(fetch(&app, &orphan_url).await.is_some());
        let path = app.media_dir.path().join(orphan_key);
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    // Files not named as this server names them are not its own: never removed.
    for foreign in ["notes.txt", "backups/site.tar", "zzzzzzzzzzzzzzzzzzzz/readme.md"] {
        app.state
            .media
            .put(foreign, b"not ours".to_vec(), "text/plain")
            .await
            .expect("store");
        if storage == Storage::Local {
            let path = app.media_dir.path().join(foreign);
            let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
    }
    let report = app
        .call(Method::POST, "/api/v1/media/gc", Some(&admin))
        .await
        .json(200);
    assert_eq!(report["files_removed"], 1, "{report}");
    for foreign in ["notes.txt", "backups/site.tar", "zzzzzzzzzzzzzzzzzzzz/readme.md"] {
        assert!(
            app.state.media.get(foreign).await.unwrap().is_some(),
            "{foreign} stays"
        );
    }
    assert!(report["bytes_removed"].as_u64().unwrap() > 0);
    assert!(fetch(&app, &orphan_url).await.is_none(), "the orphan is gone");
    for (url, _) in stored_files(&app, &kept).await {
        assert!(
            fetch(&app, &url).await.is_some(),
            "{url} is named by a row and stays"
        );
    }
}

#[actix_web::test]
async fn local_files_are_served_immutable_with_etag_304_and_range() {
    let app = app_on(Storage::Local, |_| {}).unwrap();
    let (_, token) = app.logged_in("editor").await;
    let item = upload(&app, &token, &jpeg(300, 200)).await.json(201);
    let url = item["variants"][0]["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/media/") && url.ends_with("-64.webp"), "{url}");
    let response = app.get(&url).await;
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(response.header("content-type").as_deref(), Some("image/webp"));
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        response.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(response.header("accept-ranges").as_deref(), Some("bytes"));
    let etag = response.header("etag").expect("an ETag");
    let again = app
        .send(
            TestRequest::get()
                .uri(&url)
                .insert_header(("If-None-Match", etag)),
        )
        .await;
    assert_eq!(again.status.as_u16(), 304);
    assert!(again.body.is_empty());
    let part = app
        .send(TestRequest::get().uri(&url).insert_header(("Range", "bytes=0-9")))
        .await;
    assert_eq!(part.status.as_u16(), 206);
    assert_eq!(part.body, response.body[..10]);
    assert!(part.header("content-range").unwrap().starts_with("bytes 0-9/"));
    let size = response.body.len();
    let outside = app
        .send(
            TestRequest::get()
                .uri(&url)
                .insert_header(("Range", format!("bytes={}-", size + 10))),
        )
        .await;
    assert_eq!(outside.status.as_u16(), 416);
    assert_eq!(outside.header("content-range"), Some(format!("bytes */{size}")));
    // A Range that is no `bytes=` range is ignored: the whole file (RFC 9110 section 14.2).
    for ignored in ["null", "items=0-9", "bytes=nine-ten", ""] {
        let whole = app
            .send(TestRequest::get().uri(&url).insert_header(("Range", ignored)))
            .await;
        assert_eq!(
            (whole.status.as_u16(), whole.body.len()),
            (200, size),
            "{ignored:?}"
        );
    }
    // An If-Range naming another version gets the whole file.
    let stale = app
        .send(
            TestRequest::get()
                .uri(&url)
                .insert_header(("Range", "bytes=0-9"))
                .insert_header(("If-Range", "\"other\"")),
        )
        .await;
    assert_eq!((stale.status.as_u16(), stale.body.len()), (200, size));
    // Only names this server gives are served: no path leaves the folder.
    for bad in [
        "/media/../Cargo.toml",
        "/media/abc/def.jpg",
        "/media/zzzzzzzzzzzzzzzzzzzz/%2e%2e%2fx.jpg",
    ] {
        assert_eq!(app.get(bad).await.status.as_u16(), 404, "{bad}");
    }
}

async fn body_images_naming_library_items_are_completed_at_write_time(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let image = upload(&app, &editor, &jpeg(300, 200)).await.json(201);
    let id = image["id"].as_i64().unwrap();
    let mut body = crate::support::auth::article_body("Pictures");
    body["body"] = json!(format!(
        "<p>Before</p><img data-media-id=\"{id}\" src=\"x.jpg\" srcset=\"javascript:alert(1) 1x\">\
         <img data-media-id=\"{id}\" alt=\"Own words\"><img src=\"https://images.example.org/a.jpg\" alt=\"Elsewhere\">"
    ));
    let article = app
        .post_json("/api/v1/articles", Some(&editor), body.clone())
        .await
        .json(201);
    let html = article["body"].as_str().unwrap();
    let full = image["url"].as_str().unwrap();
    assert!(html.contains(&format!("src=\"{full}\"")), "{html}");
    assert!(!html.contains("x.jpg") && !html.contains("javascript"), "{html}");
    let srcset: Vec<String> = image["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["format"] == "jpeg")
        .map(|v| format!("{} {}w", v["url"].as_str().unwrap(), v["width"]))
        .collect();
    assert!(
        html.contains(&format!("srcset=\"{}\"", srcset.join(", "))),
        "{html}"
    );
    assert!(
        html.contains("width=\"300\"") && html.contains("height=\"200\""),
        "{html}"
    );
    assert!(
        html.contains("alt=\"Officials shake hands\""),
        "the item's alt text: {html}"
    );
    assert!(
        html.contains("alt=\"Own words\""),
        "an img's own alt text stays: {html}"
    );
    assert!(
        html.contains("https://images.example.org/a.jpg"),
        "foreign images are kept by default"
    );
    body["body"] = json!("<img data-media-id=\"999999\">");
    assert_eq!(
        app.post_json("/api/v1/articles", Some(&editor), body)
            .await
            .error_fields(422),
        ["body"]
    );
}

#[actix_web::test]
async fn foreign_body_images_are_refused_when_configured() {
    let app = app_on(Storage::Local, |config| config.media.refuse_foreign_images = true).unwrap();
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let image = upload(&app, &editor, &jpeg(120, 80)).await.json(201);
    let mut body = crate::support::auth::article_body("Pictures");
    body["body"] = json!("<p>Text</p><img src=\"https://images.example.org/a.jpg\">");
    let problem = app
        .post_json("/api/v1/articles", Some(&editor), body.clone())
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "body");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("https://images.example.org/a.jpg")
    );
    body["body"] = json!(format!("<p>Text</p><img data-media-id=\"{}\">", image["id"]));
    app.post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
}

async fn the_site_logo_and_share_image_come_from_the_library(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, admin) = app.logged_in("admin").await;
    app.section("world-news", "World News", None);
    let logo = upload(&app, &admin, &png_with_alpha(120, 40)).await.json(201);
    let share = upload(&app, &admin, &jpeg(300, 200)).await.json(201);
    let fields = app
        .patch_json(
            "/api/v1/site",
            Some(&admin),
            json!({"logo_media": 999_999, "social_image_media": 999_998}),
        )
        .await
        .error_fields(422);
    assert_eq!(fields, ["logo_media", "social_image_media"]);
    let site = app
        .patch_json(
            "/api/v1/site",
            Some(&admin),
            json!({"logo_media": logo["id"], "social_image_media": share["id"], "logo_url": "https://cdn.example.com/old.png"}),
        )
        .await
        .json(200);
    assert_eq!(site["logo"]["id"], logo["id"]);
    assert_eq!(site["logo"]["variants"], logo["variants"]);
    assert_eq!(site["logo_url"], "https://cdn.example.com/old.png", "as given");
    assert_eq!(site["social_image"]["url"], share["url"]);
    let public = app.get("/api/v1/site").await;
    let keys = public.header("surrogate-key").unwrap();
    assert!(
        keys.contains(&format!("media-{}", logo["id"])) && keys.contains(&format!("media-{}", share["id"])),
        "{keys}"
    );
    assert_eq!(public.json(200)["logo"]["alt"], "Officials shake hands");
    // Articles: the publisher's logo in JSON-LD, the share image in the head.
    app.article("plain").create();
    let article = app.get("/api/v1/articles/plain").await.json(200);
    // Absolute for crawlers: a root-relative (local disk) URL is on the public website.
    let absolute = |url: &Value| {
        let url = url.as_str().unwrap();
        if url.starts_with('/') {
            format!("{}{url}", site["base_url"].as_str().unwrap())
        } else {
            url.to_owned()
        }
    };
    assert_eq!(article["head"]["social_image_url"], absolute(&share["url"]));
    assert_eq!(
        article["structured_data"][0]["publisher"]["logo"]["url"],
        absolute(&logo["url"])
    );
    assert!(
        article["head"]["social_image_url"]
            .as_str()
            .unwrap()
            .starts_with("http")
    );
    // In use: not deleted. An edit shows at once.
    let uri = format!("/api/v1/media/{}", logo["id"]);
    let problem = app.call(Method::DELETE, &uri, Some(&admin)).await.problem(409);
    assert!(
        problem["detail"].as_str().unwrap().contains("the site's logo"),
        "{problem}"
    );
    app.patch_json(&uri, Some(&admin), json!({"alt": "Dateline"}))
        .await
        .json(200);
    assert_eq!(app.get("/api/v1/site").await.json(200)["logo"]["alt"], "Dateline");
    // Cleared: the URL given shows again, and the item can go.
    let site = app
        .patch_json("/api/v1/site", Some(&admin), json!({"logo_media": null}))
        .await
        .json(200);
    assert!(site["logo"].is_null());
    assert_eq!(site["logo_url"], "https://cdn.example.com/old.png");
    assert_eq!(
        app.call(Method::DELETE, &uri, Some(&admin)).await.status.as_u16(),
        204
    );
}

async fn authors_feature_and_embed_only_their_own_uploads(storage: Storage) {
    let Some(app) = app_on(storage, |_| {}) else {
        return;
    };
    let (_, author) = app.logged_in("author").await;
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let own = upload(&app, &author, &jpeg(90, 60)).await.json(201);
    let desk = upload(&app, &editor, &jpeg(80, 60)).await.json(201);
    let mut body = crate::support::auth::article_body("An author's draft");
    // Another's item is as unknown to an author as a missing one.
    body["featured_media"] = desk["id"].clone();
    assert_eq!(
        app.post_json("/api/v1/articles", Some(&author), body.clone())
            .await
            .error_fields(422),
        ["featured_media"]
    );
    body["featured_media"] = own["id"].clone();
    body["body"] = json!(format!("<img data-media-id=\"{}\">", desk["id"]));
    assert_eq!(
        app.post_json("/api/v1/articles", Some(&author), body.clone())
            .await
            .error_fields(422),
        ["body"]
    );
    body["body"] = json!(format!("<p>Text</p><img data-media-id=\"{}\">", own["id"]));
    let draft = app
        .post_json("/api/v1/articles", Some(&author), body)
        .await
        .json(201);
    let slug = draft["slug"].as_str().unwrap().to_owned();
    // An editor may use any item; once the article shows it, its author may keep it.
    let uri = format!("/api/v1/articles/{slug}");
    app.patch_json(&uri, Some(&editor), json!({"featured_media": desk["id"]}))
        .await
        .json(200);
    app.patch_json(&uri, Some(&author), json!({"summary": "Kept"}))
        .await
        .json(200);
    // An item a body shows is in use: not deleted.
    let problem = app
        .call(
            Method::DELETE,
            &format!("/api/v1/media/{}", own["id"]),
            Some(&author),
        )
        .await
        .problem(409);
    assert!(problem["detail"].as_str().unwrap().contains(&slug), "{problem}");
    // A text field far longer than allowed is a field error, not a refused body.
    let (content_type, form_body) = form(
        Some(("a.jpg", "image/jpeg", &jpeg(40, 30))),
        &[("alt", &"x".repeat(5000))],
    );
    assert_eq!(
        upload_form(&app, Some(&author), &content_type, form_body)
            .await
            .error_fields(422),
        ["alt"]
    );
}
