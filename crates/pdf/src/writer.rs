//! Incremental updates: new and changed objects, a cross-reference section and a trailer appended
//! after the original bytes, which stay untouched.

use std::collections::BTreeMap;
use std::io::Write;

use crate::document::Document;
use crate::object::{Dictionary, ObjId, Object};
use crate::serialize::{write_dictionary, write_indirect_object, write_stream_object};
use crate::xref::XrefKind;

enum Pending {
    Object(Object),
    Stream(Dictionary, Vec<u8>),
}

/// The result of [`IncrementalUpdate::finish`].
#[derive(Debug, Clone)]
pub struct UpdateOutput {
    /// The original bytes followed by the update.
    pub bytes: Vec<u8>,
    /// File offset of every object written by the update.
    pub offsets: BTreeMap<ObjId, usize>,
    /// Offset of the new cross-reference section.
    pub startxref: usize,
}

/// Collects the objects of one incremental update of `doc`.
///
/// The new cross-reference section uses the syntax of the document's newest section (a table
/// after a table, a stream after a stream), which every reader accepts in an update chain.
pub struct IncrementalUpdate<'d, 'a> {
    doc: &'d Document<'a>,
    next_num: u32,
    objects: BTreeMap<ObjId, Pending>,
}

impl<'d, 'a> IncrementalUpdate<'d, 'a> {
    pub fn new(doc: &'d Document<'a>) -> Self {
        IncrementalUpdate { doc, next_num: doc.next_object_number(), objects: BTreeMap::new() }
    }

    /// Reserves a fresh object number (generation 0) to be defined later with [`Self::set`].
    pub fn allocate(&mut self) -> ObjId {
        let id = ObjId::new(self.next_num, 0);
        self.next_num = self.next_num.saturating_add(1);
        id
    }

    /// Adds a new object and returns its identifier.
    pub fn add(&mut self, object: impl Into<Object>) -> ObjId {
        let id = self.allocate();
        self.set(id, object);
        id
    }

    /// Adds a new stream object (written unfiltered unless `dict` names a filter the data already has).
    pub fn add_stream(&mut self, dict: Dictionary, data: Vec<u8>) -> ObjId {
        let id = self.allocate();
        self.objects.insert(id, Pending::Stream(dict, data));
        id
    }

    /// Defines or replaces object `id` in this update.
    pub fn set(&mut self, id: ObjId, object: impl Into<Object>) {
        self.objects.insert(id, Pending::Object(object.into()));
    }

    /// The pending definition of `id`, if this update defines it as a non-stream object.
    pub fn pending(&self, id: ObjId) -> Option<&Object> {
        match self.objects.get(&id) {
            Some(Pending::Object(o)) => Some(o),
            _ => None,
        }
    }

    /// Writes the update after the original bytes.
    pub fn finish(self) -> UpdateOutput {
        let original = self.doc.data();
        let latest = self.doc.revisions().last();
        let mut out = Vec::with_capacity(original.len() + 4096 + self.objects.len() * 128);
        out.extend_from_slice(original);
        if !matches!(original.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let mut offsets = BTreeMap::new();
        for (id, pending) in &self.objects {
            offsets.insert(*id, out.len());
            match pending {
                Pending::Object(object) => write_indirect_object(&mut out, *id, object),
                Pending::Stream(dict, data) => write_stream_object(&mut out, *id, dict, data),
            }
        }
        let mut trailer = Dictionary::new();
        if let Some(previous) = latest.map(|r| &r.trailer) {
            for key in [&b"Root"[..], b"Info", b"ID"] {
                if let Some(value) = previous.get(key) {
                    trailer.set(key, value.clone());
                }
            }
        }
        if let Some(revision) = latest {
            trailer.set(b"Prev", Object::from(revision.startxref as i64));
        }
        let use_stream = latest.is_some_and(|r| r.kind == XrefKind::Stream);
        let startxref = out.len();
        let mut next_num = self.next_num;
        if use_stream {
            let id = ObjId::new(next_num, 0);
            next_num = next_num.saturating_add(1);
            offsets.insert(id, startxref);
            write_xref_stream(&mut out, id, &offsets, trailer, next_num);
        } else {
            trailer.set(b"Size", Object::from(i64::from(next_num)));
            write_xref_table(&mut out, &offsets, &trailer);
        }
        let _ = write!(out, "startxref\n{startxref}\n%%EOF\n");
        UpdateOutput { bytes: out, offsets, startxref }
    }
}

/// Runs of consecutive object numbers, for xref subsections.
fn runs(offsets: &BTreeMap<ObjId, usize>) -> Vec<Vec<(ObjId, usize)>> {
    let mut runs: Vec<Vec<(ObjId, usize)>> = Vec::new();
    for (&id, &offset) in offsets {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|(last, _)| last.num.checked_add(1) == Some(id.num)) => {
                run.push((id, offset))
            }
            _ => runs.push(vec![(id, offset)]),
        }
    }
    runs
}

fn write_xref_table(out: &mut Vec<u8>, offsets: &BTreeMap<ObjId, usize>, trailer: &Dictionary) {
    out.extend_from_slice(b"xref\n");
    for run in runs(offsets) {
        let first = run.first().map_or(0, |(id, _)| id.num);
        let _ = writeln!(out, "{first} {}", run.len());
        for (id, offset) in run {
            // Each entry is exactly 20 bytes, ending in space + LF.
            let _ = writeln!(out, "{offset:010} {:05} n ", id.generation);
        }
    }
    out.extend_from_slice(b"trailer\n");
    write_dictionary(out, trailer);
    out.push(b'\n');
}

fn write_xref_stream(out: &mut Vec<u8>, id: ObjId, offsets: &BTreeMap<ObjId, usize>, mut dict: Dictionary, size: u32) {
    let max_offset = offsets.values().copied().max().unwrap_or(0);
    let offset_width = (1..=8usize).find(|&w| w == 8 || max_offset >> (8 * w) == 0).unwrap_or(8);
    let mut data = Vec::new();
    let mut index = Vec::new();
    for run in runs(offsets) {
        let first = run.first().map_or(0, |(id, _)| id.num);
        index.push(Object::from(i64::from(first)));
        index.push(Object::from(run.len() as i64));
        for (id, offset) in run {
            data.push(1);
            let bytes = (offset as u64).to_be_bytes();
            data.extend_from_slice(bytes.get(8 - offset_width..).unwrap_or(&bytes));
            data.extend_from_slice(&id.generation.to_be_bytes());
        }
    }
    dict.set(b"Type", Object::name(b"XRef"));
    dict.set(b"Size", Object::from(i64::from(size)));
    dict.set(b"Index", Object::from(index));
    dict.set(b"W", Object::from(vec![Object::from(1), Object::from(offset_width as i64), Object::from(2)]));
    write_stream_object(out, id, &dict, &data);
}
