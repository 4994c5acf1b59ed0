//! The object parser: values, and indirect objects `N G obj ... endobj` with their streams.

use crate::error::{PdfError, Result};
use crate::lexer::{Cursor, find_from, is_whitespace};
use crate::limits::Limits;
use crate::object::{DictEntry, Dictionary, IndirectObject, ObjId, Object, PdfString, Span, Stream, Value};

/// Looks up the value of an indirect `/Length`; returns `None` when it cannot be resolved.
pub(crate) type LengthResolver<'r> = &'r dyn Fn(ObjId) -> Option<i64>;

pub(crate) struct Parser<'a, 'l> {
    pub(crate) cur: Cursor<'a>,
    limits: &'l Limits,
}

impl<'a, 'l> Parser<'a, 'l> {
    pub(crate) fn new(data: &'a [u8], pos: usize, limits: &'l Limits) -> Self {
        Parser { cur: Cursor::new(data, pos), limits }
    }

    fn eof(&self, what: &'static str) -> PdfError {
        PdfError::UnexpectedEof { offset: self.cur.pos, what }
    }

    /// Parses one direct value (no streams) starting at the next non-whitespace byte.
    pub(crate) fn parse_value(&mut self) -> Result<Object> {
        self.parse_value_at_depth(0)
    }

    fn parse_value_at_depth(&mut self, depth: usize) -> Result<Object> {
        self.cur.skip_ws();
        let start = self.cur.pos;
        let first = self.cur.peek().ok_or_else(|| self.eof("an object"))?;
        let value = match first {
            b'/' => Value::Name(self.parse_name()?),
            b'(' => Value::String(self.parse_literal_string()?),
            b'<' if self.cur.peek_at(1) == Some(b'<') => Value::Dictionary(self.parse_dictionary_at_depth(depth)?),
            b'<' => Value::String(self.parse_hex_string()?),
            b'[' => Value::Array(self.parse_array(depth)?),
            b'0'..=b'9' | b'+' | b'-' | b'.' => return self.parse_number_or_reference(),
            _ => {
                let word = self.cur.regular_run();
                let value = match word {
                    b"true" => Value::Bool(true),
                    b"false" => Value::Bool(false),
                    b"null" => Value::Null,
                    _ => {
                        let shown = String::from_utf8_lossy(word.get(..word.len().min(20)).unwrap_or(&[]));
                        let shown = if shown.is_empty() { format!("byte 0x{first:02x}") } else { format!("{shown:?}") };
                        return Err(PdfError::syntax(
                            start,
                            format!("unexpected {shown} where an object was expected"),
                        ));
                    }
                };
                self.cur.pos += word.len();
                value
            }
        };
        Ok(Object { span: Span::new(start, self.cur.pos), value })
    }

    fn enter(&self, depth: usize) -> Result<usize> {
        let next = depth + 1;
        let limit = self.limits.effective_depth();
        if next > limit {
            return Err(PdfError::TooDeep { offset: self.cur.pos, limit });
        }
        Ok(next)
    }

    fn parse_array(&mut self, depth: usize) -> Result<Vec<Object>> {
        let inner = self.enter(depth)?;
        let open = self.cur.pos;
        self.cur.pos += 1; // '['
        let mut items = Vec::new();
        loop {
            self.cur.skip_ws();
            match self.cur.peek() {
                None => return Err(self.eof("an array")),
                Some(b']') => {
                    self.cur.pos += 1;
                    return Ok(items);
                }
                Some(_) => {
                    if items.len() >= self.limits.max_container_len {
                        return Err(PdfError::TooManyElements { offset: open, limit: self.limits.max_container_len });
                    }
                    items.push(self.parse_value_at_depth(inner)?);
                }
            }
        }
    }

    pub(crate) fn parse_dictionary(&mut self) -> Result<Dictionary> {
        self.cur.skip_ws();
        if self.cur.rest().starts_with(b"<<") {
            self.parse_dictionary_at_depth(0)
        } else {
            Err(PdfError::syntax(self.cur.pos, "expected a dictionary '<<'"))
        }
    }

    fn parse_dictionary_at_depth(&mut self, depth: usize) -> Result<Dictionary> {
        let inner = self.enter(depth)?;
        let open = self.cur.pos;
        self.cur.pos += 2; // '<<'
        let mut dict = Dictionary::new();
        loop {
            self.cur.skip_ws();
            match self.cur.peek() {
                None => return Err(self.eof("a dictionary")),
                Some(b'>') if self.cur.peek_at(1) == Some(b'>') => {
                    self.cur.pos += 2;
                    return Ok(dict);
                }
                Some(b'/') => {
                    if dict.entries.len() >= self.limits.max_container_len {
                        return Err(PdfError::TooManyElements { offset: open, limit: self.limits.max_container_len });
                    }
                    let key_start = self.cur.pos;
                    let key = self.parse_name()?;
                    let key_span = Span::new(key_start, self.cur.pos);
                    let value = self.parse_value_at_depth(inner)?;
                    dict.entries.push(DictEntry { key, key_span, value });
                }
                Some(_) => {
                    return Err(PdfError::syntax(self.cur.pos, "dictionary key must be a name"));
                }
            }
        }
    }

    fn parse_name(&mut self) -> Result<Vec<u8>> {
        self.cur.pos += 1; // '/'
        let raw = self.cur.regular_run();
        let start = self.cur.pos;
        self.cur.pos += raw.len();
        if raw.len() > self.limits.max_string_len {
            return Err(PdfError::StringTooLong { offset: start, limit: self.limits.max_string_len });
        }
        let mut name = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&b) = raw.get(i) {
            if b == b'#' {
                let decoded = match raw.get(i + 1..i + 3) {
                    Some(&[hi, lo]) => hex_value(hi).zip(hex_value(lo)).map(|(hi, lo)| hi * 16 + lo),
                    _ => None,
                };
                match decoded {
                    Some(byte) => {
                        name.push(byte);
                        i += 3;
                        continue;
                    }
                    None => return Err(PdfError::syntax(start + i, "bad #xx escape in name")),
                }
            }
            name.push(b);
            i += 1;
        }
        Ok(name)
    }

    fn parse_literal_string(&mut self) -> Result<PdfString> {
        let start = self.cur.pos;
        self.cur.pos += 1; // '('
        let limit = self.limits.max_string_len;
        let mut out = Vec::new();
        let mut nesting = 1usize;
        loop {
            if out.len() > limit {
                return Err(PdfError::StringTooLong { offset: start, limit });
            }
            let b = self.cur.peek().ok_or_else(|| self.eof("a literal string"))?;
            self.cur.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' => {
                    nesting -= 1;
                    if nesting == 0 {
                        return Ok(PdfString { bytes: out, hex: false });
                    }
                    out.push(b);
                }
                b'\r' => {
                    // An unescaped end of line of any form reads as a single LF.
                    if self.cur.peek() == Some(b'\n') {
                        self.cur.pos += 1;
                    }
                    out.push(b'\n');
                }
                b'\\' => self.parse_escape(&mut out)?,
                _ => out.push(b),
            }
        }
    }

    fn parse_escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let b = self.cur.peek().ok_or_else(|| self.eof("a string escape"))?;
        self.cur.pos += 1;
        match b {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'\r' => {
                if self.cur.peek() == Some(b'\n') {
                    self.cur.pos += 1;
                }
            }
            b'\n' => {}
            b'0'..=b'7' => {
                let mut value = u32::from(b - b'0');
                for _ in 0..2 {
                    match self.cur.peek() {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            self.cur.pos += 1;
                        }
                        _ => break,
                    }
                }
                // High-order overflow is ignored, as the specification directs.
                out.push((value & 0xff) as u8);
            }
            // Any other escaped character (including '(' ')' '\\') stands for itself.
            other => out.push(other),
        }
        Ok(())
    }

    fn parse_hex_string(&mut self) -> Result<PdfString> {
        let start = self.cur.pos;
        self.cur.pos += 1; // '<'
        let limit = self.limits.max_string_len;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let b = self.cur.peek().ok_or_else(|| self.eof("a hex string"))?;
            self.cur.pos += 1;
            if b == b'>' {
                if let Some(h) = high {
                    out.push(h << 4);
                }
                return Ok(PdfString { bytes: out, hex: true });
            }
            if is_whitespace(b) {
                continue;
            }
            let nibble =
                hex_value(b).ok_or_else(|| PdfError::syntax(self.cur.pos - 1, "invalid character in hex string"))?;
            match high.take() {
                Some(h) => {
                    if out.len() >= limit {
                        return Err(PdfError::StringTooLong { offset: start, limit });
                    }
                    out.push(h << 4 | nibble);
                }
                None => high = Some(nibble),
            }
        }
    }

    fn parse_number_or_reference(&mut self) -> Result<Object> {
        let start = self.cur.pos;
        let token = self.cur.regular_run();
        let value = parse_number(token)
            .ok_or_else(|| PdfError::syntax(start, format!("malformed number {:?}", String::from_utf8_lossy(token))))?;
        self.cur.pos += token.len();
        if let (Value::Integer(num), true) = (&value, token.iter().all(u8::is_ascii_digit))
            && let Some(id) = self.try_reference_tail(*num)
        {
            return Ok(Object { span: Span::new(start, self.cur.pos), value: Value::Reference(id) });
        }
        Ok(Object { span: Span::new(start, self.cur.pos), value })
    }

    /// After an unsigned integer, checks for `G R`; consumes it and returns the reference if present.
    fn try_reference_tail(&mut self, num: i64) -> Option<ObjId> {
        let saved = self.cur.pos;
        let result = (|| {
            let num = u32::try_from(num).ok()?;
            self.cur.skip_ws();
            let generation = u16::try_from(self.cur.read_unsigned()?).ok()?;
            self.cur.skip_ws();
            self.cur.eat_keyword(b"R").then_some(ObjId::new(num, generation))
        })();
        if result.is_none() {
            self.cur.pos = saved;
        }
        result
    }

    /// Parses `N G obj value [stream ... endstream] endobj` at the cursor (leading whitespace allowed).
    pub(crate) fn parse_indirect(&mut self, lengths: Option<LengthResolver<'_>>) -> Result<IndirectObject> {
        self.cur.skip_ws();
        let start = self.cur.pos;
        let id = self.parse_object_header()?;
        let mut object = self.parse_value()?;
        let after_value = self.cur.pos;
        self.cur.skip_ws();
        if self.cur.eat_keyword(b"stream") {
            let Value::Dictionary(dict) = object.value else {
                return Err(PdfError::syntax(after_value, "stream keyword after a non-dictionary"));
            };
            let data = self.read_stream_data(&dict, lengths)?;
            object = Object {
                span: Span::new(object.span.start, self.cur.pos),
                value: Value::Stream(Stream { dict, data }),
            };
        } else {
            self.cur.pos = after_value;
        }
        let body_end = self.cur.pos;
        self.cur.skip_ws();
        // A missing endobj is tolerated (common in real files); the span then ends after the body.
        let end = if self.cur.eat_keyword(b"endobj") { self.cur.pos } else { body_end };
        self.cur.pos = end;
        Ok(IndirectObject { id, object, span: Span::new(start, end) })
    }

    /// Parses `N G obj`.
    pub(crate) fn parse_object_header(&mut self) -> Result<ObjId> {
        let start = self.cur.pos;
        let bad = || PdfError::syntax(start, "expected an object header 'N G obj'");
        let num = self.cur.read_unsigned().and_then(|n| u32::try_from(n).ok()).ok_or_else(bad)?;
        self.cur.skip_ws();
        let generation = self.cur.read_unsigned().and_then(|g| u16::try_from(g).ok()).ok_or_else(bad)?;
        self.cur.skip_ws();
        if !self.cur.eat_keyword(b"obj") {
            return Err(bad());
        }
        Ok(ObjId::new(num, generation))
    }

    /// Reads stream data after the `stream` keyword, leaving the cursor after `endstream`.
    fn read_stream_data(&mut self, dict: &Dictionary, lengths: Option<LengthResolver<'_>>) -> Result<Span> {
        // The keyword is followed by CRLF or LF; a lone CR is tolerated.
        self.cur.skip_eol();
        let data_start = self.cur.pos;
        let declared = match dict.get(b"Length").map(|o| &o.value) {
            Some(Value::Integer(n)) => Some(*n),
            Some(Value::Reference(id)) => lengths.and_then(|resolve| resolve(*id)),
            _ => None,
        };
        if let Some(len) = declared.and_then(|n| usize::try_from(n).ok())
            && let Some(end) = data_start.checked_add(len).filter(|&e| e <= self.cur.data.len())
        {
            let mut probe = Cursor::new(self.cur.data, end);
            probe.skip_ws();
            if probe.eat_keyword(b"endstream") {
                self.cur.pos = probe.pos;
                return Ok(Span::new(data_start, end));
            }
        }
        // /Length missing, indirect and unresolvable, or wrong: fall back to the endstream keyword.
        let keyword = find_from(self.cur.data, b"endstream", data_start)
            .ok_or_else(|| PdfError::syntax(data_start, "stream without endstream"))?;
        let mut end = keyword;
        if end > data_start && self.cur.data.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > data_start && self.cur.data.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        self.cur.pos = keyword + b"endstream".len();
        Ok(Span::new(data_start, end))
    }
}

/// Parses a PDF numeric token: an integer, or a real with at most one '.' and an optional leading sign.
pub(crate) fn parse_number(token: &[u8]) -> Option<Value> {
    let (negative, digits) = match token.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, token),
    };
    let dots = digits.iter().filter(|&&b| b == b'.').count();
    if digits.is_empty() || dots > 1 || !digits.iter().all(|&b| b.is_ascii_digit() || b == b'.') || digits == b"." {
        return None;
    }
    let text = std::str::from_utf8(digits).ok()?;
    if dots == 0
        && let Ok(i) = text.parse::<i64>()
    {
        return Some(Value::Integer(if negative { -i } else { i }));
    }
    // Reals, and integers too large for i64 (which readers treat as reals).
    let r: f64 = if text.ends_with('.') {
        text.trim_end_matches('.').parse().ok()?
    } else if text.starts_with('.') {
        format!("0{text}").parse().ok()?
    } else {
        text.parse().ok()?
    };
    Some(Value::Real(if negative { -r } else { r }))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses the indirect object `N G obj ... endobj` at `offset` (leading whitespace allowed).
///
/// Stream data is located through a direct `/Length`; an indirect `/Length` cannot be resolved here
/// (use [`crate::Document::object_at`] for that), so the `endstream` keyword is searched instead.
pub fn parse_object_at(bytes: &[u8], offset: usize, limits: &Limits) -> Result<IndirectObject> {
    if offset > bytes.len() {
        return Err(PdfError::UnexpectedEof { offset, what: "an object header" });
    }
    Parser::new(bytes, offset, limits).parse_indirect(None)
}

/// Parses a single direct object (no stream) at `offset`, e.g. a value inside an object stream.
pub fn parse_value_at(bytes: &[u8], offset: usize, limits: &Limits) -> Result<Object> {
    if offset > bytes.len() {
        return Err(PdfError::UnexpectedEof { offset, what: "an object" });
    }
    Parser::new(bytes, offset, limits).parse_value()
}
