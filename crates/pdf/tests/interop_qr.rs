//! The stamped QR code scans after rendering by poppler: `pdftoppm` renders page 1 to a greyscale
//! image, which rqrr decodes. Needs `pdftoppm` (poppler-utils); fails if it is missing.

use std::process::Command;

use ecert_pdf::qr::{Corner, stamp_qr};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};

const URL: &str = "https://hub.ecert.example/v/UZ-TR-2026-004567";

/// Parses a binary PGM (P5, 8-bit) as written by `pdftoppm -gray`.
fn parse_pgm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..pos]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = data[pos + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

#[test]
fn rendered_qr_scans() {
    let dir = tempfile::tempdir().unwrap();
    let doc = generate(&SampleDocument::example(DocumentKind::TestReport));
    for (corner, name) in [(Corner::TopRight, "tr"), (Corner::BottomLeft, "bl")] {
        let stamped = stamp_qr(&doc, URL, corner).unwrap();
        let pdf = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&pdf, &stamped).unwrap();
        let prefix = dir.path().join(name);
        let status = Command::new("pdftoppm")
            .args(["-r", "150", "-gray", "-singlefile", "-f", "1", "-l", "1"])
            .arg(&pdf)
            .arg(&prefix)
            .status()
            .unwrap_or_else(|e| panic!("cannot run pdftoppm (install poppler-utils): {e}"));
        assert!(status.success(), "pdftoppm failed");
        let (w, h, pixels) = parse_pgm(&std::fs::read(prefix.with_extension("pgm")).unwrap());
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "{corner:?}: one QR symbol on the page");
        assert_eq!(grids[0].decode().unwrap().1, URL, "{corner:?}");
    }
}
