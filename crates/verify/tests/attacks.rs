//! Own attack fixtures (no shared data): each builds a signed document with the test PKI, attacks
//! it, and asserts the exact rejection.

mod common;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use common::*;
use der::{Decode, Encode};
use ecert_pdf::{Dictionary, Document, IncrementalUpdate, Object, Value};
use ecert_pki::testpki::TestSigner;
use ecert_verify::report::{Coverage, ModificationLevel};
use ecert_verify::{Indication, Integrity, SubIndication};

fn assert_failed(bytes: &[u8], sub: SubIndication, reason_part: &str) {
    let report = validate(bytes, &trust());
    assert_eq!(report.document.indication, Indication::TotalFailed, "{report}");
    assert!(!report.document.integrity_intact, "{report}");
    let hit = report.signatures.iter().any(|s| {
        s.indication == Indication::TotalFailed
            && s.sub_indication == Some(sub)
            && (s.reasons.iter().chain(&s.disallowed_changes).any(|r| r.contains(reason_part)))
    });
    assert!(
        hit || report.document_errors.iter().any(|e| e.contains(reason_part)),
        "expected {sub:?} / {reason_part:?}:\n{report}"
    );
}

// ---- baseline -------------------------------------------------------------------------------

#[test]
fn untouched_signature_passes_with_anchor_and_is_indeterminate_without() {
    let pdf = signed();
    let report = validate(&pdf, &trust());
    let sig = only(&report);
    assert_eq!(sig.indication, Indication::TotalPassed, "{report}");
    assert_eq!(sig.integrity, Integrity::Intact);
    assert_eq!(sig.coverage, Coverage::EntireFile);
    assert_eq!(sig.modification, ModificationLevel::None);
    assert_eq!(sig.chain.len(), 3, "signer, CA, root");
    assert_eq!(report.exit_code(), 0);

    let untrusted = validate(&pdf, &ecert_verify::TrustContext::empty());
    let sig = only(&untrusted);
    assert_eq!(sig.indication, Indication::Indeterminate);
    assert_eq!(sig.sub_indication, Some(SubIndication::NoCertificateChainFound));
    assert_eq!(sig.integrity, Integrity::Intact);
    assert_eq!(untrusted.exit_code(), 2);
}

#[test]
fn unsigned_document_has_no_signature_exit_code() {
    let report = validate(&unsigned(), &trust());
    assert!(report.signatures.is_empty());
    assert_eq!(report.exit_code(), 3);
}

// ---- hash and signature value ---------------------------------------------------------------

#[test]
fn changed_covered_byte_is_hash_failure() {
    let mut pdf = signed();
    // Flip a letter of the document's text: still a valid PDF, different bytes.
    let at = pdf.windows(7).position(|w| w == b"Product").expect("text");
    pdf[at] = b'Q';
    assert_failed(&pdf, SubIndication::HashFailure, "messageDigest");
}

#[test]
fn changed_signature_value_is_sig_crypto_failure() {
    let mut pdf = signed();
    let mut cms = cms_of(&pdf);
    // The RSA signature value is the last element of the only SignerInfo (no unsigned attributes).
    let last = cms.len() - 1;
    cms[last] ^= 0x01;
    replace_cms(&mut pdf, &cms);
    assert_failed(&pdf, SubIndication::SigCryptoFailure, "does not verify");
}

// ---- USF: universal signature forgery ---------------------------------------------------------

#[test]
fn usf_missing_contents() {
    let mut pdf = signed();
    let l = layout(&pdf);
    patch(&mut pdf, l.dict_object.start, b"/Contents", b"/Contentz");
    assert_failed(&pdf, SubIndication::FormatFailure, "/Contents: missing");
}

#[test]
fn usf_null_contents() {
    let mut pdf = signed();
    let l = layout(&pdf);
    overwrite(&mut pdf, l.contents, "null");
    assert_failed(&pdf, SubIndication::FormatFailure, "not a string");
}

#[test]
fn usf_empty_contents() {
    let mut pdf = signed();
    let l = layout(&pdf);
    let zeros = format!("<{}>", "0".repeat(l.contents.len() - 2));
    overwrite(&mut pdf, l.contents, &zeros);
    assert_failed(&pdf, SubIndication::FormatFailure, "empty signature");
}

#[test]
fn usf_contents_of_wrong_type() {
    let mut pdf = signed();
    let l = layout(&pdf);
    overwrite(&mut pdf, l.contents, "42");
    assert_failed(&pdf, SubIndication::FormatFailure, "not a string");
}

#[test]
fn usf_missing_byte_range() {
    let mut pdf = signed();
    let l = layout(&pdf);
    patch(&mut pdf, l.dict_object.start, b"/ByteRange", b"/ByteRangz");
    assert_failed(&pdf, SubIndication::FormatFailure, "/ByteRange: missing");
}

#[test]
fn usf_null_byte_range() {
    let mut pdf = signed();
    let l = layout(&pdf);
    overwrite(&mut pdf, l.byte_range, "null");
    assert_failed(&pdf, SubIndication::FormatFailure, "not an array");
}

#[test]
fn usf_byte_range_of_wrong_types() {
    let mut pdf = signed();
    let l = layout(&pdf);
    overwrite(&mut pdf, l.byte_range, "[0 (a) 1 2]");
    assert_failed(&pdf, SubIndication::FormatFailure, "not an integer");
    let mut pdf = signed();
    overwrite(&mut pdf, l.byte_range, "[0 1.5 2 3]");
    assert_failed(&pdf, SubIndication::FormatFailure, "not an integer");
}

// ---- ByteRange geometry -------------------------------------------------------------------------

fn byte_range_of(pdf: &[u8]) -> [i64; 4] {
    let l = layout(pdf);
    let text = std::str::from_utf8(&pdf[l.byte_range.start + 1..l.byte_range.end - 1]).unwrap();
    let v: Vec<i64> = text.split_whitespace().map(|n| n.parse().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

#[test]
fn overlapping_byte_range() {
    let mut pdf = signed();
    let [_, a, b, c] = byte_range_of(&pdf);
    let l = layout(&pdf);
    overwrite(&mut pdf, l.byte_range, &format!("[0 {b} {a} {}]", c + (b - a)));
    assert_failed(&pdf, SubIndication::FormatFailure, "overlap");
}

#[test]
fn negative_byte_range() {
    let mut pdf = signed();
    let [_, a, b, c] = byte_range_of(&pdf);
    let l = layout(&pdf);
    overwrite(&mut pdf, l.byte_range, &format!("[0 {a} -{b} {c}]"));
    assert_failed(&pdf, SubIndication::FormatFailure, "negative");
}

#[test]
fn byte_range_not_starting_at_zero_or_with_extra_elements() {
    let mut pdf = signed();
    let [_, a, b, c] = byte_range_of(&pdf);
    let l = layout(&pdf);
    overwrite(&mut pdf, l.byte_range, &format!("[1 {a} {b} {c}]"));
    assert_failed(&pdf, SubIndication::FormatFailure, "byte 0");
    let mut pdf = signed();
    overwrite(&mut pdf, l.byte_range, &format!("[0 {a} {b} {c} 0 0]"));
    assert_failed(&pdf, SubIndication::FormatFailure, "exactly 4");
}

#[test]
fn byte_range_beyond_file_or_short_of_it() {
    let mut pdf = signed();
    let [_, a, b, c] = byte_range_of(&pdf);
    let l = layout(&pdf);
    overwrite(&mut pdf, l.byte_range, &format!("[0 {a} {b} {}]", c + 10));
    assert_failed(&pdf, SubIndication::FormatFailure, "beyond the end");
    let mut pdf = signed();
    overwrite(&mut pdf, l.byte_range, &format!("[0 {a} {b} {}]", c - 10));
    assert_failed(&pdf, SubIndication::FormatFailure, "not the end of any revision");
}

#[test]
fn gap_wider_than_contents() {
    let mut pdf = signed();
    let [_, a, b, c] = byte_range_of(&pdf);
    let l = layout(&pdf);
    overwrite(&mut pdf, l.byte_range, &format!("[0 {} {b} {c}]", a - 5));
    assert_failed(&pdf, SubIndication::FormatFailure, "is not this dictionary's /Contents");
}

// ---- ISA: incremental saving attack -------------------------------------------------------------

#[test]
fn isa_objects_appended_without_xref() {
    let mut pdf = signed();
    pdf.extend_from_slice(b"\n99 0 obj\n<< /Type /Annot /Subtype /FreeText >>\nendobj\n");
    assert_failed(&pdf, SubIndication::FormatFailure, "after the final %%EOF");
}

/// Replace the first page's content stream with `text` in an incremental update.
fn replace_page_content(pdf: &[u8], text: &str) -> Vec<u8> {
    let doc = Document::parse(pdf).unwrap();
    let page = doc.pages(doc.latest()).unwrap().remove(0);
    let mut update = IncrementalUpdate::new(&doc);
    let mut dict = Dictionary::new();
    dict.set(b"Length", Object::from(Value::Integer(text.len() as i64)));
    let new_stream = update.add_stream(dict, text.as_bytes().to_vec());
    let mut page_dict = doc.dict_of(doc.latest(), page.id).unwrap().unwrap();
    page_dict.set(b"Contents", Object::from(Value::Reference(new_stream)));
    update.set(page.id, Object::from(Value::Dictionary(page_dict)));
    let out = update.finish();
    out.bytes
}

#[test]
fn isa_page_content_replaced_with_new_xref() {
    let pdf = replace_page_content(&signed(), "BT /F1 24 Tf 72 700 Td (FORGED) Tj ET");
    assert_failed(&pdf, SubIndication::FormatFailure, "page");
    let report = validate(&pdf, &trust());
    assert_eq!(only(&report).coverage, Coverage::EntireRevision);
    assert_eq!(only(&report).modification, ModificationLevel::Disallowed);
}

// ---- SWA: signature wrapping --------------------------------------------------------------------

#[test]
fn swa_signature_dictionary_moved_byte_range_points_at_old_contents() {
    let pdf = signed();
    let doc = Document::parse(&pdf).unwrap();
    let fields = doc.signature_fields(doc.latest()).unwrap();
    let sig = fields.iter().find_map(|f| f.signature.clone()).unwrap();
    // Re-define the signature dictionary in an update: same /ByteRange (still pointing at the old
    // /Contents bytes), fresh /Contents. The gap no longer holds *this* dictionary's /Contents.
    let mut update = IncrementalUpdate::new(&doc);
    update.set(sig.id.unwrap(), Object::from(Value::Dictionary(sig.dict.clone())));
    let out = update.finish();
    let attacked = out.bytes;
    let report = validate(&attacked, &trust());
    assert_eq!(report.document.indication, Indication::TotalFailed, "{report}");
    let text = report.to_string();
    assert!(text.contains("is not this dictionary's /Contents") || text.contains("not referenced"), "{text}");
}

// ---- shadow attacks -----------------------------------------------------------------------------

#[test]
fn shadow_hide_overlay_annotation_added_after_signing() {
    let pdf = signed();
    let doc = Document::parse(&pdf).unwrap();
    let page = doc.pages(doc.latest()).unwrap().remove(0);
    let mut update = IncrementalUpdate::new(&doc);
    let mut annot = Dictionary::new();
    annot.set(b"Type", Object::name(b"Annot"));
    annot.set(b"Subtype", Object::name(b"Square"));
    let annot_id = update.add(Object::from(Value::Dictionary(annot)));
    let mut page_dict = doc.dict_of(doc.latest(), page.id).unwrap().unwrap();
    let mut annots = doc.resolve_array(doc.latest(), page_dict.get(b"Annots")).unwrap();
    annots.push(Object::from(Value::Reference(annot_id)));
    page_dict.set(b"Annots", Object::from(Value::Array(annots)));
    update.set(page.id, Object::from(Value::Dictionary(page_dict)));
    let attacked = update.finish().bytes;
    assert_failed(&attacked, SubIndication::FormatFailure, "annotation");
}

#[test]
fn shadow_replace_content_object_overwritten() {
    let pdf = signed();
    let doc = Document::parse(&pdf).unwrap();
    let page = doc.pages(doc.latest()).unwrap().remove(0);
    let content = page.dict.get_ref(b"Contents").expect("single content stream");
    let text = "BT /F1 24 Tf 72 700 Td (REPLACED) Tj ET";
    let attacked =
        append_object(&pdf, content.num, &format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()));
    assert_failed(&attacked, SubIndication::FormatFailure, "changed");
}

#[test]
fn shadow_hide_and_replace() {
    // Hide (overlay annotation) and replace (new page content) in one update.
    let pdf = replace_page_content(&signed(), "BT /F1 24 Tf 72 700 Td (REPLACED) Tj ET");
    let doc = Document::parse(&pdf).unwrap();
    let page = doc.pages(doc.latest()).unwrap().remove(0);
    let mut update = IncrementalUpdate::new(&doc);
    let mut annot = Dictionary::new();
    annot.set(b"Subtype", Object::name(b"FreeText"));
    let annot_id = update.add(Object::from(Value::Dictionary(annot)));
    let mut page_dict = doc.dict_of(doc.latest(), page.id).unwrap().unwrap();
    page_dict.set(b"Annots", Object::from(Value::Array(vec![Object::from(Value::Reference(annot_id))])));
    update.set(page.id, Object::from(Value::Dictionary(page_dict)));
    let attacked = update.finish().bytes;
    let report = validate(&attacked, &trust());
    let sig = only(&report);
    assert_eq!(sig.indication, Indication::TotalFailed, "{report}");
    assert!(sig.disallowed_changes.len() >= 2, "{report}");
}

#[test]
fn shadow_dangling_reference_filled_after_signing() {
    // Before signing: the page's /Contents array refers to an object that does not exist yet
    // (read as null, shows nothing). After signing, an update defines it.
    let base = unsigned();
    let doc = Document::parse(&base).unwrap();
    let page = doc.pages(doc.latest()).unwrap().remove(0);
    let content = page.dict.get(b"Contents").unwrap().clone();
    let mut update = IncrementalUpdate::new(&doc);
    let hidden = update.allocate();
    let mut page_dict = doc.dict_of(doc.latest(), page.id).unwrap().unwrap();
    page_dict.set(b"Contents", Object::from(Value::Array(vec![content, Object::from(Value::Reference(hidden))])));
    update.set(page.id, Object::from(Value::Dictionary(page_dict)));
    let prepared = update.finish().bytes;
    let pdf = sign_with(&prepared, TestSigner::ValidRsa, "Signature1", None);
    assert_eq!(validate(&pdf, &trust()).document.indication, Indication::TotalPassed);

    // Define the dangling number in an incremental update with its own xref.
    let text = "BT /F1 24 Tf 72 600 Td (HIDDEN TEXT) Tj ET";
    let attacked = append_object(&pdf, hidden.num, &format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()));
    assert_failed(&attacked, SubIndication::FormatFailure, "already referenced");
}

/// Append one object and a classic xref section for it (an update the writer would not make).
fn append_object(pdf: &[u8], num: u32, body: &str) -> Vec<u8> {
    let doc = Document::parse(pdf).unwrap();
    let last = doc.revisions().last().unwrap();
    let prev = last.startxref;
    let root = doc.trailer(doc.latest()).unwrap().get_ref(b"Root").unwrap();
    let size = doc.next_object_number().max(num + 1);
    let mut out = pdf.to_vec();
    out.push(b'\n');
    let offset = out.len();
    out.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{num} 1\n{offset:010} 00000 n \ntrailer\n<< /Size {size} /Root {} {} R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
            root.num, root.generation
        )
        .as_bytes(),
    );
    out
}

// ---- CMS structure ------------------------------------------------------------------------------

fn edit_signed_data(pdf: &mut [u8], edit: impl FnOnce(&mut SignedData)) {
    let cms = cms_of(pdf);
    let ci = ContentInfo::from_der(&cms).unwrap();
    let mut sd: SignedData = ci.content.decode_as().unwrap();
    edit(&mut sd);
    let new_ci = ContentInfo { content_type: ci.content_type, content: der::Any::encode_from(&sd).unwrap() };
    replace_cms(pdf, &new_ci.to_der().unwrap());
}

#[test]
fn double_signer_info_is_format_failure() {
    let mut pdf = signed();
    edit_signed_data(&mut pdf, |sd| {
        let mut second = sd.signer_infos.0.get(0).unwrap().clone();
        let mut sig = second.signature.as_bytes().to_vec();
        sig[0] ^= 0xff;
        second.signature = der::asn1::OctetString::new(sig).unwrap();
        sd.signer_infos.0.insert(second).unwrap();
    });
    assert_failed(&pdf, SubIndication::FormatFailure, "2 SignerInfos");
}

#[test]
fn enveloping_cms_is_format_failure() {
    let mut pdf = signed();
    edit_signed_data(&mut pdf, |sd| {
        let octets = der::asn1::OctetString::new(b"other content".to_vec()).unwrap();
        sd.encap_content_info.econtent = Some(der::Any::encode_from(&octets).unwrap());
    });
    assert_failed(&pdf, SubIndication::FormatFailure, "not detached");
}

#[test]
fn missing_signer_certificate_is_indeterminate_not_intact() {
    let mut pdf = signed();
    edit_signed_data(&mut pdf, |sd| sd.certificates = None);
    let report = validate(&pdf, &trust());
    let sig = only(&report);
    assert_eq!(sig.indication, Indication::Indeterminate, "{report}");
    assert_eq!(sig.sub_indication, Some(SubIndication::NoSigningCertificateFound));
    assert_eq!(sig.integrity, Integrity::Unverified);
    assert!(!report.document.integrity_intact);
}

#[test]
fn garbage_in_contents_is_format_failure() {
    let mut pdf = signed();
    replace_cms(&mut pdf, b"\x30\x03\x02\x01");
    assert_failed(&pdf, SubIndication::FormatFailure, "CMS");
}

// ---- timestamps -----------------------------------------------------------------------------------

#[test]
fn signature_timestamp_proves_time_and_copied_timestamp_fails() {
    let tsa = pki().test_tsa();
    let a = sign_with(&unsigned(), TestSigner::ValidRsa, "Signature1", Some(tsa.as_ref()));
    let report = validate(&a, &trust());
    let sig = only(&report);
    assert_eq!(sig.indication, Indication::TotalPassed, "{report}");
    assert!(sig.times.timestamped.is_some());
    assert_eq!(Some(sig.times.best_signature_time.clone()), sig.times.timestamped);

    // Graft A's timestamp token onto another timestamped signature B (same placeholder size).
    let token_attrs = {
        let ci = ContentInfo::from_der(&cms_of(&a)).unwrap();
        let sd: SignedData = ci.content.decode_as().unwrap();
        sd.signer_infos.0.get(0).unwrap().unsigned_attrs.clone().expect("timestamp attribute")
    };
    let mut b = sign_with(&signed_sample_b(), TestSigner::ValidRsa, "Signature1", Some(tsa.as_ref()));
    edit_signed_data(&mut b, |sd| {
        let mut si = sd.signer_infos.0.get(0).unwrap().clone();
        si.unsigned_attrs = Some(token_attrs);
        sd.signer_infos = cms::signed_data::SignerInfos(der::asn1::SetOfVec::try_from(vec![si]).unwrap());
    });
    assert_failed(&b, SubIndication::HashFailure, "signature timestamp");
}

/// A second, different document to sign.
fn signed_sample_b() -> Vec<u8> {
    ecert_pdf::samples::generate(&ecert_pdf::samples::SampleDocument::example(
        ecert_pdf::samples::DocumentKind::TestReport,
    ))
}

// ---- two signatures ------------------------------------------------------------------------------

#[test]
fn second_signature_keeps_first_valid() {
    let once = signed();
    let twice = sign_with(&once, TestSigner::ValidEcP256, "Signature2", None);
    let report = validate(&twice, &trust());
    assert_eq!(report.signatures.len(), 2, "{report}");
    let first = report.signatures.iter().find(|s| s.field == "Signature1").unwrap();
    let second = report.signatures.iter().find(|s| s.field == "Signature2").unwrap();
    assert_eq!(first.indication, Indication::TotalPassed, "{report}");
    assert_eq!(first.coverage, Coverage::EntireRevision);
    assert_eq!(first.modification, ModificationLevel::SignatureAdditions);
    assert_eq!(second.indication, Indication::TotalPassed);
    assert_eq!(second.coverage, Coverage::EntireFile);
    assert_eq!(report.exit_code(), 0);
}

// ---- robustness -----------------------------------------------------------------------------------

#[test]
fn any_prefix_or_garbage_gives_a_report_not_a_panic() {
    let pdf = signed();
    let step = (pdf.len() / 97).max(1);
    for cut in (0..pdf.len()).step_by(step) {
        let report = validate(&pdf[..cut], &trust());
        assert_ne!(report.document.indication, Indication::TotalPassed, "prefix of {cut} bytes passed");
    }
    for junk in [&b""[..], b"%PDF-1.7", b"%PDF-1.7\n%%EOF", &[0xffu8; 64][..]] {
        let report = validate(junk, &trust());
        assert_eq!(report.document.indication, Indication::TotalFailed);
        assert_eq!(report.exit_code(), 1);
    }
}

#[test]
fn oversized_input_is_refused_by_limits() {
    let mut policy = ecert_verify::ValidationPolicy::default();
    policy.limits.max_file_bytes = 1000;
    let report = ecert_verify::validate_pdf(&signed(), &policy, &trust(), Some(pki().now));
    assert!(report.document_errors.iter().any(|e| e.contains("over the limit")), "{report}");
}

#[test]
fn random_byte_mutations_never_panic_and_never_pass() {
    let pdf = signed();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..300 {
        let mut mutated = pdf.clone();
        for _ in 0..(1 + next() % 4) {
            let at = (next() % mutated.len() as u64) as usize;
            mutated[at] = (next() & 0xff) as u8;
        }
        if mutated == pdf {
            continue;
        }
        // Every change to a covered byte must be detected.
        let l = layout(&pdf);
        let gap = l.contents.start + 1..l.contents.end - 1;
        let in_gap = (0..pdf.len()).filter(|&i| pdf[i] != mutated[i]).all(|i| gap.contains(&i));
        let report = validate(&mutated, &trust());
        if in_gap {
            // Unsigned CMS parts (e.g. an embedded copy of the root certificate, which the
            // anchor from the TrustContext overrides) may change harmlessly: only "no panic" and
            // the decoded-identical case are asserted here.
            if pdf_hex(&mutated[gap.clone()]) == pdf_hex(&pdf[gap.clone()]) {
                assert_eq!(report.document.indication, ecert_verify::Indication::TotalPassed, "{report}");
            }
            continue;
        }
        let diffs: Vec<(usize, u8, u8)> =
            (0..pdf.len()).filter(|&i| pdf[i] != mutated[i]).map(|i| (i, pdf[i], mutated[i])).collect();
        assert_ne!(
            report.document.indication,
            ecert_verify::Indication::TotalPassed,
            "mutation {diffs:?} (contents at {:?}) passed:\n{report}",
            l.contents
        );
    }
}

/// A hex string's bytes without the trailing zero padding the validator ignores; None when it is
/// not plain hex (whitespace and odd lengths are left to the parser and not asserted on).
fn pdf_hex(text: &[u8]) -> Option<Vec<u8>> {
    let mut bytes = hex::decode(text).ok()?;
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
    Some(bytes)
}
