//! Cross-reference sections: classic tables and cross-reference streams (PDF 1.5+).

use std::collections::BTreeMap;

use crate::error::{PdfError, Result};
use crate::filters::decode_stream;
use crate::lexer::Cursor;
use crate::limits::Budget;
use crate::object::{Dictionary, Value};
use crate::parser::Parser;

/// Where one object number lives according to a cross-reference section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefEntry {
    /// Marked free (deleted) with the generation a reuse would take.
    Free { generation: u16 },
    /// An uncompressed object at a byte offset of the file.
    InFile { offset: usize, generation: u16 },
    /// Object `index` of the object stream numbered `stream` (generation is always 0).
    InObjectStream { stream: u32, index: u32 },
}

/// Which syntax a section was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefKind {
    /// `xref` ... `trailer << >>`.
    Table,
    /// A `/Type /XRef` stream.
    Stream,
}

/// One cross-reference section as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct XrefSection {
    /// Byte offset the section was read from (a `startxref`, `/Prev` or `/XRefStm` value).
    pub offset: usize,
    pub kind: XrefKind,
    /// Entries in file order of precedence: the first definition of a number in a section wins.
    pub entries: BTreeMap<u32, XrefEntry>,
    /// The trailer dictionary (for a stream: the stream's dictionary).
    pub trailer: Dictionary,
}

impl XrefSection {
    /// `/Prev` of the trailer, if it is a valid offset.
    pub fn prev(&self) -> Option<usize> {
        self.trailer.get_int(b"Prev").and_then(|p| usize::try_from(p).ok())
    }
    /// `/XRefStm` of a hybrid file's trailer.
    pub fn xref_stream(&self) -> Option<usize> {
        self.trailer.get_int(b"XRefStm").and_then(|p| usize::try_from(p).ok())
    }
}

/// Counts entries across sections against `Limits::max_objects`.
pub(crate) struct EntryCounter {
    pub(crate) count: usize,
}

impl EntryCounter {
    fn add(&mut self, n: usize, budget: &Budget) -> Result<()> {
        self.count = self.count.saturating_add(n);
        if self.count > budget.limits.max_objects {
            return Err(PdfError::TooManyObjects { limit: budget.limits.max_objects });
        }
        Ok(())
    }
}

/// Reads the section at `offset`, detecting its kind by the `xref` keyword.
pub(crate) fn read_section(
    data: &[u8],
    offset: usize,
    budget: &Budget,
    counter: &mut EntryCounter,
) -> Result<XrefSection> {
    if offset >= data.len() {
        return Err(PdfError::xref(offset, "offset is beyond the end of the file"));
    }
    let mut cur = Cursor::new(data, offset);
    cur.skip_ws();
    if cur.eat_keyword(b"xref") {
        read_table(data, offset, cur.pos, budget, counter)
    } else {
        read_stream(data, offset, budget, counter)
    }
}

fn read_table(
    data: &[u8],
    offset: usize,
    body: usize,
    budget: &Budget,
    counter: &mut EntryCounter,
) -> Result<XrefSection> {
    let mut cur = Cursor::new(data, body);
    let mut entries = BTreeMap::new();
    loop {
        budget.check_time()?;
        cur.skip_ws();
        if cur.eat_keyword(b"trailer") {
            break;
        }
        let here = cur.pos;
        let start = cur.read_unsigned().and_then(|n| u32::try_from(n).ok());
        cur.skip_blanks();
        let count = cur.read_unsigned().and_then(|n| u32::try_from(n).ok());
        let (Some(start), Some(count)) = (start, count) else {
            return Err(PdfError::xref(here, "expected a subsection header 'start count' or 'trailer'"));
        };
        counter.add(count as usize, budget)?;
        for i in 0..count {
            let num = start.checked_add(i).ok_or_else(|| PdfError::xref(here, "object number overflows"))?;
            let entry = read_table_entry(&mut cur)?;
            entries.entry(num).or_insert(entry);
        }
    }
    let trailer = Parser::new(data, cur.pos, &budget.limits).parse_dictionary()?;
    Ok(XrefSection { offset, kind: XrefKind::Table, entries, trailer })
}

/// Reads `oooooooooo ggggg n|f`, tolerating non-standard spacing.
fn read_table_entry(cur: &mut Cursor<'_>) -> Result<XrefEntry> {
    cur.skip_ws();
    let here = cur.pos;
    let bad = || PdfError::xref(here, "malformed table entry");
    let offset = cur.read_unsigned().ok_or_else(bad)?;
    cur.skip_blanks();
    let generation = cur.read_unsigned().and_then(|g| u16::try_from(g).ok()).ok_or_else(bad)?;
    cur.skip_blanks();
    let entry = if cur.eat_keyword(b"n") {
        XrefEntry::InFile { offset: usize::try_from(offset).map_err(|_| bad())?, generation }
    } else if cur.eat_keyword(b"f") {
        XrefEntry::Free { generation }
    } else {
        return Err(bad());
    };
    Ok(entry)
}

fn read_stream(data: &[u8], offset: usize, budget: &Budget, counter: &mut EntryCounter) -> Result<XrefSection> {
    let object = Parser::new(data, offset, &budget.limits).parse_indirect(None)?;
    let Value::Stream(stream) = object.object.value else {
        return Err(PdfError::xref(offset, "neither an xref table nor a cross-reference stream"));
    };
    if !stream.dict.has_type(b"XRef") {
        return Err(PdfError::xref(offset, "stream is not /Type /XRef"));
    }
    let raw = data.get(stream.data.start..stream.data.end).unwrap_or(&[]);
    let max = budget.limits.max_stream_decoded;
    let decoded = decode_stream(&stream.dict, raw, max)?;
    budget.charge_decoded(decoded.len())?;
    let entries = parse_stream_entries(&stream.dict, &decoded, offset, budget, counter)?;
    Ok(XrefSection { offset, kind: XrefKind::Stream, entries, trailer: stream.dict })
}

fn parse_stream_entries(
    dict: &Dictionary,
    decoded: &[u8],
    offset: usize,
    budget: &Budget,
    counter: &mut EntryCounter,
) -> Result<BTreeMap<u32, XrefEntry>> {
    let bad = |m: &str| PdfError::xref(offset, m);
    let widths: Vec<usize> = dict
        .get(b"W")
        .and_then(|w| w.value.as_array())
        .ok_or_else(|| bad("missing /W"))?
        .iter()
        .map(|w| w.value.as_int().and_then(|i| usize::try_from(i).ok()).filter(|&i| i <= 8))
        .collect::<Option<_>>()
        .ok_or_else(|| bad("/W entries must be integers 0..=8"))?;
    let [w1, w2, w3] = widths[..] else {
        return Err(bad("/W must have three entries"));
    };
    let row = w1 + w2 + w3;
    if row == 0 {
        return Err(bad("/W describes empty rows"));
    }
    let size = dict.get_int(b"Size").and_then(|s| u32::try_from(s).ok()).ok_or_else(|| bad("missing or bad /Size"))?;
    let ranges: Vec<(u32, u32)> = match dict.get(b"Index").and_then(|i| i.value.as_array()) {
        None => vec![(0, size)],
        Some(items) => {
            let numbers: Vec<u32> = items
                .iter()
                .map(|v| v.value.as_int().and_then(|i| u32::try_from(i).ok()))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("/Index entries must be non-negative integers"))?;
            if !numbers.len().is_multiple_of(2) {
                return Err(bad("/Index must have an even number of entries"));
            }
            numbers.chunks(2).filter_map(|p| Some((*p.first()?, *p.get(1)?))).collect()
        }
    };
    let mut rows = decoded.chunks_exact(row);
    let mut entries = BTreeMap::new();
    for (start, count) in ranges {
        counter.add(count as usize, budget)?;
        for i in 0..count {
            let Some(bytes) = rows.next() else {
                return Err(bad("stream data is shorter than /Index announces"));
            };
            let num = start.checked_add(i).ok_or_else(|| bad("object number overflows"))?;
            let (f1, rest) = bytes.split_at(w1);
            let (f2, f3) = rest.split_at(w2);
            // A zero-width type field means type 1.
            let kind = if w1 == 0 { 1 } else { be(f1) };
            let (a, b) = (be(f2), be(f3));
            let entry = match kind {
                0 => XrefEntry::Free { generation: u16::try_from(b).unwrap_or(u16::MAX) },
                1 => XrefEntry::InFile {
                    offset: usize::try_from(a).map_err(|_| bad("offset overflows"))?,
                    generation: u16::try_from(b).map_err(|_| bad("generation overflows"))?,
                },
                2 => XrefEntry::InObjectStream {
                    stream: u32::try_from(a).map_err(|_| bad("object stream number overflows"))?,
                    index: u32::try_from(b).map_err(|_| bad("object stream index overflows"))?,
                },
                // Unknown types are references to the null object (ISO 32000-1, 7.5.8.3).
                _ => continue,
            };
            entries.entry(num).or_insert(entry);
        }
    }
    Ok(entries)
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b))
}
