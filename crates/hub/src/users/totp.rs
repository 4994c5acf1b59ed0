//! TOTP (RFC 6238): HOTP (RFC 4226) over the 30-second time step, HMAC-SHA-1, 6 digits, as every authenticator
//! app implements it. Public so tests (and the browser tests) can compute the codes a user's app would show.

use aws_lc_rs::hmac;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps accepted on either side of the current one, for clock drift and typing time.
pub const WINDOW: i64 = 1;
/// Bytes of a new secret (160 bits, the size RFC 4226 recommends for SHA-1).
pub const SECRET_BYTES: usize = 20;
pub const ISSUER: &str = "ecert";

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The time step of `at` (step 0 starts at the Unix epoch).
pub fn step_at(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// The HOTP value of `counter` with `digits` digits (RFC 4226 section 5.3: dynamic truncation).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    // SHA-1 tags are 20 bytes, so the offset (at most 15) plus 4 always fits; the fallbacks only keep this
    // function total.
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let word = mac.get(offset..offset + 4).and_then(|w| <[u8; 4]>::try_from(w).ok()).unwrap_or([0; 4]);
    let binary = u32::from_be_bytes(word) & 0x7fff_ffff;
    binary % 10u32.pow(digits.min(9))
}

/// The code an authenticator shows for `step`, zero padded to `digits`.
pub fn code_for_step(secret: &[u8], step: i64, digits: u32) -> String {
    // Steps before the epoch do not occur; clamping keeps the function total.
    let counter = u64::try_from(step).unwrap_or(0);
    format!("{:0width$}", hotp(secret, counter, digits), width = digits as usize)
}

/// The 6-digit code for the time `at`.
pub fn code_at(secret: &[u8], at: OffsetDateTime) -> String {
    code_for_step(secret, step_at(at), DIGITS)
}

/// Longest code input looked at (a recovery code with separators is well under it).
const MAX_CODE_INPUT: usize = 64;

/// A code as the user typed it, ready to check: whitespace removed (authenticator apps show `123 456`), bounded.
pub fn typed_code(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace()).take(MAX_CODE_INPUT).collect()
}

/// Whether `code` looks like a TOTP code (exactly six ASCII digits) rather than a recovery code.
pub fn is_totp_code(code: &str) -> bool {
    code.len() == DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit())
}

/// The step within the window around `now` whose code is `code`, comparing in constant time. When several
/// match (possible, never likely), the latest, so a replay check against it is the strictest.
pub(crate) fn matching_step(secret: &[u8], code: &str, now: OffsetDateTime) -> Option<i64> {
    if !is_totp_code(code) {
        return None;
    }
    let current = step_at(now);
    let mut found = None;
    for step in current - WINDOW..=current + WINDOW {
        let expected = code_for_step(secret, step, DIGITS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = Some(step);
        }
    }
    found
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret typed by hand.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32_ALPHABET[((buffer >> bits) & 31) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case-insensitive, padding and spaces ignored); `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let c = u8::try_from(c.to_ascii_uppercase()).ok()?;
        let value = BASE32_ALPHABET.iter().position(|&a| a == c)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app reads from the QR code (Key Uri Format).
pub fn otpauth_uri(username: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{issuer}:{label}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}\
         &period={STEP_SECONDS}",
        issuer = ISSUER,
        label = percent_encode(username),
        secret = base32_encode(secret),
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_lose_their_spaces_and_are_bounded() {
        assert_eq!(typed_code(" 123 456\t"), "123456");
        assert_eq!(typed_code(&"9".repeat(1000)).len(), 64);
    }

    /// RFC 6238 appendix B, the SHA-1 rows: the seed is the ASCII string "12345678901234567890", 8 digits.
    #[test]
    fn rfc6238_appendix_b_vectors() {
        let seed = b"12345678901234567890";
        let vectors: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (unix, expected) in vectors {
            let at = OffsetDateTime::from_unix_timestamp(unix).unwrap();
            assert_eq!(code_for_step(seed, step_at(at), 8), expected, "T = {unix}");
        }
        // The 6-digit code is the last six digits of the same truncation.
        assert_eq!(code_at(seed, OffsetDateTime::from_unix_timestamp(59).unwrap()), "287082");
    }

    /// RFC 4226 appendix D: HOTP values for counters 0 and 9.
    #[test]
    fn rfc4226_hotp_vectors() {
        assert_eq!(hotp(b"12345678901234567890", 0, 6), 755_224);
        assert_eq!(hotp(b"12345678901234567890", 9, 6), 520_489);
    }

    #[test]
    fn the_window_accepts_one_step_either_side_only() {
        let secret = b"12345678901234567890";
        let now = OffsetDateTime::from_unix_timestamp(1_111_111_111).unwrap();
        let step = step_at(now);
        for offset in -1..=1 {
            let code = code_for_step(secret, step + offset, DIGITS);
            assert_eq!(matching_step(secret, &code, now), Some(step + offset));
        }
        for offset in [-2, 2] {
            let code = code_for_step(secret, step + offset, DIGITS);
            assert_eq!(matching_step(secret, &code, now), None, "offset {offset}");
        }
        assert_eq!(matching_step(secret, "12345", now), None);
        assert_eq!(matching_step(secret, "12345a", now), None);
        assert_eq!(matching_step(secret, "１２３４５６", now), None, "only ASCII digits");
    }

    #[test]
    fn base32_round_trips_and_matches_rfc4648() {
        assert_eq!(base32_encode(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b""), "");
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        assert_eq!(base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(), b"12345678901234567890");
        assert!(base32_decode("MZ1W").is_none());
        assert!(base32_decode("MZЖW").is_none());
    }

    #[test]
    fn the_uri_names_issuer_and_account() {
        let uri = otpauth_uri("lab.admin@example.kz", b"12345678901234567890");
        assert_eq!(
            uri,
            "otpauth://totp/ecert:lab.admin%40example.kz?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ecert\
             &algorithm=SHA1&digits=6&period=30"
        );
    }
}
