//! Resource limits applied to every parse, so that no input can make the parser hang or exhaust memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{PdfError, Result};

/// Caps on what a single document may make the parser do. The defaults suit signed trade documents
/// (a few MB) with a wide safety margin; a hub facing untrusted uploads may want them lower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_file_size: usize,
    /// Largest number of cross-reference entries summed over all revisions, and of objects in one object stream.
    pub max_objects: usize,
    /// Deepest nesting of arrays and dictionaries, and of the page and field trees (at most 256).
    pub max_depth: usize,
    /// Most elements in one array or dictionary.
    pub max_container_len: usize,
    /// Largest decoded size of one stream.
    pub max_stream_decoded: usize,
    /// Largest decoded size summed over every stream the document decodes in its lifetime.
    pub max_total_decoded: usize,
    /// Longest string (after decoding escapes or hex).
    pub max_string_len: usize,
    /// Longest /Prev chain of cross-reference sections (loops are always an error).
    pub max_xref_sections: usize,
    /// Wall-clock budget for the parse and for every later lookup on the same document.
    pub timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 256 * 1024 * 1024,
            max_objects: 1_000_000,
            max_depth: 64,
            max_container_len: 500_000,
            max_stream_decoded: 64 * 1024 * 1024,
            max_total_decoded: 256 * 1024 * 1024,
            max_string_len: 16 * 1024 * 1024,
            max_xref_sections: 1_000,
            timeout: Some(Duration::from_secs(10)),
        }
    }
}

/// Nesting beyond this is refused whatever `max_depth` says: the parser and the structure walks
/// recurse, and this bound keeps them well inside a 2 MB thread stack.
const DEPTH_CEILING: usize = 256;

impl Limits {
    /// `max_depth`, capped at a ceiling that keeps recursion stack-safe.
    pub fn effective_depth(&self) -> usize {
        self.max_depth.min(DEPTH_CEILING)
    }
}

/// Tracks the consumable parts of [`Limits`] (time and total decoded bytes) for one document.
#[derive(Debug)]
pub(crate) struct Budget {
    pub(crate) limits: Limits,
    started: Instant,
    decoded: AtomicUsize,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Self {
        Budget { limits, started: Instant::now(), decoded: AtomicUsize::new(0) }
    }

    pub(crate) fn check_time(&self) -> Result<()> {
        match self.limits.timeout {
            Some(limit) if self.started.elapsed() > limit => Err(PdfError::Timeout { limit_ms: limit.as_millis() }),
            _ => Ok(()),
        }
    }

    /// Reserves `n` more decoded bytes against the document-wide total.
    pub(crate) fn charge_decoded(&self, n: usize) -> Result<()> {
        let limit = self.limits.max_total_decoded;
        let previous = self.decoded.fetch_add(n, Ordering::Relaxed);
        if previous.saturating_add(n) > limit {
            return Err(PdfError::TotalDecodedTooLarge { limit });
        }
        Ok(())
    }
}
