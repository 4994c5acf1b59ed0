//! Layer 1: the byte layer. Finds every signature dictionary and checks that its /ByteRange
//! covers exactly one revision minus exactly its own /Contents string.

use std::collections::HashSet;

use ecert_pdf::{Dictionary, Document, ObjId, ObjectLocation, Span, Value, scan_object_headers};

use crate::error::VerifyError;
use crate::report::{Coverage, SignatureKind};

/// A signature dictionary found in the document.
#[derive(Debug, Clone)]
pub struct FoundSignature {
    /// Full field name, or `<unreferenced N G obj>`.
    pub name: String,
    pub field: Option<ObjId>,
    /// The indirect signature dictionary, None when /V is a direct dictionary.
    pub dict_id: Option<ObjId>,
    pub dict: Dictionary,
    /// Where the dictionary was read from (None for a direct /V: its span is that of the field).
    pub location: Option<ObjectLocation>,
    /// True when an AcroForm signature field references it.
    pub referenced: bool,
}

/// The facts the byte layer established for one signature.
#[derive(Debug, Clone)]
pub struct ByteFacts {
    pub byte_range: [u64; 4],
    /// Decoded /Contents.
    pub contents: Vec<u8>,
    /// The revision whose end the coverage reaches.
    pub signed_revision: usize,
    pub coverage: Coverage,
    pub kind: SignatureKind,
    pub sub_filter: Option<String>,
    /// The two covered slices.
    pub first: Span,
    pub second: Span,
}

fn sig_err(msg: impl Into<String>) -> VerifyError {
    VerifyError::SignatureDictionary(msg.into())
}

fn br_err(msg: impl Into<String>) -> VerifyError {
    VerifyError::ByteRange(msg.into())
}

fn pdf_err(e: ecert_pdf::PdfError) -> VerifyError {
    match e {
        ecert_pdf::PdfError::Encrypted => VerifyError::Encrypted,
        other => VerifyError::Pdf(other.to_string()),
    }
}

/// Does this dictionary look like a signature value (so a raw scan should treat it as one)?
fn looks_like_signature(dict: &Dictionary) -> bool {
    matches!(dict.get_name(b"Type"), Some(b"Sig") | Some(b"DocTimeStamp"))
        || (dict.contains(b"ByteRange") && dict.contains(b"Contents"))
}

/// Every signature: those referenced by signed AcroForm fields of the newest revision, then
/// signature dictionaries found by a raw scan that no field references.
pub fn discover(doc: &Document<'_>, max: usize) -> Result<Vec<FoundSignature>, VerifyError> {
    let latest = doc.latest();
    let mut found = Vec::new();
    let mut referenced_offsets = HashSet::new();
    for sf in doc.signature_fields(latest).map_err(pdf_err)? {
        let Some(sig) = sf.signature else { continue };
        // The xref offset may point at whitespace before the header; the span starts at the digit.
        if let Some(ObjectLocation::File { offset }) = sig.location {
            referenced_offsets.insert(offset);
        }
        if let Some(span) = sig.object_span {
            referenced_offsets.insert(span.start);
        }
        found.push(FoundSignature {
            name: sf.field.full_name.clone(),
            field: sf.field.id,
            dict_id: sig.id,
            dict: sig.dict,
            location: sig.location,
            referenced: true,
        });
    }
    // Headers inside an object already parsed (e.g. a PDF embedded in a stream) are not objects
    // of this file.
    let mut inside_until = 0;
    for header in scan_object_headers(doc.data()) {
        if header.offset < inside_until {
            continue;
        }
        // Anything unparsable here is not a signature dictionary we could check; the xref-driven
        // layers report real structure problems.
        let Ok(obj) = doc.object_at(header.offset, latest) else { continue };
        inside_until = obj.span.end;
        if referenced_offsets.contains(&header.offset) {
            continue;
        }
        let Value::Dictionary(dict) = obj.object.value else { continue };
        if !looks_like_signature(&dict) {
            continue;
        }
        found.push(FoundSignature {
            name: format!("<unreferenced {} {} obj at byte {}>", header.id.num, header.id.generation, header.offset),
            field: None,
            dict_id: Some(obj.id),
            dict,
            location: Some(ObjectLocation::File { offset: header.offset }),
            referenced: false,
        });
        if found.len() > max {
            break;
        }
    }
    if found.len() > max {
        return Err(VerifyError::TooManySignatures { found: found.len(), limit: max });
    }
    Ok(found)
}

/// Check /Type, /SubFilter, /ByteRange and /Contents of one signature dictionary against the file.
pub fn check(doc: &Document<'_>, sig: &FoundSignature) -> Result<ByteFacts, VerifyError> {
    let dict = &sig.dict;
    if let Some(key) = dict.duplicate_key() {
        return Err(sig_err(format!("duplicate key /{}", String::from_utf8_lossy(key))));
    }
    let kind = match dict.get_name(b"Type") {
        Some(b"DocTimeStamp") => SignatureKind::DocumentTimestamp,
        Some(b"Sig") | None => SignatureKind::Signature,
        Some(other) => return Err(sig_err(format!("/Type /{}", String::from_utf8_lossy(other)))),
    };
    let sub_filter = dict.get_name(b"SubFilter").map(|s| String::from_utf8_lossy(s).into_owned());
    let kind = match (kind, sub_filter.as_deref()) {
        (_, Some("ETSI.RFC3161")) => SignatureKind::DocumentTimestamp,
        (SignatureKind::DocumentTimestamp, _) => {
            return Err(sig_err("/DocTimeStamp without /SubFilter /ETSI.RFC3161"));
        }
        (k, Some("adbe.pkcs7.detached" | "ETSI.CAdES.detached")) => k,
        (_, Some(other)) => return Err(sig_err(format!("unsupported /SubFilter /{other}"))),
        (_, None) => return Err(sig_err("/SubFilter missing")),
    };

    // The /Contents span is only meaningful for a dictionary stored uncompressed in the file.
    match sig.location {
        Some(ObjectLocation::File { .. }) => {}
        Some(ObjectLocation::ObjectStream { .. }) => {
            return Err(sig_err("signature dictionary is inside an object stream; its /Contents cannot be located"));
        }
        None => return Err(sig_err("signature dictionary is not an indirect object")),
    }

    let byte_range = read_byte_range(dict)?;
    let contents_obj = dict.get(b"Contents").ok_or_else(|| VerifyError::Contents("missing".into()))?;
    let contents = match &contents_obj.value {
        Value::String(s) if s.hex => s.bytes.clone(),
        Value::String(_) => return Err(VerifyError::Contents("literal string; a hex string is required".into())),
        other => return Err(VerifyError::Contents(format!("is a {}, not a string", other.kind()))),
    };
    if contents.iter().all(|b| *b == 0) {
        return Err(VerifyError::Contents("empty signature (no CMS data)".into()));
    }

    let [start, a, b, c] = byte_range;
    let to_usize = |v: u64| usize::try_from(v).map_err(|_| br_err("value does not fit in memory"));
    let (a, b, c) = (to_usize(a)?, to_usize(b)?, to_usize(c)?);
    if start != 0 {
        return Err(br_err("first range does not start at byte 0"));
    }
    if b <= a {
        return Err(br_err("second range starts before the end of the first (overlap)"));
    }
    let covered_end = b.checked_add(c).ok_or_else(|| br_err("overflow"))?;
    let len = doc.data().len();
    if covered_end > len {
        return Err(br_err(format!("covers up to byte {covered_end}, beyond the end of the file ({len})")));
    }
    // Signature wrapping defence: the gap must be exactly this dictionary's /Contents string, as
    // the object parser read it (delimiters included).
    let span = contents_obj.span;
    if span.start != a || span.end != b {
        return Err(br_err(format!(
            "gap {a}..{b} is not this dictionary's /Contents string at {}..{}",
            span.start, span.end
        )));
    }

    let (signed_revision, coverage) = coverage_of(doc, covered_end)?;
    Ok(ByteFacts {
        byte_range,
        contents,
        signed_revision,
        coverage,
        kind,
        sub_filter,
        first: Span::new(0, a),
        second: Span::new(b, covered_end),
    })
}

fn read_byte_range(dict: &Dictionary) -> Result<[u64; 4], VerifyError> {
    let obj = dict.get(b"ByteRange").ok_or_else(|| br_err("missing"))?;
    let items = obj.value.as_array().ok_or_else(|| br_err(format!("is a {}, not an array", obj.value.kind())))?;
    let [w, x, y, z] = items else {
        return Err(br_err(format!("has {} elements; exactly 4 are required", items.len())));
    };
    let mut out = [0u64; 4];
    for (slot, item) in out.iter_mut().zip([w, x, y, z]) {
        let Value::Integer(v) = item.value else {
            return Err(br_err(format!("element is a {}, not an integer", item.value.kind())));
        };
        *slot = u64::try_from(v).map_err(|_| br_err(format!("negative value {v}")))?;
    }
    Ok(out)
}

/// Whitespace that may trail a file after its final %%EOF without being content.
fn is_padding(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | b' ' | b'\t' | b'\x0c' | 0)
}

/// The revision that ends where the coverage ends, and whether that is the whole file.
fn coverage_of(doc: &Document<'_>, covered_end: usize) -> Result<(usize, Coverage), VerifyError> {
    let data = doc.data();
    let rest_is_padding = data.get(covered_end..).is_some_and(|r| r.iter().all(|b| is_padding(*b)));
    let revision =
        doc.revisions().iter().find(|r| r.end == covered_end || r.eof_marker_end == covered_end).map(|r| r.index);
    match revision {
        Some(idx) if idx == doc.latest() && rest_is_padding => Ok((idx, Coverage::EntireFile)),
        Some(idx) if idx == doc.latest() => {
            Err(br_err("bytes after the final %%EOF are not covered and belong to no revision"))
        }
        Some(idx) => Ok((idx, Coverage::EntireRevision)),
        None => Err(br_err(format!("coverage ends at byte {covered_end}, which is not the end of any revision"))),
    }
}

/// Bytes after the last revision that are not padding: content no signature and no cross-reference
/// section accounts for (e.g. objects appended without an xref). Returns their offset.
pub fn unaccounted_tail(doc: &Document<'_>) -> Option<usize> {
    let end = doc.revisions().last()?.end;
    let tail = doc.data().get(end..)?;
    tail.iter().position(|b| !is_padding(*b)).map(|p| end + p)
}
