//! The languages: loaded once from the embedded `locales/<code>/*.ftl` files.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::collections::BTreeSet;
use unic_langid::LanguageIdentifier;

#[derive(rust_embed::RustEmbed)]
#[folder = "locales/"]
struct EmbeddedLocales;

/// The language used when nothing else matches, and the one whose keys are the reference.
pub const DEFAULT_LANGUAGE: &str = "en";

/// Something wrong with the embedded translations. The catalog still loads (what parsed is used), and a unit
/// test fails on any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogProblem {
    #[error("{file}: Fluent syntax error: {detail}")]
    Syntax { file: String, detail: String },
    #[error("{file}: {detail}")]
    Bundle { file: String, detail: String },
    #[error("'{dir}' is not a language code")]
    BadLanguage { dir: String },
    #[error("{file}: not valid UTF-8")]
    NotUtf8 { file: String },
}

/// One language: its Fluent bundle and the formatting facts read from it.
pub struct Locale {
    pub code: String,
    bundle: FluentBundle<FluentResource>,
    /// Every message and term id (terms with their leading `-`).
    keys: BTreeSet<String>,
    pub(super) group_separator: String,
    pub(super) decimal_separator: String,
}

impl Locale {
    fn new(code: &str, langid: LanguageIdentifier) -> Self {
        let mut bundle = FluentBundle::new_concurrent(vec![langid]);
        // The pages are left-to-right HTML; Unicode isolation marks would only end up in attributes and tests.
        bundle.set_use_isolating(false);
        Self {
            code: code.to_owned(),
            bundle,
            keys: BTreeSet::new(),
            group_separator: ",".into(),
            decimal_separator: ".".into(),
        }
    }

    pub fn keys(&self) -> &BTreeSet<String> {
        &self.keys
    }

    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    /// The language's own name for itself.
    pub fn name(&self) -> String {
        if self.has("language-name") { self.format("language-name", None) } else { self.code.clone() }
    }

    pub(super) fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, language = %self.code, "missing translation");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors).into_owned();
        if !errors.is_empty() {
            tracing::warn!(key, language = %self.code, ?errors, "translation formatted with errors");
        }
        text
    }
}

/// Every language of the portal, sorted by code.
pub struct Catalog {
    locales: Vec<Locale>,
    default: usize,
}

impl Catalog {
    /// The catalog of the `.ftl` files embedded in the binary.
    pub fn embedded() -> (Catalog, Vec<CatalogProblem>) {
        let files = EmbeddedLocales::iter().filter(|path| path.ends_with(".ftl")).filter_map(|path| {
            let file = EmbeddedLocales::get(&path)?;
            Some((path.into_owned(), file.data.into_owned()))
        });
        Self::from_files(files)
    }

    /// The embedded catalog, loaded once per process; its problems are logged (and fail a unit test).
    pub fn shared() -> &'static std::sync::Arc<Catalog> {
        static SHARED: std::sync::OnceLock<std::sync::Arc<Catalog>> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| {
            let (catalog, problems) = Self::embedded();
            for problem in problems {
                tracing::error!(%problem, "portal translations");
            }
            std::sync::Arc::new(catalog)
        })
    }

    /// Builds a catalog from `(path, bytes)` pairs, where a path is `<code>/<name>.ftl`.
    pub fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> (Catalog, Vec<CatalogProblem>) {
        let mut problems = Vec::new();
        let mut files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut locales: Vec<Locale> = Vec::new();
        for (path, bytes) in files {
            let Some((dir, _)) = path.split_once('/') else { continue };
            let Ok(langid) = dir.parse::<LanguageIdentifier>() else {
                problems.push(CatalogProblem::BadLanguage { dir: dir.to_owned() });
                continue;
            };
            let Ok(text) = String::from_utf8(bytes) else {
                problems.push(CatalogProblem::NotUtf8 { file: path });
                continue;
            };
            let resource = match FluentResource::try_new(text) {
                Ok(r) => r,
                Err((partial, errors)) => {
                    for e in errors {
                        problems.push(CatalogProblem::Syntax { file: path.clone(), detail: e.to_string() });
                    }
                    partial
                }
            };
            let code = dir.to_ascii_lowercase();
            let index = match locales.iter().position(|l| l.code == code) {
                Some(i) => i,
                None => {
                    locales.push(Locale::new(&code, langid));
                    locales.len() - 1
                }
            };
            let Some(locale) = locales.get_mut(index) else { continue };
            for entry in resource.entries() {
                match entry {
                    fluent_syntax::ast::Entry::Message(m) => {
                        locale.keys.insert(m.id.name.to_owned());
                    }
                    fluent_syntax::ast::Entry::Term(t) => {
                        locale.keys.insert(format!("-{}", t.id.name));
                    }
                    _ => {}
                }
            }
            if let Err(errors) = locale.bundle.add_resource(resource) {
                for e in errors {
                    problems.push(CatalogProblem::Bundle { file: path.clone(), detail: e.to_string() });
                }
            }
        }
        for locale in &mut locales {
            if locale.has("fmt-group-separator") {
                locale.group_separator = locale.format("fmt-group-separator", None);
            }
            if locale.has("fmt-decimal-separator") {
                locale.decimal_separator = locale.format("fmt-decimal-separator", None);
            }
        }
        locales.sort_by(|a, b| a.code.cmp(&b.code));
        if locales.is_empty() {
            // Only a broken build gets here; the pages then show their keys rather than fail.
            let langid = DEFAULT_LANGUAGE.parse::<LanguageIdentifier>().unwrap_or_default();
            locales.push(Locale::new(DEFAULT_LANGUAGE, langid));
        }
        let default = locales.iter().position(|l| l.code == DEFAULT_LANGUAGE).unwrap_or(0);
        (Catalog { locales, default }, problems)
    }

    pub fn locales(&self) -> &[Locale] {
        &self.locales
    }

    /// The locale at `index`, or the default one for an index out of range.
    pub fn locale(&self, index: usize) -> &Locale {
        self.locales.get(index).or_else(|| self.locales.get(self.default)).unwrap_or_else(|| {
            // `from_files` always leaves at least one locale.
            &self.locales[0]
        })
    }

    pub fn default_index(&self) -> usize {
        self.default
    }

    /// The language a tag (`ru`, `ru-RU`, `RU`) asks for, by its primary subtag.
    pub fn find(&self, tag: &str) -> Option<usize> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.is_empty() {
            return None;
        }
        self.locales.iter().position(|l| l.code.eq_ignore_ascii_case(primary))
    }

    /// The language the client prefers most in `Accept-Language` (highest q, first listed on a tie).
    pub fn from_accept_language(&self, header: &str) -> Option<usize> {
        let mut best: Option<(f32, usize)> = None;
        // Bounded: a header of thousands of entries is not a preference list.
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(index) = parts.next().and_then(|tag| self.find(tag)) else { continue };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, index));
            }
        }
        best.map(|(_, index)| index)
    }
}
