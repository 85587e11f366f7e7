//! QR codes of provisioning URIs (`qrcodegen`, error correction level M, a 4-module quiet zone),
//! as SVG text for a web page and as a grayscale PNG.

use crate::{Error, Result};
use qrcodegen::{QrCode, QrCodeEcc};

/// The quiet zone around the symbol, in modules (the QR specification's minimum).
const BORDER: i32 = 4;
/// The largest PNG module size accepted, in pixels.
pub const MAX_PNG_SCALE: u32 = 64;

fn encode(text: &str) -> Result<QrCode> {
    if text.is_empty() {
        return Err(Error::invalid_input("nothing to encode in the QR code"));
    }
    QrCode::encode_text(text, QrCodeEcc::Medium).map_err(|_| {
        Error::invalid_input(format!(
            "{} bytes do not fit in a QR code at error correction level M",
            text.len()
        ))
    })
}

/// The QR code of `text` (a provisioning URI) as a standalone SVG document: black modules on a
/// white background, one path, scalable (`viewBox` in modules, quiet zone included).
///
/// ```
/// let svg = bulwark::otp::qr_svg("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP").unwrap();
/// assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
/// ```
///
/// # Errors
/// `InvalidInput` for empty text or text too long for a QR code.
pub fn qr_svg(text: &str) -> Result<String> {
    let qr = encode(text)?;
    let size = qr.size();
    let dim = size + 2 * BORDER;
    let mut path = String::with_capacity((size * size) as usize * 4);
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + BORDER, y + BORDER));
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 {dim} {dim}\" \
         width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n\
         <path d=\"{path}\" fill=\"#000000\"/>\n</svg>\n",
        px = dim * 6
    ))
}

/// The QR code of `text` as a grayscale PNG with `scale` pixels per module (1 to 64; 8 is a
/// good default), quiet zone included.
///
/// # Errors
/// `InvalidInput` for empty or too long text or a scale outside 1..=64; `Internal` if the PNG
/// encoder fails.
pub fn qr_png(text: &str, scale: u32) -> Result<Vec<u8>> {
    if !(1..=MAX_PNG_SCALE).contains(&scale) {
        return Err(Error::invalid_input(format!(
            "the QR PNG scale must be between 1 and {MAX_PNG_SCALE} pixels per module"
        )));
    }
    let qr = encode(text)?;
    let dim = qr.size() + 2 * BORDER;
    let side = u32::try_from(dim).unwrap_or(0) * scale;
    let mut pixels = Vec::with_capacity((side * side) as usize);
    for py in 0..side {
        let y = i32::try_from(py / scale).unwrap_or(0) - BORDER;
        for px in 0..side {
            let x = i32::try_from(px / scale).unwrap_or(0) - BORDER;
            // get_module is false outside the symbol, which paints the quiet zone white.
            pixels.push(if qr.get_module(x, y) { 0u8 } else { 255u8 });
        }
    }
    let mut out = Vec::new();
    let png_err = |e: png::EncodingError| Error::internal(format!("PNG encoding failed: {e}"));
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(png_err)?;
        writer.write_image_data(&pixels).map_err(png_err)?;
        writer.finish().map_err(png_err)?;
    }
    Ok(out)
}
