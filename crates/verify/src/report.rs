//! Validation report: ETSI EN 319 102-1 indications per signature plus a document verdict.
//!
//! The report is the only thing callers look at, so every verdict carries the reasons that led to it
//! (like pyHanko's status objects). JSON via serde, a human rendering via `Display`, and
//! [`Report::exit_code`] for scripts.

use std::fmt;

use serde::Serialize;

/// Main status indication (ETSI EN 319 102-1, clause 5.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    TotalPassed,
    Indeterminate,
    TotalFailed,
}

impl Indication {
    pub fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL_PASSED",
            Indication::Indeterminate => "INDETERMINATE",
            Indication::TotalFailed => "TOTAL_FAILED",
        }
    }
}

/// Sub-indications (ETSI EN 319 102-1, table 5), limited to the ones this engine can conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// Malformed PDF signature structure or CMS, or a disallowed change after signing.
    FormatFailure,
    /// The covered bytes do not hash to the signed messageDigest.
    HashFailure,
    /// The signature value does not verify with the signer's public key.
    SigCryptoFailure,
    /// A forbidden or too weak algorithm (e.g. SHA-1, RSA-1024).
    CryptoConstraintsFailure,
    /// Certificate constraints broken (key usage, basicConstraints, unknown critical extension).
    ChainConstraintsFailure,
    /// A certificate in the chain has a bad signature or the chain is otherwise unusable.
    CertificateChainGeneralFailure,
    Revoked,
    Expired,
    NotYetValid,
    NoSigningCertificateFound,
    NoCertificateChainFound,
    /// Revoked, but no proof of existence before the revocation time.
    RevokedNoPoe,
    /// An intermediate CA certificate of the path is revoked and no proof of existence shows the
    /// signature (or timestamp) is older than that revocation.
    RevokedCaNoPoe,
    /// The signer certificate expired before the validation time and no timestamp proves the
    /// signature existed while it was valid.
    OutOfBoundsNoPoe,
    /// No fresh revocation information could be found or verified (including verified CRL/OCSP
    /// data that is stale for the best signature time).
    TryLater,
}

impl SubIndication {
    pub fn as_str(self) -> &'static str {
        match self {
            SubIndication::FormatFailure => "FORMAT_FAILURE",
            SubIndication::HashFailure => "HASH_FAILURE",
            SubIndication::SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            SubIndication::CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            SubIndication::ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            SubIndication::CertificateChainGeneralFailure => "CERTIFICATE_CHAIN_GENERAL_FAILURE",
            SubIndication::Revoked => "REVOKED",
            SubIndication::Expired => "EXPIRED",
            SubIndication::NotYetValid => "NOT_YET_VALID",
            SubIndication::NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            SubIndication::NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            SubIndication::RevokedNoPoe => "REVOKED_NO_POE",
            SubIndication::OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            SubIndication::RevokedCaNoPoe => "REVOKED_CA_NO_POE",
            SubIndication::TryLater => "TRY_LATER",
        }
    }
}

/// Whether the signed bytes are proven unaltered. Separate from the indication because a signature
/// can be cryptographically intact yet INDETERMINATE for lack of a trusted chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Integrity {
    /// Hash and signature value verified, coverage correct, later changes permitted.
    Intact,
    /// Proven broken: hash mismatch, bad signature value, bad coverage, disallowed change, forbidden algorithm.
    Broken,
    /// Could not be checked (e.g. signer certificate missing from the CMS).
    Unverified,
}

/// What the signature covers (pyHanko's coverage levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Every byte of the file except the /Contents hex string.
    EntireFile,
    /// An entire earlier revision; later incremental updates are judged by modification analysis.
    EntireRevision,
    /// Anything else: not accepted.
    Partial,
    /// Not determined (byte layer failed first).
    Unknown,
}

/// Result of modification analysis for the updates made after a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModificationLevel {
    /// No update after the signed revision.
    None,
    /// Only DSS/VRI data and document timestamps were added.
    LtaUpdates,
    /// New signatures / signature fields (and the above).
    SignatureAdditions,
    /// Form filling, permitted by DocMDP P>=2.
    FormFilling,
    /// Annotation changes, permitted by DocMDP P=3 and the policy.
    Annotations,
    /// A change outside the whitelist.
    Disallowed,
    /// Analysis did not run (an earlier layer failed).
    NotAnalysed,
}

/// The kind of signature dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// /Type /Sig: a signature (CMS SignedData).
    Signature,
    /// /Type /DocTimeStamp or /SubFilter /ETSI.RFC3161: a document timestamp.
    DocumentTimestamp,
}

/// Facts about one certificate in a reported chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub serial_hex: String,
    pub sha256_fingerprint: String,
    pub not_before: String,
    pub not_after: String,
}

/// Time information about a signature.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignatureTimes {
    /// /M of the signature dictionary (claimed by the signer, not proven).
    pub claimed: Option<String>,
    /// genTime of a verified signature timestamp.
    pub timestamped: Option<String>,
    /// The time at which certificates were checked (RFC 3339).
    pub best_signature_time: String,
}

/// Algorithms used by a signature.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Algorithms {
    pub digest: Option<String>,
    pub signature: Option<String>,
    pub sub_filter: Option<String>,
}

/// Verdict for one signature or document timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// Fully qualified field name, or `<unreferenced obj N G>` for a dictionary no field references.
    pub field: String,
    pub kind: SignatureKind,
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
    pub integrity: Integrity,
    pub coverage: Coverage,
    pub modification: ModificationLevel,
    /// /ByteRange as read, if it was well formed.
    pub byte_range: Option<[u64; 4]>,
    /// Index (0-based) of the revision the signature covers.
    pub signed_revision: Option<usize>,
    pub signer: Option<CertificateSummary>,
    /// Signer first, anchor last (empty if no path was found).
    pub chain: Vec<CertificateSummary>,
    pub times: SignatureTimes,
    pub algorithms: Algorithms,
    /// Objects changed after signing in a way the policy does not permit ("12 0 obj: page content").
    pub disallowed_changes: Vec<String>,
    /// Every finding, in the order the layers produced them.
    pub reasons: Vec<String>,
}

/// Document-level verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentVerdict {
    /// Worst indication over all signatures; TOTAL_FAILED for unreadable input; INDETERMINATE
    /// when no signature was found.
    pub indication: Indication,
    /// True iff at least one signature was found and every one of them is [`Integrity::Intact`].
    pub integrity_intact: bool,
    pub signature_count: usize,
    pub summary: String,
}

/// The complete result of [`crate::validate_pdf`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub document: DocumentVerdict,
    pub signatures: Vec<SignatureReport>,
    /// Problems with the file as a whole (unreadable, encrypted, limits exceeded, revision chain broken).
    pub document_errors: Vec<String>,
    /// Validation time used for certificate checks when no timestamp gives a better one.
    pub validation_time: String,
}

/// Process exit codes for `ecert verify`.
pub mod exit_code {
    /// Every signature TOTAL_PASSED.
    pub const PASSED: i32 = 0;
    /// At least one signature TOTAL_FAILED, or the file is unreadable.
    pub const FAILED: i32 = 1;
    /// Nothing failed, but at least one signature is INDETERMINATE (e.g. untrusted chain).
    pub const INDETERMINATE: i32 = 2;
    /// The file is readable but carries no signature.
    pub const NO_SIGNATURE: i32 = 3;
}

impl Report {
    /// Exit code for scripts, see [`exit_code`].
    pub fn exit_code(&self) -> i32 {
        if self.document.signature_count == 0 && self.document_errors.is_empty() {
            return exit_code::NO_SIGNATURE;
        }
        match self.document.indication {
            Indication::TotalPassed => exit_code::PASSED,
            Indication::Indeterminate => exit_code::INDETERMINATE,
            Indication::TotalFailed => exit_code::FAILED,
        }
    }

    /// JSON rendering (pretty). Serialising plain data cannot fail; an error string is returned
    /// defensively rather than panicking.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\":\"report serialisation failed: {e}\"}}"))
    }

    /// Build the document verdict from the per-signature results and document errors.
    pub(crate) fn finish(
        signatures: Vec<SignatureReport>,
        document_errors: Vec<String>,
        validation_time: String,
    ) -> Report {
        let worst = signatures.iter().map(|s| s.indication).max();
        let indication = if !document_errors.is_empty() {
            Indication::TotalFailed
        } else {
            worst.unwrap_or(Indication::Indeterminate)
        };
        let integrity_intact = document_errors.is_empty()
            && !signatures.is_empty()
            && signatures.iter().all(|s| s.integrity == Integrity::Intact);
        let summary = if !document_errors.is_empty() {
            format!("document rejected: {}", document_errors.join("; "))
        } else if signatures.is_empty() {
            "no signature found".to_string()
        } else {
            let failed = signatures.iter().filter(|s| s.indication == Indication::TotalFailed).count();
            let passed = signatures.iter().filter(|s| s.indication == Indication::TotalPassed).count();
            format!(
                "{} signature(s): {passed} passed, {failed} failed, {} indeterminate",
                signatures.len(),
                signatures.len() - passed - failed
            )
        };
        Report {
            document: DocumentVerdict { indication, integrity_intact, signature_count: signatures.len(), summary },
            signatures,
            document_errors,
            validation_time,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Document: {} ({})", self.document.indication.as_str(), self.document.summary)?;
        writeln!(f, "Integrity: {}", if self.document.integrity_intact { "intact" } else { "NOT established" })?;
        for e in &self.document_errors {
            writeln!(f, "  error: {e}")?;
        }
        for (i, s) in self.signatures.iter().enumerate() {
            writeln!(f)?;
            write!(f, "{s}")?;
            if i + 1 < self.signatures.len() {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for SignatureReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SignatureKind::Signature => "Signature",
            SignatureKind::DocumentTimestamp => "Document timestamp",
        };
        write!(f, "{kind} '{}': {}", self.field, self.indication.as_str())?;
        if let Some(sub) = self.sub_indication {
            write!(f, " / {}", sub.as_str())?;
        }
        writeln!(f)?;
        writeln!(f, "  integrity:     {:?}", self.integrity)?;
        writeln!(f, "  coverage:      {:?}", self.coverage)?;
        writeln!(f, "  modifications: {:?}", self.modification)?;
        if let Some(signer) = &self.signer {
            writeln!(f, "  signer:        {}", signer.subject)?;
            writeln!(f, "  fingerprint:   {}", signer.sha256_fingerprint)?;
        }
        for (i, c) in self.chain.iter().enumerate().skip(1) {
            writeln!(f, "  chain[{i}]:      {}", c.subject)?;
        }
        if let Some(t) = &self.times.claimed {
            writeln!(f, "  claimed time:  {t}")?;
        }
        if let Some(t) = &self.times.timestamped {
            writeln!(f, "  timestamped:   {t}")?;
        }
        if let Some(d) = &self.algorithms.digest {
            writeln!(f, "  algorithms:    {d} / {}", self.algorithms.signature.as_deref().unwrap_or("?"))?;
        }
        for c in &self.disallowed_changes {
            writeln!(f, "  disallowed:    {c}")?;
        }
        for r in &self.reasons {
            writeln!(f, "  - {r}")?;
        }
        Ok(())
    }
}
