//! The crate's single error type.

use crate::object::ObjId;

/// Everything that can go wrong while reading, writing, stamping or signing a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("not a PDF: no %PDF- header in the first 1024 bytes")]
    NotPdf,
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    FileTooLarge { size: usize, limit: usize },
    #[error("the PDF is encrypted (/Encrypt in the trailer); encrypted documents are not supported")]
    Encrypted,
    #[error("syntax error at byte {offset}: {message}")]
    Syntax { offset: usize, message: String },
    #[error("unexpected end of data at byte {offset} while reading {what}")]
    UnexpectedEof { offset: usize, what: &'static str },
    #[error("nesting deeper than {limit} levels at byte {offset}")]
    TooDeep { offset: usize, limit: usize },
    #[error("a container at byte {offset} has more than {limit} elements")]
    TooManyElements { offset: usize, limit: usize },
    #[error("string at byte {offset} is longer than the limit of {limit} bytes")]
    StringTooLong { offset: usize, limit: usize },
    #[error("no startxref found near the end of the file")]
    NoStartXref,
    #[error("bad cross-reference section at byte {offset}: {message}")]
    BadXref { offset: usize, message: String },
    #[error("cross-reference chain loops back to byte {offset}")]
    XrefLoop { offset: usize },
    #[error("cross-reference chain is longer than the limit of {limit} sections")]
    TooManyRevisions { limit: usize },
    #[error("more than {limit} objects in the cross-reference data")]
    TooManyObjects { limit: usize },
    #[error("decoded stream would exceed {limit} bytes")]
    StreamTooLarge { limit: usize },
    #[error("total decoded stream data would exceed {limit} bytes")]
    TotalDecodedTooLarge { limit: usize },
    #[error("unsupported stream filter /{0}")]
    UnsupportedFilter(String),
    #[error("corrupt {filter} data: {message}")]
    BadStreamData { filter: &'static str, message: String },
    #[error("object {expected} expected at byte {offset}, found {found}")]
    ObjectMismatch { expected: ObjId, found: ObjId, offset: usize },
    #[error("bad object stream {stream}: {message}")]
    BadObjectStream { stream: u32, message: String },
    #[error("reference chain too long while resolving {0}")]
    ReferenceLoop(ObjId),
    #[error("revision {index} does not exist (the document has {count})")]
    NoSuchRevision { index: usize, count: usize },
    #[error("document structure: {0}")]
    Structure(String),
    #[error("time limit of {limit_ms} ms exceeded")]
    Timeout { limit_ms: u128 },
    #[error("the document is certified with DocMDP P=1: no changes, including new signatures, are permitted")]
    DocMdpNoChanges,
    #[error("signature field {0:?} already exists")]
    FieldExists(String),
    #[error("the document has no pages")]
    NoPages,
    #[error("signing failed: {0}")]
    Signing(#[source] ecert_pki::Error),
    #[error("timestamp authority failed: {0}")]
    Timestamp(#[source] ecert_pki::Error),
    #[error("the signature needs {needed} bytes but at most {limit} bytes of /Contents are allowed")]
    SignatureTooLarge { needed: usize, limit: usize },
    #[error("cannot encode the URL as a QR code: {0}")]
    Qr(String),
    #[error("the document is already signed; stamp the QR code before signing")]
    AlreadySigned,
}

pub type Result<T, E = PdfError> = std::result::Result<T, E>;

impl PdfError {
    pub(crate) fn syntax(offset: usize, message: impl Into<String>) -> Self {
        PdfError::Syntax { offset, message: message.into() }
    }
    pub(crate) fn xref(offset: usize, message: impl Into<String>) -> Self {
        PdfError::BadXref { offset, message: message.into() }
    }
}
