//! Parser tests: objects and spans, xref tables and streams, object streams, predictors,
//! revisions, loops, limits and malformed input.

mod common;

use common::{Fixture, basic_objects, deflate, simple_table_pdf};
use ecert_pdf::{
    Document, Limits, ObjId, ObjectLocation, PdfError, Value, XrefEntry, XrefKind, parse_object_at, parse_value_at,
    scan_object_headers,
};

fn value(text: &str) -> Value {
    parse_value_at(text.as_bytes(), 0, &Limits::default()).unwrap().value
}

#[test]
fn parses_every_object_type() {
    assert_eq!(value("null"), Value::Null);
    assert_eq!(value("true"), Value::Bool(true));
    assert_eq!(value("-17"), Value::Integer(-17));
    assert_eq!(value("+4"), Value::Integer(4));
    assert_eq!(value("-.5"), Value::Real(-0.5));
    assert_eq!(value("4."), Value::Real(4.0));
    assert_eq!(value("/A#20B"), Value::Name(b"A B".to_vec()));
    assert_eq!(value("12 0 R"), Value::Reference(ObjId::new(12, 0)));
    let s = value(
        r"(a\(b\)\n\101\
c (nested))",
    );
    assert_eq!(s.as_string().unwrap().bytes, b"a(b)\nAc (nested)".to_vec());
    let h = value("<48 65 6C6C 6F7>");
    assert_eq!(h.as_string().unwrap().bytes, b"Hello\x70".to_vec());
    assert!(h.as_string().unwrap().hex);
    let a = value("[1 2 0 R /N (s) [true]]");
    let items = a.as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[1].value, Value::Reference(ObjId::new(2, 0)));
    let d = value("<< /K 1 /L << /M [] >> >>");
    let dict = d.as_dict().unwrap();
    assert_eq!(dict.get_int(b"K"), Some(1));
    assert!(dict.get(b"L").unwrap().value.as_dict().unwrap().contains(b"M"));
}

#[test]
fn numbers_that_are_not_references_stay_numbers() {
    let a = value("[1 2 3]");
    assert_eq!(a.as_array().unwrap().len(), 3);
    assert!(matches!(value("[1 2 3]").as_array().unwrap()[2].value, Value::Integer(3)));
    // A signed generation is not a reference, and a lone R is not an object.
    assert!(parse_value_at(b"[1 -2 R]", 0, &Limits::default()).is_err());
    let a = value("[1 2 +0 5]");
    assert_eq!(a.as_array().unwrap().len(), 4);
}

#[test]
fn spans_cover_values_exactly() {
    let text = b"5 0 obj\n<< /Type /Sig /Contents <0A0B> /ByteRange [0 1 2 3] >>\nendobj\n";
    let obj = parse_object_at(text, 0, &Limits::default()).unwrap();
    assert_eq!(obj.id, ObjId::new(5, 0));
    assert_eq!(&text[obj.span.start..obj.span.end], &text[..text.len() - 1]);
    let dict = obj.object.value.as_dict().unwrap();
    let contents = dict.entry(b"Contents").unwrap();
    assert_eq!(&text[contents.value.span.start..contents.value.span.end], b"<0A0B>");
    assert_eq!(&text[contents.key_span.start..contents.key_span.end], b"/Contents");
    let br = dict.get(b"ByteRange").unwrap();
    assert_eq!(&text[br.span.start..br.span.end], b"[0 1 2 3]");
}

#[test]
fn duplicate_keys_are_kept_and_reported() {
    let d = value("<< /A 1 /A 2 >>");
    let dict = d.as_dict().unwrap();
    assert_eq!(dict.entries.len(), 2);
    assert_eq!(dict.get_int(b"A"), Some(1));
    assert_eq!(dict.duplicate_key(), Some(&b"A"[..]));
}

#[test]
fn malformed_values_are_errors() {
    for bad in ["", "<< /A 1", "[1 2", "(unterminated", "<12G4>", "<< 1 2 >>", "/A#zz", "--5", "1.2.3", "endobj", ")"] {
        let result = parse_value_at(bad.as_bytes(), 0, &Limits::default());
        assert!(result.is_err(), "{bad:?} parsed as {result:?}");
    }
}

#[test]
fn depth_and_size_limits_apply() {
    let deep = "[".repeat(100) + &"]".repeat(100);
    let err = parse_value_at(deep.as_bytes(), 0, &Limits::default()).unwrap_err();
    assert!(matches!(err, PdfError::TooDeep { limit: 64, .. }), "{err}");
    let limits = Limits { max_container_len: 3, max_string_len: 4, ..Limits::default() };
    assert!(matches!(parse_value_at(b"[1 2 3 4]", 0, &limits), Err(PdfError::TooManyElements { .. })));
    assert!(matches!(parse_value_at(b"<< /a 1 /b 2 /c 3 /d 4 >>", 0, &limits), Err(PdfError::TooManyElements { .. })));
    assert!(matches!(parse_value_at(b"(12345)", 0, &limits), Err(PdfError::StringTooLong { .. })));
    assert!(matches!(parse_value_at(b"<0102030405>", 0, &limits), Err(PdfError::StringTooLong { .. })));
    assert!(parse_value_at(b"(1234)", 0, &limits).is_ok());
}

#[test]
fn stream_with_indirect_length_resolves_through_document() {
    let data = b"endstream inside the data";
    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    f.obj(2, "<< /Type /Pages /Kids [] /Count 0 >>");
    let mut raw = b"3 0 obj\n<< /Length 4 0 R >>\nstream\n".to_vec();
    raw.extend_from_slice(data);
    raw.extend_from_slice(b"\nendstream\nendobj\n");
    let at = f.raw_object(3, &raw);
    f.obj(4, &data.len().to_string());
    f.xref_table("");
    let doc = Document::parse(&f.bytes).unwrap();
    let loaded = doc.object(ObjId::new(3, 0)).unwrap().unwrap();
    assert_eq!(doc.stream_raw(loaded.object.value.as_stream().unwrap()), data);
    // Without the document, parse_object_at falls back to the first endstream keyword.
    let alone = parse_object_at(&f.bytes, at, &Limits::default()).unwrap();
    assert_eq!(alone.object.value.as_stream().unwrap().data.len(), 0);
}

#[test]
fn self_referencing_length_does_not_recurse() {
    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    f.obj(2, "<< /Type /Pages /Kids [] /Count 0 >>");
    f.raw_object(3, b"3 0 obj\n<< /Length 3 0 R >>\nstream\nabc\nendstream\nendobj\n");
    f.xref_table("");
    let doc = Document::parse(&f.bytes).unwrap();
    let loaded = doc.object(ObjId::new(3, 0)).unwrap().unwrap();
    assert_eq!(doc.stream_raw(loaded.object.value.as_stream().unwrap()), b"abc");
}

#[test]
fn classic_table_document() {
    let bytes = simple_table_pdf();
    let doc = Document::parse(&bytes).unwrap();
    assert_eq!(doc.revisions().len(), 1);
    let rev = &doc.revisions()[0];
    assert_eq!(rev.kind, XrefKind::Table);
    assert_eq!(rev.end, bytes.len());
    assert_eq!(rev.eof_marker_end, bytes.len() - 1);
    let (root, catalog) = doc.catalog(0).unwrap();
    assert_eq!(root, ObjId::new(1, 0));
    assert!(catalog.has_type(b"Catalog"));
    let pages = doc.pages(0).unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].media_box(), Some([0.0, 0.0, 612.0, 792.0]), "MediaBox is inherited");
    let content = doc.object(ObjId::new(4, 0)).unwrap().unwrap();
    let data = doc.stream_data(content.object.value.as_stream().unwrap()).unwrap();
    assert_eq!(data, b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET");
    assert!(doc.object(ObjId::new(99, 0)).unwrap().is_none());
    assert!(doc.object(ObjId::new(4, 1)).unwrap().is_none(), "generation must match");
}

#[test]
fn xref_stream_with_predictor_and_object_stream() {
    let mut f = Fixture::new();
    f.objstm(5, &[(1, "<< /Type /Catalog /Pages 2 0 R >>"), (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")]);
    f.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 200] >>");
    f.xref_stream(6, true, "");
    let doc = Document::parse(&f.bytes).unwrap();
    assert_eq!(doc.revisions()[0].kind, XrefKind::Stream);
    let catalog = doc.object(ObjId::new(1, 0)).unwrap().unwrap();
    assert_eq!(catalog.location, ObjectLocation::ObjectStream { stream: ObjId::new(5, 0), index: 0 });
    assert!(catalog.object.value.as_dict().unwrap().has_type(b"Catalog"));
    assert_eq!(doc.pages(0).unwrap().len(), 1);
    let decoded = doc.object_stream_data(0, 5).unwrap();
    let pages = doc.object(ObjId::new(2, 0)).unwrap().unwrap();
    let span = pages.object.span;
    assert_eq!(&decoded[span.start..span.end], b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
}

#[test]
fn xref_stream_without_predictor() {
    let mut f = Fixture::new();
    basic_objects(&mut f);
    f.xref_stream(5, false, "");
    let doc = Document::parse(&f.bytes).unwrap();
    assert_eq!(doc.pages(0).unwrap().len(), 1);
    assert_eq!(
        doc.xref_entry(0, 5).unwrap().map(|e| e.1),
        Some(XrefEntry::InFile { offset: doc.revisions()[0].startxref, generation: 0 })
    );
}

#[test]
fn incremental_revisions_resolve_as_of_each_revision() {
    let mut f = Fixture::new();
    basic_objects(&mut f);
    let first_end_marker = {
        f.xref_table("");
        f.bytes.len()
    };
    f.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Rotate 90 >>");
    f.obj(7, "<< /Extra true >>");
    f.xref_stream(8, true, "");
    f.free(7);
    f.xref_table("");
    let doc = Document::parse(&f.bytes).unwrap();
    let revs = doc.revisions();
    assert_eq!(revs.len(), 3);
    assert_eq!(revs[0].end, first_end_marker);
    assert_eq!(revs[1].kind, XrefKind::Stream);
    assert_eq!(revs[2].end, f.bytes.len());
    let page = ObjId::new(3, 0);
    let rotate = |rev| doc.object_in(rev, page).unwrap().unwrap().object.value.as_dict().unwrap().get_int(b"Rotate");
    assert_eq!(rotate(0), None);
    assert_eq!(rotate(1), Some(90));
    assert_eq!(doc.object_in(1, page).unwrap().unwrap().revision, 1);
    assert_eq!(doc.object_in(2, ObjId::new(1, 0)).unwrap().unwrap().revision, 0);
    assert!(doc.object_in(1, ObjId::new(7, 0)).unwrap().is_some());
    assert!(doc.object_in(2, ObjId::new(7, 0)).unwrap().is_none(), "freed in revision 2");
    assert!(matches!(doc.object_in(3, page), Err(PdfError::NoSuchRevision { index: 3, count: 3 })));
}

#[test]
fn hybrid_file_reads_objects_from_xrefstm() {
    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    f.obj(2, "<< /Type /Pages /Kids [] /Count 0 >>");
    f.objstm(3, &[(4, "(compressed)")]);
    // The hidden stream lists only object 4; the table marks it free, as hybrid writers do.
    let pending_stream_offset = f.bytes.len();
    let row = [2u8, 0, 0, 0, 3, 0, 0];
    f.bytes.extend_from_slice(
        format!("5 0 obj\n<< /Type /XRef /W [1 4 2] /Index [4 1] /Size 6 /Length {} >>\nstream\n", row.len())
            .as_bytes(),
    );
    f.bytes.extend_from_slice(&row);
    f.bytes.extend_from_slice(b"\nendstream\nendobj\n");
    let table = f.bytes.len();
    let o1 = ecert_pdf::scan_object_headers(&f.bytes);
    let find = |n: u32| o1.iter().find(|h| h.id.num == n).unwrap().offset;
    let text = format!(
        "xref\n0 5\n0000000000 65535 f \n{:010} 00000 n \n{:010} 00000 n \n{:010} 00000 n \n0000000000 00000 f \ntrailer\n<< /Size 6 /Root 1 0 R /XRefStm {pending_stream_offset} >>\nstartxref\n{table}\n%%EOF\n",
        find(1),
        find(2),
        find(3)
    );
    f.bytes.extend_from_slice(text.as_bytes());
    let doc = Document::parse(&f.bytes).unwrap();
    assert_eq!(doc.revisions().len(), 1);
    assert_eq!(doc.revisions()[0].sections.len(), 2);
    let four = doc.object(ObjId::new(4, 0)).unwrap().unwrap();
    assert_eq!(four.object.value.as_string().unwrap().bytes, b"compressed");
}

#[test]
fn prev_loop_is_detected() {
    let mut f = Fixture::new();
    basic_objects(&mut f);
    let first = f.xref_table("");
    // A second section whose /Prev points to itself.
    let second = f.bytes.len();
    f.bytes.extend_from_slice(
        format!("xref\n1 1\n0000000015 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R /Prev {second} >>\nstartxref\n{second}\n%%EOF\n")
            .as_bytes(),
    );
    let err = Document::parse(&f.bytes).unwrap_err();
    assert!(matches!(err, PdfError::XrefLoop { offset } if offset == second), "{err}");
    let _ = first;
}

#[test]
fn chain_length_limit() {
    let mut f = Fixture::new();
    basic_objects(&mut f);
    f.xref_table("");
    for _ in 0..5 {
        f.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
        f.xref_table("");
    }
    let limits = Limits { max_xref_sections: 3, ..Limits::default() };
    assert!(matches!(Document::parse_with_limits(&f.bytes, limits), Err(PdfError::TooManyRevisions { limit: 3 })));
    assert_eq!(Document::parse(&f.bytes).unwrap().revisions().len(), 6);
}

#[test]
fn object_count_and_file_size_limits() {
    let bytes = simple_table_pdf();
    let limits = Limits { max_objects: 2, ..Limits::default() };
    assert!(matches!(Document::parse_with_limits(&bytes, limits), Err(PdfError::TooManyObjects { limit: 2 })));
    let limits = Limits { max_file_size: 10, ..Limits::default() };
    assert!(matches!(Document::parse_with_limits(&bytes, limits), Err(PdfError::FileTooLarge { .. })));
}

#[test]
fn decompression_limits() {
    let big = vec![b'A'; 100_000];
    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    f.obj(2, "<< /Type /Pages /Kids [] /Count 0 >>");
    f.stream(3, "/Filter /FlateDecode", &deflate(&big));
    f.xref_table("");
    let stream_of =
        |doc: &Document| doc.object(ObjId::new(3, 0)).unwrap().unwrap().object.value.as_stream().unwrap().clone();
    let doc = Document::parse_with_limits(&f.bytes, Limits { max_stream_decoded: 1000, ..Limits::default() }).unwrap();
    assert!(matches!(doc.stream_data(&stream_of(&doc)), Err(PdfError::StreamTooLarge { limit: 1000 })));
    let doc =
        Document::parse_with_limits(&f.bytes, Limits { max_total_decoded: 150_000, ..Limits::default() }).unwrap();
    let s = stream_of(&doc);
    assert_eq!(doc.stream_data(&s).unwrap().len(), 100_000);
    assert!(matches!(doc.stream_data(&s), Err(PdfError::TotalDecodedTooLarge { .. })));
}

#[test]
fn timeout_applies() {
    let bytes = simple_table_pdf();
    let limits = Limits { timeout: Some(std::time::Duration::ZERO), ..Limits::default() };
    let result = Document::parse_with_limits(&bytes, limits);
    assert!(matches!(result, Err(PdfError::Timeout { .. })), "{result:?}");
}

#[test]
fn encrypted_documents_are_refused() {
    let mut f = Fixture::new();
    basic_objects(&mut f);
    f.obj(9, "<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>");
    f.xref_table("/Encrypt 9 0 R");
    assert!(matches!(Document::parse(&f.bytes), Err(PdfError::Encrypted)));
}

#[test]
fn non_pdf_and_broken_files() {
    assert!(matches!(Document::parse(b"hello world"), Err(PdfError::NotPdf)));
    assert!(matches!(Document::parse(b""), Err(PdfError::NotPdf)));
    assert!(matches!(Document::parse(b"%PDF-1.7\nno xref"), Err(PdfError::NoStartXref)));
    assert!(matches!(Document::parse(b"%PDF-1.7\nstartxref\n99999\n%%EOF"), Err(PdfError::BadXref { .. })));
    assert!(Document::parse(b"%PDF-1.7\nstartxref\n9\n%%EOF").is_err());
}

#[test]
fn object_mismatch_is_reported() {
    let bytes = simple_table_pdf();
    // Point object 1's table entry at object 2.
    let headers = scan_object_headers(&bytes);
    let offset_of = |n: u32| headers.iter().find(|h| h.id.num == n).unwrap().offset;
    let entry1 = format!("1 1\n{:010} 00000 n", offset_of(1)).into_bytes();
    let entry1_to_2 = format!("1 1\n{:010} 00000 n", offset_of(2)).into_bytes();
    let at = bytes.windows(entry1.len()).position(|w| w == entry1.as_slice()).unwrap();
    let mut bytes = bytes;
    bytes[at..at + entry1.len()].copy_from_slice(&entry1_to_2);
    let doc = Document::parse(&bytes).unwrap();
    assert!(matches!(doc.catalog(0), Err(PdfError::ObjectMismatch { .. })));
}

#[test]
fn page_tree_loop_is_detected() {
    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    f.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    f.obj(3, "<< /Type /Pages /Kids [2 0 R] /Count 1 >>");
    f.xref_table("");
    let doc = Document::parse(&f.bytes).unwrap();
    assert!(matches!(doc.pages(0), Err(PdfError::Structure(m)) if m.contains("loops")));
}

#[test]
fn fields_signatures_and_docmdp() {
    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R 6 0 R] >> /Perms << /DocMDP 7 0 R >> >>");
    f.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    f.obj(3, "<< /Type /Page /Parent 2 0 R >>");
    f.obj(5, "<< /FT /Sig /T (Sig1) /V 7 0 R >>");
    f.obj(6, "<< /T (Group) /FT /Tx /Kids [8 0 R 9 0 R] >>");
    f.obj(7, "<< /Type /Sig /Contents <00> /ByteRange [0 1 2 3] /Reference [<< /TransformMethod /DocMDP /TransformParams << /P 1 >> >>] >>");
    f.obj(8, "<< /T (a) /Parent 6 0 R /V (x) >>");
    f.obj(9, "<< /T (b) /Parent 6 0 R /Kids [6 0 R] >>");
    f.xref_table("");
    let doc = Document::parse(&f.bytes).unwrap();
    let err = doc.fields(0).unwrap_err();
    assert!(matches!(err, PdfError::Structure(ref m) if m.contains("loops")), "{err}");

    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R 6 0 R] >> /Perms << /DocMDP 7 0 R >> >>");
    f.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    f.obj(3, "<< /Type /Page /Parent 2 0 R >>");
    f.obj(5, "<< /FT /Sig /T (Sig1) /V 7 0 R >>");
    f.obj(6, "<< /T (Group) /FT /Tx /Kids [8 0 R] >>");
    f.obj(7, "<< /Type /Sig /Contents <00> /ByteRange [0 1 2 3] /Reference [<< /TransformMethod /DocMDP /TransformParams << /P 1 >> >>] >>");
    f.obj(8, "<< /T (a) /Parent 6 0 R /V (x) >>");
    f.xref_table("");
    let doc = Document::parse(&f.bytes).unwrap();
    let fields = doc.fields(0).unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f.full_name.as_str()).collect();
    assert_eq!(names, ["Sig1", "Group", "Group.a"]);
    assert_eq!(fields[2].field_type.as_deref(), Some(&b"Tx"[..]), "FT is inherited");
    let sigs = doc.signature_fields(0).unwrap();
    assert_eq!(sigs.len(), 1);
    let sig = sigs[0].signature.as_ref().unwrap();
    assert_eq!(sig.id, Some(ObjId::new(7, 0)));
    let span = sig.object_span.unwrap();
    assert!(f.bytes[span.start..span.end].starts_with(b"7 0 obj"));
    assert_eq!(doc.doc_mdp(0).unwrap(), Some(ecert_pdf::DocMdp { signature: Some(ObjId::new(7, 0)), permission: 1 }));
}

#[test]
fn raw_scan_finds_unreferenced_objects() {
    let mut bytes = simple_table_pdf();
    bytes.extend_from_slice(b"\n12 0 obj << /Type /Sig >> endobj\n1x 0 obj 99 0 objx 7 3 obj");
    let headers = scan_object_headers(&bytes);
    let ids: Vec<(u32, u16)> = headers.iter().map(|h| (h.id.num, h.id.generation)).collect();
    assert_eq!(ids, [(1, 0), (2, 0), (3, 0), (4, 0), (12, 0), (7, 3)]);
    for h in &headers {
        assert!(bytes[h.offset..].starts_with(h.id.num.to_string().as_bytes()));
    }
}

#[test]
fn garbage_never_panics() {
    // Truncations and byte flips of valid files, in both xref syntaxes, must give Ok or Err.
    let mut f = Fixture::new();
    f.objstm(5, &[(1, "<< /Type /Catalog /Pages 2 0 R >>"), (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")]);
    f.obj(3, "<< /Type /Page /Parent 2 0 R >>");
    f.xref_stream(6, true, "");
    for base in [simple_table_pdf(), f.bytes.clone()] {
        for cut in (0..base.len()).step_by(7) {
            exercise(&base[..cut]);
            let mut flipped = base.clone();
            flipped[cut] ^= 0x5a;
            exercise(&flipped);
        }
    }
}

fn exercise(bytes: &[u8]) {
    if let Ok(doc) = Document::parse(bytes) {
        for rev in 0..doc.revisions().len() {
            let _ = doc.pages(rev);
            let _ = doc.signature_fields(rev);
            let _ = doc.doc_mdp(rev);
            for n in 0..8 {
                if let Ok(Some(o)) = doc.object_in(rev, ObjId::new(n, 0))
                    && let Some(s) = o.object.value.as_stream()
                {
                    let _ = doc.stream_data(s);
                }
            }
        }
    }
    let _ = scan_object_headers(bytes);
}

#[test]
fn linearized_layout_is_one_revision() {
    // First-page section at the start (pointed to by the final startxref, /Prev to the main
    // section at the end), as linearized files are laid out.
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let lin = bytes.len();
    bytes.extend_from_slice(b"1 0 obj\n<< /Linearized 1 >>\nendobj\n");
    let first_page_xref = bytes.len();
    let placeholder = "MAINXREFOFFSET";
    bytes.extend_from_slice(
        format!("xref\n1 1\n{lin:010} 00000 n \ntrailer\n<< /Size 5 /Root 2 0 R /Prev {placeholder} >>\nstartxref\n0\n%%EOF\n")
            .as_bytes(),
    );
    let mut offsets = Vec::new();
    for body in [
        "<< /Type /Catalog /Pages 3 0 R >>",
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 1 1] >>",
    ] {
        offsets.push(bytes.len());
        bytes.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", offsets.len() + 1).as_bytes());
    }
    let main_xref = bytes.len();
    let mut table = String::from("xref\n0 1\n0000000000 65535 f \n2 3\n");
    for o in &offsets {
        table.push_str(&format!("{o:010} 00000 n \n"));
    }
    table.push_str(&format!("trailer\n<< /Size 5 >>\nstartxref\n{first_page_xref}\n%%EOF\n"));
    bytes.extend_from_slice(table.as_bytes());
    // Patch the /Prev placeholder with the real offset, padded to the same width.
    let text = format!("{main_xref:<width$}", width = placeholder.len());
    let at = bytes.windows(placeholder.len()).position(|w| w == placeholder.as_bytes()).unwrap();
    bytes[at..at + placeholder.len()].copy_from_slice(text.as_bytes());

    let doc = Document::parse(&bytes).unwrap();
    assert_eq!(doc.revisions().len(), 1, "the main section has no startxref of its own");
    let rev = &doc.revisions()[0];
    assert_eq!(rev.sections.len(), 2);
    assert_eq!(rev.startxref, first_page_xref);
    assert_eq!(rev.end, bytes.len());
    assert_eq!(doc.pages(0).unwrap().len(), 1);
    assert!(doc.object(ObjId::new(1, 0)).unwrap().is_some());
}
