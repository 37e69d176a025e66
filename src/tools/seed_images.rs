//! The photographs `dateline seed` puts in the media library: small real JPEGs (landscape
//! scenes of sky, hills and a sun, in varied light), so that every seeded article has a
//! featured image with variants, as on a live site. Deterministic for a given seed.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::media::MediaFields;

/// How many distinct photographs a seed makes; articles share them in turn.
pub const COUNT: usize = 12;

/// Width and height of each: 3:2, as wide as the largest default variant.
const SIZE: (u32, u32) = (1920, 1280);

/// The photographs and their editorial fields.
pub fn photographs(seed: u64) -> Vec<(Vec<u8>, MediaFields)> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    (0..COUNT)
        .map(|n| {
            let jpeg = landscape(&mut rng);
            let fields = MediaFields {
                alt: Some(format!(
                    "Hills under a {} sky (seed photograph {})",
                    SKIES[n % SKIES.len()],
                    n + 1
                )),
                decorative: false,
                caption: Some(format!("Seed photograph {} of {COUNT}.", n + 1)),
                credit: Some("Dateline seed / generated".to_owned()),
                source: None,
                focal_point: (rng.random_range(0.3..0.7), rng.random_range(0.3..0.6)),
            };
            (jpeg, fields)
        })
        .collect()
}

const SKIES: [&str; 4] = ["morning", "noon", "evening", "stormy"];

/// A scene: a vertical sky gradient, a sun, two ridges of hills, and fine noise (so it encodes
/// like a photograph, not a flat graphic).
fn landscape(rng: &mut StdRng) -> Vec<u8> {
    let (width, height) = SIZE;
    let sky_top = [
        rng.random_range(20..120u8),
        rng.random_range(60..160u8),
        rng.random_range(140..255u8),
    ];
    let sky_low = [
        rng.random_range(180..255u8),
        rng.random_range(120..220u8),
        rng.random_range(80..200u8),
    ];
    let sun = (
        rng.random_range(0.2..0.8) * width as f32,
        rng.random_range(0.15..0.4) * height as f32,
    );
    let ridges = [
        (
            rng.random_range(0.45..0.6),
            rng.random_range(40.0..120.0),
            rng.random_range(150.0..400.0),
        ),
        (
            rng.random_range(0.65..0.8),
            rng.random_range(30.0..90.0),
            rng.random_range(100.0..300.0),
        ),
    ];
    let mut noise: u32 = rng.random();
    let image = RgbImage::from_fn(width, height, |x, y| {
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let grain = (noise % 17) as i32 - 8;
        let (fx, fy) = (x as f32, y as f32);
        let t = fy / height as f32;
        let mut pixel = [0u8; 3];
        for c in 0..3 {
            pixel[c] = (f32::from(sky_top[c]) * (1.0 - t) + f32::from(sky_low[c]) * t) as u8;
        }
        if (fx - sun.0).hypot(fy - sun.1) < height as f32 * 0.07 {
            pixel = [255, 236, 170];
        }
        for (i, (level, amplitude, wavelength)) in ridges.iter().enumerate() {
            let ridge = height as f32 * level + amplitude * (fx / wavelength).sin();
            if fy > ridge {
                let shade = 60 + 40 * i as u8;
                pixel = [shade / 2, shade, shade / 3];
            }
        }
        Rgb(pixel.map(|v| (i32::from(v) + grain).clamp(0, 255) as u8))
    });
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Jpeg)
        .expect("encoding to memory does not fail");
    bytes
}
