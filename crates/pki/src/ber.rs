//! BER → DER normalisation for CMS structures.
//!
//! Several signing tools (Java/BouncyCastle based ones in particular) emit the outer CMS layers
//! with indefinite lengths and constructed OCTET STRINGs. RFC 5652 only requires DER for the
//! signed attributes, so such signatures are valid; we re-encode them as DER before parsing.
//! Re-encoding is the identity on DER input, and the signed attributes are verified over their
//! DER form, which is what RFC 5652 §5.4 says was signed.

use crate::error::{Error, Result};

/// Deepest nesting accepted (CMS needs < 20; this stops stack exhaustion on hostile input).
const MAX_DEPTH: usize = 64;

pub(crate) struct Normalized {
    pub der: Vec<u8>,
    /// Input bytes taken by the first element (anything after it is the caller's business).
    pub consumed: usize,
    /// True if the input was not already DER in the respects handled here.
    pub changed: bool,
}

/// Re-encodes the first BER element of `input` as DER.
pub(crate) fn normalize(input: &[u8]) -> Result<Normalized> {
    let mut der = Vec::with_capacity(input.len());
    let mut changed = false;
    let consumed = element(input, 0, &mut der, &mut changed)?;
    Ok(Normalized { der, consumed, changed })
}

fn err(reason: &str) -> Error {
    Error::malformed("BER encoding", reason)
}

struct Header {
    tag_len: usize,
    constructed: bool,
    /// None for the indefinite form.
    len: Option<usize>,
    header_len: usize,
}

fn header(input: &[u8]) -> Result<Header> {
    let first = *input.first().ok_or_else(|| err("truncated tag"))?;
    let mut i = 1;
    if first & 0x1f == 0x1f {
        // High tag number: base-128 continuation bytes (bounded; CMS tags are tiny).
        loop {
            let b = *input.get(i).ok_or_else(|| err("truncated tag"))?;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i > 5 {
                return Err(err("tag number too large"));
            }
        }
    }
    let tag_len = i;
    let lb = *input.get(i).ok_or_else(|| err("truncated length"))?;
    i += 1;
    let len = match lb {
        0x00..=0x7f => Some(usize::from(lb)),
        0x80 => None,
        _ => {
            let n = usize::from(lb & 0x7f);
            if n > 4 {
                return Err(err("length too large"));
            }
            let mut v = 0usize;
            for _ in 0..n {
                v = (v << 8) | usize::from(*input.get(i).ok_or_else(|| err("truncated length"))?);
                i += 1;
            }
            Some(v)
        }
    };
    Ok(Header { tag_len, constructed: first & 0x20 != 0, len, header_len: i })
}

fn der_length(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(5);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out
}

fn write(out: &mut Vec<u8>, tag: &[u8], content: &[u8]) {
    out.extend_from_slice(tag);
    out.extend_from_slice(&der_length(content.len()));
    out.extend_from_slice(content);
}

/// Normalises one element into `out`; returns the number of input bytes it occupied.
fn element(input: &[u8], depth: usize, out: &mut Vec<u8>, changed: &mut bool) -> Result<usize> {
    if depth > MAX_DEPTH {
        return Err(err("nesting too deep"));
    }
    let h = header(input)?;
    let tag = &input[..h.tag_len];
    if h.len.is_some_and(|len| der_length(len).len() != h.header_len - h.tag_len) {
        *changed = true; // non-minimal length encoding
    }
    if !h.constructed {
        let len = h.len.ok_or_else(|| err("indefinite length on a primitive element"))?;
        let end = h.header_len.checked_add(len).ok_or_else(|| err("length overflow"))?;
        let body = input.get(h.header_len..end).ok_or_else(|| err("truncated content"))?;
        write(out, tag, body);
        return Ok(end);
    }
    let mut content = Vec::new();
    let mut pos = h.header_len;
    match h.len {
        Some(len) => {
            let end = pos.checked_add(len).ok_or_else(|| err("length overflow"))?;
            let body = input.get(..end).ok_or_else(|| err("truncated content"))?;
            while pos < end {
                pos += element(&body[pos..], depth + 1, &mut content, changed)?;
            }
        }
        None => {
            *changed = true;
            loop {
                match input.get(pos..pos + 2) {
                    Some([0, 0]) => {
                        pos += 2;
                        break;
                    }
                    Some(_) => pos += element(&input[pos..], depth + 1, &mut content, changed)?,
                    None => return Err(err("missing end-of-contents")),
                }
            }
        }
    }
    if tag == [0x24] {
        // Constructed OCTET STRING: DER wants one primitive string with the segments joined.
        *changed = true;
        let mut joined = Vec::with_capacity(content.len());
        let mut rest = content.as_slice();
        while !rest.is_empty() {
            let seg = header(rest)?;
            let end = seg.header_len + seg.len.unwrap_or(0);
            if rest.first() != Some(&0x04) {
                return Err(err("constructed OCTET STRING segment is not an OCTET STRING"));
            }
            joined.extend_from_slice(rest.get(seg.header_len..end).ok_or_else(|| err("truncated segment"))?);
            rest = &rest[end..];
        }
        write(out, &[0x04], &joined);
    } else {
        write(out, tag, &content);
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_input_is_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        let n = normalize(&der).unwrap();
        assert_eq!(n.der, der);
        assert_eq!(n.consumed, der.len());
        assert!(!n.changed);
    }

    #[test]
    fn indefinite_lengths_and_constructed_strings_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" } }
        let ber = [0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x00, 0x00, 0xff];
        let n = normalize(&ber).unwrap();
        assert_eq!(n.der, [0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
        assert_eq!(n.consumed, ber.len() - 1);
        assert!(n.changed);
    }

    #[test]
    fn non_minimal_lengths_are_rewritten() {
        let ber = [0x04, 0x81, 0x01, 0x07];
        let n = normalize(&ber).unwrap();
        assert_eq!(n.der, [0x04, 0x01, 0x07]);
        assert!(n.changed);
    }

    #[test]
    fn hostile_input_is_an_error() {
        assert!(normalize(&[0x30, 0x80, 0x02, 0x01]).is_err()); // truncated, no EOC
        assert!(normalize(&[0x04, 0x80, 0x00, 0x00]).is_err()); // indefinite primitive
        assert!(normalize(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err()); // absurd length
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(normalize(&deep).is_err());
        assert!(normalize(&[]).is_err());
        assert!(normalize(&[0x24, 0x03, 0x02, 0x01, 0x00]).is_err()); // segment of the wrong type
    }
}
