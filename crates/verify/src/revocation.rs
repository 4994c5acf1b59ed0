//! Revocation data embedded in the document: /DSS /CRLs and /OCSPs streams and the CMS
//! adbe-revocationInfoArchival attribute. Each item is verified against the issuer before use
//! (CRL and OCSP parsing and signature checks are ecert-pki's).

use ecert_pdf::{Document, Value};
use ecert_pki::Certificate;
use ecert_pki::crl::Crl;
use ecert_pki::ocsp::{CertStatus, OcspResponse};
use time::OffsetDateTime;

use crate::certs::ParsedCert;
use crate::der_walk;

/// Parsed (not yet verified) CRLs and OCSP responses.
#[derive(Default)]
pub struct RevocationData {
    crls: Vec<Crl>,
    ocsps: Vec<OcspResponse>,
}

/// Most revocation items read from one document.
const MAX_ITEMS: usize = 1_000;

/// What the embedded data says about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// A verified CRL or OCSP response lists it as revoked at this time.
    Revoked { at: OffsetDateTime, source: &'static str },
    /// A verified response issued at this time says it was not revoked.
    Good { checked_at: OffsetDateTime, source: &'static str },
    /// No verified item covers the certificate.
    Unknown,
}

impl RevocationData {
    /// CRLs and OCSP responses from the document's /DSS (newest revision).
    pub fn from_dss(doc: &Document<'_>) -> RevocationData {
        let mut out = RevocationData::default();
        let latest = doc.latest();
        let Ok((_, catalog)) = doc.catalog(latest) else { return out };
        let Ok(Some(dss)) = doc.resolve_dict(latest, catalog.get(b"DSS")) else { return out };
        let streams = |key: &[u8]| -> Vec<Vec<u8>> {
            doc.resolve_array(latest, dss.get(key))
                .unwrap_or_default()
                .iter()
                .take(MAX_ITEMS)
                .filter_map(|e| doc.resolve_in(latest, e).ok())
                .filter_map(|o| match &o.value {
                    Value::Stream(s) => doc.stream_data(s).ok(),
                    _ => None,
                })
                .collect()
        };
        out.crls = streams(b"CRLs").iter().filter_map(|d| Crl::from_der(d).ok()).collect();
        out.ocsps = streams(b"OCSPs").iter().filter_map(|d| OcspResponse::from_der(d).ok()).collect();
        out
    }

    /// Add the content of an adbe-revocationInfoArchival attribute value:
    /// `SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, ... }`.
    pub fn add_adbe_archive(&mut self, der: &[u8]) {
        let Ok((seq, _)) = der_walk::expect(der, 0x30, "RevocationInfoArchival") else { return };
        let mut rest = seq.content;
        while let Ok((field, next)) = der_walk::read_tlv(rest) {
            rest = next;
            let Ok((list, _)) = der_walk::expect(field.content, 0x30, "revocation list") else { continue };
            let mut items = list.content;
            while let Ok((item, after)) = der_walk::read_tlv(items) {
                items = after;
                if self.crls.len() + self.ocsps.len() >= MAX_ITEMS {
                    return;
                }
                match field.tag {
                    0xa0 => self.crls.extend(Crl::from_der(item.whole).ok()),
                    0xa1 => self.ocsps.extend(OcspResponse::from_der(item.whole).ok()),
                    _ => {}
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.crls.is_empty() && self.ocsps.is_empty()
    }

    /// Status of `cert` issued by `issuer`, from items whose signature verifies with the issuer
    /// (CRL) or the issuer / its delegated responder (OCSP). A revocation wins over any "good".
    pub fn status(&self, cert: &ParsedCert, issuer: &ParsedCert) -> RevocationStatus {
        let (Ok(cert), Ok(issuer)) = (Certificate::from_der(&cert.der), Certificate::from_der(&issuer.der)) else {
            return RevocationStatus::Unknown;
        };
        let mut good: Option<(OffsetDateTime, &'static str)> = None;
        for ocsp in &self.ocsps {
            if ocsp.verify_signature(&issuer).is_err() {
                continue;
            }
            let Some(single) = ocsp.find_status(&cert, &issuer) else { continue };
            match single.status {
                CertStatus::Revoked { time, .. } => return RevocationStatus::Revoked { at: time, source: "OCSP" },
                CertStatus::Good => good = newest(good, single.this_update, "OCSP"),
                CertStatus::Unknown => {}
            }
        }
        for crl in &self.crls {
            if crl.issuer_der() != issuer.subject_der() || crl.verify_signature(&issuer).is_err() {
                continue;
            }
            if let Some(entry) = crl.find(cert.serial_bytes()) {
                return RevocationStatus::Revoked { at: entry.revoked_at, source: "CRL" };
            }
            if let Ok(t) = crl.this_update() {
                good = newest(good, t, "CRL");
            }
        }
        match good {
            Some((checked_at, source)) => RevocationStatus::Good { checked_at, source },
            None => RevocationStatus::Unknown,
        }
    }
}

fn newest(
    current: Option<(OffsetDateTime, &'static str)>,
    t: OffsetDateTime,
    source: &'static str,
) -> Option<(OffsetDateTime, &'static str)> {
    match current {
        Some((c, _)) if c >= t => current,
        _ => Some((t, source)),
    }
}
