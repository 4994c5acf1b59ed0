//! Webhook signing: the per-endpoint secret, the `Ecert-Signature` header the hub sends, and the check a
//! receiver runs on it.
//!
//! The header is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." || body)>`. The HMAC key is the whole
//! secret string as shown at registration (`whsec_...`), so a receiver pastes it as is. Binding the timestamp
//! into the MAC lets a receiver refuse replays of an old, validly signed notification.

use crate::Hub;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ecert_domain::ids::WebhookId;
use std::time::Duration;

/// Prefix of every webhook secret, so a leaked one is recognisable (secret scanners, logs).
pub const SECRET_PREFIX: &str = "whsec_";

/// The HTTP header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Ecert-Signature";

/// How far a notification's timestamp may be from the receiver's clock, by default.
pub const DEFAULT_SIGNATURE_TOLERANCE: Duration = Duration::from_secs(300);

/// A header longer than this is refused before parsing (several `v1` entries during a key rotation fit easily).
pub const MAX_SIGNATURE_HEADER_LEN: usize = 1024;

/// At most this many `v1` signatures are tried.
const MAX_SIGNATURES: usize = 4;

/// Why a notification's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("malformed signature header: {0}")]
    Malformed(&'static str),
    /// Too old (a replay) or too far in the future (a skewed or forged clock).
    #[error("the signature timestamp {timestamp} is more than {tolerance_secs} s from now ({now})")]
    OutsideTolerance { timestamp: i64, now: i64, tolerance_secs: u64 },
    #[error("no signature matches the body")]
    Mismatch,
}

impl Hub {
    /// The HMAC secret of webhook endpoint `id`: derived from the hub's webhook key, never stored, so it can be
    /// shown once at registration and recomputed for every delivery.
    pub fn webhook_secret(&self, id: WebhookId) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.exchange().webhook_key.0);
        let tag = hmac::sign(&key, id.0.as_bytes());
        format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }
}

fn signed_message(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let prefix = format!("{timestamp}.");
    let mut message = Vec::with_capacity(prefix.len() + body.len());
    message.extend_from_slice(prefix.as_bytes());
    message.extend_from_slice(body);
    message
}

/// The `Ecert-Signature` header value for `body` sent at `timestamp` (unix seconds).
pub fn sign_notification(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, &signed_message(timestamp, body));
    format!("t={timestamp},v1={}", hex::encode(tag.as_ref()))
}

/// Checks a received notification: the header must be well formed, its timestamp within `tolerance` of `now`
/// (unix seconds) either way, and one of its `v1` signatures must match (compared in constant time). Unknown
/// `key=value` entries are ignored, so the hub can add schemes later without breaking receivers.
pub fn verify_notification_signature(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    if header.len() > MAX_SIGNATURE_HEADER_LEN {
        return Err(SignatureError::Malformed("too long"));
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (name, value) = part.trim().split_once('=').ok_or(SignatureError::Malformed("expected key=value pairs"))?;
        match name {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed("more than one timestamp"));
                }
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SignatureError::Malformed("the timestamp must be unix seconds"));
                }
                timestamp =
                    Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed("timestamp out of range"))?);
            }
            "v1" => {
                if signatures.len() == MAX_SIGNATURES {
                    return Err(SignatureError::Malformed("too many signatures"));
                }
                let tag = hex::decode(value).map_err(|_| SignatureError::Malformed("a v1 signature is not hex"))?;
                if tag.len() != hmac::HMAC_SHA256.digest_algorithm().output_len {
                    return Err(SignatureError::Malformed("a v1 signature is not 32 bytes"));
                }
                signatures.push(tag);
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed("no timestamp"))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no v1 signature"));
    }
    let tolerance_secs = tolerance.as_secs();
    if now.abs_diff(timestamp) > tolerance_secs {
        return Err(SignatureError::OutsideTolerance { timestamp, now, tolerance_secs });
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let message = signed_message(timestamp, body);
    // `hmac::verify` compares in constant time; every entry is tried, so timing does not reveal which matched.
    let matched = signatures.iter().fold(false, |found, tag| hmac::verify(&key, &message, tag).is_ok() | found);
    if matched { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const NOW: i64 = 1_780_000_000;
    const TOLERANCE: Duration = DEFAULT_SIGNATURE_TOLERANCE;

    #[test]
    fn a_signature_verifies_and_binds_body_timestamp_and_secret() {
        let header = sign_notification(SECRET, NOW, b"{\"id\":1}");
        assert!(header.starts_with(&format!("t={NOW},v1=")));
        assert_eq!(header.len(), format!("t={NOW},v1=").len() + 64);
        assert_eq!(verify_notification_signature(SECRET, &header, b"{\"id\":1}", NOW + 10, TOLERANCE), Ok(()));
        assert_eq!(
            verify_notification_signature(SECRET, &header, b"{\"id\":2}", NOW, TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_notification_signature("whsec_other", &header, b"{\"id\":1}", NOW, TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        // Moving the signature to another timestamp breaks it.
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(
            verify_notification_signature(SECRET, &moved, b"{\"id\":1}", NOW, TOLERANCE),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn known_answer() {
        // Computed independently: python3 hmac.new(b"whsec_test", b"1780000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            sign_notification(SECRET, NOW, b"{}"),
            "t=1780000000,v1=b609026af9e57aacaa80bc40f33504841d55b898bf7a94ef9c45d964ea2171a4"
        );
    }

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        let header = sign_notification(SECRET, NOW, b"x");
        let limit = TOLERANCE.as_secs() as i64;
        assert_eq!(verify_notification_signature(SECRET, &header, b"x", NOW + limit, TOLERANCE), Ok(()));
        assert_eq!(
            verify_notification_signature(SECRET, &header, b"x", NOW + limit + 1, TOLERANCE),
            Err(SignatureError::OutsideTolerance { timestamp: NOW, now: NOW + limit + 1, tolerance_secs: 300 })
        );
        assert!(matches!(
            verify_notification_signature(SECRET, &header, b"x", NOW - limit - 1, TOLERANCE),
            Err(SignatureError::OutsideTolerance { .. })
        ));
    }

    #[test]
    fn any_of_several_signatures_may_match_and_unknown_schemes_are_ignored() {
        let good = sign_notification(SECRET, NOW, b"x");
        let v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={NOW}, v0=abc, v1={}, v1={v1}", "00".repeat(32));
        assert_eq!(verify_notification_signature(SECRET, &header, b"x", NOW, TOLERANCE), Ok(()));
    }

    #[test]
    fn malformed_headers_are_refused() {
        let sig = "ab".repeat(32);
        let cases = [
            ("", "expected key=value pairs"),
            ("garbage", "expected key=value pairs"),
            (&format!("v1={sig}") as &str, "no timestamp"),
            (&format!("t={NOW}"), "no v1 signature"),
            (&format!("t=-5,v1={sig}"), "the timestamp must be unix seconds"),
            (&format!("t=,v1={sig}"), "the timestamp must be unix seconds"),
            (&format!("t=99999999999999999999,v1={sig}"), "timestamp out of range"),
            (&format!("t={NOW},t={NOW},v1={sig}"), "more than one timestamp"),
            (&format!("t={NOW},v1=zz"), "a v1 signature is not hex"),
            (&format!("t={NOW},v1=abcd"), "a v1 signature is not 32 bytes"),
            (&format!("t={NOW}{}", format!(",v1={sig}").repeat(5)), "too many signatures"),
            (&format!("t={NOW},v1={sig},x={}", "y".repeat(MAX_SIGNATURE_HEADER_LEN)), "too long"),
        ];
        for (header, reason) in cases {
            assert_eq!(
                verify_notification_signature(SECRET, header, b"x", NOW, TOLERANCE),
                Err(SignatureError::Malformed(reason)),
                "{header}"
            );
        }
    }
}
