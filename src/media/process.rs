//! Turning an upload into the files we store: the type read from the bytes, the pixel limit
//! checked from the header before anything is decoded, EXIF orientation applied, and renditions
//! re-encoded from pixels only (so no EXIF, XMP, IPTC or comment of the upload survives).

use std::io::Cursor;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, PngEncoder};
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The longest side accepted: WebP's limit (16,383 pixels); a page never needs more.
pub const MAX_SIDE: u32 = 16_383;

/// The formats an upload may be: what its bytes say, never its name or Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::WebP,
            Self::Gif => ImageFormat::Gif,
        }
    }
}

/// The format of a stored rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Jpeg,
    Png,
    Webp,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }
}

/// What the bytes of an upload are, or the MIME type they were found to be instead.
pub fn sniff(bytes: &[u8]) -> Result<SourceFormat, String> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("image/jpeg") => Ok(SourceFormat::Jpeg),
        Some("image/png") => Ok(SourceFormat::Png),
        Some("image/webp") => Ok(SourceFormat::Webp),
        Some("image/gif") => Ok(SourceFormat::Gif),
        Some(other) => Err(other.to_owned()),
        None => Err("application/octet-stream".to_owned()),
    }
}

/// One encoded file.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub width: u32,
    pub height: u32,
    pub format: OutputFormat,
    pub bytes: Vec<u8>,
}

impl Rendition {
    /// `{content hash}-{width}.{ext}`: a name that changes whenever the bytes do, so a URL
    /// never points at other content than it did.
    pub fn file_name(&self) -> String {
        let hash = hex::encode(&Sha256::digest(&self.bytes)[..12]);
        format!("{hash}-{}.{}", self.width, self.format.extension())
    }
}

/// A processed upload: its size after orientation, the full-size rendition, and the resized
/// ones (ascending width; WebP and the original's family at each width).
#[derive(Debug)]
pub struct Processed {
    pub width: u32,
    pub height: u32,
    pub full: Rendition,
    pub variants: Vec<Rendition>,
}

/// Why an upload cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("The image is {width} x {height} pixels, more than the {max} pixels accepted.")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("The image is {width} x {height} pixels; no side may be longer than {MAX_SIDE} pixels.")]
    TooLong { width: u32, height: u32 },
    #[error("The file could not be read as {format}: it is truncated or corrupt.")]
    Unreadable { format: &'static str },
    #[error("A rendition could not be encoded.")]
    Encoding(String),
}

/// Checks, decodes and renders `bytes` (of `format`) at `widths` (ascending), refusing images over
/// `max_pixels` before decoding them.
pub fn process(
    bytes: &[u8],
    format: SourceFormat,
    max_pixels: u64,
    widths: &[u32],
) -> Result<Processed, Refusal> {
    let unreadable = |_| Refusal::Unreadable {
        format: format.as_str(),
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format.image_format())
        .into_dimensions()
        .map_err(unreadable)?;
    // The JPEG decoder fills a cut-off file with grey: a JPEG whose last scan has no end marker
    // after it is refused.
    if format == SourceFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(Refusal::Unreadable {
            format: format.as_str(),
        });
    }
    if width.max(height) > MAX_SIDE {
        return Err(Refusal::TooLong { width, height });
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Refusal::TooManyPixels {
            width,
            height,
            max: max_pixels,
        });
    }
    let image = decode(bytes, format, max_pixels).map_err(unreadable)?;
    render(image, format, widths)
}

/// Whether an end-of-image marker follows the start of the last scan (an EXIF thumbnail has its
/// own markers, earlier in the file).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    last_scan.is_some_and(|at| bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]))
}

/// Decodes the first frame, with the decoder's own limits as a second guard, and turns it
/// upright as its EXIF orientation says.
fn decode(bytes: &[u8], format: SourceFormat, max_pixels: u64) -> image::ImageResult<DynamicImage> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = image::Limits::default();
    // Four 16-bit channels per pixel at most, and the decoder's working space.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// The renditions of an upright image.
fn render(image: DynamicImage, format: SourceFormat, widths: &[u32]) -> Result<Processed, Refusal> {
    let alpha = has_transparency(&image);
    let image = if alpha {
        DynamicImage::ImageRgba8(image.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.into_rgb8())
    };
    // Graphics stay lossless; photographs are JPEG.
    let family = if alpha || matches!(format, SourceFormat::Png | SourceFormat::Gif) {
        OutputFormat::Png
    } else {
        OutputFormat::Jpeg
    };
    let (width, height) = (image.width(), image.height());
    let largest = widths.last().copied().unwrap_or(0);
    let mut variants = Vec::new();
    let mut resizer = Resizer::new();
    for &target in widths.iter().filter(|&&w| w < width) {
        let resized = resize(&mut resizer, &image, target)?;
        variants.push(encode(&resized, OutputFormat::Webp)?);
        variants.push(encode(&resized, family)?);
    }
    // An image no wider than the largest width is itself one of the sizes a page asks for.
    if width <= largest {
        variants.push(encode(&image, OutputFormat::Webp)?);
        variants.push(encode(&image, family)?);
    }
    let full = match variants.last() {
        Some(last) if last.width == width => last.clone(),
        _ => encode(&image, family)?,
    };
    Ok(Processed {
        width,
        height,
        full,
        variants,
    })
}

/// Whether any pixel is not fully opaque (an alpha channel that is all opaque is dropped).
fn has_transparency(image: &DynamicImage) -> bool {
    if !image.color().has_alpha() {
        return false;
    }
    match image {
        DynamicImage::ImageRgba8(buffer) => buffer.pixels().any(|p| p.0[3] < u8::MAX),
        DynamicImage::ImageLumaA8(buffer) => buffer.pixels().any(|p| p.0[1] < u8::MAX),
        other => other.to_rgba8().pixels().any(|p| p.0[3] < u8::MAX),
    }
}

/// `image` scaled to `width`, keeping its aspect ratio, with a Lanczos filter (sharp, SIMD).
fn resize(resizer: &mut Resizer, image: &DynamicImage, width: u32) -> Result<DynamicImage, Refusal> {
    let height = ((u64::from(image.height()) * u64::from(width) + u64::from(image.width()) / 2)
        / u64::from(image.width()))
    .max(1) as u32;
    let pixel_type = if image.color().has_alpha() {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let mut target = Image::new(width, height, pixel_type);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize(image, &mut target, &options)
        .map_err(|e| Refusal::Encoding(e.to_string()))?;
    let pixels = target.into_vec();
    let resized = if pixel_type == PixelType::U8x4 {
        image::RgbaImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgba8)
    } else {
        image::RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)
    };
    resized.ok_or_else(|| Refusal::Encoding("resized buffer has the wrong size".to_owned()))
}

/// Encodes pixels only: no metadata is written.
fn encode(image: &DynamicImage, format: OutputFormat) -> Result<Rendition, Refusal> {
    let (width, height) = (image.width(), image.height());
    let alpha = image.color().has_alpha();
    let (pixels, color) = if alpha {
        (image.as_bytes(), ExtendedColorType::Rgba8)
    } else {
        (image.as_bytes(), ExtendedColorType::Rgb8)
    };
    let failed = |e: &dyn std::fmt::Display| Refusal::Encoding(e.to_string());
    let mut bytes = Vec::new();
    match format {
        OutputFormat::Jpeg => JpegEncoder::new_with_quality(&mut bytes, 82)
            .write_image(pixels, width, height, color)
            .map_err(|e| failed(&e))?,
        OutputFormat::Png => PngEncoder::new_with_quality(
            &mut bytes,
            CompressionType::Default,
            image::codecs::png::FilterType::Adaptive,
        )
        .write_image(pixels, width, height, color)
        .map_err(|e| failed(&e))?,
        OutputFormat::Webp => {
            let encoder = if alpha {
                webp::Encoder::from_rgba(pixels, width, height)
            } else {
                webp::Encoder::from_rgb(pixels, width, height)
            };
            bytes = encoder
                .encode_simple(false, 80.0)
                .map_err(|e| failed(&format!("{e:?}")))?
                .to_vec();
        }
    }
    Ok(Rendition {
        width,
        height,
        format,
        bytes,
    })
}
