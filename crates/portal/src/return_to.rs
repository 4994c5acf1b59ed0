//! Where a user lands after signing in: the portal page they asked for when the login page interrupted them.
//!
//! The page travels as `?next=<path and query>` on the sign-in pages (and their form actions), so nothing is
//! stored server-side and two tabs signing in at once each keep their own. Because the value comes from a
//! link anyone can craft, only a same-site portal path is ever followed: anything that a browser could read
//! as another host (`//host`, `/\host`, `https://host`), climb out of `/portal/` (`..`, also percent-encoded),
//! or that is unusually long, is ignored and the user lands on the dashboard as before.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, Uri};
use std::convert::Infallible;

/// Where a signed-in user lands when no (usable) page was asked for.
pub const HOME: &str = "/portal/";

/// The query parameter that carries the page.
pub const PARAM: &str = "next";

/// The longest page (path and query, as sent) that is carried through the sign-in.
pub const MAX_LEN: usize = 1024;

/// A vetted portal page to return to after sign-in; empty when none was asked for (or it was refused).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnTo(Option<String>);

impl ReturnTo {
    /// `candidate` when it is a same-site portal page, else none. The dashboard itself counts as none, so
    /// links to the login page stay as short as before.
    pub fn parse(candidate: &str) -> Self {
        Self(Some(candidate).filter(|c| *c != HOME && is_portal_target(c)).map(str::to_owned))
    }

    /// The `next` parameter of a sign-in page's query.
    pub fn from_query(query: Option<&str>) -> Self {
        query
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == PARAM))
            .map(|(_, v)| Self::parse(&v))
            .unwrap_or_default()
    }

    /// The page a request asked for, to come back to after the login page. Only a `GET` (or `HEAD`) is a page
    /// to come back to: repeating a form's `POST` as a `GET` would not do what the user meant.
    pub fn requested(method: &Method, uri: &Uri) -> Self {
        if method != Method::GET && method != Method::HEAD {
            return Self::default();
        }
        match uri.query() {
            Some(query) => Self::parse(&format!("{}?{query}", uri.path())),
            None => Self::parse(uri.path()),
        }
    }

    /// The page asked for, if any.
    pub fn page(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Where to go once signed in.
    pub fn target(&self) -> &str {
        self.page().unwrap_or(HOME)
    }

    /// `?next=<page>` to append to a sign-in path (or form action), empty when there is no page.
    pub fn query(&self) -> String {
        match self.page() {
            Some(page) => {
                format!("?{}", form_urlencoded::Serializer::new(String::new()).append_pair(PARAM, page).finish())
            }
            None => String::new(),
        }
    }

    /// `path` (a sign-in step without a query of its own) carrying the page.
    pub fn on(&self, path: &str) -> String {
        format!("{path}{}", self.query())
    }
}

/// The `next` of the request's query (for the sign-in pages themselves). Never fails: a bad value is no value.
impl<S: Send + Sync> FromRequestParts<S> for ReturnTo {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_query(parts.uri.query()))
    }
}

/// Whether `target` (a path with an optional query, as it would go into `Location`) stays on this site and
/// under `/portal/`, whichever way a browser resolves it.
pub(crate) fn is_portal_target(target: &str) -> bool {
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    target.len() <= MAX_LEN
        && target.bytes().all(is_uri_byte)
        // Not even in the query: no portal link has one, and a value that looks like a host is never needed.
        && !target.contains("//")
        && is_portal_path(path)
}

/// Whether `path` is a plain portal path: under `/portal/`, with no segment a browser would resolve as `.` or
/// `..` (those are also recognised percent-encoded).
pub(crate) fn is_portal_path(path: &str) -> bool {
    // `//` starts another host (or makes an ambiguous path), and browsers read `\` as `/`.
    path.starts_with(HOME)
        && !path.contains("//")
        && !path.contains('\\')
        && path.split('/').all(|segment| {
            let segment = segment.to_ascii_lowercase().replace("%2e", ".");
            segment != "." && segment != ".."
        })
}

/// The characters a URI may carry unencoded (RFC 3986 unreserved and reserved, and `%` of an escape). Leaves
/// out `\`, spaces, controls, quotes and angle brackets.
fn is_uri_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_pages_are_carried() {
        for page in [
            "/portal/inbox",
            "/portal/inbox?status=DELIVERED&hs_prefix=8471.30&after=12_ab",
            "/portal/inbox/0199a1b2-0000-7000-8000-000000000000",
            "/portal/documents/new",
            "/portal/users?institution=0199a1b2-0000-7000-8000-000000000000",
        ] {
            assert_eq!(ReturnTo::parse(page).target(), page);
        }
        assert_eq!(ReturnTo::parse(HOME), ReturnTo::default(), "the dashboard is the default anyway");
        assert_eq!(ReturnTo::default().target(), HOME);
    }

    #[test]
    fn anything_that_could_leave_the_portal_is_ignored() {
        let long = format!("/portal/inbox?hs_prefix={}", "8".repeat(MAX_LEN));
        for hostile in [
            "",
            "//evil.example",
            "//evil.example/portal/",
            "https://evil.example",
            "https://evil.example/portal/",
            "http:/portal/",
            "javascript:alert(1)",
            "/\\evil.example",
            "/portal/\\evil.example",
            "/portal\\..\\x",
            "/portal//evil.example",
            "/portal/../x",
            "/portal/inbox/../../x",
            "/portal/%2e%2e/x",
            "/portal/%2E./x",
            "/portal/./inbox",
            "/portal",
            "/portalx/",
            "portal/inbox",
            "/x/portal/",
            "/portal/inbox\r\nSet-Cookie: a=b",
            "/portal/in box",
            "/portal/\"><script>",
            "/portal/инбокс",
            "/portal/inbox?next=//evil.example",
            long.as_str(),
        ] {
            assert_eq!(ReturnTo::parse(hostile), ReturnTo::default(), "{hostile:?}");
            assert_eq!(ReturnTo::parse(hostile).target(), HOME, "{hostile:?}");
        }
        // A dot inside a segment is an ordinary character, not a climb.
        assert_eq!(ReturnTo::parse("/portal/inbox/KZ..1").target(), "/portal/inbox/KZ..1");
    }

    #[test]
    fn the_page_travels_encoded_in_the_query() {
        let page = "/portal/inbox?status=DELIVERED&hs_prefix=84";
        let next = ReturnTo::parse(page);
        assert_eq!(next.query(), "?next=%2Fportal%2Finbox%3Fstatus%3DDELIVERED%26hs_prefix%3D84");
        assert_eq!(next.on("/portal/login/totp"), format!("/portal/login/totp{}", next.query()));
        assert_eq!(ReturnTo::from_query(Some(&next.query()[1..])), next, "read back as written");
        assert_eq!(ReturnTo::from_query(Some("lang=ru&next=%2F%2Fevil.example")), ReturnTo::default());
        assert_eq!(ReturnTo::from_query(None), ReturnTo::default());
        assert_eq!(ReturnTo::default().query(), "");
        assert_eq!(ReturnTo::default().on("/portal/login"), "/portal/login");
    }

    #[test]
    fn only_a_page_that_was_read_is_returned_to() {
        let uri: Uri = "/portal/inbox?status=DELIVERED".parse().unwrap();
        assert_eq!(ReturnTo::requested(&Method::GET, &uri).target(), "/portal/inbox?status=DELIVERED");
        assert_eq!(ReturnTo::requested(&Method::HEAD, &uri).target(), "/portal/inbox?status=DELIVERED");
        assert_eq!(ReturnTo::requested(&Method::POST, &uri), ReturnTo::default());
        let uri: Uri = "/portal/".parse().unwrap();
        assert_eq!(ReturnTo::requested(&Method::GET, &uri), ReturnTo::default());
    }
}
