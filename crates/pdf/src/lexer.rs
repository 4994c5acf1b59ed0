//! Byte-level scanning shared by the object parser, the cross-reference reader and the raw scanner.

pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

pub(crate) fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// A cursor over the input with the primitive reads that every higher layer needs.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Cursor { data, pos }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.data.get(self.pos.checked_add(ahead)?).copied()
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// Skips whitespace and `%` comments.
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Skips spaces, tabs and NULs but not line ends (used inside xref tables).
    pub(crate) fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\0')) {
            self.pos += 1;
        }
    }

    /// Consumes one end-of-line marker (CRLF, LF or CR) if present.
    pub(crate) fn skip_eol(&mut self) {
        match self.peek() {
            Some(b'\r') => {
                self.pos += 1;
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            Some(b'\n') => self.pos += 1,
            _ => {}
        }
    }

    /// Reads a run of regular characters (a keyword or a number) without consuming anything else.
    pub(crate) fn regular_run(&self) -> &'a [u8] {
        let rest = self.rest();
        let len = rest.iter().position(|&b| !is_regular(b)).unwrap_or(rest.len());
        rest.get(..len).unwrap_or(&[])
    }

    /// Consumes `keyword` if it is next and is followed by a non-regular byte or the end.
    pub(crate) fn eat_keyword(&mut self, keyword: &[u8]) -> bool {
        if self.regular_run() == keyword {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    /// Reads an unsigned decimal integer made only of digits, as used in object headers and xref tables.
    pub(crate) fn read_unsigned(&mut self) -> Option<u64> {
        let run = self.regular_run();
        if run.is_empty() || run.len() > 19 || !run.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = run.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        self.pos += run.len();
        Some(value)
    }
}

/// Finds the last occurrence of `needle` in `haystack`.
pub(crate) fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

/// Finds the first occurrence of `needle` in `haystack` at or after `from`.
pub(crate) fn find_from(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|p| p + from)
}
