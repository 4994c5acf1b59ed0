//! PAdES signing (ETSI EN 319 142-1 baseline B-B, B-T and B-LT) as incremental updates.
//!
//! The signature dictionary is written with a `/ByteRange` placeholder and a zero-filled
//! `/Contents` hex string; the update is then parsed back with this crate's own object parser to
//! find both values' exact spans, the byte range is patched in place, the two covered ranges are
//! hashed without copying, and the CMS (from `ecert-pki`) is written into the gap.

use std::io::Write;

use ecert_pki::DigestAlgorithm;
use ecert_pki::cms::{CmsSignOptions, sign_detached_digest, timestamp_signature};
use ecert_pki::keys::SignerCredentials;
use ecert_pki::tsp::TsaClient;
use time::OffsetDateTime;

use crate::document::Document;
use crate::dss::{DssData, append_dss};
use crate::error::{PdfError, Result};
use crate::object::{Dictionary, Object, PdfString, Span, Value};
use crate::parser::parse_object_at;
use crate::sigfield::{add_signature_field, choose_field_name};
use crate::text::encode_text_string;
use crate::writer::IncrementalUpdate;

/// Room reserved in /Contents beyond the estimated CMS size (signed attributes, encoding slack).
const CONTENTS_MARGIN: usize = 2048;
/// A first guess at an RFC 3161 token with its TSA chain; a larger one triggers a retry.
const TIMESTAMP_ALLOWANCE: usize = 8192;
/// Width of each placeholder number in /ByteRange, enough for files up to 10^10 bytes.
const BYTE_RANGE_DIGITS: usize = 10;
/// Placeholder rounds before giving up (the second one already uses the measured size).
const MAX_ATTEMPTS: usize = 3;

/// Everything `sign_pdf` needs; the fields map one to one onto `ecert sign` options.
pub struct SignOptions<'a> {
    /// Signing key, its certificate and the chain to embed (from PKCS#12 or PEM).
    pub credentials: &'a SignerCredentials,
    /// Message digest (SHA-256, SHA-384 or SHA-512).
    pub digest: DigestAlgorithm,
    /// RSA-PSS instead of PKCS#1 v1.5 (RSA keys only).
    pub pss: bool,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact_info: Option<String>,
    /// Signature field name; defaults to the first free `Signature<n>`.
    pub field_name: Option<String>,
    /// B-T: timestamp the signature value with this TSA.
    pub tsa: Option<&'a dyn TsaClient>,
    /// B-LT: validation data to add in a /DSS update after the signature.
    pub ltv: Option<DssData>,
    /// The claimed signing time written to /M.
    pub signing_time: OffsetDateTime,
    /// Bytes to reserve for the CMS instead of the estimate; a reservation that proves too small
    /// is enlarged and the signature redone, never truncated.
    pub reserved_signature_len: Option<usize>,
    /// Largest CMS accepted, in bytes (the /Contents placeholder never exceeds twice this in hex).
    pub max_signature_len: usize,
}

impl<'a> SignOptions<'a> {
    /// B-B with SHA-256 and PKCS#1 v1.5 (or ECDSA), signing time now.
    pub fn new(credentials: &'a SignerCredentials) -> Self {
        SignOptions {
            credentials,
            digest: DigestAlgorithm::Sha256,
            pss: false,
            reason: None,
            location: None,
            contact_info: None,
            field_name: None,
            tsa: None,
            ltv: None,
            signing_time: OffsetDateTime::now_utc(),
            reserved_signature_len: None,
            max_signature_len: 512 * 1024,
        }
    }
}

/// Signs `input` and returns the signed file (the original bytes followed by one incremental update,
/// plus a second one with the /DSS when `ltv` is set).
///
/// Refuses encrypted documents ([`PdfError::Encrypted`]), non-PDF input ([`PdfError::NotPdf`]),
/// unreadable files (the parser's error) and documents certified with DocMDP P=1
/// ([`PdfError::DocMdpNoChanges`]). Earlier signatures stay valid: their bytes are not touched.
pub fn sign_pdf(input: &[u8], options: &SignOptions<'_>) -> Result<Vec<u8>> {
    let doc = Document::parse(input)?;
    if doc.doc_mdp(doc.latest())?.is_some_and(|mdp| mdp.permission == 1) {
        return Err(PdfError::DocMdpNoChanges);
    }
    let field_name = choose_field_name(&doc, options.field_name.as_deref())?;
    let mut capacity = options.reserved_signature_len.unwrap_or_else(|| estimate_signature_len(options));
    for _ in 0..MAX_ATTEMPTS {
        if capacity > options.max_signature_len {
            return Err(PdfError::SignatureTooLarge { needed: capacity, limit: options.max_signature_len });
        }
        match sign_with_capacity(&doc, options, &field_name, capacity)? {
            Attempt::Signed(signed) => {
                return match &options.ltv {
                    Some(dss) => append_dss(&signed, dss),
                    None => Ok(signed),
                };
            }
            Attempt::TooSmall { needed } => capacity = needed + CONTENTS_MARGIN,
        }
    }
    Err(PdfError::SignatureTooLarge { needed: capacity, limit: capacity })
}

enum Attempt {
    Signed(Vec<u8>),
    TooSmall { needed: usize },
}

/// An upper estimate of the CMS size: certificates, signature value, attributes and timestamp.
fn estimate_signature_len(options: &SignOptions<'_>) -> usize {
    let creds = options.credentials;
    let certs: usize = std::iter::once(&creds.certificate).chain(&creds.chain).map(|c| c.der().len()).sum();
    // An RSA signature is as long as the modulus, which the SPKI bounds; ECDSA is far smaller.
    let signature = creds.key.spki_der().len();
    let timestamp = if options.tsa.is_some() { TIMESTAMP_ALLOWANCE } else { 0 };
    certs + signature + timestamp + CONTENTS_MARGIN
}

fn sign_with_capacity(
    doc: &Document<'_>,
    options: &SignOptions<'_>,
    field_name: &str,
    capacity: usize,
) -> Result<Attempt> {
    let mut update = IncrementalUpdate::new(doc);
    let sig_id = update.allocate();
    update.set(sig_id, signature_dictionary(options, capacity));
    add_signature_field(doc, &mut update, field_name, sig_id)?;
    let output = update.finish();
    let mut bytes = output.bytes;
    let sig_offset =
        *output.offsets.get(&sig_id).ok_or_else(|| PdfError::Structure("signature object was not written".into()))?;

    let (contents, byte_range) = placeholder_spans(&bytes, sig_offset, doc)?;
    let range = [0, contents.start, contents.end, bytes.len() - contents.end];
    patch_byte_range(&mut bytes, byte_range, range)?;

    let mut hasher = options.digest.hasher();
    hasher.update(bytes.get(..contents.start).unwrap_or(&[]));
    hasher.update(bytes.get(contents.end..).unwrap_or(&[]));
    let digest = hasher.finish();

    let cms_options = CmsSignOptions { digest: options.digest, use_pss: options.pss };
    let mut cms = sign_detached_digest(options.credentials, &digest, &cms_options).map_err(PdfError::Signing)?;
    if let Some(tsa) = options.tsa {
        cms = timestamp_signature(&cms, tsa, options.digest).map_err(PdfError::Timestamp)?;
    }
    let hex_room = contents.len().saturating_sub(2);
    if cms.len() * 2 > hex_room {
        return Ok(Attempt::TooSmall { needed: cms.len() });
    }
    let hex = hex::encode_upper(&cms);
    let slot = bytes
        .get_mut(contents.start + 1..contents.start + 1 + hex.len())
        .ok_or_else(|| PdfError::Structure("/Contents placeholder out of range".into()))?;
    slot.copy_from_slice(hex.as_bytes());
    Ok(Attempt::Signed(bytes))
}

fn signature_dictionary(options: &SignOptions<'_>, capacity: usize) -> Dictionary {
    let mut sig = Dictionary::new();
    sig.set(b"Type", Object::name(b"Sig"));
    sig.set(b"Filter", Object::name(b"Adobe.PPKLite"));
    sig.set(b"SubFilter", Object::name(b"ETSI.CAdES.detached"));
    let placeholder = 10i64.pow(BYTE_RANGE_DIGITS as u32) - 1;
    sig.set(b"ByteRange", Object::from(vec![0.into(), placeholder.into(), placeholder.into(), placeholder.into()]));
    sig.set(b"Contents", Object::from(Value::String(PdfString { bytes: vec![0; capacity], hex: true })));
    sig.set(b"M", Object::string(pdf_date(options.signing_time).as_bytes()));
    for (key, value) in
        [(&b"Reason"[..], &options.reason), (b"Location", &options.location), (b"ContactInfo", &options.contact_info)]
    {
        if let Some(text) = value {
            sig.set(key, Object::string(&encode_text_string(text)));
        }
    }
    sig
}

/// Spans of the /Contents string and the /ByteRange array, found by parsing the written object.
fn placeholder_spans(bytes: &[u8], offset: usize, doc: &Document<'_>) -> Result<(Span, Span)> {
    let object = parse_object_at(bytes, offset, doc.limits())?;
    let dict = object
        .object
        .value
        .as_dict()
        .ok_or_else(|| PdfError::Structure("signature object is not a dictionary".into()))?;
    let contents = dict.get(b"Contents").map(|o| o.span);
    let byte_range = dict.get(b"ByteRange").map(|o| o.span);
    contents.zip(byte_range).ok_or_else(|| PdfError::Structure("signature placeholders not found".into()))
}

/// Overwrites the placeholder array with the real range, padding with spaces to the same width.
fn patch_byte_range(bytes: &mut [u8], span: Span, range: [usize; 4]) -> Result<()> {
    let mut text = Vec::with_capacity(span.len());
    let _ = write!(text, "[{} {} {} {}", range[0], range[1], range[2], range[3]);
    if text.len() + 1 > span.len() {
        return Err(PdfError::Structure("file too large for the /ByteRange placeholder".into()));
    }
    text.resize(span.len() - 1, b' ');
    text.push(b']');
    let slot =
        bytes.get_mut(span.start..span.end).ok_or_else(|| PdfError::Structure("/ByteRange out of range".into()))?;
    slot.copy_from_slice(&text);
    Ok(())
}

/// A PDF date string in UTC: `D:YYYYMMDDHHmmSS+00'00'`.
pub(crate) fn pdf_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
