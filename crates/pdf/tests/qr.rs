//! QR stamping: the drawn symbol decodes to the URL in every corner, the page keeps its content,
//! and stamping is refused where it would break a signature.

mod common;

use ecert_pdf::qr::{Corner, StampPlacement, stamp_qr, stamp_qr_with_placement};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pdf::{Document, PdfError};

const URL: &str = "https://hub.ecert.example/v/KZ-CoC-2026-000123";
const PIXELS_PER_MODULE: usize = 4;

/// Rectangles `x y w h re` of the stamp's content stream (the last stream of page 1), in order.
fn stamp_rectangles(pdf: &[u8]) -> Vec<[f64; 4]> {
    let doc = Document::parse(pdf).unwrap();
    let page = doc.pages(doc.latest()).unwrap().remove(0);
    let contents = page.dict.get(b"Contents").unwrap().value.as_array().unwrap().to_vec();
    let last = doc.resolve(contents.last().unwrap()).unwrap();
    let data = doc.stream_data(last.value.as_stream().unwrap()).unwrap();
    String::from_utf8(data)
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_suffix(" re f").or_else(|| line.strip_suffix(" re")))
        .map(|nums| {
            let v: Vec<f64> = nums.split_whitespace().map(|n| n.parse().unwrap()).collect();
            [v[0], v[1], v[2], v[3]]
        })
        .collect()
}

/// Rasterises the dark rectangles (all but the first, white, one) and decodes the symbol.
fn decode(rects: &[[f64; 4]], at: &StampPlacement) -> String {
    let side_modules = at.modules + 8;
    let size = side_modules * PIXELS_PER_MODULE;
    let mut dark = vec![false; size * size];
    for [x, y, w, h] in &rects[1..] {
        let mx = ((x - at.x) / at.module).round() as usize;
        let my = ((y - at.y) / at.module).round() as usize;
        let mw = (w / at.module).round() as usize;
        let mh = (h / at.module).round() as usize;
        for row in my..my + mh {
            let top = side_modules - 1 - row; // image rows grow downwards
            for col in mx..mx + mw {
                for py in 0..PIXELS_PER_MODULE {
                    for px in 0..PIXELS_PER_MODULE {
                        dark[(top * PIXELS_PER_MODULE + py) * size + col * PIXELS_PER_MODULE + px] = true;
                    }
                }
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(size, size, |x, y| dark[y * size + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR symbol");
    grids[0].decode().unwrap().1
}

fn sample() -> Vec<u8> {
    generate(&SampleDocument::example(DocumentKind::TestReport))
}

#[test]
fn qr_decodes_to_the_url_in_every_corner() {
    let original = sample();
    for corner in [Corner::TopLeft, Corner::TopRight, Corner::BottomLeft, Corner::BottomRight] {
        let (stamped, at) = stamp_qr_with_placement(&original, URL, corner).unwrap();
        assert_eq!(&stamped[..original.len()], &original[..]);
        let rects = stamp_rectangles(&stamped);
        assert_eq!(decode(&rects, &at), URL, "{corner:?}");
        let side = (at.modules + 8) as f64 * at.module;
        assert!(at.x >= 0.0 && at.x + side <= 595.0 && at.y >= 0.0 && at.y + side <= 842.0, "{corner:?} on the page");
        let left = matches!(corner, Corner::TopLeft | Corner::BottomLeft);
        assert_eq!(at.x < 595.0 / 2.0, left, "{corner:?} horizontal side");
        let top = matches!(corner, Corner::TopLeft | Corner::TopRight);
        assert_eq!(at.y > 842.0 / 2.0, top, "{corner:?} vertical side");
    }
}

#[test]
fn stamp_keeps_the_original_content_and_adds_text() {
    let stamped = stamp_qr(&sample(), URL, Corner::BottomRight).unwrap();
    let doc = Document::parse(&stamped).unwrap();
    assert_eq!(doc.revisions().len(), 2);
    let page = doc.pages(1).unwrap().remove(0);
    let contents = page.dict.get(b"Contents").unwrap().value.as_array().unwrap().to_vec();
    assert_eq!(contents.len(), 3, "q stream, original content, stamp");
    let first = doc.resolve(&contents[0]).unwrap();
    assert_eq!(doc.stream_data(first.value.as_stream().unwrap()).unwrap(), b"q\n");
    let original = doc.resolve(&contents[1]).unwrap();
    assert!(
        String::from_utf8_lossy(&doc.stream_data(original.value.as_stream().unwrap()).unwrap()).contains("TEST REPORT")
    );
    let stamp = doc.resolve(&contents[2]).unwrap();
    let stamp = String::from_utf8(doc.stream_data(stamp.value.as_stream().unwrap()).unwrap()).unwrap();
    assert!(stamp.starts_with("Q\nq\n"));
    assert!(stamp.contains(&format!("({URL}) Tj")));
    let fonts = doc.resolve_dict(1, page.dict.get(b"Resources")).unwrap().unwrap();
    let fonts = doc.resolve_dict(1, fonts.get(b"Font")).unwrap().unwrap();
    assert!(fonts.contains(b"F1") && fonts.contains(b"ECertQR0"), "existing fonts kept, stamp font added");
    // A stamped document signs normally.
    let pki = ecert_pki::testpki::TestPki::shared().unwrap();
    let creds = &pki.signer(ecert_pki::testpki::TestSigner::ValidEcP256).credentials;
    assert!(sign_pdf(&stamped, &SignOptions::new(creds)).is_ok());
}

#[test]
fn stamping_a_signed_document_is_refused() {
    let pki = ecert_pki::testpki::TestPki::shared().unwrap();
    let creds = &pki.signer(ecert_pki::testpki::TestSigner::ValidEcP256).credentials;
    let signed = sign_pdf(&sample(), &SignOptions::new(creds)).unwrap();
    assert!(matches!(stamp_qr(&signed, URL, Corner::TopLeft), Err(PdfError::AlreadySigned)));
}

#[test]
fn overlong_urls_and_bad_input_are_refused() {
    let long = format!("https://x.example/{}", "a".repeat(2000));
    assert!(matches!(stamp_qr(&sample(), &long, Corner::TopLeft), Err(PdfError::Qr(_))));
    assert!(matches!(stamp_qr(b"nope", URL, Corner::TopLeft), Err(PdfError::NotPdf)));
}
