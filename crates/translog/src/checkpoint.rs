//! Checkpoints in the c2sp.org/tlog-checkpoint format, signed as C2SP notes.
//!
//! ```text
//! <origin>
//! <tree size, decimal, no leading zeros>
//! <base64 root hash>
//! [<extension line>]...
//! ```

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys::{LogSigner, VerifierKey};
use crate::note::{NoteLimits, SignedNote, validate_text};

/// An unsigned checkpoint: the log's identity and its tree head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log identity, e.g. `ecert.example/audit`; should equal the key name.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// Root hash at that size.
    pub root: Hash,
    /// Optional opaque extension lines (not recommended by the spec).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// The note text (the part that is signed).
    pub fn body(&self) -> Result<String> {
        if self.origin.is_empty() || self.origin.contains('\n') {
            return Err(Error::MalformedCheckpoint("origin must be one non-empty line"));
        }
        if self.extensions.iter().any(|e| e.is_empty() || e.contains('\n')) {
            return Err(Error::MalformedCheckpoint("extension lines must be single non-empty lines"));
        }
        let mut body = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        validate_text(&body)?;
        Ok(body)
    }

    /// Parses a checkpoint note text strictly.
    pub fn parse_body(text: &str) -> Result<Self> {
        let lines = text.strip_suffix('\n').ok_or(Error::MalformedCheckpoint("text must end with a newline"))?;
        let mut lines = lines.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(Error::MalformedCheckpoint("needs origin, size and root hash lines"));
        };
        if origin.is_empty() {
            return Err(Error::MalformedCheckpoint("origin is empty"));
        }
        let size = parse_size(size)?;
        let root = Hash::from_base64("checkpoint root hash", root)?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(Error::MalformedCheckpoint("extension lines must be non-empty"));
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions })
    }

    /// Signs the checkpoint with the log key.
    pub fn sign(&self, signer: &LogSigner) -> Result<SignedCheckpoint> {
        let note = SignedNote::sign(&self.body()?, signer)?;
        Ok(SignedCheckpoint { checkpoint: self.clone(), note })
    }
}

/// ASCII decimal with no leading zeros (except "0" itself).
fn parse_size(line: &str) -> Result<u64> {
    let digits_only = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (line.len() > 1 && line.starts_with('0')) {
        return Err(Error::MalformedCheckpoint("tree size must be a decimal number without leading zeros"));
    }
    line.parse().map_err(|_| Error::MalformedCheckpoint("tree size does not fit in 64 bits"))
}

/// A checkpoint together with its signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: SignedNote,
}

impl SignedCheckpoint {
    /// Parses a signed checkpoint with default limits, without verifying it.
    pub fn parse(input: &[u8]) -> Result<Self> {
        Self::parse_with_limits(input, NoteLimits::default())
    }

    /// Parses a signed checkpoint, without verifying it.
    pub fn parse_with_limits(input: &[u8], limits: NoteLimits) -> Result<Self> {
        let note = SignedNote::parse(input, limits)?;
        let checkpoint = Checkpoint::parse_body(note.text())?;
        Ok(Self { checkpoint, note })
    }

    /// Parses and verifies in one step: the usual way to read a checkpoint.
    pub fn open(input: &[u8], key: &VerifierKey) -> Result<Checkpoint> {
        let signed = Self::parse(input)?;
        signed.verify(key).cloned()
    }

    /// Verifies the log signature and returns the now trusted checkpoint.
    pub fn verify(&self, key: &VerifierKey) -> Result<&Checkpoint> {
        self.note.verify(key)?;
        Ok(&self.checkpoint)
    }

    /// The checkpoint as parsed, *not* verified.
    pub fn unverified(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The underlying note (e.g. to add a witness cosignature).
    pub fn note(&self) -> &SignedNote {
        &self.note
    }

    /// The serialised signed checkpoint.
    pub fn encode(&self) -> String {
        self.note.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn signer() -> LogSigner {
        LogSigner::generate("ecert.example/audit").unwrap().0
    }

    #[test]
    fn sign_parse_open_round_trip() {
        let s = signer();
        let mut cp = Checkpoint::new("ecert.example/audit", 20852163, leaf_hash(b"r"));
        cp.extensions.push("ext line".into());
        let signed = cp.sign(&s).unwrap();
        let text = signed.encode();
        assert!(text.starts_with("ecert.example/audit\n20852163\n"));
        assert_eq!(SignedCheckpoint::open(text.as_bytes(), s.verifier_key()).unwrap(), cp);
        let parsed = SignedCheckpoint::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.unverified(), &cp);
        assert_eq!(parsed.note().signatures().len(), 1);
    }

    #[test]
    fn parses_the_c2sp_example_body() {
        let cp = Checkpoint::parse_body(
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        )
        .unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert_eq!(cp.root.to_base64(), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
        assert!(cp.extensions.is_empty());
    }

    #[test]
    fn forged_or_foreign_checkpoints_are_rejected() {
        let s = signer();
        let text = Checkpoint::new("ecert.example/audit", 5, leaf_hash(b"r")).sign(&s).unwrap().encode();
        let forged = text.replacen("\n5\n", "\n6\n", 1);
        assert!(matches!(
            SignedCheckpoint::open(forged.as_bytes(), s.verifier_key()),
            Err(Error::SignatureInvalid { .. })
        ));
        let other = signer();
        assert!(matches!(SignedCheckpoint::open(text.as_bytes(), other.verifier_key()), Err(Error::UnknownKey { .. })));
    }

    #[test]
    fn body_rejections() {
        let root = leaf_hash(b"r").to_base64();
        let bad = |t: &str| Checkpoint::parse_body(t).unwrap_err();
        assert!(matches!(bad("o\n1\nroot"), Error::MalformedCheckpoint("text must end with a newline")));
        assert!(matches!(bad("o\n1\n"), Error::MalformedCheckpoint("needs origin, size and root hash lines")));
        assert!(matches!(bad(&format!("\n1\n{root}\n")), Error::MalformedCheckpoint("origin is empty")));
        for size in ["", "01", "-1", "+1", "1.0", " 1", "0x10"] {
            assert!(matches!(bad(&format!("o\n{size}\n{root}\n")), Error::MalformedCheckpoint(_)), "{size:?}");
        }
        assert!(matches!(
            bad(&format!("o\n99999999999999999999\n{root}\n")),
            Error::MalformedCheckpoint("tree size does not fit in 64 bits")
        ));
        assert!(matches!(bad("o\n1\nAAAA\n"), Error::HashLength { .. }));
        assert!(matches!(bad("o\n1\n!!!\n"), Error::Base64 { .. }));
        assert!(matches!(
            bad(&format!("o\n1\n{root}\n\n")),
            Error::MalformedCheckpoint("extension lines must be non-empty")
        ));
        assert_eq!(Checkpoint::parse_body(&format!("o\n0\n{root}\n")).unwrap().size, 0);
    }

    #[test]
    fn body_refuses_unserialisable_fields() {
        let h = leaf_hash(b"r");
        assert!(Checkpoint::new("", 1, h).body().is_err());
        assert!(Checkpoint::new("a\nb", 1, h).body().is_err());
        let mut cp = Checkpoint::new("o", 1, h);
        cp.extensions.push(String::new());
        assert!(matches!(cp.body(), Err(Error::MalformedCheckpoint(_))));
        assert!(matches!(Checkpoint::new("o\u{1}", 1, h).body(), Err(Error::NoteEncoding)));
    }
}
