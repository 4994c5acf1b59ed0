//! QR stamping: a QR code of a verification URL, plus the URL as text, drawn in a corner of page 1
//! by an incremental update made before signing.
//!
//! The code is drawn as filled rectangles (one per horizontal run of dark modules) on a white quiet
//! zone, in a new content stream appended to the page's /Contents array. A leading `q` stream and a
//! `Q` at the start of the new stream isolate the drawing from any graphics state the existing
//! content leaves behind.

use std::io::Write;

use qrcode::{Color, EcLevel, QrCode};

use crate::document::Document;
use crate::error::{PdfError, Result};
use crate::object::{Dictionary, Object, Value};
use crate::samples::winansi;
use crate::writer::IncrementalUpdate;

/// Which corner of the page receives the stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// Side of the QR symbol including its quiet zone, in points (one inch).
const QR_SIDE: f64 = 72.0;
/// Distance from the page edges, in points (15 mm: inside the usual printable area and page frames).
const MARGIN: f64 = 42.0;
/// Quiet zone the QR specification requires, in modules.
const QUIET_MODULES: usize = 4;
const TEXT_SIZE: f64 = 7.0;
/// Longest URL accepted (a QR code at medium error correction holds about 2,300 bytes).
pub const MAX_URL_LEN: usize = 1024;

/// The geometry of a stamp, returned so tests and callers know where it was drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StampPlacement {
    /// Lower-left corner of the QR symbol's quiet zone, in page coordinates.
    pub x: f64,
    pub y: f64,
    /// Side of one module, in points.
    pub module: f64,
    /// Modules per side, without the quiet zone.
    pub modules: usize,
}

/// Adds the QR stamp to page 1 of `pdf` and returns the updated file.
pub fn stamp_qr(pdf: &[u8], url: &str, corner: Corner) -> Result<Vec<u8>> {
    stamp_qr_with_placement(pdf, url, corner).map(|(bytes, _)| bytes)
}

/// [`stamp_qr`], also returning where the symbol was drawn.
pub fn stamp_qr_with_placement(pdf: &[u8], url: &str, corner: Corner) -> Result<(Vec<u8>, StampPlacement)> {
    if url.len() > MAX_URL_LEN {
        return Err(PdfError::Qr(format!("URL is longer than {MAX_URL_LEN} bytes")));
    }
    let code =
        QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(|e| PdfError::Qr(e.to_string()))?;
    let doc = Document::parse(pdf)?;
    let rev = doc.latest();
    if doc.signature_fields(rev)?.iter().any(|f| f.signature.is_some()) {
        return Err(PdfError::AlreadySigned);
    }
    let page = doc.pages(rev)?.into_iter().next().ok_or(PdfError::NoPages)?;
    let media_box = page.media_box().ok_or_else(|| PdfError::Structure("page 1 has no usable /MediaBox".into()))?;
    let modules = code.width();
    let module = QR_SIDE / (modules + 2 * QUIET_MODULES) as f64;
    let placement = place(media_box, corner, module, modules);

    let mut update = IncrementalUpdate::new(&doc);
    let font_id = update.add(helvetica());
    let resources = doc.resolve_dict(rev, page.dict.get(b"Resources"))?.unwrap_or_default();
    let (resources, font_name) = with_font(&doc, rev, resources, font_id)?;
    let text = TextPlacement::new(url, media_box, corner, &placement);
    let content = draw(&code, &placement, url, &text, &font_name);
    let save_id = update.add_stream(Dictionary::new(), b"q\n".to_vec());
    let stamp_id = update.add_stream(Dictionary::new(), content);

    let mut raw_page = doc
        .dict_of(rev, page.id)?
        .ok_or_else(|| PdfError::Structure(format!("page {} is not a dictionary", page.id)))?;
    let mut contents = vec![Object::from(save_id)];
    match raw_page.get(b"Contents").map(|o| o.value.clone()) {
        Some(Value::Reference(id)) => match doc.object_in(rev, id)?.map(|o| o.object.value) {
            // An indirect array of streams: inline its elements.
            Some(Value::Array(items)) => contents.extend(items),
            _ => contents.push(id.into()),
        },
        Some(Value::Array(items)) => contents.extend(items),
        _ => {}
    }
    contents.push(stamp_id.into());
    raw_page.set(b"Contents", Object::from(contents));
    raw_page.set(b"Resources", Object::from(resources));
    update.set(page.id, raw_page);
    Ok((update.finish().bytes, placement))
}

fn place(media_box: [f64; 4], corner: Corner, module: f64, modules: usize) -> StampPlacement {
    let [llx, lly, urx, ury] = media_box;
    // The URL line sits below the symbol, so bottom corners leave room for it.
    let text_room = TEXT_SIZE + 4.0;
    let x = match corner {
        Corner::TopLeft | Corner::BottomLeft => llx + MARGIN,
        Corner::TopRight | Corner::BottomRight => urx - MARGIN - QR_SIDE,
    };
    let y = match corner {
        Corner::TopLeft | Corner::TopRight => ury - MARGIN - QR_SIDE,
        Corner::BottomLeft | Corner::BottomRight => lly + MARGIN + text_room,
    };
    StampPlacement { x, y, module, modules }
}

fn helvetica() -> Dictionary {
    let mut font = Dictionary::new();
    font.set(b"Type", Object::name(b"Font"));
    font.set(b"Subtype", Object::name(b"Type1"));
    font.set(b"BaseFont", Object::name(b"Helvetica"));
    font.set(b"Encoding", Object::name(b"WinAnsiEncoding"));
    font
}

/// The page's resources with the stamp font added under a name the page does not use yet.
fn with_font(
    doc: &Document<'_>,
    rev: usize,
    mut resources: Dictionary,
    font: crate::ObjId,
) -> Result<(Dictionary, Vec<u8>)> {
    let mut fonts = doc.resolve_dict(rev, resources.get(b"Font"))?.unwrap_or_default();
    let name = (0..=fonts.entries.len())
        .map(|n| format!("ECertQR{n}").into_bytes())
        .find(|candidate| !fonts.contains(candidate))
        .unwrap_or_else(|| b"ECertQR".to_vec());
    fonts.set(&name, font);
    resources.set(b"Font", Object::from(fonts));
    Ok((resources, name))
}

/// Helvetica advance widths (1/1000 em) for ASCII 32..=126, from the standard AFM metrics.
const HELVETICA_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584,
];

/// Width of `text` in Helvetica at `size` points (non-ASCII bytes counted as a wide glyph).
fn text_width(text: &[u8], size: f64) -> f64 {
    let units: u32 = text
        .iter()
        .map(|&b| {
            u32::from(b.checked_sub(32).and_then(|i| HELVETICA_WIDTHS.get(usize::from(i))).copied().unwrap_or(1000))
        })
        .sum();
    f64::from(units) * size / 1000.0
}

/// Where the URL line goes: under the symbol, aligned with the page edge of its corner, shrunk
/// if needed so it stays on the page.
struct TextPlacement {
    x: f64,
    y: f64,
    size: f64,
}

impl TextPlacement {
    fn new(url: &str, media_box: [f64; 4], corner: Corner, at: &StampPlacement) -> Self {
        let [llx, _, urx, _] = media_box;
        let encoded = winansi(url);
        let available = (urx - llx - 2.0 * MARGIN).max(1.0);
        let natural = text_width(&encoded, TEXT_SIZE);
        let size = if natural > available { TEXT_SIZE * available / natural } else { TEXT_SIZE };
        let width = text_width(&encoded, size);
        let x = match corner {
            Corner::TopLeft | Corner::BottomLeft => at.x,
            Corner::TopRight | Corner::BottomRight => at.x + QR_SIDE - width,
        };
        TextPlacement { x, y: at.y - TEXT_SIZE - 2.0, size }
    }
}

/// Content stream: restore the caller's state, white quiet zone, dark runs, then the URL text.
fn draw(code: &QrCode, at: &StampPlacement, url: &str, text_at: &TextPlacement, font: &[u8]) -> Vec<u8> {
    let n = at.modules;
    let m = at.module;
    let side = (n + 2 * QUIET_MODULES) as f64 * m;
    let mut out = Vec::new();
    let _ = write!(out, "Q\nq\n1 1 1 rg\n{} {} {} {} re f\n0 0 0 rg\n", fmt(at.x), fmt(at.y), fmt(side), fmt(side));
    let colors = code.to_colors();
    for (row_index, row) in colors.chunks(n.max(1)).enumerate() {
        // Module row 0 is the top of the symbol; PDF y grows upwards.
        let y = at.y + (QUIET_MODULES + n - 1 - row_index) as f64 * m;
        let mut col = 0;
        while col < row.len() {
            if row.get(col) != Some(&Color::Dark) {
                col += 1;
                continue;
            }
            let start = col;
            while row.get(col) == Some(&Color::Dark) {
                col += 1;
            }
            let x = at.x + (QUIET_MODULES + start) as f64 * m;
            let _ = writeln!(out, "{} {} {} {} re", fmt(x), fmt(y), fmt((col - start) as f64 * m), fmt(m));
        }
    }
    out.extend_from_slice(b"f\n");
    let mut text = Vec::new();
    crate::serialize::write_object(&mut text, &Object::string(&winansi(url)));
    let _ = write!(
        out,
        "BT /{} {} Tf {} {} Td ",
        String::from_utf8_lossy(font),
        fmt(text_at.size),
        fmt(text_at.x),
        fmt(text_at.y)
    );
    out.extend_from_slice(&text);
    out.extend_from_slice(b" Tj ET\nQ\n");
    out
}

/// Numbers for content streams: fixed precision, no exponent.
fn fmt(v: f64) -> String {
    let text = format!("{v:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
