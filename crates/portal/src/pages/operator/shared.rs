//! Small pieces the receiver and operator pages share: select options, optional form values, page links, and
//! institution names for tables that hold only ids.

use crate::page::Ctx;
use crate::state::PortalState;
use ecert_domain::FieldErrorCode;
use ecert_domain::auth::Principal;
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::Role;
use ecert_domain::page::{MAX_PAGE_SIZE, Page, PageRequest};
use ecert_hub::HubError;
use std::collections::HashMap;
use std::str::FromStr;
use time::Date;
use time::macros::format_description;

/// A repeated form field (checkboxes) is read this many times at most.
const MAX_REPEATED_FIELDS: usize = 32;
/// Institutions named per page at most: beyond this (a hub far larger than the pilot) the rest show their ids.
const MAX_NAMED_INSTITUTIONS: usize = 5 * MAX_PAGE_SIZE as usize;

/// Longest text accepted in a query-string filter or an id field before it reaches the hub.
pub(crate) const MAX_QUERY_VALUE: usize = 200;

/// One `<option>` of a `<select>`.
#[derive(Debug, Clone)]
pub(crate) struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl SelectOption {
    pub(crate) fn new(value: impl Into<String>, label: impl Into<String>, current: Option<&str>) -> Self {
        let value = value.into();
        let selected = current == Some(value.as_str());
        Self { value, label: label.into(), selected }
    }
}

/// One checkbox of a group (`id` unique on the page, `value` what the form sends).
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A checkbox per role, ids `<prefix>-<role code>`, ticked as in `checked`.
pub(crate) fn role_checks(ctx: &Ctx, prefix: &str, checked: &[String]) -> Vec<Check> {
    Role::ALL
        .into_iter()
        .map(|r| Check {
            id: format!("{prefix}-{}", r.code()),
            value: r.code().to_owned(),
            label: ctx.role(&r),
            checked: checked.iter().any(|c| c == r.code()),
        })
        .collect()
}

/// Roles in words, comma separated.
pub(crate) fn roles_text(ctx: &Ctx, roles: &[Role]) -> String {
    roles.iter().map(|r| ctx.role(r)).collect::<Vec<_>>().join(", ")
}

/// An HS code the way people write it: heading, then subheading and national digits in pairs (`847130` →
/// `8471.30`, `8471300010` → `8471.30.00.10`). The hub keeps digits only.
pub(crate) fn hs_display(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + 4);
    for (i, c) in digits.chars().enumerate() {
        if i >= 4 && i.is_multiple_of(2) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A form or query value with blanks treated as absent: an empty `<select>` choice or input means "any".
pub(crate) fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A date as `<input type="date">` sends it (`YYYY-MM-DD`).
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// `path?k=v&..` with the non-empty pairs, urlencoded.
pub(crate) fn link_with_query<'a>(path: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        if !v.is_empty() {
            query.append_pair(k, v);
            any = true;
        }
    }
    if any { format!("{path}?{}", query.finish()) } else { path.to_owned() }
}

/// A page cursor as the hub hands it out: short, printable, no spaces. Anything else is refused before the store
/// sees it.
pub(crate) fn cursor(value: &Option<String>) -> Option<String> {
    present(value).filter(|c| c.len() <= MAX_QUERY_VALUE && c.bytes().all(|b| b.is_ascii_graphic())).map(str::to_owned)
}

/// An id from the path; anything that is not one is "not found", like an id that names nothing.
pub(crate) fn path_id<T: FromStr>(text: &str, what: &'static str) -> Result<T, HubError> {
    if text.len() > MAX_QUERY_VALUE {
        return Err(HubError::NotFound(what));
    }
    text.parse().map_err(|_| HubError::NotFound(what))
}

/// A required id from a form field (`text` trimmed): blank is "required", anything else must be an id.
pub(crate) fn required_id<T: FromStr>(field: &str, text: &str) -> Result<T, HubError> {
    if text.is_empty() {
        return Err(HubError::invalid_with_code(field, FieldErrorCode::Required, "is required"));
    }
    text.parse().map_err(|_| HubError::invalid(field, "is not valid"))
}

/// A form that sets a record's status (`status` = the new status's code).
#[derive(serde::Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    pub status: String,
}

/// The query string read into `T`; a query that does not fit (a repeated field) reads as no filter at all.
pub(crate) fn query<T: serde::de::DeserializeOwned + Default>(raw: Option<&str>) -> T {
    serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default()
}

/// The value of a form field given as `(name, value)` pairs (forms with checkboxes repeat names).
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// Every value of a repeated form field.
pub(crate) fn fields(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).take(MAX_REPEATED_FIELDS).collect()
}

/// The institution a list is narrowed to by `?institution=<id>`, with its name: `None`s without one, "not
/// found" for an id that names no institution (so the page never lists "the users of" something that does not
/// exist).
pub(crate) async fn institution_filter(
    state: &PortalState,
    p: &Principal,
    value: &Option<String>,
) -> Result<(Option<InstitutionId>, Option<String>), HubError> {
    let Some(text) = present(value) else { return Ok((None, None)) };
    let id = path_id::<InstitutionId>(text, "institution")?;
    let view = state.hub.get_institution(p, id).await?;
    Ok((Some(id), Some(view.institution.name)))
}

/// One page of a list, `after` the cursor of the page's link. A cursor the hub no longer knows (a stale or
/// edited link) starts the list again at the first page, with the message `stale_key` on the page.
pub(crate) async fn page_after<T, F, Fut>(
    ctx: &mut Ctx,
    after: Option<String>,
    limit: u32,
    stale_key: &str,
    fetch: F,
) -> Result<Page<T>, HubError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, HubError>>,
{
    let from_cursor = after.is_some();
    match fetch(PageRequest::new(after, Some(limit))).await {
        Err(HubError::NotFound(_)) if from_cursor => {
            ctx.error(ctx.t(stale_key));
            fetch(PageRequest::new(None, Some(limit))).await
        }
        other => other,
    }
}

/// Institution names by id, for tables whose records name institutions by id only.
#[derive(Debug, Default)]
pub(crate) struct Names(HashMap<InstitutionId, String>);

impl Names {
    /// The institution's name, or its id when it is not known (never an error: the row still shows).
    pub(crate) fn name(&self, id: InstitutionId) -> String {
        self.0.get(&id).cloned().unwrap_or_else(|| id.to_string())
    }
}

/// Every institution's name (participants are public within the hub), read page by page up to a bound.
pub(crate) async fn institution_names(state: &PortalState, p: &Principal) -> Result<Names, HubError> {
    let mut names = HashMap::new();
    let mut after = None;
    while names.len() < MAX_NAMED_INSTITUTIONS {
        let page =
            state.hub.list_institutions(p, &Default::default(), &PageRequest::new(after, Some(MAX_PAGE_SIZE))).await?;
        names.extend(page.items.into_iter().map(|v| (v.institution.id, v.institution.name)));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    Ok(Names(names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_are_absent() {
        assert_eq!(present(&Some("  ".into())), None);
        assert_eq!(present(&Some(" x ".into())), Some("x"));
        assert_eq!(present(&None), None);
    }

    #[test]
    fn hs_codes_read_as_people_write_them() {
        assert_eq!(hs_display("84"), "84");
        assert_eq!(hs_display("8471"), "8471");
        assert_eq!(hs_display("847130"), "8471.30");
        assert_eq!(hs_display("84713000"), "8471.30.00");
        assert_eq!(hs_display("8471300010"), "8471.30.00.10");
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(parse_date("2026-11-23"), Some(time::macros::date!(2026 - 11 - 23)));
        for bad in ["", "23.11.2026", "2026-13-01", "2026-02-30", "x"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn links_keep_only_set_values_and_escape_them() {
        assert_eq!(link_with_query("/p", [("a", ""), ("b", "")]), "/p");
        assert_eq!(link_with_query("/p", [("a", "x y"), ("b", ""), ("c", "&")]), "/p?a=x+y&c=%26");
    }

    #[test]
    fn cursors_are_bounded() {
        assert_eq!(cursor(&Some("1700000000000_0199".into())), Some("1700000000000_0199".into()));
        assert_eq!(cursor(&Some("a b".into())), None);
        assert_eq!(cursor(&Some("x".repeat(MAX_QUERY_VALUE + 1))), None);
    }

    #[test]
    fn options_know_the_current_choice() {
        assert!(SelectOption::new("a", "A", Some("a")).selected);
        assert!(!SelectOption::new("a", "A", Some("b")).selected);
        assert!(!SelectOption::new("a", "A", None).selected);
    }
}
