//! Uploaded pictures (SEC-37): JPEG or PNG only, recognised by their bytes (never by name),
//! size and pixel dimensions checked before decoding, and re-encoded as JPEG so that EXIF and
//! GPS data are gone. Used for member photos and meeting photos alike.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// Largest width or height accepted.
pub const MAX_SIDE: u32 = 4096;

/// Whether the bytes start like a JPEG or PNG.
#[must_use]
pub fn is_picture(bytes: &[u8]) -> bool {
    format_of(bytes).is_some()
}

fn format_of(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

/// Checks a picture and re-encodes it with its longest side at most `stored_side` pixels.
/// `noun` names it in messages ("照片", "图片").
///
/// # Errors
/// A message for the user when the file is not an acceptable picture.
pub fn reencode(
    bytes: &[u8],
    max_bytes: usize,
    stored_side: u32,
    noun: &str,
) -> Result<Vec<u8>, String> {
    if bytes.len() > max_bytes {
        return Err(format!("{noun}不能超过 {} MB", max_bytes / (1024 * 1024)));
    }
    let Some(format) = format_of(bytes) else {
        return Err(format!("{noun}须为 JPG 或 PNG 格式"));
    };
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| format!("{noun}文件已损坏"))?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!("{noun}尺寸不能超过 {MAX_SIDE}×{MAX_SIDE} 像素"));
    }
    let img = ImageReader::with_format(Cursor::new(bytes), format)
        .decode()
        .map_err(|_| format!("{noun}文件已损坏"))?;
    let img = img.thumbnail(stored_side, stored_side).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .map_err(|_| format!("{noun}处理失败"))?;
    Ok(out)
}
