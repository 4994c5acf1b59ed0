//! RFC 3161 timestamp tokens: signature timestamps (imprint = hash of the signature value) and
//! document timestamps (imprint = hash of the covered bytes).

use const_oid::ObjectIdentifier;
use der::Decode;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::certs::ParsedCert;
use crate::cms_layer::{self, Content, OID_TST_INFO};
use crate::crypto;
use crate::der_walk;
use crate::error::VerifyError;
use crate::policy::{CmsPolicy, DigestAlgorithm};

const OID_KP_TIMESTAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// A token whose CMS signature verified and whose imprint matches the data it timestamps.
#[derive(Debug)]
pub struct VerifiedTimestamp {
    pub gen_time: OffsetDateTime,
    pub tsa: ParsedCert,
    pub certs: Vec<ParsedCert>,
    pub imprint_digest: DigestAlgorithm,
    pub signature_scheme: String,
}

fn ts_err(msg: impl Into<String>) -> VerifyError {
    VerifyError::Timestamp(msg.into())
}

/// Verify a token over `imprinted` (the signature value, or the /ByteRange parts).
pub fn verify_token(
    token: &[u8],
    imprinted: &[&[u8]],
    policy: &CmsPolicy,
    allowed: &dyn Fn(DigestAlgorithm) -> bool,
    extra_certs: &[ParsedCert],
) -> Result<VerifiedTimestamp, VerifyError> {
    let sd = cms_layer::verify_signed_data(
        token,
        Content::Encapsulated { content_type: OID_TST_INFO },
        policy,
        allowed,
        extra_certs,
    )
    .map_err(|e| match e {
        // Policy and availability problems keep their meaning; everything else is a broken token.
        VerifyError::SignerCertificateMissing
        | VerifyError::ForbiddenDigest(_)
        | VerifyError::UnsupportedAlgorithm(_) => e,
        other => ts_err(format!("token CMS: {other}")),
    })?;
    let econtent = sd.econtent.as_deref().ok_or_else(|| ts_err("TSTInfo missing"))?;
    let tst = TstInfo::parse(econtent)?;
    let imprint_digest = crypto::digest_from_oid(&tst.imprint_oid)?;
    if !allowed(imprint_digest) {
        return Err(VerifyError::ForbiddenDigest(format!("{} (timestamp imprint)", imprint_digest.name())));
    }
    if crypto::digest_parts(imprint_digest, imprinted) != tst.imprint {
        return Err(VerifyError::TimestampImprintMismatch);
    }
    check_tsa_eku(&sd.signer)?;
    Ok(VerifiedTimestamp {
        gen_time: tst.gen_time,
        tsa: sd.signer,
        certs: sd.certs,
        imprint_digest,
        signature_scheme: sd.scheme,
    })
}

/// RFC 3161 2.3: the TSA certificate must carry a critical EKU with exactly id-kp-timeStamping.
fn check_tsa_eku(tsa: &ParsedCert) -> Result<(), VerifyError> {
    let ext = tsa
        .cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == OID_EXT_KEY_USAGE)
        .ok_or_else(|| ts_err("TSA certificate has no extended key usage"))?;
    let eku = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
        .map_err(|e| ts_err(format!("TSA extended key usage: {e}")))?;
    if !eku.0.contains(&OID_KP_TIMESTAMPING) {
        return Err(ts_err("TSA certificate is not authorised for timestamping (EKU)"));
    }
    Ok(())
}

struct TstInfo {
    imprint_oid: ObjectIdentifier,
    imprint: Vec<u8>,
    gen_time: OffsetDateTime,
}

impl TstInfo {
    /// TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, ... }.
    /// Walked by hand because genTime may carry fractional seconds, which `der` 0.7 rejects.
    fn parse(der: &[u8]) -> Result<TstInfo, VerifyError> {
        let (seq, _) = der_walk::expect(der, 0x30, "TSTInfo")?;
        let (_version, rest) = der_walk::expect(seq.content, 0x02, "TSTInfo version")?;
        let (_policy, rest) = der_walk::expect(rest, 0x06, "TSTInfo policy")?;
        let (imprint, rest) = der_walk::expect(rest, 0x30, "messageImprint")?;
        let (alg, after_alg) = der_walk::expect(imprint.content, 0x30, "imprint algorithm")?;
        let alg = spki::AlgorithmIdentifierOwned::from_der(alg.whole)
            .map_err(|e| ts_err(format!("imprint algorithm: {e}")))?;
        let (hashed, _) = der_walk::expect(after_alg, 0x04, "hashedMessage")?;
        let (_serial, rest) = der_walk::expect(rest, 0x02, "TSTInfo serialNumber")?;
        let (gen_time, _) = der_walk::expect(rest, 0x18, "genTime")?;
        Ok(TstInfo {
            imprint_oid: alg.oid,
            imprint: hashed.content.to_vec(),
            gen_time: parse_generalized_time(gen_time.content)?,
        })
    }
}

/// `YYYYMMDDHHMMSS[.f+]Z` (RFC 3161 requires UTC and no trailing zeros; seconds fractions are dropped).
pub fn parse_generalized_time(raw: &[u8]) -> Result<OffsetDateTime, VerifyError> {
    let s = std::str::from_utf8(raw).map_err(|_| ts_err("genTime is not ASCII"))?;
    let body = s.strip_suffix('Z').ok_or_else(|| ts_err("genTime is not in UTC"))?;
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ts_err(format!("genTime {s:?} is malformed")));
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, VerifyError> {
        whole.get(r).and_then(|p| p.parse().ok()).ok_or_else(|| ts_err("genTime field"))
    };
    let year = i32::try_from(num(0..4)?).map_err(|_| ts_err("genTime year"))?;
    let month = Month::try_from(u8::try_from(num(4..6)?).unwrap_or(0)).map_err(|_| ts_err("genTime month"))?;
    let day = u8::try_from(num(6..8)?).unwrap_or(0);
    let date = Date::from_calendar_date(year, month, day).map_err(|_| ts_err("genTime date"))?;
    let time = Time::from_hms(
        u8::try_from(num(8..10)?).unwrap_or(99),
        u8::try_from(num(10..12)?).unwrap_or(99),
        u8::try_from(num(12..14)?).unwrap_or(99),
    )
    .map_err(|_| ts_err("genTime time of day"))?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_with_and_without_fraction() {
        let a = parse_generalized_time(b"20240102030405Z").unwrap();
        assert_eq!(a.unix_timestamp(), 1_704_164_645);
        let b = parse_generalized_time(b"20240102030405.123Z").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn generalized_time_rejects_local_and_garbage() {
        assert!(parse_generalized_time(b"20240102030405").is_err());
        assert!(parse_generalized_time(b"2024010203040Z").is_err());
        assert!(parse_generalized_time(b"20241302030405Z").is_err());
        assert!(parse_generalized_time(b"2024010203040xZ").is_err());
        assert!(parse_generalized_time(&[0xff, b'Z']).is_err());
    }
}
