//! ecert-pdf: a strict, bounded PDF reader, an incremental-update writer, PAdES signing,
//! sample documents and QR stamping.
//!
//! # Reading
//!
//! [`Document::parse`] (or [`Document::parse_with_limits`]) reads the cross-reference chain of a
//! file it borrows; objects are parsed lazily on lookup. Every input either parses or gives a
//! specific [`PdfError`]; nothing panics, and [`Limits`] bounds size, object counts, nesting depth,
//! decoded stream sizes, string length, the `/Prev` chain and wall-clock time.
//!
//! - **Revisions.** [`Document::revisions`] lists the original document (index 0) and each
//!   incremental update in order. A [`Revision`] has its `startxref`, the offset right after its
//!   `%%EOF` marker (`eof_marker_end`) and after the following end-of-line (`end`), its merged
//!   cross-reference entries ([`XrefEntry`]: free, at a file offset, or in an object stream), its
//!   sections ([`XrefSection`]: table or stream, hybrid `/XRefStm` and linearized sections folded in)
//!   and its trailer. Loops in `/Prev` are detected.
//! - **Objects as of a revision.** [`Document::object_in`]`(rev, id)` returns the newest definition
//!   at or before revision `rev` as a [`LoadedObject`] (value, [`ObjectLocation`], defining revision,
//!   and span of `N G obj ... endobj`). [`Document::object`] uses the newest revision;
//!   [`Document::resolve_in`] follows references; [`Document::stream_data`] decodes a stream
//!   (FlateDecode with PNG/TIFF predictors, ASCIIHex, ASCII85).
//! - **Spans.** Every [`Object`] records its byte [`Span`]; dictionary entries record the key's span
//!   too ([`DictEntry`]). A string's span includes its delimiters, so for a signature dictionary the
//!   span of `/Contents` is exactly the `<...>` hex string that a `/ByteRange` gap must hold.
//!   Objects from object streams have spans into the stream's decoded data.
//! - **Low level.** [`parse_object_at`] parses `N G obj ... endobj` at any offset; [`parse_value_at`]
//!   one direct value. [`scan_object_headers`] finds every `N G obj` header in the raw bytes,
//!   referenced or not.
//! - **Structure.** [`Document::catalog`], [`Document::pages`] (ordered, inherited attributes
//!   applied), [`Document::fields`] (the AcroForm tree with full names, inherited /FT and /V),
//!   [`Document::signature_fields`] (with resolved signature dictionaries) and [`Document::doc_mdp`].
//!   All take a revision index and are loop-protected.
//! - **Encryption.** A `/Encrypt` entry in any trailer gives [`PdfError::Encrypted`].
//!
//! # Writing
//!
//! [`IncrementalUpdate`] appends new or replaced objects, a cross-reference section in the same
//! syntax as the newest existing one, and a trailer with `/Prev`; the original bytes are untouched.
//! [`serialize`] writes objects back to PDF syntax; [`text`] encodes and decodes text strings.
//!
//! # Signing, samples and stamps
//!
//! - [`sign::sign_pdf`]`(input, &`[`sign::SignOptions`]`)` adds a PAdES signature
//!   (`/SubFilter /ETSI.CAdES.detached`, CMS from `ecert-pki`) in a new incremental update: an
//!   invisible signature widget on page 1, `/SigFlags 3`, a `/ByteRange` patched in place and a
//!   `/Contents` placeholder sized from the certificates and key (retried larger if it turns out too
//!   small). B-T when `tsa` is set, B-LT (a further update with a [`dss::DssData`] `/DSS`) when `ltv`
//!   is set. Refuses encrypted, non-PDF or unreadable input and DocMDP P=1 documents.
//! - [`samples::generate`] writes a one-page Conformity Certificate or Test Report.
//! - [`qr::stamp_qr`] draws a QR code of a URL plus the URL text in a page-1 corner (before signing).

mod document;
pub mod dss;
mod error;
mod filters;
mod lexer;
mod limits;
mod object;
mod parser;
pub mod qr;
pub mod samples;
mod scan;
pub mod serialize;
mod sigfield;
pub mod sign;
mod structure;
pub mod text;
mod writer;
mod xref;

pub use document::{Document, LoadedObject, ObjectLocation, Revision};
pub use error::{PdfError, Result};
pub use limits::Limits;
pub use object::{DictEntry, Dictionary, IndirectObject, ObjId, Object, PdfString, Span, Stream, Value};
pub use parser::{parse_object_at, parse_value_at};
pub use scan::{ObjectHeader, scan_object_headers};
pub use structure::{DocMdp, Field, Page, SignatureField, SignatureValue};
pub use writer::{IncrementalUpdate, UpdateOutput};
pub use xref::{XrefEntry, XrefKind, XrefSection};
