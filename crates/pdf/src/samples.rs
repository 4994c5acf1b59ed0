//! Realistic sample documents for demos and tests: a one-page Conformity Certificate or Test
//! Report in Helvetica (WinAnsiEncoding), written as plain PDF 1.7 with a classic xref table.

use std::io::Write;

use time::Date;

use crate::object::{Dictionary, ObjId, Object};
use crate::serialize::{write_dictionary, write_indirect_object, write_stream_object};

/// Which kind of trade document to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// An ISO/IEC 17065 product certificate.
    ConformityCertificate,
    /// An ISO/IEC 17025 laboratory test report.
    TestReport,
}

impl DocumentKind {
    fn title(self) -> &'static str {
        match self {
            DocumentKind::ConformityCertificate => "CERTIFICATE OF CONFORMITY",
            DocumentKind::TestReport => "TEST REPORT",
        }
    }
    fn standard(self) -> &'static str {
        match self {
            DocumentKind::ConformityCertificate => "ISO/IEC 17065",
            DocumentKind::TestReport => "ISO/IEC 17025",
        }
    }
}

/// The variable content of a sample document.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleDocument {
    pub kind: DocumentKind,
    pub number: String,
    pub issuer: String,
    pub applicant: String,
    pub product: String,
    pub hs_codes: Vec<String>,
    pub issue_date: Date,
    pub valid_until: Option<Date>,
    pub destination: String,
    /// An optional embedded file (e.g. raw measurement data), which also lets tests make large documents.
    pub attachment: Option<(String, Vec<u8>)>,
}

impl SampleDocument {
    /// A filled-in example of the given kind.
    pub fn example(kind: DocumentKind) -> Self {
        SampleDocument {
            kind,
            number: match kind {
                DocumentKind::ConformityCertificate => "KZ-CoC-2026-000123".into(),
                DocumentKind::TestReport => "UZ-TR-2026-004567".into(),
            },
            issuer: "Almaty Product Certification Centre LLP".into(),
            applicant: "Steppe Electric JSC, Astana".into(),
            product: "Low-voltage circuit breakers, series SE-63".into(),
            hs_codes: vec!["8536.20".into(), "8536.30".into()],
            issue_date: time::macros::date!(2026 - 03 - 14),
            valid_until: Some(time::macros::date!(2029 - 03 - 13)),
            destination: "Kyrgyz Republic".into(),
            attachment: None,
        }
    }
}

const PAGE_WIDTH: f64 = 595.0;
const PAGE_HEIGHT: f64 = 842.0;

/// Generates the PDF bytes of `doc`.
pub fn generate(doc: &SampleDocument) -> Vec<u8> {
    let content = page_content(doc);
    let mut objects: Vec<(ObjId, Vec<u8>)> = Vec::new();
    let id = |n: u32| ObjId::new(n, 0);

    let mut catalog = Dictionary::new();
    catalog.set(b"Type", Object::name(b"Catalog"));
    catalog.set(b"Pages", id(2));
    if doc.attachment.is_some() {
        let mut files = Dictionary::new();
        files.set(b"Names", Object::from(vec![Object::string(b"data"), Object::from(id(8))]));
        let mut names = Dictionary::new();
        names.set(b"EmbeddedFiles", Object::from(files));
        catalog.set(b"Names", Object::from(names));
    }
    objects.push((id(1), indirect(id(1), &catalog.into())));

    let mut pages = Dictionary::new();
    pages.set(b"Type", Object::name(b"Pages"));
    pages.set(b"Kids", Object::from(vec![Object::from(id(3))]));
    pages.set(b"Count", Object::from(1));
    objects.push((id(2), indirect(id(2), &pages.into())));

    let mut fonts = Dictionary::new();
    fonts.set(b"F1", id(5));
    fonts.set(b"F2", id(6));
    let mut resources = Dictionary::new();
    resources.set(b"Font", Object::from(fonts));
    let mut page = Dictionary::new();
    page.set(b"Type", Object::name(b"Page"));
    page.set(b"Parent", id(2));
    page.set(b"MediaBox", Object::from(vec![0.into(), 0.into(), Object::real(PAGE_WIDTH), Object::real(PAGE_HEIGHT)]));
    page.set(b"Resources", Object::from(resources));
    page.set(b"Contents", id(4));
    objects.push((id(3), indirect(id(3), &page.into())));

    let mut stream = Vec::new();
    write_stream_object(&mut stream, id(4), &Dictionary::new(), &content);
    objects.push((id(4), stream));
    objects.push((id(5), indirect(id(5), &font(b"Helvetica").into())));
    objects.push((id(6), indirect(id(6), &font(b"Helvetica-Bold").into())));

    let mut info = Dictionary::new();
    info.set(b"Title", Object::string(format!("{} {}", doc.kind.title(), doc.number).as_bytes()));
    info.set(b"Author", Object::string(&winansi(&doc.issuer)));
    info.set(b"Producer", Object::string(b"ecert sample generator"));
    info.set(b"CreationDate", Object::string(pdf_date(doc.issue_date).as_bytes()));
    objects.push((id(7), indirect(id(7), &info.into())));

    if let Some((name, data)) = &doc.attachment {
        let mut spec = Dictionary::new();
        spec.set(b"Type", Object::name(b"Filespec"));
        spec.set(b"F", Object::string(&winansi(name)));
        let mut ef = Dictionary::new();
        ef.set(b"F", id(9));
        spec.set(b"EF", Object::from(ef));
        objects.push((id(8), indirect(id(8), &spec.into())));
        let mut file_dict = Dictionary::new();
        file_dict.set(b"Type", Object::name(b"EmbeddedFile"));
        let mut stream = Vec::new();
        write_stream_object(&mut stream, id(9), &file_dict, data);
        objects.push((id(9), stream));
    }

    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (_, bytes) in &objects {
        offsets.push(out.len());
        out.extend_from_slice(bytes);
    }
    let startxref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(out, "{offset:010} 00000 n ");
    }
    let mut trailer = Dictionary::new();
    trailer.set(b"Size", Object::from(objects.len() as i64 + 1));
    trailer.set(b"Root", id(1));
    trailer.set(b"Info", id(7));
    let file_id =
        Object::from(crate::object::Value::String(crate::object::PdfString { bytes: document_id(doc), hex: true }));
    trailer.set(b"ID", Object::from(vec![file_id.clone(), file_id]));
    out.extend_from_slice(b"trailer\n");
    write_dictionary(&mut out, &trailer);
    let _ = write!(out, "\nstartxref\n{startxref}\n%%EOF\n");
    out
}

fn indirect(id: ObjId, object: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    write_indirect_object(&mut out, id, object);
    out
}

fn font(base: &[u8]) -> Dictionary {
    let mut font = Dictionary::new();
    font.set(b"Type", Object::name(b"Font"));
    font.set(b"Subtype", Object::name(b"Type1"));
    font.set(b"BaseFont", Object::name(base));
    font.set(b"Encoding", Object::name(b"WinAnsiEncoding"));
    font
}

/// A stable 16-byte file identifier derived from the document number.
fn document_id(doc: &SampleDocument) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, doc.number.as_bytes())
        .as_ref()
        .iter()
        .take(16)
        .copied()
        .collect()
}

fn pdf_date(date: Date) -> String {
    format!("D:{:04}{:02}{:02}000000Z", date.year(), u8::from(date.month()), date.day())
}

fn display_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The page's drawing operators: a frame, a title, labelled fields and a footer.
fn page_content(doc: &SampleDocument) -> Vec<u8> {
    let mut c = Vec::new();
    let _ = writeln!(c, "q 0.15 0.25 0.45 RG 2 w 36 36 {} {} re S Q", PAGE_WIDTH - 72.0, PAGE_HEIGHT - 72.0);
    text_line(&mut c, "F2", 20.0, 72.0, 760.0, doc.kind.title());
    text_line(&mut c, "F1", 11.0, 72.0, 738.0, &format!("No. {}", doc.number));
    let _ = writeln!(c, "q 0.15 0.25 0.45 RG 1 w 72 725 m {} 725 l S Q", PAGE_WIDTH - 72.0);
    let validity = doc.valid_until.map_or_else(|| "not limited".to_string(), display_date);
    let rows: Vec<(&str, String)> = vec![
        ("Issued by", doc.issuer.clone()),
        ("Accreditation", format!("Conformity assessment body under {}", doc.kind.standard())),
        ("Applicant", doc.applicant.clone()),
        ("Product", doc.product.clone()),
        ("HS codes", doc.hs_codes.join(", ")),
        ("Date of issue", display_date(doc.issue_date)),
        ("Valid until", validity),
        ("Destination", doc.destination.clone()),
    ];
    let mut y = 695.0;
    for (label, value) in rows {
        text_line(&mut c, "F2", 11.0, 72.0, y, label);
        text_line(&mut c, "F1", 11.0, 200.0, y, &value);
        y -= 24.0;
    }
    let statement = match doc.kind {
        DocumentKind::ConformityCertificate => [
            "The product named above has been assessed and found to conform to the requirements",
            "of the applicable technical regulations and standards listed in the annex.",
        ],
        DocumentKind::TestReport => [
            "The results relate only to the items tested. This report shall not be reproduced",
            "except in full without the written approval of the laboratory.",
        ],
    };
    y -= 12.0;
    for line in statement {
        text_line(&mut c, "F1", 10.0, 72.0, y, line);
        y -= 14.0;
    }
    text_line(
        &mut c,
        "F1",
        8.0,
        72.0,
        60.0,
        "This document is electronically signed (PAdES). Verify it on the e-CERT hub.",
    );
    c
}

fn text_line(out: &mut Vec<u8>, font: &str, size: f64, x: f64, y: f64, text: &str) {
    let _ = write!(out, "BT /{font} {size} Tf {x} {y} Td ");
    let mut literal = Vec::new();
    crate::serialize::write_object(&mut literal, &Object::string(&winansi(text)));
    out.extend_from_slice(&literal);
    out.extend_from_slice(b" Tj ET\n");
}

/// Encodes text in WinAnsiEncoding; characters it lacks become '?'.
pub(crate) fn winansi(text: &str) -> Vec<u8> {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    text.chars()
        .map(|ch| match u32::from(ch) {
            0x20..=0x7E | 0xA0..=0xFF => ch as u8,
            _ => HIGH.iter().find(|(c, _)| *c == ch).map_or(b'?', |(_, b)| *b),
        })
        .collect()
}
