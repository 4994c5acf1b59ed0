//! Number formatting by the separators a language's `.ftl` declares.

/// `n` with `separator` between groups of three digits: `1234567` → `1,234,567`.
pub fn group_digits(n: impl Into<u128>, separator: &str) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_three() {
        assert_eq!(group_digits(0u32, ","), "0");
        assert_eq!(group_digits(999u32, ","), "999");
        assert_eq!(group_digits(1000u32, ","), "1,000");
        assert_eq!(group_digits(1234567u32, "\u{a0}"), "1\u{a0}234\u{a0}567");
        assert_eq!(group_digits(u64::MAX, "."), "18.446.744.073.709.551.615");
    }
}
