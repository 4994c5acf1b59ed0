//! Writing objects back to PDF syntax.

use std::io::Write;

use crate::object::{Dictionary, ObjId, Object, PdfString, Value};

/// Appends the PDF syntax of `object` to `out`.
pub fn write_object(out: &mut Vec<u8>, object: &Object) {
    write_value(out, &object.value);
}

/// The PDF syntax of `object`.
pub fn to_bytes(object: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    write_object(&mut out, object);
    out
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Real(r) => write_real(out, *r),
        Value::String(s) => write_string(out, s),
        Value::Name(n) => write_name(out, n),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_value(out, &item.value);
            }
            out.push(b']');
        }
        Value::Dictionary(d) => write_dictionary(out, d),
        // A stream needs its data, which lives outside the object model; writers use `write_stream`.
        Value::Stream(s) => write_dictionary(out, &s.dict),
        Value::Reference(ObjId { num, generation }) => {
            let _ = write!(out, "{num} {generation} R");
        }
    }
}

pub fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) {
    out.extend_from_slice(b"<<");
    for entry in &dict.entries {
        write_name(out, &entry.key);
        out.push(b' ');
        write_value(out, &entry.value.value);
    }
    out.extend_from_slice(b">>");
}

/// Reals in plain decimal notation (PDF has no exponent syntax), trimmed of trailing zeros.
fn write_real(out: &mut Vec<u8>, r: f64) {
    let r = if r.is_finite() { r } else { 0.0 };
    let text = format!("{r:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    out.extend_from_slice(if text.is_empty() || text == "-" || text == "-0" { b"0" } else { text.as_bytes() });
}

fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if crate::lexer::is_regular(b) && b != b'#' && (b'!'..=b'~').contains(&b) {
            out.push(b);
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
}

fn write_string(out: &mut Vec<u8>, s: &PdfString) {
    if s.hex {
        out.push(b'<');
        out.extend_from_slice(hex::encode_upper(&s.bytes).as_bytes());
        out.push(b'>');
        return;
    }
    out.push(b'(');
    for &b in &s.bytes {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// Writes `N G obj <dict> stream ... endstream endobj` with /Length set to the data's size.
pub fn write_stream_object(out: &mut Vec<u8>, id: ObjId, dict: &Dictionary, data: &[u8]) {
    let mut dict = dict.clone();
    dict.set(b"Length", Object::from(data.len() as i64));
    let _ = writeln!(out, "{} {} obj", id.num, id.generation);
    write_dictionary(out, &dict);
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
}

/// Writes `N G obj <object> endobj`.
pub fn write_indirect_object(out: &mut Vec<u8>, id: ObjId, object: &Object) {
    let _ = writeln!(out, "{} {} obj", id.num, id.generation);
    write_object(out, object);
    out.extend_from_slice(b"\nendobj\n");
}
