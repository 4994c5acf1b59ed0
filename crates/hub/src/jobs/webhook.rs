//! The webhook client: builds a notification's JSON body, signs it, and POSTs it to one endpoint.
//!
//! Nothing of the endpoint's answer is kept beyond its status code: a receiver's error page may hold anything,
//! and the failure reason is shown to the issuer too.

use super::secret::{SIGNATURE_HEADER, sign_notification};
use crate::{HubError, Result};
use ecert_domain::document::DocumentStatus;
use ecert_domain::ids::{DocumentId, ExchangeId, JobId};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

use super::kinds::NotificationType;

/// The header carrying the notification id, stable across retries, so receivers can drop duplicates
/// (delivery is at least once).
pub const NOTIFICATION_ID_HEADER: &str = "Ecert-Notification-Id";

/// Longest failure reason kept on the exchange.
const MAX_REASON_LEN: usize = 200;

/// The JSON body of a notification. It carries ids and the document status only: the receiver fetches the
/// rest with its own credentials, so a leaked notification reveals nothing of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The notification id (the job's id).
    pub id: JobId,
    #[serde(rename = "type")]
    pub notification_type: NotificationType,
    pub exchange: ExchangeId,
    pub document: DocumentId,
    pub document_status: DocumentStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
}

/// How one POST went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The endpoint answered 2xx.
    Delivered,
    /// Anything else. `permanent` when retrying cannot help (the URL is unusable), so the retries are skipped.
    Failed { reason: String, permanent: bool },
}

/// One HTTP client per worker: connection pools and TLS set-up are shared by its deliveries.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    allow_insecure: bool,
}

impl WebhookClient {
    /// `timeout` bounds each whole request; redirects are not followed (a signed notification must reach the
    /// registered URL or fail, never be forwarded elsewhere). Unless `allow_insecure` (demos and tests), only
    /// https and public addresses are reached: the hub posts from inside its own network, so a receiver's URL
    /// must not become a way into it, whatever its name resolves to at delivery time.
    pub fn new(timeout: Duration, allow_insecure: bool) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ecert-hub/", env!("CARGO_PKG_VERSION")));
        if !allow_insecure {
            builder = builder.dns_resolver(Arc::new(PublicAddressesOnly));
        }
        let http = builder.build().map_err(|e| HubError::Internal(format!("webhook HTTP client: {e}")))?;
        Ok(Self { http, allow_insecure })
    }

    /// Signs `notification` with `secret` at `now` and POSTs it to `url`.
    pub async fn deliver(
        &self,
        url: &str,
        secret: &str,
        notification: &Notification,
        now: OffsetDateTime,
    ) -> DeliveryOutcome {
        let permanent = |reason: &str| DeliveryOutcome::Failed { reason: reason.to_owned(), permanent: true };
        let Ok(parsed) = reqwest::Url::parse(url) else {
            return permanent("the webhook URL is not a valid URL");
        };
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_insecure => {}
            _ => return permanent("the webhook URL must use https"),
        }
        // Names are checked by the resolver; a literal address is checked here.
        let host = parsed.host_str().unwrap_or_default();
        let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        if literal.is_some_and(|ip| !self.allow_insecure && !is_public_ip(ip)) {
            return permanent("the webhook URL points to an internal address");
        }
        let body = match serde_json::to_vec(notification) {
            Ok(body) => body,
            Err(e) => return permanent(&format!("could not encode the notification: {e}")),
        };
        let signature = sign_notification(secret, now.unix_timestamp(), &body);
        let sent = self
            .http
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(NOTIFICATION_ID_HEADER, notification.id.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => DeliveryOutcome::Delivered,
            Ok(response) => {
                let status = response.status();
                let reason = match status.canonical_reason() {
                    Some(text) => format!("HTTP {} {text}", status.as_u16()),
                    None => format!("HTTP {}", status.as_u16()),
                };
                DeliveryOutcome::Failed { reason, permanent: false }
            }
            Err(e) => DeliveryOutcome::Failed { reason: error_kind(&e), permanent: false },
        }
    }
}

/// Whether `ip` is reachable on the public internet, as far as the address alone tells: not private,
/// loopback, link-local, carrier-grade NAT, unique-local, multicast, documentation or unspecified.
pub(crate) fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            !(ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_documentation()
                || ip.is_multicast()
                // 0.0.0.0/8 "this network", 100.64.0.0/10 carrier-grade NAT
                || a == 0
                || (a == 100 && (b & 0xc0) == 64))
        }
        IpAddr::V6(ip) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return is_public_ip(IpAddr::V4(v4));
            }
            let first = ip.segments()[0];
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local, 2001:db8::/32 documentation
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && ip.segments()[1] == 0x0db8))
        }
    }
}

/// Resolves with the system resolver and keeps only public addresses, so a name that points (or is
/// re-pointed, DNS rebinding) at an internal address fails instead of reaching it.
struct PublicAddressesOnly;

impl reqwest::dns::Resolve for PublicAddressesOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| is_public_ip(a.ip())).collect();
            if public.is_empty() {
                return Err("the host name resolves to no public address".into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// A short, secret-free description of a transport failure. reqwest's own message names the URL (which may
/// carry a token in its query), so only the kind and the innermost cause are kept.
fn error_kind(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirect refused"
    } else if e.is_body() || e.is_decode() {
        "response body error"
    } else {
        "request failed"
    };
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let detail = cause.to_string();
    let reason = if std::ptr::addr_eq(cause, e as &dyn std::error::Error) || detail.contains("://") {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    };
    truncate(&reason, MAX_REASON_LEN)
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification() -> Notification {
        Notification {
            id: JobId::new(),
            notification_type: NotificationType::DocumentReceived,
            exchange: ExchangeId::new(),
            document: DocumentId::new(),
            document_status: DocumentStatus::Valid,
            occurred_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_body_has_the_documented_shape() {
        let n = notification();
        let json: serde_json::Value = serde_json::to_value(&n).unwrap();
        assert_eq!(json["id"], n.id.to_string());
        assert_eq!(json["type"], "document_received");
        assert_eq!(json["exchange"], n.exchange.to_string());
        assert_eq!(json["document"], n.document.to_string());
        assert_eq!(json["document_status"], "VALID");
        assert_eq!(json["occurred_at"], "1970-01-01T00:00:00Z");
        assert_eq!(json.as_object().unwrap().len(), 6);
    }

    #[tokio::test]
    async fn unusable_urls_fail_permanently_without_a_request() {
        let strict = WebhookClient::new(Duration::from_secs(1), false).unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        let n = notification();
        for (url, reason) in [
            ("http://127.0.0.1:9/hook", "the webhook URL must use https"),
            ("ftp://example.org/hook", "the webhook URL must use https"),
            ("not a url", "the webhook URL is not a valid URL"),
        ] {
            assert_eq!(
                strict.deliver(url, "whsec_x", &n, now).await,
                DeliveryOutcome::Failed { reason: reason.into(), permanent: true },
                "{url}"
            );
        }
        let lax = WebhookClient::new(Duration::from_secs(1), true).unwrap();
        assert!(matches!(
            lax.deliver("ftp://example.org/hook", "whsec_x", &n, now).await,
            DeliveryOutcome::Failed { permanent: true, .. }
        ));
    }

    #[test]
    fn public_addresses() {
        for public in ["8.8.8.8", "100.128.0.1", "2a00:1450::1", "::ffff:8.8.8.8"] {
            assert!(is_public_ip(public.parse().unwrap()), "{public}");
        }
        for internal in [
            "10.0.0.1",
            "172.16.5.5",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public_ip(internal.parse().unwrap()), "{internal}");
        }
    }

    #[tokio::test]
    async fn internal_addresses_are_refused_unless_insecure_is_allowed() {
        let strict = WebhookClient::new(Duration::from_secs(2), false).unwrap();
        let n = notification();
        let now = OffsetDateTime::UNIX_EPOCH;
        for url in ["https://127.0.0.1/hook", "https://[::1]:8443/hook", "https://169.254.169.254/latest"] {
            assert_eq!(
                strict.deliver(url, "whsec_x", &n, now).await,
                DeliveryOutcome::Failed {
                    reason: "the webhook URL points to an internal address".into(),
                    permanent: true
                },
                "{url}"
            );
        }
        // A name is checked after resolution: localhost resolves to loopback only.
        match strict.deliver("https://localhost:9/hook", "whsec_x", &n, now).await {
            DeliveryOutcome::Failed { reason, permanent: false } => {
                assert!(reason.contains("no public address"), "{reason}")
            }
            other => panic!("expected the resolver to refuse localhost, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_transient_failure_without_the_url() {
        // Bind then drop a listener, so the port is (almost certainly) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let client = WebhookClient::new(Duration::from_secs(2), true).unwrap();
        let url = format!("http://127.0.0.1:{port}/hook?token=secret-token");
        match client.deliver(&url, "whsec_x", &notification(), OffsetDateTime::UNIX_EPOCH).await {
            DeliveryOutcome::Failed { reason, permanent: false } => {
                assert!(reason.starts_with("could not connect"), "{reason}");
                assert!(!reason.contains("secret-token") && !reason.contains("127.0.0.1"), "{reason}");
                assert!(reason.chars().count() <= MAX_REASON_LEN);
            }
            other => panic!("expected a transient failure, got {other:?}"),
        }
    }

    #[test]
    fn reasons_are_truncated_and_free_of_control_characters() {
        assert_eq!(truncate("a\nb\u{7}c", 10), "abc");
        assert_eq!(truncate(&"x".repeat(500), MAX_REASON_LEN).len(), MAX_REASON_LEN);
    }
}
