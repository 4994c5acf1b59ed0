//! Hand-built PDF fixtures: classic tables, xref streams (with PNG predictors), object streams,
//! incremental updates, and deliberately broken variants.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

#[derive(Clone, Copy)]
pub enum Entry {
    InFile(usize),
    Compressed { stream: u32, index: u32 },
    Free,
}

/// Builds a PDF file section by section; each section lists the objects written since the last one.
pub struct Fixture {
    pub bytes: Vec<u8>,
    pending: BTreeMap<u32, Entry>,
    pub last_xref: Option<usize>,
    pub size: u32,
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

impl Fixture {
    pub fn new() -> Self {
        Fixture { bytes: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(), pending: BTreeMap::new(), last_xref: None, size: 1 }
    }

    fn note(&mut self, num: u32, entry: Entry) {
        self.pending.insert(num, entry);
        self.size = self.size.max(num + 1);
    }

    /// Writes `num 0 obj body endobj` and returns its offset.
    pub fn obj(&mut self, num: u32, body: &str) -> usize {
        let offset = self.bytes.len();
        write!(self.bytes, "{num} 0 obj\n{body}\nendobj\n").unwrap();
        self.note(num, Entry::InFile(offset));
        offset
    }

    /// Writes a stream object with the given extra dictionary entries.
    pub fn stream(&mut self, num: u32, dict_extra: &str, data: &[u8]) -> usize {
        let offset = self.bytes.len();
        write!(self.bytes, "{num} 0 obj\n<< /Length {} {dict_extra} >>\nstream\n", data.len()).unwrap();
        self.bytes.extend_from_slice(data);
        self.bytes.extend_from_slice(b"\nendstream\nendobj\n");
        self.note(num, Entry::InFile(offset));
        offset
    }

    /// Writes arbitrary bytes as the definition of object `num`.
    pub fn raw_object(&mut self, num: u32, bytes: &[u8]) -> usize {
        let offset = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        self.note(num, Entry::InFile(offset));
        offset
    }

    pub fn free(&mut self, num: u32) {
        self.note(num, Entry::Free);
    }

    /// Writes a Flate-compressed object stream holding `members`.
    pub fn objstm(&mut self, num: u32, members: &[(u32, &str)]) {
        let mut header = String::new();
        let mut body = String::new();
        for (num, text) in members {
            header.push_str(&format!("{num} {} ", body.len()));
            body.push_str(text);
            body.push(' ');
        }
        let data = format!("{header}{body}");
        let compressed = deflate(data.as_bytes());
        let extra = format!("/Type /ObjStm /N {} /First {} /Filter /FlateDecode", members.len(), header.len());
        self.stream(num, &extra, &compressed);
        for (index, (member, _)) in members.iter().enumerate() {
            self.note(*member, Entry::Compressed { stream: num, index: index as u32 });
        }
    }

    fn trailer_common(&self, extra: &str) -> String {
        let prev = self.last_xref.map(|p| format!(" /Prev {p}")).unwrap_or_default();
        format!("/Size {} /Root 1 0 R{prev} {extra}", self.size)
    }

    fn finish_section(&mut self, xref_offset: usize) {
        write!(self.bytes, "startxref\n{xref_offset}\n%%EOF\n").unwrap();
        self.last_xref = Some(xref_offset);
        self.pending.clear();
    }

    /// Writes a classic table for the pending objects (compressed ones are not allowed here).
    pub fn xref_table(&mut self, trailer_extra: &str) -> usize {
        let offset = self.bytes.len();
        self.bytes.extend_from_slice(b"xref\n");
        let entries: Vec<(u32, Entry)> = self.pending.iter().map(|(k, v)| (*k, *v)).collect();
        if self.last_xref.is_none() {
            self.bytes.extend_from_slice(b"0 1\n0000000000 65535 f \n");
        }
        for (num, entry) in entries {
            writeln!(self.bytes, "{num} 1").unwrap();
            match entry {
                Entry::InFile(o) => writeln!(self.bytes, "{o:010} 00000 n ").unwrap(),
                Entry::Free => writeln!(self.bytes, "0000000000 00001 f ").unwrap(),
                Entry::Compressed { .. } => panic!("compressed entry in a table"),
            }
        }
        let trailer = self.trailer_common(trailer_extra);
        write!(self.bytes, "trailer\n<< {trailer} >>\n").unwrap();
        self.finish_section(offset);
        offset
    }

    /// Writes a cross-reference stream as object `num`, optionally Flate + PNG-Up predictor.
    pub fn xref_stream(&mut self, num: u32, predictor: bool, trailer_extra: &str) -> usize {
        let offset = self.bytes.len();
        self.note(num, Entry::InFile(offset));
        let mut rows: Vec<[u8; 7]> = Vec::new();
        let mut index = String::new();
        if self.last_xref.is_none() {
            rows.push([0, 0, 0, 0, 0, 0xff, 0xff]);
            index.push_str("0 1 ");
        }
        for (n, entry) in &self.pending {
            index.push_str(&format!("{n} 1 "));
            rows.push(match *entry {
                Entry::InFile(o) => {
                    let b = (o as u32).to_be_bytes();
                    [1, b[0], b[1], b[2], b[3], 0, 0]
                }
                Entry::Compressed { stream, index } => {
                    let b = stream.to_be_bytes();
                    let i = (index as u16).to_be_bytes();
                    [2, b[0], b[1], b[2], b[3], i[0], i[1]]
                }
                Entry::Free => [0, 0, 0, 0, 0, 0, 1],
            });
        }
        let trailer = self.trailer_common(trailer_extra);
        let (data, filter) = if predictor {
            let mut encoded = Vec::new();
            let mut prev = [0u8; 7];
            for row in &rows {
                encoded.push(2); // PNG Up
                for i in 0..7 {
                    encoded.push(row[i].wrapping_sub(prev[i]));
                }
                prev = *row;
            }
            (deflate(&encoded), "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>")
        } else {
            (rows.concat(), "")
        };
        write!(
            self.bytes,
            "{num} 0 obj\n<< /Type /XRef /W [1 4 2] /Index [{index}] {trailer} {filter} /Length {} >>\nstream\n",
            data.len()
        )
        .unwrap();
        self.bytes.extend_from_slice(&data);
        self.bytes.extend_from_slice(b"\nendstream\nendobj\n");
        self.finish_section(offset);
        offset
    }
}

/// A minimal one-page document body: catalog 1, pages 2, page 3, content 4.
pub fn basic_objects(f: &mut Fixture) {
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    f.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792] >>");
    f.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>");
    f.stream(4, "", b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET");
}

/// A one-revision classic-table document.
pub fn simple_table_pdf() -> Vec<u8> {
    let mut f = Fixture::new();
    basic_objects(&mut f);
    f.xref_table("");
    f.bytes
}
