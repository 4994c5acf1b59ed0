//! ISO 3166-1 alpha-2 country codes.

use serde::{Deserialize, Serialize};

/// The 249 officially assigned ISO 3166-1 alpha-2 codes.
const ASSIGNED: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR \
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI \
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS \
IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO \
MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA \
RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT \
TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// A validated ISO 3166-1 alpha-2 code, always upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryCodeError {
    #[error("'{0}' is not two letters (ISO 3166-1 alpha-2, e.g. KZ)")]
    Shape(String),
    #[error("'{0}' is not an assigned ISO 3166-1 alpha-2 country code")]
    Unassigned(String),
}

impl CountryCode {
    pub fn parse(input: &str) -> Result<Self, CountryCodeError> {
        let shown: String = input.chars().take(8).collect();
        let bytes = input.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(CountryCodeError::Shape(shown));
        }
        let code = [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase()];
        let as_str = std::str::from_utf8(&code).map_err(|_| CountryCodeError::Shape(shown.clone()))?;
        if ASSIGNED.split_ascii_whitespace().any(|c| c == as_str) {
            Ok(Self(code))
        } else {
            Err(CountryCodeError::Unassigned(shown))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_owned()
    }
}

impl std::str::FromStr for CountryCode {
    type Err = CountryCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_249_unique_codes() {
        let mut codes: Vec<&str> = ASSIGNED.split_ascii_whitespace().collect();
        assert_eq!(codes.len(), 249);
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 249);
    }

    #[test]
    fn accepts_assigned_codes_in_any_case() {
        assert_eq!(CountryCode::parse("kz").unwrap().as_str(), "KZ");
        assert_eq!(CountryCode::parse("UZ").unwrap().to_string(), "UZ");
    }

    #[test]
    fn rejects_bad_shapes_and_unassigned_codes() {
        assert!(matches!(CountryCode::parse("KAZ"), Err(CountryCodeError::Shape(_))));
        assert!(matches!(CountryCode::parse("K1"), Err(CountryCodeError::Shape(_))));
        assert!(matches!(CountryCode::parse(""), Err(CountryCodeError::Shape(_))));
        assert!(matches!(CountryCode::parse("ÄB"), Err(CountryCodeError::Shape(_))));
        assert!(matches!(CountryCode::parse("XX"), Err(CountryCodeError::Unassigned(_))));
        assert!(matches!(CountryCode::parse("UK"), Err(CountryCodeError::Unassigned(_))));
    }
}
