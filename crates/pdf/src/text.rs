//! PDF text strings (ISO 32000-1, 7.9.2.2): UTF-16BE with a byte-order mark, UTF-8 with a BOM
//! (PDF 2.0), or PDFDocEncoding; and the reverse for writing.

/// PDFDocEncoding code points 0x18..=0x1F and 0x80..=0x9F, where it differs from Latin-1.
const LOW: [char; 8] = ['\u{02D8}', '\u{02C7}', '\u{02C6}', '\u{02D9}', '\u{02DD}', '\u{02DB}', '\u{02DA}', '\u{02DC}'];
const HIGH: [char; 32] = [
    '\u{2022}', '\u{2020}', '\u{2021}', '\u{2026}', '\u{2014}', '\u{2013}', '\u{0192}', '\u{2044}', '\u{2039}',
    '\u{203A}', '\u{2212}', '\u{2030}', '\u{201E}', '\u{201C}', '\u{201D}', '\u{2018}', '\u{2019}', '\u{201A}',
    '\u{2122}', '\u{FB01}', '\u{FB02}', '\u{0141}', '\u{0152}', '\u{0160}', '\u{0178}', '\u{017D}', '\u{0131}',
    '\u{0142}', '\u{0153}', '\u{0161}', '\u{017E}', '\u{FFFD}',
];

/// Decodes a text string; undecodable sequences become U+FFFD.
pub fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units = utf16.chunks(2).map(|c| match c {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            _ => 0xFFFD,
        });
        return char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')).collect();
    }
    if let Some(utf8) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    bytes.iter().map(|&b| pdfdoc_char(b)).collect()
}

fn pdfdoc_char(b: u8) -> char {
    match b {
        0x18..=0x1F => LOW.get(usize::from(b - 0x18)).copied().unwrap_or('\u{FFFD}'),
        0x80..=0x9F => HIGH.get(usize::from(b - 0x80)).copied().unwrap_or('\u{FFFD}'),
        0x7F | 0xAD => '\u{FFFD}',
        _ => char::from(b),
    }
}

/// Encodes a text string: PDFDocEncoding when every character is plain ASCII, UTF-16BE with a BOM otherwise.
pub fn encode_text_string(text: &str) -> Vec<u8> {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t') {
        return text.as_bytes().to_vec();
    }
    let mut out = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}
