use super::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn lang(code: &str) -> Lang {
    let catalog = Catalog::shared();
    Lang::new(Arc::clone(catalog), catalog.find(code).expect("language"))
}

#[test]
fn the_embedded_translations_load_without_problems() {
    let (catalog, problems) = Catalog::embedded();
    assert!(problems.is_empty(), "{problems:#?}");
    let codes: Vec<&str> = catalog.locales().iter().map(|l| l.code.as_str()).collect();
    assert!(codes.contains(&"en") && codes.contains(&"ru"), "{codes:?}");
}

/// Adding a language is adding files: every language must define exactly the keys of every other.
#[test]
fn every_language_has_every_key() {
    let catalog = Catalog::shared();
    let all: BTreeSet<&String> = catalog.locales().iter().flat_map(|l| l.keys()).collect();
    let mut missing = Vec::new();
    for locale in catalog.locales() {
        for key in &all {
            if !locale.keys().contains(*key) {
                missing.push(format!("{}: {key}", locale.code));
            }
        }
    }
    assert!(missing.is_empty(), "keys missing in some language:\n{}", missing.join("\n"));
}

#[test]
fn a_language_missing_a_key_is_detected() {
    let files = vec![
        ("en/a.ftl".to_owned(), b"hello = Hello\nbye = Bye\n".to_vec()),
        ("de/a.ftl".to_owned(), b"hello = Hallo\n".to_vec()),
    ];
    let (catalog, problems) = Catalog::from_files(files);
    assert!(problems.is_empty());
    let en = catalog.locale(catalog.find("en").unwrap()).keys().clone();
    let de = catalog.locale(catalog.find("de").unwrap()).keys().clone();
    assert_eq!(en.difference(&de).collect::<Vec<_>>(), vec!["bye"]);
}

#[test]
fn syntax_errors_and_duplicate_keys_are_problems() {
    let files = vec![
        ("en/a.ftl".to_owned(), b"hello = Hello\n".to_vec()),
        ("en/b.ftl".to_owned(), b"hello = Again\nbroken = { $\n".to_vec()),
    ];
    let (_, problems) = Catalog::from_files(files);
    assert!(problems.iter().any(|p| matches!(p, CatalogProblem::Syntax { .. })), "{problems:?}");
    assert!(problems.iter().any(|p| matches!(p, CatalogProblem::Bundle { .. })), "{problems:?}");
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The string literals passed to the translation helpers (`t("..")`, `t1(`, `t2(`, `count(`, `key!(`), and the
/// flash names of `?notice=` / `?error=` links (which must exist as `flash-<name>`).
fn used_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for marker in [".t(\"", ".t1(\"", ".t2(\"", ".count(\"", "key!(\"", "MessagePage::new(ctx, \""] {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            if let Some(end) = rest.find('"') {
                keys.push(rest[..end].to_owned());
            }
        }
    }
    for marker in ["?notice=", "&notice=", "?error=", "&error=", "to_login(Some(\""] {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let name: String =
                rest.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
            if !name.is_empty() {
                keys.push(format!("flash-{name}"));
            }
        }
    }
    keys
}

/// Every key a template or the Rust code uses exists (in every language, by the test above).
#[test]
fn every_used_key_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("templates"), "html", &mut files);
    files_under(&root.join("src"), "rs", &mut files);
    let en = lang("en");
    let mut missing = BTreeSet::new();
    let mut seen = 0;
    for file in files {
        // The tests themselves name keys that are meant not to exist.
        if file.ends_with("i18n/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests name keys that are meant not to exist.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for key in used_keys(text) {
            seen += 1;
            if !en.has(&key) {
                missing.insert(format!("{}: {key}", file.strip_prefix(root).unwrap().display()));
            }
        }
    }
    assert!(seen > 50, "the scan found only {seen} keys: is the pattern still right?");
    assert!(
        missing.is_empty(),
        "keys used but not defined:\n{}",
        missing.iter().cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_scan_finds_keys_in_templates_and_code() {
    let text = r#"{{ ctx.t("a-b") }} {{ ctx.count("docs", n) }} key!("c") lang.t1("d", "x", 1) /portal/login?error=session-expired"#;
    assert_eq!(used_keys(text), vec!["a-b", "d", "docs", "c", "flash-session-expired"]);
}

#[test]
fn russian_plurals_follow_fluent() {
    let ru = lang("ru");
    assert_eq!(ru.count("documents-count", 1), "1 документ");
    assert_eq!(ru.count("documents-count", 3), "3 документа");
    assert_eq!(ru.count("documents-count", 5), "5 документов");
    assert_eq!(ru.count("documents-count", 11), "11 документов");
    assert_eq!(ru.count("documents-count", 21), "21 документ");
    assert_eq!(ru.count("documents-count", 22), "22 документа");
    assert_eq!(ru.count("documents-count", 1001), "1\u{a0}001 документ");
    let en = lang("en");
    assert_eq!(en.count("documents-count", 1), "1 document");
    assert_eq!(en.count("documents-count", 21), "21 documents");
    assert_eq!(en.count("documents-count", 1001), "1,001 documents");
}

#[test]
fn dates_and_numbers_follow_the_language() {
    let d = time::macros::date!(2026 - 11 - 03);
    assert_eq!(lang("en").date(d), "3 November 2026");
    assert_eq!(lang("ru").date(d), "3 ноября 2026 г.");
    let at = time::macros::datetime!(2026-11-03 07:05:09 +03:00);
    assert_eq!(lang("en").datetime(at), "3 November 2026, 04:05 UTC");
    assert_eq!(lang("ru").datetime(at), "3 ноября 2026 г., 04:05 UTC");
    assert_eq!(lang("en").number(1_234_567u32), "1,234,567");
    assert_eq!(lang("ru").number(1_234_567u32), "1\u{a0}234\u{a0}567");
    assert_eq!(lang("en").number(-1234i32), "-1,234");
    assert_eq!(lang("en").file_size(1_572_864), "1.5 MB");
    assert_eq!(lang("ru").file_size(1_572_864), "1,5 МБ");
    assert_eq!(lang("ru").file_size(2048), "2,0 КБ");
    assert_eq!(lang("en").file_size(999), "999 bytes");
}

/// A third language is only files: month names, patterns and separators come from them.
#[test]
fn a_new_language_formats_from_its_files_alone() {
    let mut de = String::from(
        "language-name = Deutsch\nfmt-date = { $day }. { $month } { $year }\nfmt-datetime = { $date }, { $time } UTC\n\
         fmt-group-separator = {\".\"}\nfmt-decimal-separator = {\",\"}\n",
    );
    for (i, m) in [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ]
    .iter()
    .enumerate()
    {
        de.push_str(&format!("fmt-month-{} = {m}\n", i + 1));
    }
    let (catalog, problems) = Catalog::from_files(vec![("de/common.ftl".to_owned(), de.into_bytes())]);
    assert!(problems.is_empty(), "{problems:?}");
    let de = Lang::new(Arc::new(catalog), 0);
    assert_eq!(de.code(), "de");
    assert_eq!(de.date(time::macros::date!(2026 - 03 - 01)), "1. März 2026");
    assert_eq!(de.number(1_234_567u32), "1.234.567");
    assert_eq!(de.languages()[0].name, "Deutsch");
}

#[test]
fn language_tags_are_matched_by_primary_subtag() {
    let catalog = Catalog::shared();
    assert_eq!(catalog.find("ru-RU"), catalog.find("ru"));
    assert_eq!(catalog.find("RU"), catalog.find("ru"));
    assert_eq!(catalog.find("xx"), None);
    assert_eq!(catalog.find(""), None);
    assert_eq!(catalog.from_accept_language("de, ru;q=0.9, en;q=0.8"), catalog.find("ru"));
    assert_eq!(catalog.from_accept_language("fr"), None);
}

#[test]
fn a_missing_key_shows_the_key_not_a_panic() {
    assert_eq!(lang("en").t("no-such-key-anywhere"), "no-such-key-anywhere");
}
