//! Stream filters: FlateDecode (with TIFF and PNG predictors), ASCIIHexDecode and ASCII85Decode,
//! each bounded by the per-stream decoded-size limit.

use std::io::Read;

use crate::error::{PdfError, Result};
use crate::object::{Dictionary, Object, Value};

/// Decodes `raw` through the filter chain named in `dict` (/Filter, /DecodeParms).
pub(crate) fn decode_stream(dict: &Dictionary, raw: &[u8], max_len: usize) -> Result<Vec<u8>> {
    let filters = as_list(dict.get(b"Filter").or_else(|| dict.get(b"F")));
    let params = as_list(dict.get(b"DecodeParms").or_else(|| dict.get(b"DP")));
    let mut data = raw.to_vec();
    for (index, filter) in filters.iter().enumerate() {
        let name = filter
            .value
            .as_name()
            .ok_or_else(|| PdfError::UnsupportedFilter(format!("(a {} instead of a name)", filter.value.kind())))?;
        let parms = params.get(index).and_then(|p| p.value.as_dict());
        data = match name {
            b"FlateDecode" | b"Fl" => {
                let inflated = inflate(&data, max_len)?;
                apply_predictor(inflated, parms, max_len)?
            }
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(&data, max_len)?,
            b"ASCII85Decode" | b"A85" => ascii85(&data, max_len)?,
            other => {
                return Err(PdfError::UnsupportedFilter(String::from_utf8_lossy(other).into_owned()));
            }
        };
    }
    if data.len() > max_len {
        return Err(PdfError::StreamTooLarge { limit: max_len });
    }
    Ok(data)
}

fn as_list(value: Option<&Object>) -> Vec<Object> {
    match value.map(|o| &o.value) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => value.cloned().into_iter().collect(),
    }
}

fn inflate(data: &[u8], max_len: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let cap = u64::try_from(max_len).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::ZlibDecoder::new(data)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| PdfError::BadStreamData { filter: "FlateDecode", message: e.to_string() })?;
    if out.len() > max_len {
        return Err(PdfError::StreamTooLarge { limit: max_len });
    }
    Ok(out)
}

fn param(parms: Option<&Dictionary>, key: &[u8], default: i64) -> i64 {
    parms.and_then(|p| p.get_int(key)).unwrap_or(default)
}

/// Undoes a TIFF (2) or PNG (10..=15) predictor; PNG rows carry their own filter-type byte.
fn apply_predictor(data: Vec<u8>, parms: Option<&Dictionary>, max_len: usize) -> Result<Vec<u8>> {
    let predictor = param(parms, b"Predictor", 1);
    if predictor == 1 {
        return Ok(data);
    }
    let bad = |message: &str| PdfError::BadStreamData { filter: "FlateDecode", message: message.to_string() };
    let colors = param(parms, b"Colors", 1);
    let bits = param(parms, b"BitsPerComponent", 8);
    let columns = param(parms, b"Columns", 1);
    if !(1..=32).contains(&colors) || ![1, 2, 4, 8, 16].contains(&bits) || !(1..=1 << 20).contains(&columns) {
        return Err(bad("predictor parameters out of range"));
    }
    // Sizes are at most 32 * 16 * 2^20 bits, far inside usize.
    let bits_per_pixel = (colors * bits) as usize;
    let bytes_per_pixel = bits_per_pixel.div_ceil(8);
    let row_len = (bits_per_pixel * columns as usize).div_ceil(8);
    match predictor {
        2 => tiff_predictor(data, bits as usize, colors as usize, row_len),
        10..=15 => png_predictor(&data, bytes_per_pixel, row_len, max_len),
        _ => Err(bad("unknown predictor")),
    }
}

fn tiff_predictor(mut data: Vec<u8>, bits: usize, colors: usize, row_len: usize) -> Result<Vec<u8>> {
    if bits != 8 {
        return Err(PdfError::BadStreamData {
            filter: "FlateDecode",
            message: "TIFF predictor supports 8 bits only".into(),
        });
    }
    for row in data.chunks_mut(row_len) {
        for i in colors..row.len() {
            let left = row.get(i - colors).copied().unwrap_or(0);
            if let Some(b) = row.get_mut(i) {
                *b = b.wrapping_add(left);
            }
        }
    }
    Ok(data)
}

fn png_predictor(data: &[u8], bpp: usize, row_len: usize, max_len: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_len];
    let mut row = vec![0u8; row_len];
    for chunk in data.chunks(row_len + 1) {
        let Some((&kind, encoded)) = chunk.split_first() else {
            break;
        };
        row.fill(0);
        for i in 0..row_len {
            let raw = encoded.get(i).copied().unwrap_or(0);
            let left = if i >= bpp { row.get(i - bpp).copied().unwrap_or(0) } else { 0 };
            let up = prev.get(i).copied().unwrap_or(0);
            let up_left = if i >= bpp { prev.get(i - bpp).copied().unwrap_or(0) } else { 0 };
            let predicted = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => {
                    return Err(PdfError::BadStreamData {
                        filter: "FlateDecode",
                        message: format!("bad PNG row filter {kind}"),
                    });
                }
            };
            if let Some(slot) = row.get_mut(i) {
                *slot = raw.wrapping_add(predicted);
            }
        }
        // A short final row keeps only the bytes that were present.
        let present = encoded.len().min(row_len);
        out.extend_from_slice(row.get(..present).unwrap_or(&[]));
        if out.len() > max_len {
            return Err(PdfError::StreamTooLarge { limit: max_len });
        }
        std::mem::swap(&mut prev, &mut row);
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

fn ascii_hex(data: &[u8], max_len: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        if crate::lexer::is_whitespace(b) {
            continue;
        }
        let nibble = (b as char).to_digit(16).ok_or_else(|| PdfError::BadStreamData {
            filter: "ASCIIHexDecode",
            message: format!("invalid byte 0x{b:02x}"),
        })? as u8;
        match high.take() {
            Some(h) => out.push(h << 4 | nibble),
            None => high = Some(nibble),
        }
        if out.len() > max_len {
            return Err(PdfError::StreamTooLarge { limit: max_len });
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Ok(out)
}

fn ascii85(data: &[u8], max_len: usize) -> Result<Vec<u8>> {
    let bad = |message: &str| PdfError::BadStreamData { filter: "ASCII85Decode", message: message.to_string() };
    let mut out = Vec::with_capacity(data.len() / 5 * 4);
    let mut group = [0u8; 5];
    let mut filled = 0;
    for b in data.iter().copied() {
        match b {
            b'~' => break,
            b'z' if filled == 0 => out.extend_from_slice(&[0, 0, 0, 0]),
            b'!'..=b'u' => {
                if let Some(slot) = group.get_mut(filled) {
                    *slot = b - b'!';
                }
                filled += 1;
                if filled == 5 {
                    out.extend_from_slice(&a85_group(&group).ok_or_else(|| bad("group overflows 32 bits"))?);
                    filled = 0;
                }
            }
            b if crate::lexer::is_whitespace(b) => {}
            _ => return Err(bad("invalid character")),
        }
        if out.len() > max_len {
            return Err(PdfError::StreamTooLarge { limit: max_len });
        }
    }
    if filled == 1 {
        return Err(bad("final group has a single character"));
    }
    if filled > 1 {
        for slot in group.iter_mut().skip(filled) {
            *slot = 84; // pad with 'u'
        }
        let bytes = a85_group(&group).ok_or_else(|| bad("group overflows 32 bits"))?;
        out.extend_from_slice(bytes.get(..filled - 1).unwrap_or(&[]));
    }
    Ok(out)
}

fn a85_group(group: &[u8; 5]) -> Option<[u8; 4]> {
    let value = group.iter().try_fold(0u32, |acc, &d| acc.checked_mul(85)?.checked_add(u32::from(d)))?;
    Some(value.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Object;

    fn dict(filter: &[u8], predictor: Option<(i64, i64, i64)>) -> Dictionary {
        let mut d = Dictionary::new();
        d.set(b"Filter", Object::name(filter));
        if let Some((p, colors, columns)) = predictor {
            let mut parms = Dictionary::new();
            parms.set(b"Predictor", Object::from(p));
            parms.set(b"Colors", Object::from(colors));
            parms.set(b"Columns", Object::from(columns));
            d.set(b"DecodeParms", Object::from(parms));
        }
        d
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Encodes rows with the given PNG filter type per row, as a PNG encoder would.
    fn png_encode(rows: &[Vec<u8>], kinds: &[u8], bpp: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = vec![0u8; rows[0].len()];
        for (row, &kind) in rows.iter().zip(kinds) {
            out.push(kind);
            for i in 0..row.len() {
                let left = if i >= bpp { row[i - bpp] } else { 0 };
                let up = prev[i];
                let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
                let predicted = match kind {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                    _ => paeth(left, up, up_left),
                };
                out.push(row[i].wrapping_sub(predicted));
            }
            prev = row.clone();
        }
        out
    }

    #[test]
    fn png_predictors_all_row_types() {
        let rows: Vec<Vec<u8>> =
            (0..5u8).map(|r| (0..12u8).map(|c| r.wrapping_mul(37) ^ c.wrapping_mul(91)).collect()).collect();
        let encoded = png_encode(&rows, &[0, 1, 2, 3, 4], 3);
        let decoded = decode_stream(&dict(b"FlateDecode", Some((15, 3, 4))), &zlib(&encoded), 1 << 20).unwrap();
        assert_eq!(decoded, rows.concat());
    }

    #[test]
    fn tiff_predictor() {
        let raw = [10u8, 20, 5, 5, 1, 1];
        let encoded = [10u8, 10, 5, 0, 1, 0];
        let decoded = decode_stream(&dict(b"FlateDecode", Some((2, 1, 2))), &zlib(&encoded), 1 << 20).unwrap();
        assert_eq!(decoded, raw);
    }

    #[test]
    fn bad_predictor_data_is_an_error() {
        let bad_row_type = [9u8, 1, 2, 3];
        let result = decode_stream(&dict(b"FlateDecode", Some((12, 1, 3))), &zlib(&bad_row_type), 1 << 20);
        assert!(matches!(result, Err(PdfError::BadStreamData { .. })));
        let result = decode_stream(&dict(b"FlateDecode", Some((12, 99, 3))), &zlib(b"x"), 1 << 20);
        assert!(matches!(result, Err(PdfError::BadStreamData { .. })));
        let result = decode_stream(&dict(b"FlateDecode", None), b"not zlib", 1 << 20);
        assert!(matches!(result, Err(PdfError::BadStreamData { filter: "FlateDecode", .. })));
    }

    #[test]
    fn ascii_filters() {
        assert_eq!(decode_stream(&dict(b"ASCIIHexDecode", None), b"48 65 6c6C 6>", 100).unwrap(), b"Hell\x60");
        assert!(decode_stream(&dict(b"AHx", None), b"4G>", 100).is_err());
        assert_eq!(decode_stream(&dict(b"ASCII85Decode", None), b"87cURD]i,\"Ebo7~>", 100).unwrap(), b"Hello World");
        assert_eq!(decode_stream(&dict(b"A85", None), b"z~>", 100).unwrap(), [0, 0, 0, 0]);
        assert!(decode_stream(&dict(b"A85", None), b"s8W-\"~>", 100).is_err(), "group above 2^32");
    }

    #[test]
    fn filter_chain_and_unknown_filters() {
        let mut chained = Dictionary::new();
        chained.set(b"Filter", Object::from(vec![Object::name(b"ASCIIHexDecode"), Object::name(b"FlateDecode")]));
        let inner = zlib(b"chained data");
        let hex = hex::encode(&inner);
        assert_eq!(decode_stream(&chained, hex.as_bytes(), 100).unwrap(), b"chained data");
        assert!(
            matches!(decode_stream(&dict(b"JBIG2Decode", None), b"", 100), Err(PdfError::UnsupportedFilter(f)) if f == "JBIG2Decode")
        );
    }

    #[test]
    fn decoded_size_is_capped() {
        let bomb = zlib(&vec![0u8; 1 << 20]);
        assert!(matches!(
            decode_stream(&dict(b"FlateDecode", None), &bomb, 1000),
            Err(PdfError::StreamTooLarge { limit: 1000 })
        ));
        let rows = png_encode(&vec![vec![0u8; 100]; 100], &[2; 100], 1);
        let result = decode_stream(&dict(b"FlateDecode", Some((12, 1, 100))), &zlib(&rows), 5000);
        assert!(matches!(result, Err(PdfError::StreamTooLarge { .. })));
    }
}
