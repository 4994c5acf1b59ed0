//! A parsed document: its revisions (the `startxref`/`%%EOF` chain) and object lookup as of any revision.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::error::{PdfError, Result};
use crate::filters::decode_stream;
use crate::lexer::{Cursor, find_from, rfind};
use crate::limits::{Budget, Limits};
use crate::object::{IndirectObject, ObjId, Object, Span, Stream, Value};
use crate::parser::Parser;
use crate::xref::{EntryCounter, XrefEntry, XrefKind, XrefSection, read_section};

/// Longest chain of references followed by [`Document::resolve`].
const MAX_REFERENCE_HOPS: usize = 32;

/// One revision: the original document or one incremental update.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// 0 for the original document, counting up in file order of the update chain.
    pub index: usize,
    /// Offset named by this revision's `startxref`.
    pub startxref: usize,
    /// Offset just after this revision's `%%EOF` marker.
    pub eof_marker_end: usize,
    /// Offset just after the end-of-line that follows `%%EOF` (equal to `eof_marker_end` when
    /// none follows): where the revision ends and the next update, if any, begins.
    pub end: usize,
    /// Syntax of this revision's main section.
    pub kind: XrefKind,
    /// The sections that make up this revision, in order of precedence: the section `startxref`
    /// points to, then (hybrid files) its `/XRefStm`, then (linearized files) sections reached by
    /// `/Prev` that have no `startxref` of their own.
    pub sections: Vec<XrefSection>,
    /// The merged entries of `sections`.
    pub entries: BTreeMap<u32, XrefEntry>,
    /// The trailer of the main section.
    pub trailer: crate::object::Dictionary,
}

/// Where an object was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectLocation {
    /// Uncompressed at this file offset; spans are file offsets.
    File { offset: usize },
    /// Inside an object stream; spans are offsets into that stream's decoded data.
    ObjectStream { stream: ObjId, index: u32 },
}

/// An object resolved through the cross-reference data.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedObject {
    pub id: ObjId,
    pub object: Object,
    pub location: ObjectLocation,
    /// The revision whose cross-reference section defines this version of the object.
    pub revision: usize,
    /// Span of the whole `N G obj ... endobj` for objects stored in the file.
    pub span: Option<Span>,
}

#[derive(Debug)]
struct ObjectStreamData {
    decoded: Vec<u8>,
    /// (object number, offset into `decoded`) per index.
    members: Vec<(u32, usize)>,
}

/// A parsed PDF. Borrows the input; objects are parsed lazily on lookup.
#[derive(Debug)]
pub struct Document<'a> {
    data: &'a [u8],
    budget: Budget,
    revisions: Vec<Revision>,
    object_streams: Mutex<HashMap<usize, Arc<ObjectStreamData>>>,
    /// Parsed uncompressed objects by file offset: validators look up the same objects once per
    /// revision, and the bytes at an offset never change.
    parsed: Mutex<HashMap<usize, Arc<IndirectObject>>>,
}

impl<'a> Document<'a> {
    /// Parses the cross-reference chain with default [`Limits`].
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        Self::parse_with_limits(data, Limits::default())
    }

    /// Parses the cross-reference chain. Refuses encrypted documents with [`PdfError::Encrypted`].
    pub fn parse_with_limits(data: &'a [u8], limits: Limits) -> Result<Self> {
        if data.len() > limits.max_file_size {
            return Err(PdfError::FileTooLarge { size: data.len(), limit: limits.max_file_size });
        }
        let head = data.get(..data.len().min(1024)).unwrap_or(&[]);
        if find_from(head, b"%PDF-", 0).is_none() {
            return Err(PdfError::NotPdf);
        }
        let budget = Budget::new(limits);
        let sections = read_chain(data, &budget)?;
        let revisions = group_into_revisions(data, sections)?;
        if revisions.iter().any(|r| r.trailer.contains(b"Encrypt")) {
            return Err(PdfError::Encrypted);
        }
        Ok(Document {
            data,
            budget,
            revisions,
            object_streams: Mutex::new(HashMap::new()),
            parsed: Mutex::new(HashMap::new()),
        })
    }

    /// The input bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    pub fn limits(&self) -> &Limits {
        &self.budget.limits
    }

    /// Revisions in chronological order: index 0 is the original document, the last is the current state.
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// Index of the newest revision.
    pub fn latest(&self) -> usize {
        self.revisions.len().saturating_sub(1)
    }

    pub fn revision(&self, index: usize) -> Result<&Revision> {
        self.revisions.get(index).ok_or(PdfError::NoSuchRevision { index, count: self.revisions.len() })
    }

    /// The trailer in force at revision `rev`.
    pub fn trailer(&self, rev: usize) -> Result<&crate::object::Dictionary> {
        Ok(&self.revision(rev)?.trailer)
    }

    /// The newest cross-reference entry for `num` at or before revision `rev`, with the revision defining it.
    pub fn xref_entry(&self, rev: usize, num: u32) -> Result<Option<(usize, XrefEntry)>> {
        self.revision(rev)?;
        Ok(self.revisions.iter().take(rev + 1).rev().find_map(|r| r.entries.get(&num).map(|e| (r.index, *e))))
    }

    /// Loads object `id` as of revision `rev`. `Ok(None)` when it is undefined, free or of another generation.
    pub fn object_in(&self, rev: usize, id: ObjId) -> Result<Option<LoadedObject>> {
        self.budget.check_time()?;
        let Some((defined_in, entry)) = self.xref_entry(rev, id.num)? else {
            return Ok(None);
        };
        match entry {
            XrefEntry::Free { .. } => Ok(None),
            XrefEntry::InFile { generation, .. } if generation != id.generation => Ok(None),
            XrefEntry::InFile { offset, .. } => {
                let loaded = self.cached_object_at(offset, rev)?;
                if loaded.id != id {
                    return Err(PdfError::ObjectMismatch { expected: id, found: loaded.id, offset });
                }
                Ok(Some(LoadedObject {
                    id,
                    object: loaded.object.clone(),
                    location: ObjectLocation::File { offset },
                    revision: defined_in,
                    span: Some(loaded.span),
                }))
            }
            XrefEntry::InObjectStream { .. } if id.generation != 0 => Ok(None),
            XrefEntry::InObjectStream { stream, index } => {
                let object = self.object_from_stream(defined_in, stream, index, id.num)?;
                let location = ObjectLocation::ObjectStream { stream: ObjId::new(stream, 0), index };
                Ok(Some(LoadedObject { id, object, location, revision: defined_in, span: None }))
            }
        }
    }

    /// Loads object `id` as of the newest revision.
    pub fn object(&self, id: ObjId) -> Result<Option<LoadedObject>> {
        self.object_in(self.latest(), id)
    }

    /// Parses the indirect object at a file offset, resolving an indirect stream `/Length` as of revision `rev`.
    pub fn object_at(&self, offset: usize, rev: usize) -> Result<IndirectObject> {
        if offset >= self.data.len() {
            return Err(PdfError::UnexpectedEof { offset, what: "an object header" });
        }
        let length_of = |id: ObjId| -> Option<i64> {
            // The length object must be a plain integer stored in the file; no further resolution,
            // so a /Length that refers back to its own stream cannot recurse.
            let (_, entry) = self.xref_entry(rev, id.num).ok()??;
            let XrefEntry::InFile { offset, .. } = entry else {
                return self.object_in(rev, id).ok()??.object.value.as_int();
            };
            let obj = Parser::new(self.data, offset, &self.budget.limits).parse_indirect(None).ok()?;
            (obj.id == id).then_some(obj.object.value.as_int()).flatten()
        };
        Parser::new(self.data, offset, &self.budget.limits).parse_indirect(Some(&length_of))
    }

    /// [`Document::object_at`] through the parse cache. Streams whose /Length is indirect are not
    /// cached, since their extent depends on the revision the length is resolved in.
    fn cached_object_at(&self, offset: usize, rev: usize) -> Result<Arc<IndirectObject>> {
        if let Some(hit) = self.parsed.lock().ok().and_then(|cache| cache.get(&offset).cloned()) {
            return Ok(hit);
        }
        let object = Arc::new(self.object_at(offset, rev)?);
        let indirect_length = object
            .object
            .value
            .as_stream()
            .is_some_and(|s| matches!(s.dict.get(b"Length").map(|l| &l.value), Some(Value::Reference(_))));
        if indirect_length {
            return Ok(object);
        }
        if let Ok(mut cache) = self.parsed.lock() {
            cache.insert(offset, Arc::clone(&object));
        }
        Ok(object)
    }

    /// Follows references (as of revision `rev`) until a direct value; undefined objects read as null.
    pub fn resolve_in(&self, rev: usize, object: &Object) -> Result<Object> {
        let mut current = object.clone();
        for _ in 0..MAX_REFERENCE_HOPS {
            let Value::Reference(id) = current.value else {
                return Ok(current);
            };
            current = match self.object_in(rev, id)? {
                Some(loaded) => loaded.object,
                None => Object::from(Value::Null),
            };
        }
        match object.value {
            Value::Reference(id) => Err(PdfError::ReferenceLoop(id)),
            _ => Ok(current),
        }
    }

    /// [`Document::resolve_in`] as of the newest revision.
    pub fn resolve(&self, object: &Object) -> Result<Object> {
        self.resolve_in(self.latest(), object)
    }

    /// The raw, still encoded bytes of a stream read from the file.
    pub fn stream_raw(&self, stream: &Stream) -> &'a [u8] {
        self.data.get(stream.data.start..stream.data.end).unwrap_or(&[])
    }

    /// The decoded data of a stream read from the file, charged against the document's decode budget.
    pub fn stream_data(&self, stream: &Stream) -> Result<Vec<u8>> {
        self.budget.check_time()?;
        let decoded = decode_stream(&stream.dict, self.stream_raw(stream), self.budget.limits.max_stream_decoded)?;
        self.budget.charge_decoded(decoded.len())?;
        Ok(decoded)
    }

    fn object_from_stream(&self, rev: usize, stream_num: u32, index: u32, num: u32) -> Result<Object> {
        let bad = |message: String| PdfError::BadObjectStream { stream: stream_num, message };
        let Some((_, XrefEntry::InFile { offset, generation: 0 })) = self.xref_entry(rev, stream_num)? else {
            return Err(bad("not an uncompressed object of generation 0".into()));
        };
        let data = self.load_object_stream(offset, rev, stream_num)?;
        let (member, at) = *data.members.get(index as usize).ok_or_else(|| bad(format!("has no index {index}")))?;
        if member != num {
            return Err(bad(format!("index {index} holds object {member}, not {num}")));
        }
        let mut parser = Parser::new(&data.decoded, at, &self.budget.limits);
        parser.parse_value()
    }

    fn load_object_stream(&self, offset: usize, rev: usize, stream_num: u32) -> Result<Arc<ObjectStreamData>> {
        if let Some(cached) = self.cached_object_stream(offset) {
            return Ok(cached);
        }
        let bad = |message: &str| PdfError::BadObjectStream { stream: stream_num, message: message.to_string() };
        let object = self.object_at(offset, rev)?;
        if object.id.num != stream_num {
            return Err(bad("cross-reference offset points at another object"));
        }
        let Value::Stream(stream) = object.object.value else {
            return Err(bad("not a stream"));
        };
        if !stream.dict.has_type(b"ObjStm") {
            return Err(bad("not /Type /ObjStm"));
        }
        let count = stream.dict.get_int(b"N").and_then(|n| usize::try_from(n).ok()).ok_or_else(|| bad("bad /N"))?;
        let first =
            stream.dict.get_int(b"First").and_then(|n| usize::try_from(n).ok()).ok_or_else(|| bad("bad /First"))?;
        if count > self.budget.limits.max_objects {
            return Err(PdfError::TooManyObjects { limit: self.budget.limits.max_objects });
        }
        let decoded = self.stream_data(&stream)?;
        let mut cur = Cursor::new(&decoded, 0);
        let mut members = Vec::with_capacity(count.min(decoded.len() / 4 + 1));
        for _ in 0..count {
            cur.skip_ws();
            let num = cur.read_unsigned().and_then(|n| u32::try_from(n).ok());
            cur.skip_ws();
            let rel = cur.read_unsigned().and_then(|n| usize::try_from(n).ok());
            let (Some(num), Some(rel)) = (num, rel) else {
                return Err(bad("malformed header pairs"));
            };
            let at = first
                .checked_add(rel)
                .filter(|&a| a <= decoded.len())
                .ok_or_else(|| bad("member offset out of range"))?;
            members.push((num, at));
        }
        let data = Arc::new(ObjectStreamData { decoded, members });
        if let Ok(mut cache) = self.object_streams.lock() {
            cache.insert(offset, Arc::clone(&data));
        }
        Ok(data)
    }

    fn cached_object_stream(&self, offset: usize) -> Option<Arc<ObjectStreamData>> {
        self.object_streams.lock().ok()?.get(&offset).cloned()
    }

    /// Decoded data of the object stream that holds compressed objects (for spans of
    /// [`ObjectLocation::ObjectStream`] objects), as of revision `rev`.
    pub fn object_stream_data(&self, rev: usize, stream: u32) -> Result<Vec<u8>> {
        let Some((_, XrefEntry::InFile { offset, generation: 0 })) = self.xref_entry(rev, stream)? else {
            return Err(PdfError::BadObjectStream {
                stream,
                message: "not an uncompressed object of generation 0".into(),
            });
        };
        Ok(self.load_object_stream(offset, rev, stream)?.decoded.clone())
    }

    /// Highest object number used by any revision plus one (at least the newest trailer's /Size).
    pub fn next_object_number(&self) -> u32 {
        let from_entries =
            self.revisions.iter().filter_map(|r| r.entries.keys().next_back()).max().map_or(0, |n| n + 1);
        let from_size = self
            .revisions
            .iter()
            .filter_map(|r| r.trailer.get_int(b"Size").and_then(|s| u32::try_from(s).ok()))
            .max()
            .unwrap_or(0);
        from_entries.max(from_size).max(1)
    }
}

/// Follows `startxref` and the `/Prev` chain, newest section first, detecting loops.
fn read_chain(data: &[u8], budget: &Budget) -> Result<Vec<(XrefSection, Option<XrefSection>)>> {
    let start = last_startxref(data)?;
    let mut counter = EntryCounter { count: 0 };
    let mut visited = HashSet::new();
    let mut hidden_streams: HashMap<usize, XrefSection> = HashMap::new();
    let mut chain = Vec::new();
    let mut next = Some(start);
    while let Some(offset) = next {
        budget.check_time()?;
        if !visited.insert(offset) {
            return Err(PdfError::XrefLoop { offset });
        }
        if chain.len() >= budget.limits.max_xref_sections {
            return Err(PdfError::TooManyRevisions { limit: budget.limits.max_xref_sections });
        }
        let section = read_section(data, offset, budget, &mut counter)?;
        let hidden = match (section.kind, section.xref_stream()) {
            // Updates often repeat the previous /XRefStm; it is not followed further, so reuse cannot loop.
            (XrefKind::Table, Some(stm)) => match hidden_streams.get(&stm) {
                Some(known) => Some(XrefSection::clone(known)),
                None => {
                    let hidden = read_section(data, stm, budget, &mut counter)?;
                    if hidden.kind != XrefKind::Stream {
                        return Err(PdfError::xref(stm, "/XRefStm does not point at a cross-reference stream"));
                    }
                    hidden_streams.insert(stm, hidden.clone());
                    Some(hidden)
                }
            },
            _ => None,
        };
        next = section.prev();
        chain.push((section, hidden));
    }
    Ok(chain)
}

/// Offset named by the last `startxref` of the file.
fn last_startxref(data: &[u8]) -> Result<usize> {
    let at = rfind(data, b"startxref").ok_or(PdfError::NoStartXref)?;
    let mut cur = Cursor::new(data, at + b"startxref".len());
    cur.skip_ws();
    cur.read_unsigned().and_then(|n| usize::try_from(n).ok()).ok_or(PdfError::NoStartXref)
}

/// Every `startxref N [%%EOF]` in the file: N -> (end of the %%EOF marker, end after its EOL), in file order.
fn startxref_markers(data: &[u8]) -> HashMap<usize, Vec<(usize, usize)>> {
    let mut markers: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for at in memchr::memmem::find_iter(data, b"startxref") {
        let mut cur = Cursor::new(data, at + b"startxref".len());
        cur.skip_ws();
        let Some(target) = cur.read_unsigned().and_then(|n| usize::try_from(n).ok()) else {
            continue;
        };
        let number_end = cur.pos;
        // Comments are whitespace to skip_ws, so look for %%EOF by hand.
        while matches!(cur.peek(), Some(b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')) {
            cur.pos += 1;
        }
        let (marker_end, mut after) = if cur.rest().starts_with(b"%%EOF") {
            let end = cur.pos + b"%%EOF".len();
            (end, Cursor::new(data, end))
        } else {
            // A missing %%EOF is tolerated: the revision then ends after the offset's line.
            (number_end, Cursor::new(data, number_end))
        };
        after.skip_eol();
        markers.entry(target).or_default().push((marker_end, after.pos));
    }
    markers
}

fn group_into_revisions(data: &[u8], chain: Vec<(XrefSection, Option<XrefSection>)>) -> Result<Vec<Revision>> {
    let markers = startxref_markers(data);
    // Built newest first, reversed at the end.
    let mut newest_first: Vec<Revision> = Vec::new();
    for (section, hidden) in chain {
        let marker = markers
            .get(&section.offset)
            .and_then(|found| found.iter().find(|(marker_end, _)| *marker_end > section.offset).copied());
        let mut parts = vec![section];
        parts.extend(hidden);
        match (marker, newest_first.last_mut()) {
            // No startxref of its own (e.g. the main table of a linearized file): part of the newer revision.
            (None, Some(newer)) => newer.sections.extend(parts),
            (None, None) => return Err(PdfError::NoStartXref),
            (Some((eof_marker_end, end)), _) => {
                let main = parts.first().ok_or(PdfError::NoStartXref)?;
                newest_first.push(Revision {
                    index: 0,
                    startxref: main.offset,
                    eof_marker_end,
                    end,
                    kind: main.kind,
                    trailer: main.trailer.clone(),
                    sections: parts,
                    entries: BTreeMap::new(),
                });
            }
        }
    }
    newest_first.reverse();
    for (index, revision) in newest_first.iter_mut().enumerate() {
        revision.index = index;
        revision.entries = merge_entries(&revision.sections);
    }
    Ok(newest_first)
}

/// Merges a revision's sections: earlier sections take precedence, except that a hybrid file's
/// `/XRefStm` entries replace the table's free placeholders for compressed objects.
fn merge_entries(sections: &[XrefSection]) -> BTreeMap<u32, XrefEntry> {
    let mut merged = BTreeMap::new();
    for section in sections {
        for (&num, &entry) in &section.entries {
            match merged.get(&num) {
                None | Some(XrefEntry::Free { .. }) if !matches!(entry, XrefEntry::Free { .. }) => {
                    merged.insert(num, entry);
                }
                None => {
                    merged.insert(num, entry);
                }
                _ => {}
            }
        }
    }
    merged
}
