//! Kinds of trade document the hub relays. The enum is the single list: adding a kind (wildlife permits later)
//! means adding a variant here, and every match in the code base points at what else must learn about it.

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DocumentType {
    /// Conformity Certificate (ISO/IEC 17065 certification bodies).
    #[serde(rename = "CoC")]
    ConformityCertificate,
    /// Test Report (ISO/IEC 17025 laboratories).
    #[serde(rename = "TR")]
    TestReport,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document type '{0}' (expected one of: CoC, TR)")]
pub struct UnknownDocumentType(pub String);

impl DocumentType {
    pub const ALL: [DocumentType; 2] = [DocumentType::ConformityCertificate, DocumentType::TestReport];

    pub fn code(self) -> &'static str {
        match self {
            DocumentType::ConformityCertificate => "CoC",
            DocumentType::TestReport => "TR",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownDocumentType> {
        Self::ALL
            .into_iter()
            .find(|t| t.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownDocumentType(s.chars().take(16).collect()))
    }
}

impl std::fmt::Display for DocumentType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for DocumentType {
    type Err = UnknownDocumentType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn codes_round_trip() {
        for t in DocumentType::ALL {
            assert_eq!(DocumentType::parse(t.code()).unwrap(), t);
        }
        assert_eq!(DocumentType::parse("coc").unwrap(), DocumentType::ConformityCertificate);
        assert!(DocumentType::parse("permit").is_err());
    }
}
