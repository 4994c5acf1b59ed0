//! C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::{Error, Result};
use crate::keys::{LogSigner, VerifierKey, validate_key_name};

/// Prefix of every signature line: em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Size limits applied while parsing a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoteLimits {
    /// Largest note accepted, in bytes (text and signatures).
    pub max_bytes: usize,
    /// Most signature lines accepted (the spec requires at least 16).
    pub max_signatures: usize,
}

impl Default for NoteLimits {
    fn default() -> Self {
        Self { max_bytes: 64 * 1024, max_signatures: 32 }
    }
}

/// One signature line: key name, key ID and raw signature bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name on the line.
    pub name: String,
    /// The first four decoded bytes, big-endian.
    pub key_id: u32,
    /// The remaining decoded bytes.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    fn line(&self) -> String {
        let mut blob = self.key_id.to_be_bytes().to_vec();
        blob.extend_from_slice(&self.signature);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, BASE64.encode(blob))
    }
}

/// A note text and its signatures. Parsing does not verify: call
/// [`SignedNote::verify`] before trusting the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Valid UTF-8 without ASCII control characters other than newline.
fn check_characters(text: &str) -> Result<()> {
    if text.chars().any(|c| c != '\n' && c < ' ') {
        return Err(Error::NoteEncoding);
    }
    Ok(())
}

/// Checks that `text` can be the text of a note.
pub(crate) fn validate_text(text: &str) -> Result<()> {
    check_characters(text)?;
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote("text must end with a newline"));
    }
    Ok(())
}

impl SignedNote {
    /// Signs `text` (which must end in a newline) with `signer`.
    pub fn sign(text: &str, signer: &LogSigner) -> Result<Self> {
        validate_text(text)?;
        let mut note = Self { text: text.to_owned(), signatures: Vec::new() };
        note.add_signature(signer)?;
        Ok(note)
    }

    /// Adds a signature by `signer` over the text (e.g. a second log key
    /// during a key rotation).
    pub fn add_signature(&mut self, signer: &LogSigner) -> Result<()> {
        let vkey = signer.verifier_key();
        let signature = signer.sign(self.text.as_bytes())?;
        self.signatures.push(NoteSignature { name: vkey.name().to_owned(), key_id: vkey.key_id(), signature });
        Ok(())
    }

    /// Parses a signed note strictly, without verifying it.
    pub fn parse(input: &[u8], limits: NoteLimits) -> Result<Self> {
        if input.len() > limits.max_bytes {
            return Err(Error::NoteTooLarge { len: input.len(), max: limits.max_bytes });
        }
        let input = std::str::from_utf8(input).map_err(|_| Error::NoteEncoding)?;
        check_characters(input)?;
        // Signature lines cannot be empty, so the last blank line separates
        // the text from the signatures.
        let split = input.rfind("\n\n").ok_or(Error::MalformedNote("no blank line before the signatures"))?;
        let (text, rest) = input.split_at(split + 1);
        let block = rest.get(1..).unwrap_or("");
        if block.is_empty() {
            return Err(Error::MalformedNote("no signatures"));
        }
        let Some(block) = block.strip_suffix('\n') else {
            return Err(Error::MalformedNote("signatures must end with a newline"));
        };
        let count = block.split('\n').count();
        if count > limits.max_signatures {
            return Err(Error::TooManySignatures { count, max: limits.max_signatures });
        }
        let signatures = block.split('\n').map(parse_signature_line).collect::<Result<Vec<_>>>()?;
        Ok(Self { text: text.to_owned(), signatures })
    }

    /// The note text, final newline included. Untrusted until verified.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// All signature lines, known keys or not.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// The serialised note: text, blank line, signature lines.
    pub fn encode(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for sig in &self.signatures {
            out.push_str(&sig.line());
        }
        out
    }

    /// Verifies the note against one trusted key, per the spec: signatures
    /// from other keys are ignored; every signature by this key (same name
    /// and key ID) must verify; at least one must be present.
    pub fn verify(&self, key: &VerifierKey) -> Result<()> {
        let mut found = false;
        for sig in self.signatures.iter().filter(|s| s.name == key.name() && s.key_id == key.key_id()) {
            if !key.verifies(self.text.as_bytes(), &sig.signature) {
                return Err(Error::SignatureInvalid { name: key.name().to_owned(), key_id: key.key_id() });
            }
            found = true;
        }
        if !found {
            return Err(Error::UnknownKey { name: key.name().to_owned(), key_id: key.key_id() });
        }
        Ok(())
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(Error::MalformedNote("signature line must start with an em dash and a space"))?;
    let (name, blob) =
        rest.split_once(' ').ok_or(Error::MalformedNote("signature line must be '— <name> <base64>'"))?;
    validate_key_name(name)?;
    let blob = BASE64.decode(blob).map_err(|_| Error::MalformedNote("signature is not valid base64"))?;
    let (id, signature) = blob.split_at_checked(4).ok_or(Error::MalformedNote("signature is too short"))?;
    let mut id_bytes = [0u8; 4];
    id_bytes.copy_from_slice(id);
    if signature.is_empty() {
        return Err(Error::MalformedNote("signature is too short"));
    }
    Ok(NoteSignature { name: name.to_owned(), key_id: u32::from_be_bytes(id_bytes), signature: signature.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(name: &str) -> LogSigner {
        LogSigner::generate(name).unwrap().0
    }

    #[test]
    fn sign_encode_parse_verify() {
        let s = signer("ecert.example/log");
        let note = SignedNote::sign("hello\n\nworld\n", &s).unwrap();
        let encoded = note.encode();
        assert!(encoded.starts_with("hello\n\nworld\n\n\u{2014} ecert.example/log "));
        let parsed = SignedNote::parse(encoded.as_bytes(), NoteLimits::default()).unwrap();
        assert_eq!(parsed, note);
        assert_eq!(parsed.text(), "hello\n\nworld\n");
        parsed.verify(s.verifier_key()).unwrap();
    }

    #[test]
    fn verifies_the_go_sumdb_example_note() {
        // From golang.org/x/mod/sumdb/note documentation.
        let vkey = VerifierKey::parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap();
        let msg = "If you think cryptography is the answer to your problem,\n\
                   then you don't know what your problem is.\n\
                   \n\
                   \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let note = SignedNote::parse(msg.as_bytes(), NoteLimits::default()).unwrap();
        note.verify(&vkey).unwrap();
        // Ed25519 is deterministic: our signer reproduces Go's signature.
        let go_signer =
            LogSigner::from_skey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
                .unwrap();
        assert_eq!(SignedNote::sign(note.text(), &go_signer).unwrap().encode(), msg);
        let tampered = msg.replace("cryptography", "Cryptography");
        let note = SignedNote::parse(tampered.as_bytes(), NoteLimits::default()).unwrap();
        assert!(matches!(note.verify(&vkey), Err(Error::SignatureInvalid { .. })));
    }

    #[test]
    fn unknown_keys_are_ignored_but_not_enough() {
        let a = signer("log-a");
        let b = signer("log-b");
        let mut note = SignedNote::sign("text\n", &a).unwrap();
        assert!(matches!(note.verify(b.verifier_key()), Err(Error::UnknownKey { .. })));
        note.add_signature(&b).unwrap();
        let parsed = SignedNote::parse(note.encode().as_bytes(), NoteLimits::default()).unwrap();
        parsed.verify(a.verifier_key()).unwrap();
        parsed.verify(b.verifier_key()).unwrap();
        // Same name, other key: a different key ID, so it counts as unknown.
        let a2 = signer("log-a");
        assert!(matches!(parsed.verify(a2.verifier_key()), Err(Error::UnknownKey { .. })));
    }

    #[test]
    fn forged_signature_is_reported() {
        let s = signer("log");
        let mut note = SignedNote::sign("text\n", &s).unwrap();
        note.signatures[0].signature[5] ^= 1;
        let reparsed = SignedNote::parse(note.encode().as_bytes(), NoteLimits::default()).unwrap();
        let err = reparsed.verify(s.verifier_key()).unwrap_err();
        assert!(matches!(err, Error::SignatureInvalid { .. }));
        assert!(err.to_string().contains("forged"));
    }

    #[test]
    fn parse_rejections() {
        let s = signer("log");
        let good = SignedNote::sign("text\n", &s).unwrap().encode();
        let limits = NoteLimits::default();
        let parse = |t: &str| SignedNote::parse(t.as_bytes(), limits);
        assert!(matches!(
            SignedNote::parse(good.as_bytes(), NoteLimits { max_bytes: 10, ..limits }),
            Err(Error::NoteTooLarge { max: 10, .. })
        ));
        assert!(matches!(SignedNote::parse(&[0xff, b'\n'], limits), Err(Error::NoteEncoding)));
        assert!(matches!(parse(&good.replace("text", "te\rxt")), Err(Error::NoteEncoding)));
        assert!(matches!(parse("text\n"), Err(Error::MalformedNote("no blank line before the signatures"))));
        assert!(matches!(parse("text\n\n"), Err(Error::MalformedNote("no signatures"))));
        assert!(matches!(
            parse(good.trim_end_matches('\n')),
            Err(Error::MalformedNote("signatures must end with a newline"))
        ));
        assert!(matches!(
            parse(&good.replace('\u{2014}', "-")),
            Err(Error::MalformedNote("signature line must start with an em dash and a space"))
        ));
        assert!(matches!(
            parse("text\n\n\u{2014} lognosig\n"),
            Err(Error::MalformedNote("signature line must be '— <name> <base64>'"))
        ));
        assert!(matches!(parse("text\n\n\u{2014} a+b AAAAAAA=\n"), Err(Error::InvalidKeyName(_))));
        assert!(matches!(
            parse("text\n\n\u{2014} log %%%%\n"),
            Err(Error::MalformedNote("signature is not valid base64"))
        ));
        assert!(matches!(parse("text\n\n\u{2014} log AAA=\n"), Err(Error::MalformedNote("signature is too short"))));
        assert!(matches!(
            parse("text\n\n\u{2014} log AAAAAA==\n"),
            Err(Error::MalformedNote("signature is too short"))
        ));
        let line = good.split_once("\n\n").unwrap().1;
        let many = format!("text\n\n{}", line.repeat(33));
        assert!(matches!(parse(&many), Err(Error::TooManySignatures { count: 33, max: 32 })));
        // A blank line inside the signature block moves the first signature
        // into the text, which then no longer verifies.
        let shifted = parse(&format!("{good}\n{line}")).unwrap();
        assert_eq!(shifted.text(), format!("text\n\n{line}"));
        assert!(matches!(shifted.verify(s.verifier_key()), Err(Error::SignatureInvalid { .. })));
    }

    #[test]
    fn signing_validates_the_text() {
        let s = signer("log");
        assert!(matches!(SignedNote::sign("no newline", &s), Err(Error::MalformedNote(_))));
        assert!(matches!(SignedNote::sign("bell\u{7}\n", &s), Err(Error::NoteEncoding)));
    }
}
