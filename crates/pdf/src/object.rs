//! The PDF object model. Every parsed object carries the byte span it was read from, so that a
//! validator can relate values (for instance a signature's /Contents string) to exact file positions.

use std::fmt;

/// A half-open byte range `start..end`. For objects read from the file it is a range of the file;
/// for objects read from an object stream it is a range of that stream's decoded data (see
/// [`crate::ObjectLocation`]); for objects built in memory it is empty (`0..0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An indirect object identifier: object number and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjId {
    pub num: u32,
    pub generation: u16,
}

impl ObjId {
    pub fn new(num: u32, generation: u16) -> Self {
        ObjId { num, generation }
    }
}

impl fmt::Display for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} R", self.num, self.generation)
    }
}

/// A string object. `bytes` holds the decoded value; `hex` records whether it was written `<...>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfString {
    pub bytes: Vec<u8>,
    pub hex: bool,
}

/// A parsed value together with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub span: Span,
    pub value: Value,
}

/// The kinds of PDF object.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Integer(i64),
    Real(f64),
    String(PdfString),
    /// A name without its leading slash, with `#xx` escapes decoded.
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dictionary(Dictionary),
    Stream(Stream),
    Reference(ObjId),
}

/// One `/Key value` pair of a dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct DictEntry {
    /// The key without its slash.
    pub key: Vec<u8>,
    /// Where the key (including the slash) was found.
    pub key_span: Span,
    pub value: Object,
}

/// A dictionary that keeps its entries in file order, including duplicate keys (which the PDF
/// specification leaves undefined; [`Dictionary::duplicate_key`] lets a strict consumer reject them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dictionary {
    pub entries: Vec<DictEntry>,
}

/// A stream: its dictionary and the span of its raw (still encoded) data in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub dict: Dictionary,
    pub data: Span,
}

impl Dictionary {
    pub fn new() -> Self {
        Dictionary::default()
    }

    /// The first entry with this key.
    pub fn entry(&self, key: &[u8]) -> Option<&DictEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The value of the first entry with this key.
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.entry(key).is_some()
    }

    /// Sets `key` to `value`, replacing every existing entry with that key.
    pub fn set(&mut self, key: &[u8], value: impl Into<Object>) {
        let value = value.into();
        self.entries.retain(|e| e.key != key);
        self.entries.push(DictEntry { key: key.to_vec(), key_span: Span::default(), value });
    }

    pub fn remove(&mut self, key: &[u8]) {
        self.entries.retain(|e| e.key != key);
    }

    /// The first key that appears more than once, if any.
    pub fn duplicate_key(&self) -> Option<&[u8]> {
        let mut seen = std::collections::HashSet::new();
        self.entries.iter().map(|e| e.key.as_slice()).find(|k| !seen.insert(*k))
    }

    pub fn get_name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(|o| o.value.as_name())
    }

    pub fn get_int(&self, key: &[u8]) -> Option<i64> {
        self.get(key).and_then(|o| o.value.as_int())
    }

    pub fn get_ref(&self, key: &[u8]) -> Option<ObjId> {
        self.get(key).and_then(|o| o.value.as_reference())
    }

    /// True when `/Type` is the given name.
    pub fn has_type(&self, type_name: &[u8]) -> bool {
        self.get_name(b"Type") == Some(type_name)
    }
}

impl Value {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
    /// Integers and reals as a float.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_string(&self) -> Option<&PdfString> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The dictionary of a dictionary or of a stream.
    pub fn as_dict(&self) -> Option<&Dictionary> {
        match self {
            Value::Dictionary(d) => Some(d),
            Value::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }
    pub fn as_stream(&self) -> Option<&Stream> {
        match self {
            Value::Stream(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_reference(&self) -> Option<ObjId> {
        match self {
            Value::Reference(r) => Some(*r),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::String(_) => "string",
            Value::Name(_) => "name",
            Value::Array(_) => "array",
            Value::Dictionary(_) => "dictionary",
            Value::Stream(_) => "stream",
            Value::Reference(_) => "reference",
        }
    }
}

impl From<Value> for Object {
    fn from(value: Value) -> Self {
        Object { span: Span::default(), value }
    }
}

impl From<Dictionary> for Object {
    fn from(d: Dictionary) -> Self {
        Value::Dictionary(d).into()
    }
}

impl From<ObjId> for Object {
    fn from(id: ObjId) -> Self {
        Value::Reference(id).into()
    }
}

impl From<i64> for Object {
    fn from(i: i64) -> Self {
        Value::Integer(i).into()
    }
}

impl From<bool> for Object {
    fn from(b: bool) -> Self {
        Value::Bool(b).into()
    }
}

impl From<Vec<Object>> for Object {
    fn from(items: Vec<Object>) -> Self {
        Value::Array(items).into()
    }
}

impl Object {
    /// A name object, e.g. `Object::name(b"Sig")` for `/Sig`.
    pub fn name(name: &[u8]) -> Object {
        Value::Name(name.to_vec()).into()
    }
    /// A literal string object.
    pub fn string(bytes: &[u8]) -> Object {
        Value::String(PdfString { bytes: bytes.to_vec(), hex: false }).into()
    }
    /// A real number object.
    pub fn real(r: f64) -> Object {
        Value::Real(r).into()
    }
}

/// An indirect object `N G obj ... endobj` as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct IndirectObject {
    pub id: ObjId,
    pub object: Object,
    /// From the first digit of `N` to just after `endobj` (or, leniently, the end of the object body
    /// when `endobj` is missing).
    pub span: Span,
}
