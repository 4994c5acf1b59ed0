//! Layer 3: certificate path from a signer to a caller-supplied trust anchor.
//!
//! Candidates come from the CMS, the DSS dictionary and the anchors; nothing in the PDF can make
//! a certificate an anchor. The first path whose every signature verifies is checked against the
//! validity, basicConstraints/pathLen, key usage and critical-extension rules.

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::certs::ParsedCert;
use crate::crypto;
use crate::der_walk;
use crate::error::VerifyError;
use crate::policy::{DigestAlgorithm, TrustPolicy};
use crate::report::{Indication, SubIndication};

/// What the end-entity certificate is used for: decides the key usage it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    DocumentSigning,
    Timestamping,
}

/// Outcome of path validation.
#[derive(Debug)]
pub enum PathVerdict {
    /// A path to an anchor was found and every check passed. `chain` = end entity ... anchor.
    Trusted { chain: Vec<ParsedCert> },
    /// A path was found but a check failed.
    Failed { chain: Vec<ParsedCert>, indication: Indication, sub: SubIndication, reason: String },
    /// No path to any anchor.
    NoChain { reason: String },
}

/// Build and check the path for `leaf` at time `at`. `at_is_proven` tells whether `at` comes from
/// a verified timestamp (proof of existence) or is merely the validation time.
pub fn validate_path(
    leaf: &ParsedCert,
    pool: &[ParsedCert],
    anchors: &[ParsedCert],
    at: OffsetDateTime,
    at_is_proven: bool,
    purpose: Purpose,
    policy: &TrustPolicy,
) -> PathVerdict {
    if anchors.is_empty() {
        return PathVerdict::NoChain { reason: "no trust anchor configured".into() };
    }
    let mut chain = vec![leaf.clone()];
    let mut visited = HashSet::new();
    if !extend_to_anchor(&mut chain, pool, anchors, policy.max_path_len, &mut visited) {
        return PathVerdict::NoChain {
            reason: format!("no path from '{}' to a configured trust anchor", leaf.subject()),
        };
    }
    match check_chain(&chain, at, at_is_proven, purpose) {
        Ok(()) => PathVerdict::Trusted { chain },
        Err((indication, sub, reason)) => PathVerdict::Failed { chain, indication, sub, reason },
    }
}

fn is_anchor(cert: &ParsedCert, anchors: &[ParsedCert]) -> bool {
    anchors.iter().any(|a| a.sha256 == cert.sha256)
}

/// Depth-first search; on success `chain` ends with an anchor.
fn extend_to_anchor(
    chain: &mut Vec<ParsedCert>,
    pool: &[ParsedCert],
    anchors: &[ParsedCert],
    max_len: usize,
    visited: &mut HashSet<[u8; 32]>,
) -> bool {
    let Some(current) = chain.last().cloned() else { return false };
    if is_anchor(&current, anchors) {
        return true;
    }
    if chain.len() >= max_len || !visited.insert(current.sha256) {
        return false;
    }
    let issuer_name = &current.cert.tbs_certificate.issuer;
    let candidates = anchors
        .iter()
        .chain(pool.iter())
        .filter(|c| &c.cert.tbs_certificate.subject == issuer_name && c.sha256 != current.sha256);
    for candidate in candidates {
        if verify_issued_by(&current, candidate).is_err() {
            continue;
        }
        chain.push(candidate.clone());
        if extend_to_anchor(chain, pool, anchors, max_len, visited) {
            return true;
        }
        chain.pop();
    }
    false
}

/// Verify `cert`'s signature with `issuer`'s key, over the TBS bytes exactly as received.
pub fn verify_issued_by(cert: &ParsedCert, issuer: &ParsedCert) -> Result<(), VerifyError> {
    let (outer, _) = der_walk::expect(&cert.der, 0x30, "Certificate")?;
    let (tbs, _) = der_walk::expect(outer.content, 0x30, "TBSCertificate")?;
    let signature = cert
        .cert
        .signature
        .as_bytes()
        .ok_or_else(|| VerifyError::Certificate("signature bit string has unused bits".into()))?;
    crypto::verify_signature(
        &issuer.cert.tbs_certificate.subject_public_key_info,
        &cert.cert.signature_algorithm,
        DigestAlgorithm::Sha256,
        tbs.whole,
        signature,
    )
    .map(|_| ())
}

type Failure = (Indication, SubIndication, String);

fn check_chain(chain: &[ParsedCert], at: OffsetDateTime, at_is_proven: bool, purpose: Purpose) -> Result<(), Failure> {
    let constraint = |reason: String| (Indication::TotalFailed, SubIndication::ChainConstraintsFailure, reason);
    // The anchor is trusted by configuration; its own validity window and extensions are the
    // caller's decision, so it is excluded from these checks.
    let checked = chain.len().saturating_sub(1).max(1);
    for (depth, cert) in chain.iter().take(checked).enumerate() {
        check_validity(cert, at, at_is_proven, depth == 0)?;
        let unknown = cert.unknown_critical_extensions();
        if !unknown.is_empty() {
            return Err(constraint(format!(
                "'{}' has unsupported critical extension(s): {}",
                cert.subject(),
                unknown.join(", ")
            )));
        }
        let bad_ext = |e: VerifyError| constraint(format!("'{}': {e}", cert.subject()));
        if depth == 0 {
            let ok = match purpose {
                Purpose::DocumentSigning | Purpose::Timestamping => cert.can_sign_documents().map_err(bad_ext)?,
            };
            if !ok {
                return Err(constraint(format!(
                    "'{}' key usage allows neither digitalSignature nor nonRepudiation",
                    cert.subject()
                )));
            }
        } else {
            check_ca(cert, depth).map_err(constraint)?;
        }
    }
    // The anchor still has to be allowed to issue the certificate below it.
    if chain.len() > 1
        && let Some(anchor) = chain.last()
    {
        check_ca(anchor, chain.len() - 1).map_err(constraint)?;
    }
    Ok(())
}

/// `depth` = position in the chain (1 = issuer of the end entity). pathLen limits the number of
/// intermediate CA certificates below this one, which is `depth - 1`.
fn check_ca(cert: &ParsedCert, depth: usize) -> Result<(), String> {
    let subject = cert.subject();
    let bc = cert.basic_constraints().map_err(|e| format!("'{subject}': {e}"))?;
    let Some(bc) = bc.filter(|bc| bc.ca) else {
        return Err(format!("'{subject}' issues certificates but is not a CA (basicConstraints)"));
    };
    if let Some(len) = bc.path_len_constraint
        && depth.saturating_sub(1) > usize::from(len)
    {
        return Err(format!("'{subject}' pathLenConstraint {len} exceeded"));
    }
    if !cert.can_sign_certificates().map_err(|e| format!("'{subject}': {e}"))? {
        return Err(format!("'{subject}' key usage lacks keyCertSign"));
    }
    Ok(())
}

fn check_validity(cert: &ParsedCert, at: OffsetDateTime, at_is_proven: bool, is_leaf: bool) -> Result<(), Failure> {
    let who = if is_leaf { "signer certificate" } else { "CA certificate" };
    let stamp = crate::time_util::rfc3339(at);
    if cert.not_before().is_none_or(|nb| at < nb) {
        return Err((
            Indication::TotalFailed,
            SubIndication::NotYetValid,
            format!("{who} '{}' is not yet valid at {stamp}", cert.subject()),
        ));
    }
    if cert.not_after().is_none_or(|na| at > na) {
        // Without a proof of existence the signature may have been made while the certificate was
        // valid: INDETERMINATE, not failed (EN 319 102-1, OUT_OF_BOUNDS_NO_POE).
        let (indication, sub) = if at_is_proven {
            (Indication::TotalFailed, SubIndication::Expired)
        } else {
            (Indication::Indeterminate, SubIndication::OutOfBoundsNoPoe)
        };
        return Err((indication, sub, format!("{who} '{}' has expired at {stamp}", cert.subject())));
    }
    Ok(())
}
