//! A raw scan of the whole file for `N G obj` headers, independent of any cross-reference data.
//! It finds objects that no revision references (orphaned signature dictionaries, objects hidden
//! behind later revisions) and is linear in the input size.

use crate::lexer::{is_regular, is_whitespace};
use crate::object::ObjId;

/// An object header found by [`scan_object_headers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectHeader {
    pub id: ObjId,
    /// Offset of the first digit of the object number.
    pub offset: usize,
}

/// Longest digit run accepted for an object or generation number.
const MAX_DIGITS: usize = 10;

/// Every `N G obj` header in the file, in file order (including ones inside stream data, which a
/// consumer can filter against the spans of parsed objects).
pub fn scan_object_headers(data: &[u8]) -> Vec<ObjectHeader> {
    memchr::memmem::find_iter(data, b"obj")
        .filter(|&at| !data.get(at + 3).is_some_and(|&b| is_regular(b)))
        .filter_map(|at| header_ending_at(data, at))
        .collect()
}

/// Reads `N G` backwards from the `obj` keyword at `keyword`.
fn header_ending_at(data: &[u8], keyword: usize) -> Option<ObjectHeader> {
    let mut pos = keyword;
    let ws_end = pos;
    while pos > 0 && data.get(pos - 1).is_some_and(|&b| is_whitespace(b)) {
        pos -= 1;
    }
    if pos == ws_end {
        return None;
    }
    let (generation, gen_start) = digits_before(data, pos)?;
    pos = gen_start;
    let ws_end = pos;
    while pos > 0 && data.get(pos - 1).is_some_and(|&b| is_whitespace(b)) {
        pos -= 1;
    }
    if pos == ws_end {
        return None;
    }
    let (num, num_start) = digits_before(data, pos)?;
    if num_start > 0 && data.get(num_start - 1).is_some_and(|&b| is_regular(b)) {
        return None;
    }
    Some(ObjectHeader { id: ObjId::new(u32::try_from(num).ok()?, u16::try_from(generation).ok()?), offset: num_start })
}

/// The decimal number that ends just before `end`, with its start.
fn digits_before(data: &[u8], end: usize) -> Option<(u64, usize)> {
    let mut start = end;
    while start > 0 && end - start < MAX_DIGITS && data.get(start - 1).is_some_and(u8::is_ascii_digit) {
        start -= 1;
    }
    if start == end || (start > 0 && data.get(start - 1).is_some_and(u8::is_ascii_digit)) {
        return None;
    }
    let digits = data.get(start..end)?;
    Some((digits.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0')), start))
}
