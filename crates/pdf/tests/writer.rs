//! Incremental-update writer, serializer and sample-document round trips.

mod common;

use common::{Fixture, basic_objects, simple_table_pdf};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::serialize::to_bytes;
use ecert_pdf::text::{decode_text_string, encode_text_string};
use ecert_pdf::{
    Dictionary, Document, IncrementalUpdate, Limits, ObjId, Object, PdfString, Value, XrefKind, parse_value_at,
};

#[test]
fn serialized_values_parse_back_equal() {
    let mut dict = Dictionary::new();
    dict.set(b"Name With#Space/", Object::name(b"A B#(x)"));
    dict.set(b"Str", Object::string(b"paren ( ) \\ back\r\nslash \xff"));
    dict.set(b"Hex", Object::from(Value::String(PdfString { bytes: vec![0, 1, 0xfe], hex: true })));
    dict.set(b"Real", Object::real(-12.5));
    dict.set(b"Tiny", Object::real(0.000_001));
    dict.set(b"Ref", ObjId::new(7, 2));
    dict.set(b"Arr", Object::from(vec![Object::from(true), Value::Null.into(), Object::from(-3)]));
    let bytes = to_bytes(&dict.clone().into());
    let parsed = parse_value_at(&bytes, 0, &Limits::default()).unwrap();
    let parsed = parsed.value.as_dict().unwrap();
    for entry in &dict.entries {
        let back = parsed.get(&entry.key).unwrap_or_else(|| panic!("{} lost", String::from_utf8_lossy(&entry.key)));
        match &entry.value.value {
            // Parsed arrays carry spans; compare their syntax instead.
            Value::Array(_) => assert_eq!(to_bytes(back), to_bytes(&entry.value)),
            other => assert_eq!(&back.value, other, "{}", String::from_utf8_lossy(&entry.key)),
        }
    }
}

#[test]
fn text_strings_round_trip() {
    for text in ["plain ASCII", "Алматы — сертификат", "emoji 🚢"] {
        assert_eq!(decode_text_string(&encode_text_string(text)), text);
    }
    assert_eq!(encode_text_string("plain"), b"plain");
    assert_eq!(decode_text_string(b"\x80\x93"), "•ﬁ", "PDFDocEncoding differs from Latin-1 here");
}

#[test]
fn incremental_update_appends_and_leaves_original_untouched() {
    let original = simple_table_pdf();
    let doc = Document::parse(&original).unwrap();
    let mut update = IncrementalUpdate::new(&doc);
    let mut page = doc.dict_of(0, ObjId::new(3, 0)).unwrap().unwrap();
    page.set(b"Rotate", Object::from(180));
    update.set(ObjId::new(3, 0), page);
    let mut stream_dict = Dictionary::new();
    stream_dict.set(b"Type", Object::name(b"Metadata"));
    let stream_id = update.add_stream(stream_dict, b"<x:xmpmeta/>".to_vec());
    let array_id = update.add(Object::from(vec![Object::from(stream_id)]));
    assert_eq!(stream_id, ObjId::new(5, 0), "numbers continue after the highest existing one");
    let output = update.finish();
    let bytes = output.bytes;
    assert_eq!(&bytes[..original.len()], &original[..]);
    let updated = Document::parse(&bytes).unwrap();
    assert_eq!(updated.revisions().len(), 2);
    assert_eq!(updated.revisions()[1].kind, XrefKind::Table);
    assert_eq!(updated.revisions()[0].end, original.len());
    assert_eq!(updated.revisions()[1].startxref, output.startxref);
    assert_eq!(updated.trailer(1).unwrap().get_int(b"Prev"), Some(doc.revisions()[0].startxref as i64));
    assert_eq!(updated.trailer(1).unwrap().get_int(b"Size"), Some(7));
    let rotate = |rev| {
        updated.object_in(rev, ObjId::new(3, 0)).unwrap().unwrap().object.value.as_dict().unwrap().get_int(b"Rotate")
    };
    assert_eq!(rotate(0), None);
    assert_eq!(rotate(1), Some(180));
    let stream = updated.object(stream_id).unwrap().unwrap();
    assert_eq!(updated.stream_data(stream.object.value.as_stream().unwrap()).unwrap(), b"<x:xmpmeta/>");
    assert!(updated.object(array_id).unwrap().is_some());
    for (id, offset) in &output.offsets {
        assert!(bytes[*offset..].starts_with(format!("{} {} obj", id.num, id.generation).as_bytes()));
    }
}

#[test]
fn update_of_xref_stream_file_writes_an_xref_stream() {
    let mut f = Fixture::new();
    basic_objects(&mut f);
    f.xref_stream(5, true, "");
    let doc = Document::parse(&f.bytes).unwrap();
    let mut update = IncrementalUpdate::new(&doc);
    let new_id = update.add(Object::string(b"hello"));
    let bytes = update.finish().bytes;
    let updated = Document::parse(&bytes).unwrap();
    assert_eq!(updated.revisions()[1].kind, XrefKind::Stream);
    assert_eq!(updated.object(new_id).unwrap().unwrap().object.value.as_string().unwrap().bytes, b"hello");
    assert_eq!(updated.pages(1).unwrap().len(), 1);
    // A second update on top still chains correctly.
    let mut again = IncrementalUpdate::new(&updated);
    again.set(new_id, Object::string(b"bye"));
    let bytes = again.finish().bytes;
    let third = Document::parse(&bytes).unwrap();
    assert_eq!(third.revisions().len(), 3);
    assert_eq!(third.object_in(1, new_id).unwrap().unwrap().object.value.as_string().unwrap().bytes, b"hello");
    assert_eq!(third.object(new_id).unwrap().unwrap().object.value.as_string().unwrap().bytes, b"bye");
}

#[test]
fn samples_are_valid_one_page_documents_with_their_text() {
    for kind in [DocumentKind::ConformityCertificate, DocumentKind::TestReport] {
        let mut sample = SampleDocument::example(kind);
        sample.number = "TEST-42".into();
        sample.hs_codes = vec!["0101.21".into(), "8471.30".into()];
        sample.attachment = Some(("data.csv".into(), b"a,b\n1,2\n".to_vec()));
        let bytes = generate(&sample);
        assert!(bytes.starts_with(b"%PDF-1.7"));
        let doc = Document::parse(&bytes).unwrap();
        assert_eq!(doc.revisions().len(), 1);
        let pages = doc.pages(0).unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].media_box(), Some([0.0, 0.0, 595.0, 842.0]));
        let content = doc.resolve(pages[0].dict.get(b"Contents").unwrap()).unwrap();
        let text = String::from_utf8_lossy(&doc.stream_data(content.value.as_stream().unwrap()).unwrap()).into_owned();
        for expected in ["No. TEST-42", "0101.21, 8471.30", &sample.issuer, "2026-03-14"] {
            assert!(text.contains(expected), "{kind:?} content lacks {expected:?}");
        }
        let title = match kind {
            DocumentKind::ConformityCertificate => "CERTIFICATE OF CONFORMITY",
            DocumentKind::TestReport => "TEST REPORT",
        };
        assert!(text.contains(title));
        let (_, catalog) = doc.catalog(0).unwrap();
        assert!(catalog.contains(b"Names"), "attachment is listed");
        // Every table entry points at its object: no ObjectMismatch anywhere.
        for num in 1..=9 {
            assert!(doc.object(ObjId::new(num, 0)).unwrap().is_some(), "object {num}");
        }
    }
}
