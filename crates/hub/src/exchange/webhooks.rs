//! Registration of a receiver's webhook endpoints. Delivery (signing, retries, giving up) is the job
//! worker's; here only the URL rules and the one-time display of the endpoint's secret.

use super::views::RegisteredWebhook;
use crate::audit::WithDigests;
use crate::auth::require;
use crate::{Hub, HubError, Result};
use ecert_domain::FieldErrorCode;
use ecert_domain::audit::EventType;
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::ids::WebhookId;
use ecert_store::Receipt;
use ecert_store::exchange::WebhookRecord;

pub const MAX_WEBHOOK_URL_LEN: usize = 2048;
pub const MAX_WEBHOOKS_PER_INSTITUTION: usize = 5;

/// Checks a webhook URL: absolute https (http only when allowed for demos and tests), a host, no user info
/// (credentials in a URL end up in logs), no fragment. Returns the normalised URL.
pub(super) fn check_webhook_url(input: &str, allow_insecure: bool) -> Result<String> {
    let invalid = |reason: &str| HubError::invalid("url", reason.to_owned());
    let input = input.trim();
    if input.is_empty() || input.len() > MAX_WEBHOOK_URL_LEN {
        return Err(HubError::invalid_with_code(
            "url",
            FieldErrorCode::for_length(input.len(), MAX_WEBHOOK_URL_LEN),
            format!("must be 1 to {MAX_WEBHOOK_URL_LEN} characters"),
        ));
    }
    let url = reqwest::Url::parse(input).map_err(|e| invalid(&format!("not a valid absolute URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        "http" => return Err(invalid("must use https")),
        _ => return Err(invalid("must be an https URL")),
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(invalid("must name a host"));
    }
    // The hub would POST from inside its own network: internal addresses are for demos and tests only.
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>();
    let internal = match literal {
        Ok(ip) => !crate::jobs::is_public_ip(ip),
        Err(_) => false,
    };
    if internal && !allow_insecure {
        return Err(invalid("must not be a private, loopback or link-local address"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not contain a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(invalid("must not contain a fragment"));
    }
    let normalised = url.to_string();
    if normalised.len() > MAX_WEBHOOK_URL_LEN {
        return Err(HubError::invalid_with_code(
            "url",
            FieldErrorCode::TooLong,
            format!("must be at most {MAX_WEBHOOK_URL_LEN} characters"),
        ));
    }
    Ok(normalised)
}

impl Hub {
    /// Registers an endpoint for the caller's notifications. The secret in the answer is shown this once.
    pub async fn register_webhook(&self, p: &Principal, url: &str) -> Result<RegisteredWebhook> {
        require(p, Permission::ReceiveDocuments)?;
        let url = check_webhook_url(url, self.exchange().settings.allow_insecure_webhooks)?;
        let existing = self.store().list_webhooks(p.institution).await?;
        if existing.iter().any(|w| w.url == url) {
            return Err(HubError::Conflict("this URL is already registered".into()));
        }
        if existing.len() >= MAX_WEBHOOKS_PER_INSTITUTION {
            return Err(HubError::Conflict(format!(
                "at most {MAX_WEBHOOKS_PER_INSTITUTION} webhooks per institution; remove one first"
            )));
        }
        let webhook = WebhookRecord { id: WebhookId::new(), institution: p.institution, url, created_at: self.now() };
        let event = self
            .event(p, EventType::WebhookRegistered, Some(p.institution), vec![format!("webhook:{}", webhook.id)])
            .after(&webhook);
        let receipt = self.store().insert_webhook(&webhook, &event).await?;
        let secret = self.webhook_secret(webhook.id);
        Ok(RegisteredWebhook { webhook, secret, receipt })
    }

    pub async fn list_webhooks(&self, p: &Principal) -> Result<Vec<WebhookRecord>> {
        require(p, Permission::ReceiveDocuments)?;
        Ok(self.store().list_webhooks(p.institution).await?)
    }

    pub async fn delete_webhook(&self, p: &Principal, id: WebhookId) -> Result<Receipt> {
        require(p, Permission::ReceiveDocuments)?;
        let webhook = self
            .store()
            .get_webhook(id)
            .await?
            .filter(|w| w.institution == p.institution)
            .ok_or(HubError::NotFound("webhook"))?;
        let event = self
            .event(p, EventType::WebhookRemoved, Some(p.institution), vec![format!("webhook:{id}")])
            .before(&webhook);
        Ok(self.store().delete_webhook(id, &event).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(input: &str, insecure: bool) -> String {
        match check_webhook_url(input, insecure) {
            Err(HubError::Invalid(e)) => e.to_string(),
            other => panic!("expected invalid for {input}, got {other:?}"),
        }
    }

    #[test]
    fn webhook_url_codes() {
        let code = |input: &str| match check_webhook_url(input, false) {
            Err(HubError::Invalid(e)) => e.0.iter().map(|f| f.code).collect::<Vec<_>>(),
            other => panic!("expected invalid for {input}, got {other:?}"),
        };
        assert_eq!(code(" "), [FieldErrorCode::Required]);
        assert_eq!(code(&format!("https://h.example/{}", "a".repeat(MAX_WEBHOOK_URL_LEN))), [FieldErrorCode::TooLong]);
        assert_eq!(code("http://hooks.example.uz/"), [FieldErrorCode::Invalid]);
    }

    #[test]
    fn webhook_urls() {
        assert_eq!(
            check_webhook_url(" https://hooks.example.uz/ecert ", false).unwrap(),
            "https://hooks.example.uz/ecert"
        );
        assert_eq!(check_webhook_url("http://127.0.0.1:8080/h", true).unwrap(), "http://127.0.0.1:8080/h");
        assert!(reason("http://hooks.example.uz/", false).contains("https"));
        assert!(reason("ftp://hooks.example.uz/", true).contains("https"));
        assert!(reason("hooks.example.uz/ecert", false).contains("absolute"));
        assert!(reason("https://user:pw@hooks.example.uz/", false).contains("user name"));
        assert!(reason("https://user@hooks.example.uz/", false).contains("user name"));
        assert!(reason("https://hooks.example.uz/#x", false).contains("fragment"));
        assert!(reason("", false).contains("characters"));
        assert!(
            reason(&format!("https://h.example/{}", "a".repeat(MAX_WEBHOOK_URL_LEN)), false).contains("characters")
        );
        assert!(reason("data:text/plain,hi", true).contains("https"));
        for internal in [
            "https://127.0.0.1/h",
            "https://10.1.2.3/h",
            "https://169.254.169.254/latest",
            "https://[::1]/h",
            "https://[fd00::1]/h",
            "https://[::ffff:192.168.1.1]/h",
            "https://100.64.0.1/h",
        ] {
            assert!(reason(internal, false).contains("private"), "{internal}");
            assert!(check_webhook_url(internal, true).is_ok(), "{internal}");
        }
        assert!(check_webhook_url("https://203.0.114.7/h", false).is_ok());
        assert!(check_webhook_url("https://[2a00:1450::1]/h", false).is_ok());
    }
}
