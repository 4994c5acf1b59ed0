//! Minimal DER TLV walker for the few places where the *exact received bytes* matter.
//!
//! The `der` crate re-sorts SET OF on decode, so re-encoding signed attributes can differ from
//! what the signer hashed. The signature must be checked over the bytes as received, so those are
//! located here without decoding.

use crate::error::VerifyError;

/// One TLV: its tag byte, its content, and the whole encoding (header + content).
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub whole: &'a [u8],
}

fn err(what: &str) -> VerifyError {
    VerifyError::CmsFormat(format!("DER: {what}"))
}

/// Read one definite-length TLV from the start of `input`; returns it and the rest.
/// Indefinite lengths (BER) and multi-byte tags are rejected.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), VerifyError> {
    let (&tag, after_tag) = input.split_first().ok_or_else(|| err("truncated tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(err("high tag numbers are not supported"));
    }
    let (&first_len, after_len) = after_tag.split_first().ok_or_else(|| err("truncated length"))?;
    let (len, header_len) = if first_len < 0x80 {
        (usize::from(first_len), 2)
    } else {
        let n = usize::from(first_len & 0x7f);
        if n == 0 {
            return Err(err("indefinite length (BER) is not DER"));
        }
        if n > 4 {
            return Err(err("length field too long"));
        }
        let bytes = after_len.get(..n).ok_or_else(|| err("truncated length"))?;
        let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    let total = header_len.checked_add(len).ok_or_else(|| err("length overflow"))?;
    let whole = input.get(..total).ok_or_else(|| err("content shorter than its length"))?;
    let content = whole.get(header_len..).ok_or_else(|| err("truncated content"))?;
    let rest = input.get(total..).unwrap_or(&[]);
    Ok((Tlv { tag, content, whole }, rest))
}

/// Read a TLV and require its tag.
pub fn expect<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<(Tlv<'a>, &'a [u8]), VerifyError> {
    let (tlv, rest) = read_tlv(input)?;
    if tlv.tag != tag {
        return Err(err(&format!("{what}: expected tag {tag:#04x}, found {:#04x}", tlv.tag)));
    }
    Ok((tlv, rest))
}

/// The raw `[0] IMPLICIT SignedAttributes` TLV of the (only) SignerInfo of a ContentInfo holding
/// SignedData, if present.
pub fn raw_signed_attrs(content_info: &[u8]) -> Result<Option<&[u8]>, VerifyError> {
    let (ci, _) = expect(content_info, 0x30, "ContentInfo")?;
    let (_ct, rest) = expect(ci.content, 0x06, "contentType")?;
    let (explicit, _) = expect(rest, 0xa0, "content")?;
    let (sd, _) = expect(explicit.content, 0x30, "SignedData")?;
    let (_version, rest) = expect(sd.content, 0x02, "version")?;
    let (_digests, rest) = expect(rest, 0x31, "digestAlgorithms")?;
    let (_encap, mut rest) = expect(rest, 0x30, "encapContentInfo")?;
    // optional [0] certificates, [1] crls, then the SignerInfos SET
    loop {
        let (tlv, next) = read_tlv(rest)?;
        match tlv.tag {
            0xa0 | 0xa1 => rest = next,
            0x31 => {
                let (si, _) = expect(tlv.content, 0x30, "SignerInfo")?;
                let (_v, r) = expect(si.content, 0x02, "SignerInfo version")?;
                let (_sid, r) = read_tlv(r)?;
                let (_dig, r) = expect(r, 0x30, "digestAlgorithm")?;
                let (attrs, _) = read_tlv(r)?;
                return Ok((attrs.tag == 0xa0).then_some(attrs.whole));
            }
            other => return Err(err(&format!("unexpected tag {other:#04x} in SignedData"))),
        }
    }
}

/// Deepest nesting accepted while normalising BER.
const MAX_BER_DEPTH: usize = 64;

/// Convert BER indefinite-length encodings (common in CMS produced by some signing tools) into
/// definite-length DER framing. Every definite-length element that contains no indefinite-length
/// descendant is copied byte for byte, so the signed attributes keep the exact bytes that were
/// signed; constructed OCTET STRINGs are flattened to primitive ones. Returns the converted
/// element and the input after it.
pub fn normalize_ber(input: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let (out, rest) = normalize_element(input, 0)?;
    if rest.iter().any(|b| *b != 0) {
        return Err(err("non-zero bytes after the CMS structure"));
    }
    Ok(out.into_owned())
}

fn encode_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

fn normalize_element(input: &[u8], depth: usize) -> Result<(std::borrow::Cow<'_, [u8]>, &[u8]), VerifyError> {
    use std::borrow::Cow;
    if depth > MAX_BER_DEPTH {
        return Err(err("nesting too deep"));
    }
    let (&tag, after_tag) = input.split_first().ok_or_else(|| err("truncated tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(err("high tag numbers are not supported"));
    }
    let constructed = tag & 0x20 != 0;
    let indefinite = after_tag.first() == Some(&0x80);
    if !indefinite {
        let (tlv, rest) = read_tlv(input)?;
        if !constructed {
            return Ok((Cow::Borrowed(tlv.whole), rest));
        }
        // Recurse only to find indefinite descendants; unchanged children keep the original bytes.
        let mut children = Vec::new();
        let mut changed = false;
        let mut inner = tlv.content;
        while !inner.is_empty() {
            let (child, next) = normalize_element(inner, depth + 1)?;
            changed |= matches!(child, Cow::Owned(_));
            children.push(child);
            inner = next;
        }
        if !changed {
            return Ok((Cow::Borrowed(tlv.whole), rest));
        }
        return Ok((Cow::Owned(frame(tag, &children)), rest));
    }
    if !constructed {
        return Err(err("indefinite length on a primitive element"));
    }
    let mut inner = after_tag.get(1..).unwrap_or(&[]);
    let mut children = Vec::new();
    loop {
        if inner.starts_with(&[0, 0]) {
            inner = inner.get(2..).unwrap_or(&[]);
            break;
        }
        if inner.is_empty() {
            return Err(err("missing end-of-contents after indefinite length"));
        }
        let (child, next) = normalize_element(inner, depth + 1)?;
        children.push(child);
        inner = next;
    }
    Ok((Cow::Owned(frame(tag, &children)), inner))
}

/// Re-frame children under `tag` with a definite length. A constructed OCTET STRING (0x24)
/// becomes a primitive one holding the concatenated segments.
fn frame(tag: u8, children: &[std::borrow::Cow<'_, [u8]>]) -> Vec<u8> {
    let (tag, body): (u8, Vec<u8>) = if tag == 0x24 {
        let mut joined = Vec::new();
        for c in children {
            if let Ok((seg, _)) = read_tlv(c) {
                joined.extend_from_slice(seg.content);
            }
        }
        (0x04, joined)
    } else {
        (tag, children.concat())
    };
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(tag);
    encode_length(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_become_definite() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING constructed (indefinite) { "ab", "c" } }
        let ber = [0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0];
        let der = normalize_ber(&ber).unwrap();
        assert_eq!(der, vec![0x30, 0x08, 0x02, 0x01, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
    }

    #[test]
    fn definite_input_is_copied_verbatim_even_with_long_form_lengths() {
        // Non-minimal length (0x81 0x03) must survive: the signature covers these exact bytes.
        let der = [0x31, 0x81, 0x03, 0x02, 0x01, 0x07];
        assert_eq!(normalize_ber(&der).unwrap(), der.to_vec());
    }

    #[test]
    fn ber_errors_are_reported_not_panics() {
        assert!(normalize_ber(&[0x30, 0x80, 0x02, 0x01]).is_err());
        assert!(normalize_ber(&[0x04, 0x80, 0x00, 0x00]).is_err());
        assert!(normalize_ber(&[]).is_err());
        assert!(normalize_ber(&[0x30, 0x02, 0x05, 0x00, 0x01]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(normalize_ber(&deep).is_err());
    }

    #[test]
    fn signed_attrs_are_found_in_a_minimal_signed_data() {
        let attrs = [0xa0, 0x03, 0x02, 0x01, 0x09];
        let mut si = vec![0x02, 0x01, 0x01, 0x04, 0x00, 0x30, 0x00];
        si.extend_from_slice(&attrs);
        let mut si_seq = vec![0x30, si.len() as u8];
        si_seq.extend_from_slice(&si);
        let mut set = vec![0x31, si_seq.len() as u8];
        set.extend_from_slice(&si_seq);
        let mut sd = vec![0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x00];
        sd.extend_from_slice(&set);
        let mut sd_seq = vec![0x30, sd.len() as u8];
        sd_seq.extend_from_slice(&sd);
        let mut explicit = vec![0xa0, sd_seq.len() as u8];
        explicit.extend_from_slice(&sd_seq);
        let mut ci = vec![0x06, 0x00];
        ci.extend_from_slice(&explicit);
        let mut whole = vec![0x30, ci.len() as u8];
        whole.extend_from_slice(&ci);
        assert_eq!(raw_signed_attrs(&whole).unwrap(), Some(&attrs[..]));
    }
}
