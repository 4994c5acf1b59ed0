//! Portal users: the list (all, or one institution's), creation with roles and an initial password, disabling
//! and enabling, and resetting a lost second factor.

use super::institutions::institution_options;
use super::shared::{
    Check, SelectOption, StatusForm, field, fields, institution_filter, institution_names, path_id, present, query,
    required_id, role_checks, roles_text,
};
use super::{operator_path_id, refuse_unless_operator};
use crate::csrf::CsrfForm;
use crate::page::{Ctx, render, see_other};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::FieldErrorCode;
use ecert_domain::ids::{InstitutionId, UserId};
use ecert_domain::institution::Role;
use ecert_domain::user::{NewUser, User, UserStatus};
use ecert_hub::HubError;
use serde::Deserialize;

struct UserRow {
    id: String,
    username: String,
    display_name: String,
    institution: String,
    roles: String,
    status_code: &'static str,
    status: String,
    locked: Option<String>,
    enrolled: bool,
    /// The status the toggle button sets, and its label.
    toggle_to: &'static str,
    toggle_label: String,
    /// The viewer's own row: no button that would lock them out of their own console.
    is_self: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    institution: Option<String>,
}

/// What the creation form sent, shown again when the hub refused it (never the password).
#[derive(Default)]
struct Draft {
    institution: String,
    username: String,
    display_name: String,
    roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "operator/users.html")]
struct ListPage {
    ctx: Ctx,
    for_institution: Option<String>,
    rows: Vec<UserRow>,
    count: String,
    institution_options: Vec<SelectOption>,
    role_checks: Vec<Check>,
    username: String,
    display_name: String,
}

fn user_row(ctx: &Ctx, viewer: &Viewer, institution: String, u: &User, now: time::OffsetDateTime) -> UserRow {
    let (toggle_to, toggle_label) = match u.status {
        UserStatus::Active => ("disabled", ctx.t1("operator-disable-label", "username", &u.username)),
        UserStatus::Disabled => ("active", ctx.t1("operator-enable-label", "username", &u.username)),
    };
    UserRow {
        id: u.id.to_string(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        institution,
        roles: roles_text(ctx, &u.roles),
        status_code: u.status.code(),
        status: match u.status {
            UserStatus::Active => ctx.t("operator-user-status-active"),
            UserStatus::Disabled => ctx.t("operator-user-status-disabled"),
        },
        locked: u
            .locked_until
            .filter(|_| u.is_locked(now))
            .map(|t| ctx.t1("operator-user-locked", "until", ctx.datetime(&t))),
        enrolled: u.totp_enrolled,
        toggle_to,
        toggle_label,
        is_self: u.id == viewer.session.user.id,
    }
}

pub(super) async fn list(State(state): State<PortalState>, viewer: Viewer, RawQuery(raw): RawQuery) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let q: ListQuery = query(raw.as_deref());
    list_page(&state, &viewer, viewer.ctx(), &q, Draft::default(), StatusCode::OK).await
}

async fn list_page(
    state: &PortalState,
    viewer: &Viewer,
    ctx: Ctx,
    q: &ListQuery,
    draft: Draft,
    status: StatusCode,
) -> Response {
    let p = viewer.principal();
    let (institution, for_institution) = match institution_filter(state, p, &q.institution).await {
        Ok(found) => found,
        Err(e) => return viewer.fail(&e),
    };
    let users = match state.hub.list_users(p, institution).await {
        Ok(u) => u,
        Err(e) => return viewer.fail(&e),
    };
    let names = match institution_names(state, p).await {
        Ok(n) => n,
        Err(e) => return viewer.fail(&e),
    };
    let current = if draft.institution.is_empty() { present(&q.institution) } else { Some(draft.institution.as_str()) };
    let institution_options = match institution_options(state, viewer, None, current).await {
        Ok(o) => o,
        Err(e) => return viewer.fail(&e),
    };
    let now = state.hub.now();
    let rows: Vec<UserRow> = users.iter().map(|u| user_row(&ctx, viewer, names.name(u.institution), u, now)).collect();
    let view = ListPage {
        for_institution,
        count: ctx.count("operator-users-count", rows.len()),
        rows,
        institution_options,
        role_checks: role_checks(&ctx, "user-role", &draft.roles),
        username: draft.username,
        display_name: draft.display_name,
        ctx,
    };
    render(status, &view)
}

pub(super) async fn create(
    State(state): State<PortalState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let draft = Draft {
        institution: field(&form, "institution").trim().to_owned(),
        username: field(&form, "username").to_owned(),
        display_name: field(&form, "display_name").to_owned(),
        roles: fields(&form, "roles"),
    };
    let result = async {
        let institution = required_id::<InstitutionId>("institution", &draft.institution)?;
        let mut roles = Vec::new();
        for code in &draft.roles {
            roles.push(Role::parse(code).ok_or_else(|| HubError::invalid("roles", "is not valid"))?);
        }
        let new = NewUser {
            institution,
            username: draft.username.clone(),
            display_name: draft.display_name.clone(),
            roles,
            password: field(&form, "password").to_owned(),
        };
        state.hub.create_user(viewer.principal(), new).await
    }
    .await;
    match result {
        Ok((user, _)) => {
            see_other(&format!("/portal/users?institution={}&notice=operator-user-created", user.institution))
        }
        Err(e) => {
            let (ctx, status) = viewer.refusal(&e);
            list_page(&state, &viewer, ctx, &ListQuery::default(), draft, status).await
        }
    }
}

pub(super) async fn set_status(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Response {
    let id = match operator_path_id::<UserId>(&viewer, &id, "user") {
        Ok(id) => id,
        Err(refusal) => return *refusal,
    };
    let status = UserStatus::parse(form.status.trim());
    if id == viewer.session.user.id && status == Some(UserStatus::Disabled) {
        // The hub would allow it; the console refuses to lock its own user out.
        let mut ctx = viewer.ctx();
        ctx.error(ctx.t("operator-error-self-disable"));
        return list_page(&state, &viewer, ctx, &ListQuery::default(), Draft::default(), StatusCode::CONFLICT).await;
    }
    let result = async {
        let status =
            status.ok_or_else(|| HubError::invalid_with_code("status", FieldErrorCode::Required, "is required"))?;
        let user = state.hub.get_user(viewer.principal(), id).await?;
        state.hub.set_user_status(viewer.principal(), id, status).await?;
        Ok::<_, HubError>((user.institution, status))
    }
    .await;
    match result {
        Ok((institution, status)) => {
            let notice = match status {
                UserStatus::Active => "operator-user-enabled",
                UserStatus::Disabled => "operator-user-disabled",
            };
            see_other(&format!("/portal/users?institution={institution}&notice={notice}"))
        }
        Err(e) => refused(&state, &viewer, &e).await,
    }
}

pub(super) async fn reset_second_factor(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<Vec<(String, String)>>,
) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let result = async {
        let id = path_id::<UserId>(&id, "user")?;
        let user = state.hub.get_user(viewer.principal(), id).await?;
        state.hub.reset_second_factor(viewer.principal(), id).await?;
        Ok::<_, HubError>(user.institution)
    }
    .await;
    match result {
        Ok(institution) => {
            see_other(&format!("/portal/users?institution={institution}&notice=operator-second-factor-reset"))
        }
        Err(e) => refused(&state, &viewer, &e).await,
    }
}

/// Re-shows the user list with the objection; nothing was changed.
async fn refused(state: &PortalState, viewer: &Viewer, err: &HubError) -> Response {
    if let HubError::NotFound(_) = err {
        return viewer.fail(err);
    }
    let (ctx, status) = viewer.refusal(err);
    list_page(state, viewer, ctx, &ListQuery::default(), Draft::default(), status).await
}
