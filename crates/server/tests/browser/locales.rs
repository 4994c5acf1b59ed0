//! The portal's own translations, read from its `.ftl` files, so a test asserts that a page shows exactly the
//! message of the reader's language rather than some text that merely looks right.

use std::path::Path;

/// The text of message `key` in `lang` as written in `crates/portal/locales/<lang>/*.ftl`, with each placeable
/// (`{ $name }`) replaced by `*` (see [`matches`]). Multi-line values are joined with spaces.
pub fn message(lang: &str, key: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../portal/locales").join(lang);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Some(value) = find(&text, key) {
            return value;
        }
    }
    panic!("no message {key} in {}", dir.display())
}

fn find(ftl: &str, key: &str) -> Option<String> {
    let mut lines = ftl.lines();
    while let Some(line) = lines.next() {
        let Some((name, first)) = line.split_once('=') else { continue };
        if name.trim() != key || line.starts_with(char::is_whitespace) {
            continue;
        }
        let mut value = first.trim().to_owned();
        for continuation in lines.by_ref() {
            if !continuation.starts_with(' ') || continuation.trim().is_empty() {
                break;
            }
            value.push(' ');
            value.push_str(continuation.trim());
        }
        return Some(without_placeables(value.trim()));
    }
    None
}

fn without_placeables(value: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in value.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push('*');
                }
                depth += 1;
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether `text` contains the message `pattern` from [`message`], where each `*` stands for any text.
pub fn matches(text: &str, pattern: &str) -> bool {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let parts: Vec<String> = pattern.split('*').map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let mut rest = text.as_str();
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Asserts that `text` (a page or a message) contains message `key` of `lang`.
pub fn assert_shows(text: &str, lang: &str, key: &str) {
    let pattern = message(lang, key);
    assert!(matches(text, &pattern), "expected the {lang} message {key} ({pattern:?}) in:\n{text}");
}

/// Whether the text is written in Cyrillic (most of its letters).
pub fn is_russian(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let cyrillic = letters.iter().filter(|c| ('\u{0400}'..='\u{04FF}').contains(*c)).count();
    !letters.is_empty() && cyrillic * 2 > letters.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_single_and_multi_line_messages_and_placeables() {
        // An indented line continues the message above it, even when it looks like a message itself.
        let ftl = "a = One\nb =\n    Two\n    lines\n\nc = Hi { $name }, bye\n\ne = x\n  d = indented\n";
        assert_eq!(find(ftl, "a").as_deref(), Some("One"));
        assert_eq!(find(ftl, "b").as_deref(), Some("Two lines"));
        assert_eq!(find(ftl, "c").as_deref(), Some("Hi *, bye"));
        assert_eq!(find(ftl, "e").as_deref(), Some("x d = indented"));
        assert_eq!(find(ftl, "d"), None);
        assert_eq!(find(ftl, "f"), None);
    }

    #[test]
    fn matches_with_wildcards_and_whitespace() {
        assert!(matches("Welcome,\n  Anna Petrova.", "Welcome, *."));
        assert!(!matches("Goodbye, Anna.", "Welcome, *."));
        assert!(matches("x Hi Anna, bye y", "Hi *, bye"));
        assert!(!matches("bye, Hi", "Hi *, bye"));
    }

    #[test]
    fn tells_russian_from_english() {
        assert!(is_russian("Войти в систему (TOTP)"));
        assert!(!is_russian("Log in"));
        assert!(!is_russian("123"));
    }
}
