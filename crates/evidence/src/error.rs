/// Why a bundle file could not be read at all (the checks themselves report failures, not errors).
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("the evidence bundle is {size} bytes; the limit is {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("not an evidence bundle: {0}")]
    Malformed(String),
    #[error("unsupported evidence bundle format '{found}' (this tool reads '{expected}')")]
    UnsupportedFormat { found: String, expected: &'static str },
    #[error("the evidence bundle holds {count} {what}; the limit is {max}")]
    TooMany { what: &'static str, count: usize, max: usize },
}
