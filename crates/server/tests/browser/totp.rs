//! RFC 6238 TOTP (HMAC-SHA-1, 30 s steps, 6 digits), computed independently of the hub so the tests check the
//! hub's implementation against the RFC rather than against itself.

use aws_lc_rs::hmac;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const STEP_SECONDS: u64 = 30;

/// Decodes RFC 4648 base32 as a person may copy it from the enrolment page: case, spaces and padding ignored.
pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=' && *c != '-') {
        let upper = c.to_ascii_uppercase() as u8;
        let value =
            ALPHABET.iter().position(|a| *a == upper).unwrap_or_else(|| panic!("not base32: {c:?} in {text:?}"));
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// HOTP (RFC 4226) with dynamic truncation to `digits` decimal digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &counter.to_be_bytes());
    let mac = mac.as_ref();
    let offset = (mac[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
    format!("{:0width$}", value % 10u32.pow(digits), width = digits as usize)
}

/// The time step a Unix time falls in.
pub fn step_at(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

pub fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A user's authenticator: the secret shown at enrolment, and the last step it gave a code for, so the next code
/// is always from a later step (the hub refuses a step it has already accepted).
pub struct Authenticator {
    secret: Vec<u8>,
    last_step: Option<u64>,
}

impl Authenticator {
    pub fn from_base32(secret: &str) -> Self {
        let secret = base32_decode(secret);
        assert!(secret.len() >= 16, "a TOTP secret of {} bytes is too short", secret.len());
        Self { secret, last_step: None }
    }

    /// A code for the current step, waiting for the next step when the current one was already used.
    pub async fn fresh_code(&mut self) -> String {
        loop {
            let now = now_unix();
            let step = step_at(now);
            if self.last_step.is_none_or(|last| step > last) {
                self.last_step = Some(step);
                return hotp(&self.secret, step, 6);
            }
            let next = (step + 1) * STEP_SECONDS;
            tokio::time::sleep(Duration::from_secs(next - now) + Duration::from_millis(200)).await;
        }
    }

    /// The code given last, to try a replay.
    pub fn last_code(&self) -> String {
        hotp(&self.secret, self.last_step.expect("no code was given yet"), 6)
    }

    /// A well-formed code the hub must refuse: from a step far outside the accepted window.
    pub fn wrong_code(&self) -> String {
        let step = step_at(now_unix());
        let mut offset = 1000;
        loop {
            let candidate = hotp(&self.secret, step - offset, 6);
            let near: Vec<String> = (step - 2..=step + 2).map(|s| hotp(&self.secret, s, 6)).collect();
            if !near.contains(&candidate) {
                return candidate;
            }
            offset += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows: the seed is the ASCII "12345678901234567890", 8 digits.
    #[test]
    fn rfc6238_sha1_vectors() {
        let seed = b"12345678901234567890";
        for (time, expected) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(seed, step_at(time), 8), expected, "T = {time}");
        }
        // Six digits are the last six of the same truncated value.
        assert_eq!(hotp(seed, step_at(59), 6), "287082");
    }

    /// RFC 4648 section 10 vectors, plus the spacing and case a copied secret may have.
    #[test]
    fn base32_decodes_rfc4648_vectors() {
        for (encoded, plain) in [
            ("", ""),
            ("MY======", "f"),
            ("MZXQ====", "fo"),
            ("MZXW6===", "foo"),
            ("MZXW6YQ=", "foob"),
            ("MZXW6YTB", "fooba"),
            ("MZXW6YTBOI======", "foobar"),
        ] {
            assert_eq!(base32_decode(encoded), plain.as_bytes(), "{encoded}");
        }
        assert_eq!(base32_decode("mzxw 6ytb oi"), b"foobar");
        // The RFC 6238 seed in base32, as an authenticator app would be given it.
        assert_eq!(base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), b"12345678901234567890");
    }
}
