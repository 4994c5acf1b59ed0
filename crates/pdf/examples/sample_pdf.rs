//! Writes a sample Conformity Certificate, optionally QR-stamped, to the path given:
//! `cargo run -p ecert-pdf --example sample_pdf -- OUT.pdf [URL]`.

use ecert_pdf::qr::{Corner, stamp_qr};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: sample_pdf OUT.pdf [URL]")?;
    let mut pdf = generate(&SampleDocument::example(DocumentKind::ConformityCertificate));
    if let Some(url) = args.next() {
        pdf = stamp_qr(&pdf, &url, Corner::BottomRight)?;
    }
    std::fs::write(out, pdf)?;
    Ok(())
}
