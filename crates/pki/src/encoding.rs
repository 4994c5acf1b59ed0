//! Shared DER/PEM/time helpers and input limits.

use der::asn1::{GeneralizedTime, UtcTime};
use der::{DateTime, Reader, SliceReader};
use time::OffsetDateTime;
use x509_cert::time::Time;

use crate::error::{Error, Result};

/// Largest single DER object (certificate, CRL, OCSP response, CMS) we decode.
pub const MAX_DER_LEN: usize = 16 * 1024 * 1024;
/// Largest PEM text we scan.
pub const MAX_PEM_LEN: usize = 32 * 1024 * 1024;
/// Most PEM blocks / certificates in one bundle or CMS structure.
pub const MAX_ITEMS: usize = 1024;

pub(crate) fn check_len(what: &'static str, len: usize, limit: usize) -> Result<()> {
    if len > limit {
        return Err(Error::TooLarge { what, len, limit });
    }
    Ok(())
}

/// One `-----BEGIN label-----` block, decoded.
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// Splits a text into its PEM blocks (text outside blocks is ignored, as openssl does).
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<PemBlock>> {
    check_len("PEM input", text.len(), MAX_PEM_LEN)?;
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start..];
        let label_end = after[11..].find("-----").ok_or_else(|| Error::malformed("PEM", "unterminated BEGIN line"))?;
        let label = after[11..11 + label_end].to_string();
        let end_marker = format!("-----END {label}-----");
        let end = after.find(&end_marker).ok_or_else(|| Error::malformed("PEM", format!("missing END {label}")))?;
        let block = &after[..end + end_marker.len()];
        let (_, der) = der::pem::decode_vec(block.as_bytes()).map_err(|e| Error::malformed("PEM", e))?;
        blocks.push(PemBlock { label, der });
        if blocks.len() > MAX_ITEMS {
            return Err(Error::TooMany { what: "PEM blocks", limit: MAX_ITEMS });
        }
        rest = &after[end + end_marker.len()..];
    }
    Ok(blocks)
}

pub(crate) fn pem_encode(label: &'static str, der_bytes: &[u8]) -> String {
    // Only fails for labels that are not valid PEM labels; all ours are static and valid.
    der::pem::encode_string(label, der::pem::LineEnding::LF, der_bytes).unwrap_or_default()
}

/// True when the bytes look like PEM text rather than DER.
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).take(4096).any(|w| w == b"-----BEGIN ")
}

/// The complete TLV at the start of `bytes` and the remainder.
pub(crate) fn split_tlv<'a>(what: &'static str, bytes: &'a [u8]) -> Result<(&'a [u8], &'a [u8])> {
    let mut reader = SliceReader::new(bytes).map_err(|e| Error::malformed(what, e))?;
    let tlv = reader.tlv_bytes().map_err(|e| Error::malformed(what, e))?;
    Ok((tlv, &bytes[tlv.len()..]))
}

/// The TLVs inside a constructed value (e.g. the elements of a SEQUENCE), as raw slices.
pub(crate) fn child_tlvs<'a>(what: &'static str, mut value: &'a [u8]) -> Result<Vec<&'a [u8]>> {
    let mut out = Vec::new();
    while !value.is_empty() {
        let (tlv, rest) = split_tlv(what, value)?;
        out.push(tlv);
        if out.len() > MAX_ITEMS {
            return Err(Error::TooMany { what, limit: MAX_ITEMS });
        }
        value = rest;
    }
    Ok(out)
}

/// DER TLV with a one-byte tag.
pub(crate) fn encode_tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
    out
}

/// Tag byte and value of a single TLV (the TLV must be complete).
pub(crate) fn tlv_parts<'a>(what: &'static str, tlv: &'a [u8]) -> Result<(u8, &'a [u8])> {
    let any = der::asn1::AnyRef::try_from(tlv).map_err(|e| Error::malformed(what, e))?;
    let tag_byte = *tlv.first().ok_or_else(|| Error::malformed(what, "empty"))?;
    Ok((tag_byte, any.value()))
}

pub(crate) fn time_from_x509(t: &Time) -> Result<OffsetDateTime> {
    unix_to_offset(t.to_unix_duration())
}

pub(crate) fn time_from_generalized(t: &GeneralizedTime) -> Result<OffsetDateTime> {
    unix_to_offset(t.to_unix_duration())
}

fn unix_to_offset(d: std::time::Duration) -> Result<OffsetDateTime> {
    let secs = i64::try_from(d.as_secs()).map_err(|e| Error::Time(e.to_string()))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| Error::Time(e.to_string()))
}

fn to_der_datetime(t: OffsetDateTime) -> Result<DateTime> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| Error::Time(format!("{t} is before 1970")))?;
    DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(|e| Error::Time(e.to_string()))
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
pub(crate) fn time_to_x509(t: OffsetDateTime) -> Result<Time> {
    let dt = to_der_datetime(t)?;
    if dt.year() < 2050 {
        Ok(Time::UtcTime(UtcTime::from_date_time(dt).map_err(|e| Error::Time(e.to_string()))?))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

pub(crate) fn time_to_generalized(t: OffsetDateTime) -> Result<GeneralizedTime> {
    Ok(GeneralizedTime::from_date_time(to_der_datetime(t)?))
}

/// Unsigned big-endian integer bytes as lowercase hex without leading zero bytes.
pub(crate) fn serial_hex(bytes: &[u8]) -> String {
    hex::encode(trim_serial(bytes))
}

/// Big-endian integer bytes without leading zero bytes (a zero value keeps one byte).
pub(crate) fn trim_serial(serial: &[u8]) -> &[u8] {
    match serial.iter().position(|b| *b != 0) {
        Some(i) => &serial[i..],
        None => &serial[serial.len().saturating_sub(1)..],
    }
}

/// Byte range of the first element inside the outer SEQUENCE (the signed "TBS" part).
pub(crate) fn first_child_range(what: &'static str, der_bytes: &[u8]) -> Result<std::ops::Range<usize>> {
    let (outer, _) = split_tlv(what, der_bytes)?;
    let (_, value) = tlv_parts(what, outer)?;
    let (first, _) = split_tlv(what, value)?;
    let start = outer.len() - value.len();
    Ok(start..start + first.len())
}

/// Fresh random bytes from aws-lc-rs.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    aws_lc_rs::rand::fill(&mut out).map_err(|_| Error::Crypto("random generator failed"))?;
    Ok(out)
}

/// A random positive serial number of 16 bytes (RFC 5280 allows up to 20 octets).
pub(crate) fn random_serial() -> Result<Vec<u8>> {
    let mut bytes = random_bytes::<16>()?.to_vec();
    // Clear the top bit so the INTEGER stays positive without a padding byte, and keep it non-zero.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_split_and_decoded() {
        let a = pem_encode("CERTIFICATE", b"\x30\x00");
        let b = pem_encode("X509 CRL", b"\x30\x01\x00");
        let text = format!("junk\n{a}between\n{b}");
        let blocks = pem_blocks(&text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(blocks[1].der, b"\x30\x01\x00");
    }

    #[test]
    fn broken_pem_is_an_error() {
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\nAAAA").is_err());
        assert!(pem_blocks("-----BEGIN CERTIFICATE").is_err());
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").is_err());
    }

    #[test]
    fn time_encoding_switches_at_2050() {
        let before = OffsetDateTime::from_unix_timestamp(2_524_607_999).unwrap(); // 2049-12-31T23:59:59Z
        let after = OffsetDateTime::from_unix_timestamp(2_524_608_000).unwrap(); // 2050-01-01T00:00:00Z
        assert!(matches!(time_to_x509(before).unwrap(), Time::UtcTime(_)));
        assert!(matches!(time_to_x509(after).unwrap(), Time::GeneralTime(_)));
        assert_eq!(time_from_x509(&time_to_x509(after).unwrap()).unwrap(), after);
        assert!(time_to_x509(OffsetDateTime::from_unix_timestamp(-1).unwrap()).is_err());
    }

    #[test]
    fn serial_hex_strips_leading_zeros() {
        assert_eq!(serial_hex(&[0, 0x80, 1]), "8001");
        assert_eq!(serial_hex(&[0]), "00");
        assert_eq!(serial_hex(&[]), "");
    }

    #[test]
    fn encode_tlv_uses_minimal_long_form_lengths() {
        assert_eq!(encode_tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = encode_tlv(0x04, &[0u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(split_tlv("x", &long).unwrap().0.len(), long.len());
    }

    #[test]
    fn tlv_helpers_reject_truncation() {
        assert!(split_tlv("x", b"\x30\x05\x00").is_err());
        let kids = child_tlvs("x", b"\x02\x01\x05\x04\x00").unwrap();
        assert_eq!(kids, vec![&b"\x02\x01\x05"[..], &b"\x04\x00"[..]]);
    }
}
