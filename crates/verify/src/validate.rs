//! The entry point: runs the layers for every signature and assembles the report.

use std::time::{Duration, Instant};

use ecert_pdf::{Document, Value};
use time::OffsetDateTime;

use crate::bytes::{self, ByteFacts, FoundSignature};
use crate::certpath::{self, PathVerdict, Purpose};
use crate::certs::ParsedCert;
use crate::cms_layer::{self, Content};
use crate::crypto::KeyInfo;
use crate::error::VerifyError;
use crate::modification::Analyzer;
use crate::policy::ValidationPolicy;
use crate::report::{
    Algorithms, Coverage, Indication, Integrity, ModificationLevel, Report, SignatureKind, SignatureReport,
    SignatureTimes, SubIndication,
};
use crate::revocation::{RevocationData, RevocationStatus};
use crate::time_util::rfc3339;
use crate::timestamp::{self, VerifiedTimestamp};
use crate::trust::TrustContext;

/// Validate every signature and document timestamp of a PDF.
///
/// `at` is the validation time (default: now); it is used for certificate checks unless a
/// verified signature timestamp proves an earlier signing time. Never panics; unreadable input
/// gives a report whose document verdict is TOTAL_FAILED with the reason in `document_errors`.
pub fn validate_pdf(
    bytes: &[u8],
    policy: &ValidationPolicy,
    trust: &TrustContext,
    at: Option<OffsetDateTime>,
) -> Report {
    let now = at.unwrap_or_else(OffsetDateTime::now_utc);
    let started = Instant::now();
    match validate_inner(bytes, policy, trust, now, started) {
        Ok(sigs) => Report::finish(sigs, Vec::new(), rfc3339(now)),
        Err(e) => Report::finish(Vec::new(), vec![e.to_string()], rfc3339(now)),
    }
}

fn pdf_limits(policy: &ValidationPolicy) -> ecert_pdf::Limits {
    let l = &policy.limits;
    ecert_pdf::Limits {
        max_file_size: l.max_file_bytes,
        max_objects: l.max_objects,
        max_depth: l.max_nesting_depth,
        max_stream_decoded: l.max_decompressed_bytes,
        max_total_decoded: l.max_decompressed_bytes,
        max_xref_sections: l.max_revisions,
        timeout: Some(Duration::from_millis(l.deadline_ms)),
        ..ecert_pdf::Limits::default()
    }
}

fn validate_inner(
    bytes: &[u8],
    policy: &ValidationPolicy,
    trust: &TrustContext,
    now: OffsetDateTime,
    started: Instant,
) -> Result<Vec<SignatureReport>, VerifyError> {
    if bytes.len() > policy.limits.max_file_bytes {
        return Err(VerifyError::InputTooLarge { size: bytes.len(), limit: policy.limits.max_file_bytes });
    }
    let doc = Document::parse_with_limits(bytes, pdf_limits(policy)).map_err(|e| match e {
        ecert_pdf::PdfError::Encrypted => VerifyError::Encrypted,
        other => VerifyError::Pdf(other.to_string()),
    })?;
    let found = bytes::discover(&doc, policy.limits.max_signatures)?;
    let ctx = Context {
        doc: &doc,
        policy,
        trust,
        now,
        anchors: trust.anchors().iter().filter_map(|d| ParsedCert::parse(d).ok()).collect(),
        dss_certs: dss_certificates(&doc),
        dss_revocation: RevocationData::from_dss(&doc),
        tail: bytes::unaccounted_tail(&doc),
    };
    let mut analyzer = Analyzer::new(&doc, &policy.modifications);
    let deadline = Duration::from_millis(policy.limits.deadline_ms);
    let mut reports = Vec::with_capacity(found.len());
    for sig in &found {
        if started.elapsed() > deadline {
            return Err(VerifyError::Deadline(policy.limits.deadline_ms));
        }
        reports.push(ctx.validate_signature(sig, &mut analyzer));
    }
    Ok(reports)
}

/// Certificates from the document security store (/DSS /Certs), usable for chains and for
/// locating a signer certificate the CMS omits.
fn dss_certificates(doc: &Document<'_>) -> Vec<ParsedCert> {
    let latest = doc.latest();
    let Ok((_, catalog)) = doc.catalog(latest) else { return Vec::new() };
    let Ok(Some(dss)) = doc.resolve_dict(latest, catalog.get(b"DSS")) else { return Vec::new() };
    let Ok(entries) = doc.resolve_array(latest, dss.get(b"Certs")) else { return Vec::new() };
    entries
        .iter()
        .filter_map(|e| doc.resolve_in(latest, e).ok())
        .filter_map(|o| match &o.value {
            Value::Stream(s) => doc.stream_data(s).ok(),
            _ => None,
        })
        .filter_map(|der| ParsedCert::parse(&der).ok())
        .collect()
}

struct Context<'d, 'a> {
    doc: &'d Document<'a>,
    policy: &'d ValidationPolicy,
    trust: &'d TrustContext,
    now: OffsetDateTime,
    anchors: Vec<ParsedCert>,
    dss_certs: Vec<ParsedCert>,
    dss_revocation: RevocationData,
    tail: Option<usize>,
}

/// Accumulates findings; the worst indication wins, the first sub-indication of it is reported.
struct Verdict {
    indication: Indication,
    sub: Option<SubIndication>,
    integrity: Integrity,
    reasons: Vec<String>,
}

impl Verdict {
    fn new() -> Self {
        Verdict { indication: Indication::TotalPassed, sub: None, integrity: Integrity::Intact, reasons: Vec::new() }
    }

    fn add(&mut self, indication: Indication, sub: SubIndication, reason: String) {
        if indication > self.indication {
            self.indication = indication;
            self.sub = Some(sub);
        }
        self.reasons.push(reason);
    }

    /// An integrity failure: the signed content is proven not to be what was signed.
    fn broken(&mut self, sub: SubIndication, reason: String) {
        self.integrity = Integrity::Broken;
        self.add(Indication::TotalFailed, sub, reason);
    }

    fn unverified(&mut self, sub: SubIndication, reason: String) {
        if self.integrity == Integrity::Intact {
            self.integrity = Integrity::Unverified;
        }
        self.add(Indication::Indeterminate, sub, reason);
    }

    /// Map a CMS / timestamp layer error onto the verdict.
    fn cms_error(&mut self, e: &VerifyError) {
        match e {
            VerifyError::SignerCertificateMissing => self.unverified(e.sub_indication(), e.to_string()),
            VerifyError::UnsupportedAlgorithm(_) => self.unverified(e.sub_indication(), e.to_string()),
            _ => self.broken(e.sub_indication(), e.to_string()),
        }
    }
}

impl Context<'_, '_> {
    fn validate_signature(&self, sig: &FoundSignature, analyzer: &mut Analyzer<'_, '_>) -> SignatureReport {
        let mut v = Verdict::new();
        let mut report = SignatureReport {
            field: sig.name.clone(),
            kind: SignatureKind::Signature,
            indication: Indication::TotalPassed,
            sub_indication: None,
            integrity: Integrity::Intact,
            coverage: Coverage::Unknown,
            modification: ModificationLevel::NotAnalysed,
            byte_range: None,
            signed_revision: None,
            signer: None,
            chain: Vec::new(),
            times: SignatureTimes { claimed: claimed_time(sig), ..SignatureTimes::default() },
            algorithms: Algorithms::default(),
            disallowed_changes: Vec::new(),
            reasons: Vec::new(),
        };
        if !sig.referenced && !self.policy.bytes.allow_unreferenced_signatures {
            v.broken(
                SubIndication::FormatFailure,
                "signature dictionary is not referenced by any signature field".into(),
            );
        }
        match bytes::check(self.doc, sig) {
            Err(e) => v.broken(SubIndication::FormatFailure, e.to_string()),
            Ok(facts) => self.validate_covered(&facts, &mut report, &mut v, analyzer),
        }
        report.indication = v.indication;
        report.sub_indication = v.sub;
        report.integrity = v.integrity;
        report.reasons = v.reasons;
        report
    }

    fn validate_covered(
        &self,
        facts: &ByteFacts,
        report: &mut SignatureReport,
        v: &mut Verdict,
        analyzer: &mut Analyzer<'_, '_>,
    ) {
        report.kind = facts.kind;
        report.byte_range = Some(facts.byte_range);
        report.signed_revision = Some(facts.signed_revision);
        report.coverage = facts.coverage;
        report.algorithms.sub_filter = facts.sub_filter.clone();

        let modification = analyzer.after(facts.signed_revision);
        report.modification = modification.level;
        if !modification.violations.is_empty() {
            report.disallowed_changes = modification.violations.clone();
            v.broken(
                SubIndication::FormatFailure,
                format!("{} disallowed change(s) after signing", modification.violations.len()),
            );
        }
        if let Some(at) = self.tail {
            v.broken(SubIndication::FormatFailure, format!("unaccounted bytes after the final revision at byte {at}"));
        }

        let data = self.doc.data();
        let parts: [&[u8]; 2] = [
            data.get(facts.first.start..facts.first.end).unwrap_or(&[]),
            data.get(facts.second.start..facts.second.end).unwrap_or(&[]),
        ];
        let allowed = |d| self.policy.digest_allowed(d);
        match facts.kind {
            SignatureKind::DocumentTimestamp => {
                match timestamp::verify_token(&facts.contents, &parts, &self.policy.cms, &allowed, &self.dss_certs) {
                    Err(e) => v.cms_error(&e),
                    Ok(ts) => {
                        report.algorithms.digest = Some(ts.imprint_digest.name().into());
                        report.algorithms.signature = Some(ts.signature_scheme.clone());
                        report.times.timestamped = Some(rfc3339(ts.gen_time));
                        report.signer = Some(ts.tsa.summary());
                        let pool: Vec<ParsedCert> = ts.certs.iter().chain(&self.dss_certs).cloned().collect();
                        // A document timestamp is checked at its own time (it is its own proof of existence).
                        let chain =
                            self.trust_layer(&ts.tsa, &pool, ts.gen_time, true, Purpose::Timestamping, report, v);
                        let none = RevocationData::default();
                        for finding in
                            self.path_revocation(&chain, &none, ts.gen_time, true, PathRole::DocumentTimestamp)
                        {
                            finding.apply(v);
                        }
                    }
                }
            }
            SignatureKind::Signature => {
                let cades = facts.sub_filter.as_deref() == Some("ETSI.CAdES.detached");
                let content = Content::Detached { parts: &parts, cades };
                match cms_layer::verify_signed_data(
                    &facts.contents,
                    content,
                    &self.policy.cms,
                    &allowed,
                    &self.dss_certs,
                ) {
                    Err(e) => v.cms_error(&e),
                    Ok(sd) => {
                        report.algorithms.digest = Some(sd.digest.name().into());
                        report.algorithms.signature = Some(sd.scheme.clone());
                        report.signer = Some(sd.signer.summary());
                        if let KeyInfo::Rsa { bits } = sd.key
                            && (bits as usize) < self.policy.cms.min_rsa_bits
                        {
                            v.add(
                                Indication::Indeterminate,
                                SubIndication::CryptoConstraintsFailure,
                                format!(
                                    "RSA key of {bits} bits is below the policy minimum of {}",
                                    self.policy.cms.min_rsa_bits
                                ),
                            );
                        }
                        let mut pool: Vec<ParsedCert> = sd.certs.iter().chain(&self.dss_certs).cloned().collect();
                        let (best_time, proven) = self.signature_timestamps(
                            &sd.signature_timestamps,
                            &sd.signature_value,
                            &mut pool,
                            report,
                            v,
                        );
                        if let Some(claimed) = sd.claimed_signing_time {
                            report.times.claimed.get_or_insert_with(|| rfc3339(claimed));
                        }
                        let chain =
                            self.trust_layer(&sd.signer, &pool, best_time, proven, Purpose::DocumentSigning, report, v);
                        self.registry_revocation(&sd.signer, best_time, proven, v);
                        let mut archive = RevocationData::default();
                        if let Some(der) = &sd.adbe_revocation {
                            archive.add_adbe_archive(der);
                        }
                        for finding in self.path_revocation(&chain, &archive, best_time, proven, PathRole::Signature) {
                            finding.apply(v);
                        }
                    }
                }
            }
        }
        if report.times.best_signature_time.is_empty() {
            report.times.best_signature_time = rfc3339(self.now);
        }
    }

    /// Verify signature timestamps; returns the best signature time and whether it is proven by a
    /// timestamp whose TSA chains to an anchor.
    fn signature_timestamps(
        &self,
        tokens: &[Vec<u8>],
        signature_value: &[u8],
        pool: &mut Vec<ParsedCert>,
        report: &mut SignatureReport,
        v: &mut Verdict,
    ) -> (OffsetDateTime, bool) {
        let allowed = |d| self.policy.digest_allowed(d);
        let mut earliest_trusted: Option<OffsetDateTime> = None;
        for token in tokens {
            let ts: VerifiedTimestamp =
                match timestamp::verify_token(token, &[signature_value], &self.policy.cms, &allowed, &self.dss_certs) {
                    Ok(ts) => ts,
                    // A token we cannot use (weak algorithm, no TSA certificate) only fails to
                    // prove the time; a token that does not match this signature is an attack.
                    Err(
                        e @ (VerifyError::ForbiddenDigest(_)
                        | VerifyError::UnsupportedAlgorithm(_)
                        | VerifyError::SignerCertificateMissing),
                    ) => {
                        v.reasons.push(format!("signature timestamp ignored: {e}"));
                        continue;
                    }
                    Err(e) => {
                        v.broken(e.sub_indication(), format!("signature timestamp: {e}"));
                        continue;
                    }
                };
            report.times.timestamped.get_or_insert_with(|| rfc3339(ts.gen_time));
            let tsa_pool: Vec<ParsedCert> = ts.certs.iter().chain(pool.iter()).cloned().collect();
            let trusted = match certpath::validate_path(
                &ts.tsa,
                &tsa_pool,
                &self.anchors,
                ts.gen_time,
                true,
                Purpose::Timestamping,
                &self.policy.trust,
            ) {
                // A TSA whose path is revoked (or only stale evidence) at genTime proves nothing:
                // the token is kept out of the best signature time, its findings become reasons.
                PathVerdict::Trusted { chain } => {
                    let none = RevocationData::default();
                    let findings = self.path_revocation(&chain, &none, ts.gen_time, true, PathRole::SignatureTimestamp);
                    let usable = findings.iter().all(|f| f.failure.is_none());
                    v.reasons.extend(findings.into_iter().map(|f| f.reason));
                    usable
                }
                _ => false,
            };
            if !trusted {
                v.reasons.push(format!(
                    "signature timestamp of {} by '{}' is not trusted; it does not prove the signing time",
                    rfc3339(ts.gen_time),
                    ts.tsa.subject()
                ));
            }
            if trusted {
                earliest_trusted = Some(earliest_trusted.map_or(ts.gen_time, |t| t.min(ts.gen_time)));
            }
            pool.extend(ts.certs);
        }
        match earliest_trusted {
            Some(t) => {
                report.times.best_signature_time = rfc3339(t);
                (t, true)
            }
            None => (self.now, false),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn trust_layer(
        &self,
        leaf: &ParsedCert,
        pool: &[ParsedCert],
        at: OffsetDateTime,
        proven: bool,
        purpose: Purpose,
        report: &mut SignatureReport,
        v: &mut Verdict,
    ) -> Vec<ParsedCert> {
        match certpath::validate_path(leaf, pool, &self.anchors, at, proven, purpose, &self.policy.trust) {
            PathVerdict::Trusted { chain } => {
                report.chain = chain.iter().map(ParsedCert::summary).collect();
                chain
            }
            PathVerdict::Failed { chain, indication, sub, reason } => {
                report.chain = chain.iter().map(ParsedCert::summary).collect();
                v.add(indication, sub, reason);
                chain
            }
            PathVerdict::NoChain { reason } => {
                v.add(Indication::Indeterminate, SubIndication::NoCertificateChainFound, reason);
                Vec::new()
            }
        }
    }

    /// CRL/OCSP from the DSS and (for the signer) the signature's own revocation archive, checked
    /// for every non-anchor certificate of `chain` (end entity first) at time `at`:
    ///
    /// - end entity revoked at or before `at`: TOTAL_FAILED / REVOKED when `at` is proven by a
    ///   timestamp, INDETERMINATE / REVOKED_NO_POE otherwise;
    /// - CA certificate revoked at or before `at`: INDETERMINATE / REVOKED_CA_NO_POE, proven or
    ///   not. EN 319 102-1 reserves TOTAL_FAILED / REVOKED for the signing certificate itself; a
    ///   revoked CA leaves the verdict open (the registry decides about the signer);
    /// - revoked after `at`: a reason only (the signature or token is older than the revocation);
    /// - only stale "good" data (see [`RevocationPolicy`](crate::policy::RevocationPolicy)):
    ///   INDETERMINATE / TRY_LATER;
    /// - no data: a reason, or INDETERMINATE / TRY_LATER for a signer certificate when the policy
    ///   requires revocation information. CA and TSA certificates without data are covered by
    ///   the authoritative registry and anchors.
    fn path_revocation(
        &self,
        chain: &[ParsedCert],
        archive: &RevocationData,
        at: OffsetDateTime,
        proven: bool,
        role: PathRole,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (depth, pair) in chain.windows(2).enumerate() {
            let [cert, issuer] = pair else { continue };
            if self.anchors.iter().any(|a| a.sha256 == cert.sha256) {
                break;
            }
            let who = role.describe(depth, cert);
            let status = archive
                .status(cert, issuer, at, &self.policy.trust.revocation)
                .or(self.dss_revocation.status(cert, issuer, at, &self.policy.trust.revocation));
            findings.push(match status {
                RevocationStatus::Revoked { at: revoked, source } if revoked <= at => {
                    let msg = format!("{who} revoked at {} ({source})", rfc3339(revoked));
                    if depth > 0 {
                        Finding::fail(Indication::Indeterminate, SubIndication::RevokedCaNoPoe, format!("{msg}, not after {}", rfc3339(at)))
                    } else if proven {
                        Finding::fail(Indication::TotalFailed, SubIndication::Revoked, msg)
                    } else {
                        Finding::fail(Indication::Indeterminate, SubIndication::RevokedNoPoe, format!("{msg}; no timestamp proves the signature is older"))
                    }
                }
                RevocationStatus::Revoked { at: revoked, source } => {
                    Finding::note(format!("{who} revoked at {} ({source}), after {}", rfc3339(revoked), rfc3339(at)))
                }
                RevocationStatus::Good { checked_at, source } => {
                    Finding::note(format!("{who} not revoked per {source} of {}", rfc3339(checked_at)))
                }
                RevocationStatus::Stale { this_update, next_update, source } => Finding::fail(
                    Indication::Indeterminate,
                    SubIndication::TryLater,
                    format!(
                        "revocation data for {who} is stale for {}: {source} thisUpdate {}, nextUpdate {} (max staleness {})",
                        rfc3339(at),
                        rfc3339(this_update),
                        next_update.map_or_else(|| "none".to_string(), rfc3339),
                        self.policy.trust.revocation.max_staleness
                    ),
                ),
                RevocationStatus::Unknown if depth == 0 && role == PathRole::Signature && self.policy.trust.require_revocation_info => {
                    Finding::fail(Indication::Indeterminate, SubIndication::TryLater, "no verified revocation information for the signer".into())
                }
                RevocationStatus::Unknown => {
                    Finding::note(format!("no embedded revocation information for {who} (registry status only)"))
                }
            });
        }
        findings
    }

    /// The registry is authoritative: a certificate it revoked fails from the revocation time on.
    fn registry_revocation(&self, signer: &ParsedCert, best_time: OffsetDateTime, proven: bool, v: &mut Verdict) {
        let Some(rev) = self.trust.revocation_for(&signer.fingerprint_hex()) else { return };
        let when = rfc3339(rev.revoked_at);
        if best_time >= rev.revoked_at {
            if proven {
                v.add(
                    Indication::TotalFailed,
                    SubIndication::Revoked,
                    format!("signer certificate revoked at {when} ({}), before the proven signing time", rev.reason),
                );
            } else {
                v.add(
                    Indication::Indeterminate,
                    SubIndication::RevokedNoPoe,
                    format!(
                        "signer certificate revoked at {when} ({}); no timestamp proves the signature is older",
                        rev.reason
                    ),
                );
            }
        } else {
            v.reasons.push(format!("signer certificate revoked at {when}, after the proven signing time"));
        }
    }
}

/// Whose certificate path a revocation finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathRole {
    Signature,
    SignatureTimestamp,
    DocumentTimestamp,
}

impl PathRole {
    fn describe(self, depth: usize, cert: &ParsedCert) -> String {
        let leaf = match self {
            PathRole::Signature => "signer certificate",
            PathRole::SignatureTimestamp => "signature timestamp TSA certificate",
            PathRole::DocumentTimestamp => "document timestamp TSA certificate",
        };
        if depth == 0 {
            format!("{leaf} '{}'", cert.subject())
        } else {
            let path = match self {
                PathRole::Signature => "signer",
                PathRole::SignatureTimestamp | PathRole::DocumentTimestamp => "TSA",
            };
            format!("CA certificate '{}' of the {path} path", cert.subject())
        }
    }
}

/// One revocation finding: a verdict-changing failure, or only a reason for the report.
struct Finding {
    failure: Option<(Indication, SubIndication)>,
    reason: String,
}

impl Finding {
    fn fail(indication: Indication, sub: SubIndication, reason: String) -> Self {
        Finding { failure: Some((indication, sub)), reason }
    }

    fn note(reason: String) -> Self {
        Finding { failure: None, reason }
    }

    fn apply(self, v: &mut Verdict) {
        match self.failure {
            Some((indication, sub)) => v.add(indication, sub, self.reason),
            None => v.reasons.push(self.reason),
        }
    }
}

/// /M of the signature dictionary as written (PDF date string), for the report.
fn claimed_time(sig: &FoundSignature) -> Option<String> {
    sig.dict.get(b"M").and_then(|m| m.value.as_string()).map(|s| String::from_utf8_lossy(&s.bytes).into_owned())
}
