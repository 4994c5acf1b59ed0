//! [`Viewer`]: the signed-in user of a page. Taking it as a handler argument is the whole access check for
//! "signed in with both factors"; role and tenant checks stay in the hub, which every handler calls with
//! `viewer.principal()`.

use crate::i18n::Lang;
use crate::page::{Ctx, NavUser, ctx_of_parts, navigation, see_other};
use crate::return_to::ReturnTo;
use crate::security::{SESSION_COOKIE, cookie, set_cookie};
use crate::state::PortalState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use ecert_domain::auth::Principal;
use ecert_domain::institution::Role;
use ecert_hub::HubError;
use ecert_hub::users::{LoginFailure, PortalSession, SessionStage};

/// The signed-in user (password and second factor done) with the request's language and CSRF token.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: PortalSession,
    pub lang: Lang,
    /// The value of every form's hidden `csrf` field.
    pub csrf: String,
    ctx: Ctx,
}

impl Viewer {
    pub fn principal(&self) -> &Principal {
        &self.session.principal
    }

    /// Whether the user acts with `role` now (a role the institution no longer holds does not count).
    pub fn has_role(&self, role: Role) -> bool {
        self.session.principal.roles.contains(&role)
    }

    /// A fresh page context: language, CSRF token, navigation for the user's roles, and any `?notice=` /
    /// `?error=` flash of the request. Put it in the template as `ctx`.
    pub fn ctx(&self) -> Ctx {
        self.ctx.clone()
    }

    /// The page for a hub error: the translated messages in `div#flash`, with the matching status.
    pub fn fail(&self, err: &HubError) -> Response {
        crate::pages::error_page(self.ctx(), err)
    }

    /// A fresh page context carrying `err`'s messages, and the status to show the page again with (a form the
    /// hub refused, re-rendered as it was sent).
    pub fn refusal(&self, err: &HubError) -> (Ctx, StatusCode) {
        let mut ctx = self.ctx();
        let status = crate::errors::flash_error(&mut ctx, err);
        (ctx, status)
    }
}

/// The login page, with the session cookie removed and, when given, a flash message (`flash-<name>`) and the
/// page to land on once signed in.
pub fn to_login(flash_error: Option<&str>, next: &ReturnTo) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(name) = flash_error {
        query.append_pair("error", name);
    }
    if let Some(page) = next.page() {
        query.append_pair(crate::return_to::PARAM, page);
    }
    let query = query.finish();
    let location = if query.is_empty() { "/portal/login".to_owned() } else { format!("/portal/login?{query}") };
    let mut response = see_other(&location);
    if let Some(v) = set_cookie(SESSION_COOKIE, "", Some(0)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The session token the browser sent, if any.
pub fn session_cookie(parts_headers: &axum::http::HeaderMap) -> Option<&str> {
    cookie(parts_headers, SESSION_COOKIE).filter(|t| !t.is_empty())
}

/// Looks the session up; `Err` is the response for a session that cannot be used (login page, carrying `next`,
/// or error page).
pub(crate) async fn load_session(
    parts: &Parts,
    state: &PortalState,
    next: &ReturnTo,
) -> Result<PortalSession, Response> {
    let Some(token) = session_cookie(&parts.headers) else { return Err(to_login(None, next)) };
    match state.hub.portal_session(token).await {
        Ok(session) => Ok(session),
        Err(HubError::Login(LoginFailure::SessionExpired)) => Err(to_login(Some("session-expired"), next)),
        Err(HubError::Login(LoginFailure::Disabled)) => Err(to_login(Some("account-disabled"), next)),
        Err(e) => Err(crate::pages::error_page(ctx_of_parts(parts, state), &e)),
    }
}

impl FromRequestParts<PortalState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &PortalState) -> Result<Self, Self::Rejection> {
        // The page asked for, to land on once the sign-in the redirects below lead to is done.
        let next = ReturnTo::requested(&parts.method, &parts.uri);
        let session = load_session(parts, state, &next).await?;
        if session.stage != SessionStage::Authenticated {
            return Err(see_other(&crate::pages::auth::continue_at(session.stage, &next)));
        }
        let mut ctx = ctx_of_parts(parts, state);
        ctx.user = Some(NavUser {
            display_name: session.user.display_name.clone(),
            nav: navigation(&session.principal.roles, parts.uri.path()),
        });
        Ok(Viewer { lang: ctx.lang.clone(), csrf: ctx.csrf.clone(), session, ctx })
    }
}
