//! A full export of the audit log as JSON lines, and its offline verification (`ecert audit export` / `verify`).
//!
//! Layout, one JSON object per line, tagged by `kind`:
//! 1. `{"kind":"header","format":"ecert-audit-export/1","origin":…,"vkey":…,"tree_size":N}`
//! 2. every signed checkpoint up to size N: `{"kind":"checkpoint","note":"<signed note text>"}`
//! 3. every leaf, in index order: `{"kind":"leaf","index":i,"data":"<base64>","leaf_hash":"<base64>"}`
//!
//! `leaf_hash` is the hash the database holds, exported as is: the verifier recomputes it from `data` and reports
//! the first leaf that disagrees, then recomputes the tree and checks every checkpoint's signature and root.
//! Checkpoints come before leaves so that verification streams: memory is O(log n) plus the checkpoints.

use crate::{HubError, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ecert_store::Store;
use ecert_store::log::MAX_EXPORT_PAGE;
use ecert_translog::{ExportReport, ExportedLeaf, Hash, MAX_EXPORT_CHECKPOINTS, VerifierKey, verify_export};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{BufRead, Write};

/// The `format` of the header line.
pub const EXPORT_FORMAT: &str = "ecert-audit-export/1";
/// Longest accepted line: leaves hold ids and digests only, so they are a few hundred bytes.
pub const MAX_EXPORT_LINE: usize = 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Header { format: String, origin: String, vkey: String, tree_size: u64 },
    Checkpoint { note: String },
    Leaf { index: u64, data: String, leaf_hash: Hash },
}

/// What [`write_export`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub tree_size: u64,
    pub leaves: u64,
    pub checkpoints: u64,
}

fn io_error(e: std::io::Error) -> HubError {
    HubError::Internal(format!("writing the export: {e}"))
}

fn write_line(out: &mut dyn Write, line: &Line) -> Result<()> {
    serde_json::to_writer(&mut *out, line).map_err(|e| HubError::Internal(format!("writing the export: {e}")))?;
    out.write_all(b"\n").map_err(io_error)
}

/// Writes the log as it stands: the tree size is read first, and only leaves and checkpoints up to it are
/// written, so appends during the export do not make it inconsistent. Leaves are written as stored, gaps included:
/// judging them is the verifier's job.
pub async fn write_export(store: &dyn Store, vkey: &VerifierKey, out: &mut dyn Write) -> Result<ExportSummary> {
    let tree_size = store.log_size().await?;
    let header =
        Line::Header { format: EXPORT_FORMAT.into(), origin: vkey.name().into(), vkey: vkey.to_string(), tree_size };
    write_line(out, &header)?;
    let mut summary = ExportSummary { tree_size, leaves: 0, checkpoints: 0 };
    let mut after = None;
    'checkpoints: loop {
        let page = store.list_checkpoints(after, MAX_EXPORT_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.tree_size);
        for checkpoint in page {
            if checkpoint.tree_size > tree_size {
                break 'checkpoints;
            }
            write_line(out, &Line::Checkpoint { note: checkpoint.note })?;
            summary.checkpoints += 1;
        }
    }
    let mut from = 0;
    while from < tree_size {
        let page = store.export_leaves(from, MAX_EXPORT_PAGE).await?;
        let Some(last) = page.last() else { break };
        from = last.index.saturating_add(1);
        for leaf in page.into_iter().filter(|l| l.index < tree_size) {
            let line =
                Line::Leaf { index: leaf.index, data: BASE64.encode(&leaf.data), leaf_hash: leaf.stored_leaf_hash };
            write_line(out, &line)?;
            summary.leaves += 1;
        }
    }
    out.flush().map_err(io_error)?;
    Ok(summary)
}

/// The verdict on an export file.
#[derive(Debug)]
pub struct ExportVerification {
    /// The origin and tree size the header states.
    pub origin: String,
    pub stated_tree_size: u64,
    /// True when a trusted key was given and the export carries a different one.
    pub embedded_key_differs: bool,
    /// True when no trusted key was given: the export's own key was used, which proves integrity, not origin.
    pub used_embedded_key: bool,
    /// Leaf-by-leaf and checkpoint-by-checkpoint results.
    pub report: ExportReport,
}

impl ExportVerification {
    /// Every leaf matches its stored hash, every checkpoint is genuine and matches, the export is complete, and at
    /// least one checkpoint anchors a non-empty log.
    pub fn is_valid(&self) -> bool {
        self.report.is_valid()
            && self.stated_tree_size == self.report.leaf_count
            && (self.report.leaf_count == 0 || !self.report.checkpoints.is_empty())
    }
}

impl fmt::Display for ExportVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "log: {} (header states {} leaves)", self.origin, self.stated_tree_size)?;
        if self.used_embedded_key {
            writeln!(f, "key: the export's own key (pass the published key to also check who signed)")?;
        }
        if self.embedded_key_differs {
            writeln!(f, "key: the export names a different key than the trusted one")?;
        }
        if self.stated_tree_size != self.report.leaf_count {
            writeln!(
                f,
                "INCOMPLETE: {} leaves present, header states {}",
                self.report.leaf_count, self.stated_tree_size
            )?;
        }
        if self.report.leaf_count > 0 && self.report.checkpoints.is_empty() {
            writeln!(f, "UNANCHORED: no signed checkpoint in the export")?;
        }
        // The translog report ends with its own verdict line; ours accounts for the checks above too.
        let report = self.report.to_string();
        let body = report.rsplit_once('\n').map_or(report.as_str(), |(body, _)| body);
        writeln!(f, "{body}")?;
        write!(f, "verdict: {}", if self.is_valid() { "VALID" } else { "INVALID" })
    }
}

fn malformed(line: u64, reason: impl fmt::Display) -> HubError {
    HubError::invalid("export", format!("line {line}: {reason}"))
}

/// Reads lines of bounded length, skipping blank ones.
struct Lines<R> {
    input: R,
    number: u64,
}

impl<R: BufRead> Lines<R> {
    fn next_line(&mut self) -> Result<Option<Line>> {
        loop {
            let mut buf = Vec::new();
            let read = std::io::Read::take(&mut self.input, MAX_EXPORT_LINE as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(|e| malformed(self.number + 1, e))?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            if buf.len() > MAX_EXPORT_LINE {
                return Err(malformed(self.number, format!("longer than {MAX_EXPORT_LINE} bytes")));
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return serde_json::from_slice(&buf).map(Some).map_err(|e| malformed(self.number, e));
        }
    }
}

/// The leaf lines as an iterator for `verify_export`, which cannot take errors: the first one stops the iteration
/// and is kept for the caller.
struct LeafLines<R> {
    lines: Lines<R>,
    first: Option<Line>,
    error: Option<HubError>,
}

impl<R: BufRead> LeafLines<R> {
    fn leaf(&self, line: Line) -> Result<ExportedLeaf> {
        match line {
            Line::Leaf { index, data, leaf_hash } => Ok(ExportedLeaf {
                index,
                data: BASE64.decode(data).map_err(|e| malformed(self.lines.number, format!("leaf data: {e}")))?,
                stored_leaf_hash: leaf_hash,
            }),
            Line::Header { .. } => Err(malformed(self.lines.number, "a second header")),
            Line::Checkpoint { .. } => Err(malformed(self.lines.number, "checkpoints must come before the leaves")),
        }
    }
}

impl<R: BufRead> Iterator for LeafLines<R> {
    type Item = ExportedLeaf;

    fn next(&mut self) -> Option<ExportedLeaf> {
        if self.error.is_some() {
            return None;
        }
        let line = match self.first.take().map(|l| Ok(Some(l))).unwrap_or_else(|| self.lines.next_line()) {
            Ok(Some(line)) => line,
            Ok(None) => return None,
            Err(e) => {
                self.error = Some(e);
                return None;
            }
        };
        self.leaf(line).map_err(|e| self.error = Some(e)).ok()
    }
}

/// Verifies an export file. With `trusted_key` (the key the hub publishes), checkpoints must be signed by it; without,
/// the export's own key is used and the result says so. Tampering is reported in the verdict; errors are for files
/// that cannot be read as an export at all (bad JSON, leaves out of order, too many checkpoints, ...).
pub fn verify_export_file(input: impl BufRead, trusted_key: Option<&VerifierKey>) -> Result<ExportVerification> {
    let mut lines = Lines { input, number: 0 };
    let Some(Line::Header { format, origin, vkey, tree_size }) = lines.next_line()? else {
        return Err(malformed(1, "the first line must be the export header"));
    };
    if format != EXPORT_FORMAT {
        return Err(malformed(1, format!("unknown format '{format}' (expected {EXPORT_FORMAT})")));
    }
    let embedded = VerifierKey::parse(&vkey).map_err(|e| malformed(1, format!("vkey: {e}")))?;
    let key = trusted_key.unwrap_or(&embedded);
    let mut checkpoints: Vec<String> = Vec::new();
    let first = loop {
        match lines.next_line()? {
            Some(Line::Checkpoint { note }) => {
                if checkpoints.len() >= MAX_EXPORT_CHECKPOINTS {
                    return Err(malformed(lines.number, format!("more than {MAX_EXPORT_CHECKPOINTS} checkpoints")));
                }
                checkpoints.push(note);
            }
            other => break other,
        }
    };
    let mut leaves = LeafLines { lines, first, error: None };
    let report = verify_export(&mut leaves, &checkpoints, key)
        .map_err(|e| HubError::invalid("export", format!("line {}: {e}", leaves.lines.number)))?;
    if let Some(e) = leaves.error {
        return Err(e);
    }
    Ok(ExportVerification {
        origin,
        stated_tree_size: tree_size,
        embedded_key_differs: trusted_key.is_some_and(|t| *t != embedded),
        used_embedded_key: trusted_key.is_none(),
        report,
    })
}
