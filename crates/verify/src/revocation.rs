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
use crate::policy::RevocationPolicy;

/// Parsed (not yet verified) CRLs and OCSP responses.
#[derive(Default)]
pub struct RevocationData {
    crls: Vec<Crl>,
    ocsps: Vec<OcspResponse>,
}

/// Most revocation items read from one document.
const MAX_ITEMS: usize = 1_000;

/// What the embedded data says about a certificate at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// A verified CRL or OCSP response lists it as revoked at this time (fresh or not:
    /// revocation is final).
    Revoked { at: OffsetDateTime, source: &'static str },
    /// A verified response whose validity window covers the time asked about says it was not
    /// revoked; `checked_at` is its thisUpdate.
    Good { checked_at: OffsetDateTime, source: &'static str },
    /// Only verified "good" responses whose validity window does not cover the time asked about
    /// (see [`RevocationPolicy`]); the newest one is described.
    Stale { this_update: OffsetDateTime, next_update: Option<OffsetDateTime>, source: &'static str },
    /// No verified item covers the certificate.
    Unknown,
}

impl RevocationStatus {
    /// Combine the findings of two sources: a revocation wins, then fresh evidence, then stale.
    pub fn or(self, other: RevocationStatus) -> RevocationStatus {
        fn rank(s: &RevocationStatus) -> u8 {
            match s {
                RevocationStatus::Revoked { .. } => 3,
                RevocationStatus::Good { .. } => 2,
                RevocationStatus::Stale { .. } => 1,
                RevocationStatus::Unknown => 0,
            }
        }
        if rank(&other) > rank(&self) { other } else { self }
    }
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

    /// Status of `cert` issued by `issuer` at time `at`, from items whose signature verifies
    /// with the issuer (CRL) or the issuer / its delegated responder (OCSP). A revocation wins over
    /// any "good"; "good" counts only from items that are fresh for `at` under `policy`.
    pub fn status(
        &self,
        cert: &ParsedCert,
        issuer: &ParsedCert,
        at: OffsetDateTime,
        policy: &RevocationPolicy,
    ) -> RevocationStatus {
        let (Ok(cert), Ok(issuer)) = (Certificate::from_der(&cert.der), Certificate::from_der(&issuer.der)) else {
            return RevocationStatus::Unknown;
        };
        let mut found = Evidence::default();
        for ocsp in &self.ocsps {
            if ocsp.verify_signature(&issuer).is_err() {
                continue;
            }
            let Some(single) = ocsp.find_status(&cert, &issuer) else { continue };
            match single.status {
                CertStatus::Revoked { time, .. } => return RevocationStatus::Revoked { at: time, source: "OCSP" },
                CertStatus::Good => found.good(single.this_update, single.next_update, "OCSP", at, policy),
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
            // A CRL whose times cannot be read proves nothing either way.
            if let (Ok(this_update), Ok(next_update)) = (crl.this_update(), crl.next_update()) {
                found.good(this_update, next_update, "CRL", at, policy);
            }
        }
        found.into_status()
    }
}

/// The newest fresh and the newest stale "good" statement seen so far.
#[derive(Default)]
struct Evidence {
    fresh: Option<(OffsetDateTime, &'static str)>,
    stale: Option<(OffsetDateTime, Option<OffsetDateTime>, &'static str)>,
}

impl Evidence {
    fn good(
        &mut self,
        this_update: OffsetDateTime,
        next_update: Option<OffsetDateTime>,
        source: &'static str,
        at: OffsetDateTime,
        policy: &RevocationPolicy,
    ) {
        if policy.covers(this_update, next_update, at) {
            if self.fresh.is_none_or(|(t, _)| this_update > t) {
                self.fresh = Some((this_update, source));
            }
        } else if self.stale.is_none_or(|(t, _, _)| this_update > t) {
            self.stale = Some((this_update, next_update, source));
        }
    }

    fn into_status(self) -> RevocationStatus {
        match (self.fresh, self.stale) {
            (Some((checked_at, source)), _) => RevocationStatus::Good { checked_at, source },
            (None, Some((this_update, next_update, source))) => {
                RevocationStatus::Stale { this_update, next_update, source }
            }
            (None, None) => RevocationStatus::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::RevocationStatus;

    #[test]
    fn revocation_outranks_fresh_outranks_stale_outranks_unknown() {
        let t = datetime!(2026-06-01 12:00 UTC);
        let revoked = RevocationStatus::Revoked { at: t, source: "CRL" };
        let good = RevocationStatus::Good { checked_at: t, source: "OCSP" };
        let stale = RevocationStatus::Stale { this_update: t, next_update: None, source: "CRL" };
        let unknown = RevocationStatus::Unknown;
        assert_eq!(good.clone().or(revoked.clone()), revoked);
        assert_eq!(revoked.clone().or(good.clone()), revoked);
        assert_eq!(stale.clone().or(good.clone()), good);
        assert_eq!(unknown.clone().or(stale.clone()), stale);
        assert_eq!(stale.clone().or(unknown), stale);
    }
}
