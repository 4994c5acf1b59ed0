//! Sign-in in two steps (password, then a TOTP or recovery code), TOTP enrolment with a QR code and recovery
//! codes, and logout. The session token lives only in the `__Host-ecert_session` cookie; the hub rotates it at
//! each completed step, and the cookie follows. The page the user asked for before signing in rides along as
//! `?next=` on every step ([`ReturnTo`]) and is where the last step lands.

use crate::csrf::CsrfForm;
use crate::errors;
use crate::key;
use crate::page::{Ctx, render, see_other};
use crate::return_to::ReturnTo;
use crate::security::{SESSION_COOKIE, set_cookie};
use crate::state::PortalState;
use crate::viewer::{session_cookie, to_login};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use ecert_hub::HubError;
use ecert_hub::users::{LoginFailure, PortalSession, SessionStage, SessionToken};
use serde::Deserialize;

/// The longest username and password the form passes on (the hub's own limits are lower; this only keeps
/// absurd inputs away from the password hash).
const MAX_CREDENTIAL_CHARS: usize = 256;

pub(crate) fn routes() -> Router<PortalState> {
    Router::new()
        .route("/portal/login", get(login_page).post(login))
        .route("/portal/login/totp", get(second_factor_page).post(second_factor))
        .route("/portal/totp/enrol", get(enrol_page).post(enrol))
        .route("/portal/logout", post(logout))
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: Ctx,
    next: ReturnTo,
    username: String,
}

#[derive(Template)]
#[template(path = "auth/totp.html")]
struct SecondFactorPage {
    ctx: Ctx,
    next: ReturnTo,
}

#[derive(Template)]
#[template(path = "auth/enrol.html")]
struct EnrolPage {
    ctx: Ctx,
    next: ReturnTo,
    /// The QR code as an inline SVG element (generated here from the otpauth URI; contains no text).
    qr_svg: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "auth/recovery_codes.html")]
struct RecoveryCodesPage {
    ctx: Ctx,
    /// The `a#continue` link's target.
    next: ReturnTo,
    codes: Vec<String>,
}

/// The browser's session cookie `Set-Cookie` for `token`.
fn with_session_cookie(mut response: Response, token: &SessionToken) -> Response {
    if let Some(v) = set_cookie(SESSION_COOKIE, token.as_str(), None) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Where a session at `stage` continues, still carrying the page to land on at the end.
pub(crate) fn continue_at(stage: SessionStage, next: &ReturnTo) -> String {
    match stage {
        SessionStage::AwaitingSecondFactor => next.on("/portal/login/totp"),
        SessionStage::AwaitingEnrolment => next.on("/portal/totp/enrol"),
        SessionStage::Authenticated => next.target().to_owned(),
    }
}

/// The session token the browser's cookie holds, if it is well formed.
fn cookie_token(parts: &Parts) -> Option<SessionToken> {
    session_cookie(&parts.headers).and_then(SessionToken::parse)
}

/// The session a sign-in step continues, if the cookie names a live one.
async fn pending_session(
    parts: &Parts,
    state: &PortalState,
    next: &ReturnTo,
) -> Result<(SessionToken, PortalSession), Response> {
    let Some(token) = cookie_token(parts) else {
        return Err(to_login(None, next));
    };
    let session = crate::viewer::load_session(parts, state, next).await?;
    Ok((token, session))
}

fn fit(s: &str) -> &str {
    match s.char_indices().nth(MAX_CREDENTIAL_CHARS) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

async fn login_page(ctx: Ctx, next: ReturnTo) -> Response {
    render(StatusCode::OK, &LoginPage { ctx, next, username: String::new() })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<PortalState>,
    mut ctx: Ctx,
    parts: Parts,
    next: ReturnTo,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Response {
    let username = fit(form.username.trim()).to_owned();
    if username.is_empty() || form.password.is_empty() {
        ctx.error(ctx.t(key!("login-missing-fields")));
        return render(StatusCode::UNPROCESSABLE_ENTITY, &LoginPage { ctx, next, username });
    }
    match state.hub.login_password(&username, fit(&form.password)).await {
        Ok(started) => {
            // A session this browser still had (another user, or an abandoned sign-in) ends here.
            if let Some(old) = cookie_token(&parts)
                && let Err(e) = state.hub.logout(&old).await
            {
                tracing::warn!(error = %e, "ending the previous portal session failed");
            }
            with_session_cookie(see_other(&continue_at(started.stage, &next)), &started.token)
        }
        Err(e) => {
            let status = errors::flash_error(&mut ctx, &e);
            render(status, &LoginPage { ctx, next, username })
        }
    }
}

async fn second_factor_page(State(state): State<PortalState>, ctx: Ctx, parts: Parts, next: ReturnTo) -> Response {
    let (_, session) = match pending_session(&parts, &state, &next).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    if session.stage != SessionStage::AwaitingSecondFactor {
        return see_other(&continue_at(session.stage, &next));
    }
    render(StatusCode::OK, &SecondFactorPage { ctx, next })
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn second_factor(
    State(state): State<PortalState>,
    mut ctx: Ctx,
    parts: Parts,
    next: ReturnTo,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let Some(token) = cookie_token(&parts) else {
        return to_login(Some("session-expired"), &next);
    };
    // The hub reads the code as typed (spaces removed, bounded); only "nothing typed" is the page's to say.
    let code = form.code.as_str();
    if code.trim().is_empty() {
        ctx.error(ctx.t(key!("totp-missing-code")));
        return render(StatusCode::UNPROCESSABLE_ENTITY, &SecondFactorPage { ctx, next });
    }
    match state.hub.login_second_factor(&token, code).await {
        Ok(rotated) => with_session_cookie(see_other(next.target()), &rotated),
        Err(HubError::Login(LoginFailure::SessionExpired)) => to_login(Some("session-expired"), &next),
        Err(HubError::Login(LoginFailure::EnrolmentRequired)) => {
            see_other(&continue_at(SessionStage::AwaitingEnrolment, &next))
        }
        // Already past this step (a second tab, a resent form): go on.
        Err(HubError::Conflict(_)) => see_other(next.target()),
        Err(e) => {
            let status = errors::flash_error(&mut ctx, &e);
            render(status, &SecondFactorPage { ctx, next })
        }
    }
}

/// The enrolment page for the session's pending secret (the hub returns the same one on every reload).
async fn enrolment(
    state: &PortalState,
    token: &SessionToken,
    ctx: Ctx,
    next: ReturnTo,
    status: StatusCode,
) -> Response {
    match state.hub.begin_totp_enrolment(token).await {
        Ok(enrolment) => match qr_svg(&enrolment.otpauth_uri) {
            Some(qr_svg) => render(status, &EnrolPage { ctx, next, qr_svg, secret: enrolment.secret_base32 }),
            None => crate::pages::error_page(ctx, &HubError::Internal("QR code of the enrolment failed".into())),
        },
        Err(HubError::Login(LoginFailure::SessionExpired)) => to_login(Some("session-expired"), &next),
        Err(e) => crate::pages::error_page(ctx, &e),
    }
}

async fn enrol_page(State(state): State<PortalState>, ctx: Ctx, parts: Parts, next: ReturnTo) -> Response {
    let (token, session) = match pending_session(&parts, &state, &next).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    if session.stage == SessionStage::AwaitingSecondFactor {
        return see_other(&continue_at(session.stage, &next));
    }
    enrolment(&state, &token, ctx, next, StatusCode::OK).await
}

async fn enrol(
    State(state): State<PortalState>,
    mut ctx: Ctx,
    parts: Parts,
    next: ReturnTo,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let Some(token) = cookie_token(&parts) else {
        return to_login(Some("session-expired"), &next);
    };
    // The hub reads the code as typed (spaces removed, bounded); only "nothing typed" is the page's to say.
    let code = form.code.as_str();
    if code.trim().is_empty() {
        ctx.error(ctx.t(key!("totp-missing-code")));
        return enrolment(&state, &token, ctx, next, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.hub.confirm_totp_enrolment(&token, code).await {
        Ok(done) => {
            // Shown once, in the answer to this POST: the codes are never stored in a readable form.
            let page = RecoveryCodesPage { ctx, next, codes: done.recovery_codes };
            with_session_cookie(render(StatusCode::OK, &page), &done.token)
        }
        Err(HubError::Login(LoginFailure::SessionExpired)) => to_login(Some("session-expired"), &next),
        Err(e) => {
            let status = errors::flash_error(&mut ctx, &e);
            enrolment(&state, &token, ctx, next, status).await
        }
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

async fn logout(State(state): State<PortalState>, parts: Parts, CsrfForm(_): CsrfForm<EmptyForm>) -> Response {
    if let Some(token) = cookie_token(&parts)
        && let Err(e) = state.hub.logout(&token).await
    {
        tracing::warn!(error = %e, "portal logout failed");
    }
    let mut response = see_other("/portal/login?notice=logged-out");
    if let Some(v) = set_cookie(SESSION_COOKIE, "", Some(0)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The otpauth URI as an inline `<svg>` element (without the XML declaration, which HTML does not want).
fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_a_bare_svg_element_with_no_text_or_style() {
        let svg = qr_svg("otpauth://totp/ecert:alice?secret=JBSWY3DPEHPK3PXP&issuer=ecert").unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml") && !svg.contains("style") && !svg.contains("alice") && !svg.contains("<script"));
    }

    #[test]
    fn credentials_are_bounded() {
        let long = "ж".repeat(1000);
        assert_eq!(fit(&long).chars().count(), MAX_CREDENTIAL_CHARS);
        assert_eq!(fit("short"), "short");
    }
}
