//! Translations with Fluent. Every language is a directory `locales/<code>/` of `.ftl` files, embedded into the
//! binary at compile time; the set of languages is whatever directories exist, so a third language is only new
//! `.ftl` files. Dates and numbers are formatted from keys of the same files (month names, the date pattern,
//! separators), so a new language needs no Rust either.
//!
//! A [`Lang`] is one request's language: cheap to clone, used by templates (`ctx.t(<key>)`) and by Rust code.

mod catalog;
mod format;

pub use catalog::{Catalog, CatalogProblem, Locale};
pub use format::group_digits;

use fluent_bundle::{FluentArgs, FluentValue};
use std::sync::Arc;
use time::{Date, OffsetDateTime};

/// Marks a string literal as a translation key, so the key-completeness test finds keys that Rust code
/// chooses (for example per enum variant) and later passes to [`Lang::t`].
#[macro_export]
macro_rules! key {
    ($k:literal) => {
        $k
    };
}

/// One request's language.
#[derive(Clone)]
pub struct Lang {
    catalog: Arc<Catalog>,
    index: usize,
}

impl std::fmt::Debug for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Lang").field(&self.code()).finish()
    }
}

/// A language of the switcher.
#[derive(Debug, Clone)]
pub struct LanguageLink {
    pub code: String,
    /// The language's own name for itself (`language-name`).
    pub name: String,
    pub current: bool,
}

impl Lang {
    pub(crate) fn new(catalog: Arc<Catalog>, index: usize) -> Self {
        Self { catalog, index }
    }

    /// The language of a request answered outside the portal's layer (the server's public authenticity page),
    /// chosen by the portal's one rule ([`crate::security::resolve_language`]): `?lang=`, then the `ecert_lang`
    /// cookie, then `Accept-Language`, then the default. It only reads the request: no cookie is set, so a
    /// response built with it must `Vary` on `Cookie` and `Accept-Language`.
    pub fn for_request(query: Option<&str>, headers: &axum::http::HeaderMap) -> Self {
        let catalog = Catalog::shared();
        let (index, _) = crate::security::resolve_language(catalog, query, headers);
        Self::new(Arc::clone(catalog), index)
    }

    fn locale(&self) -> &Locale {
        self.catalog.locale(self.index)
    }

    /// The language code (`en`, `ru`), as used in `<html lang>` and `?lang=`.
    pub fn code(&self) -> &str {
        &self.locale().code
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Every language, for the switcher.
    pub fn languages(&self) -> Vec<LanguageLink> {
        self.catalog
            .locales()
            .iter()
            .enumerate()
            .map(|(i, l)| LanguageLink { code: l.code.clone(), name: l.name(), current: i == self.index })
            .collect()
    }

    /// Whether this language defines `key` (used for keys built at run time, like `flash-<name>`).
    pub fn has(&self, key: &str) -> bool {
        self.locale().has(key)
    }

    /// The translation of `key`. A key no language defines renders as the key itself (and is logged): the
    /// completeness test keeps that from shipping.
    pub fn t(&self, key: &str) -> String {
        self.locale().format(key, None)
    }

    /// A translation with one named argument, shown as text.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value.to_string()));
        self.locale().format(key, Some(&args))
    }

    /// A translation with two named arguments, shown as text.
    pub fn t2(
        &self,
        key: &str,
        name1: &str,
        value1: impl std::fmt::Display,
        name2: &str,
        value2: impl std::fmt::Display,
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(name1.to_owned(), FluentValue::from(value1.to_string()));
        args.set(name2.to_owned(), FluentValue::from(value2.to_string()));
        self.locale().format(key, Some(&args))
    }

    /// A translation that depends on a count: `$count` is the number (the selector of the plural variants, so
    /// Russian gets its one/few/many forms) and `$n` the same number formatted for this language.
    pub fn count(&self, key: &str, count: u64) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        args.set("n", FluentValue::from(self.number(count)));
        self.locale().format(key, Some(&args))
    }

    /// An integer with this language's group separator (`12,345` / `12 345`).
    pub fn number(&self, n: impl Into<i128>) -> String {
        let n: i128 = n.into();
        let digits = group_digits(n.unsigned_abs(), &self.locale().group_separator);
        if n < 0 { format!("-{digits}") } else { digits }
    }

    /// A size in bytes, in the largest unit that keeps it at least 1 (`1.5 MB` / `1,5 МБ`).
    pub fn file_size(&self, bytes: u64) -> String {
        const KIB: u64 = 1024;
        let (key, unit) = match bytes {
            b if b >= KIB * KIB => (key!("size-mb"), KIB * KIB),
            b if b >= KIB => (key!("size-kb"), KIB),
            _ => return self.t1(key!("size-bytes"), "n", self.number(bytes)),
        };
        // One decimal, rounded half up, computed in integers.
        let tenths = (bytes.saturating_mul(10).saturating_add(unit / 2)) / unit;
        let text = format!(
            "{}{}{}",
            group_digits(u128::from(tenths / 10), &self.locale().group_separator),
            self.locale().decimal_separator,
            tenths % 10
        );
        self.t1(key, "n", text)
    }

    /// A calendar date in this language's pattern (`23 November 2026` / `23 ноября 2026 г.`).
    pub fn date(&self, date: Date) -> String {
        let locale = self.locale();
        let month = locale.format(&format!("fmt-month-{}", u8::from(date.month())), None);
        let mut args = FluentArgs::new();
        args.set("day", FluentValue::from(date.day().to_string()));
        args.set("month", FluentValue::from(month));
        args.set("year", FluentValue::from(date.year().to_string()));
        locale.format(key!("fmt-date"), Some(&args))
    }

    /// A moment, in UTC (the hub's time zone for every participant), in this language's pattern.
    pub fn datetime(&self, at: OffsetDateTime) -> String {
        let utc = at.to_offset(time::UtcOffset::UTC);
        let mut args = FluentArgs::new();
        args.set("date", FluentValue::from(self.date(utc.date())));
        args.set("time", FluentValue::from(format!("{:02}:{:02}", utc.hour(), utc.minute())));
        self.locale().format(key!("fmt-datetime"), Some(&args))
    }
}

#[cfg(test)]
mod tests;
