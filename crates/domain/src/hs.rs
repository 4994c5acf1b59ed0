//! Harmonized System codes. Scope entries name a prefix of 2, 4 or 6 digits (chapter, heading, subheading);
//! documents name full codes of 6 to 10 digits (national tariff lines extend the international six).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HsError {
    #[error("HS code prefix must be 2, 4 or 6 digits, got '{0}'")]
    PrefixLength(String),
    #[error("HS code must be 6, 8 or 10 digits, got '{0}'")]
    CodeLength(String),
    #[error("HS code must contain only digits (dots and spaces are allowed as separators), got '{0}'")]
    NotDigits(String),
}

/// Accepts the usual human spellings (`8471.30`, `8471 30`) and keeps only the digits.
fn digits_of(input: &str) -> Result<String, HsError> {
    let shown: String = input.chars().take(24).collect();
    let mut digits = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '.' | ' ' => {}
            _ => return Err(HsError::NotDigits(shown)),
        }
    }
    Ok(digits)
}

/// A scope prefix: chapter (2), heading (4) or subheading (6 digits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HsPrefix(String);

impl HsPrefix {
    pub fn parse(input: &str) -> Result<Self, HsError> {
        let digits = digits_of(input)?;
        match digits.len() {
            2 | 4 | 6 => Ok(Self(digits)),
            _ => Err(HsError::PrefixLength(input.chars().take(24).collect())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn covers(&self, code: &HsCode) -> bool {
        code.0.starts_with(&self.0)
    }
}

/// A product classification on a document: 6, 8 or 10 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HsCode(String);

impl HsCode {
    pub fn parse(input: &str) -> Result<Self, HsError> {
        let digits = digits_of(input)?;
        match digits.len() {
            6 | 8 | 10 => Ok(Self(digits)),
            _ => Err(HsError::CodeLength(input.chars().take(24).collect())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_conversions {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = HsError;
            fn try_from(s: String) -> Result<Self, HsError> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
string_conversions!(HsPrefix);
string_conversions!(HsCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_2_4_or_6_digits() {
        for ok in ["84", "8471", "847130", "84.71", "8471.30"] {
            assert!(HsPrefix::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["8", "847", "84713", "8471300", "84713000", ""] {
            assert!(matches!(HsPrefix::parse(bad), Err(HsError::PrefixLength(_))), "{bad}");
        }
        assert!(matches!(HsPrefix::parse("84a1"), Err(HsError::NotDigits(_))));
    }

    #[test]
    fn codes_are_6_8_or_10_digits() {
        assert_eq!(HsCode::parse("8471.30").unwrap().as_str(), "847130");
        assert!(HsCode::parse("8471300000").is_ok());
        assert!(matches!(HsCode::parse("8471"), Err(HsError::CodeLength(_))));
        assert!(matches!(HsCode::parse("8471300"), Err(HsError::CodeLength(_))));
    }

    #[test]
    fn prefix_coverage() {
        let code = HsCode::parse("847130").unwrap();
        assert!(HsPrefix::parse("84").unwrap().covers(&code));
        assert!(HsPrefix::parse("8471").unwrap().covers(&code));
        assert!(HsPrefix::parse("847130").unwrap().covers(&code));
        assert!(!HsPrefix::parse("8472").unwrap().covers(&code));
        assert!(!HsPrefix::parse("85").unwrap().covers(&code));
    }
}
