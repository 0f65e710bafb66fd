//! Splitting a template into lines the way Python's `str.splitlines()` does,
//! Python's idea of whitespace, and turning byte offsets into [`Span`]s.

use crate::Span;

/// One line of a template, without its line break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'s> {
    /// The text of the line.
    pub text: &'s str,
    /// Byte offset of the line's first byte in the template.
    pub offset: usize,
}

/// The lines of `source`, split exactly like Python's `str.splitlines()`.
///
/// The line breaks are `\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`, `\x1d`,
/// `\x1e`, `\u{85}`, `\u{2028}` and `\u{2029}`. A break at the very end does
/// not start another line, so `"a\nb\n"` has two lines and `""` has none.
pub fn split_lines(source: &str) -> SplitLines<'_> {
    SplitLines { source, pos: 0 }
}

/// Whether Python's `str.isspace()` holds for `c`: Unicode whitespace plus
/// the four ASCII separators `\x1c` to `\x1f`.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `text` without leading Python whitespace.
pub fn trim_start_py(text: &str) -> &str {
    text.trim_start_matches(is_py_space)
}

/// `text` without leading and trailing Python whitespace.
pub fn trim_py(text: &str) -> &str {
    text.trim_matches(is_py_space)
}

/// The iterator of [`split_lines`].
#[derive(Debug, Clone)]
pub struct SplitLines<'s> {
    source: &'s str,
    pos: usize,
}

impl<'s> Iterator for SplitLines<'s> {
    type Item = Line<'s>;

    fn next(&mut self) -> Option<Line<'s>> {
        let rest = &self.source[self.pos..];
        if rest.is_empty() {
            return None;
        }
        let offset = self.pos;
        for (i, c) in rest.char_indices() {
            if is_line_break(c) {
                let mut after = i + c.len_utf8();
                if c == '\r' && rest[after..].starts_with('\n') {
                    after += 1;
                }
                self.pos += after;
                return Some(Line {
                    text: &rest[..i],
                    offset,
                });
            }
        }
        self.pos = self.source.len();
        Some(Line { text: rest, offset })
    }
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Turns byte offsets into [`Span`]s, with the same line and column rules as
/// [`Span::at`] (lines end at `\n`, columns count characters), in time
/// proportional to the distance from the previous query: queries that move
/// forward through the source cost nothing more than one pass over it.
#[derive(Debug, Clone)]
pub struct Locator<'s> {
    source: &'s str,
    /// Byte offsets where each `\n`-line starts.
    starts: Vec<usize>,
    /// The last position located: offset, 0-based line index, 0-based column.
    cursor: (usize, usize, usize),
}

impl<'s> Locator<'s> {
    /// A locator for `source`.
    pub fn new(source: &'s str) -> Locator<'s> {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Locator {
            source,
            starts,
            cursor: (0, 0, 0),
        }
    }

    /// The span of `len` bytes at `offset`.
    pub fn span(&mut self, offset: usize, len: usize) -> Span {
        let offset = floor_boundary(self.source, offset);
        let (at, line, column) = self.cursor;
        let same_line = line + 1 >= self.starts.len() || offset < self.starts[line + 1];
        let (line, column) = if offset >= at && same_line {
            (line, column + self.source[at..offset].chars().count())
        } else {
            let line = self.starts.partition_point(|&s| s <= offset) - 1;
            let start = self.starts[line];
            (line, self.source[start..offset].chars().count())
        };
        self.cursor = (offset, line, column);
        Span {
            offset,
            len,
            line: to_u32(line + 1),
            column: to_u32(column + 1),
        }
    }

    /// The span at 1-based `line` and `column` (in characters) that covers
    /// `chars` characters, clamped to the source.
    pub fn span_at_line_column(&mut self, line: u32, column: u32, chars: u32) -> Span {
        let index = (line.max(1) as usize - 1).min(self.starts.len() - 1);
        let start = self.starts[index];
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.source.len(), |&e| e - 1);
        let text = &self.source[start..end];
        let byte_at = |n: usize| text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
        let from = byte_at(column.max(1) as usize - 1);
        let to = from + byte_at_in(&text[from..], chars as usize);
        self.span(start + from, to - from)
    }
}

fn byte_at_in(text: &str, n: usize) -> usize {
    text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(source: &str, expected: &[&str]) {
        let got: Vec<&str> = split_lines(source).map(|l| l.text).collect();
        assert_eq!(got, expected, "lines of {source:?}");
        for line in split_lines(source) {
            assert_eq!(&source[line.offset..][..line.text.len()], line.text);
        }
    }

    #[test]
    fn splits_like_python_splitlines() {
        check("", &[]);
        check("a", &["a"]);
        check("a\n", &["a"]);
        check("a\nb\n", &["a", "b"]);
        check("a\n\n", &["a", ""]);
        check("\n", &[""]);
        check("\n\n", &["", ""]);
        check("a\r\nb\r\n", &["a", "b"]);
        check("a\rb", &["a", "b"]);
        check("a\r\rb", &["a", "", "b"]);
        check("a\n\rb", &["a", "", "b"]);
        check("a\x0bb\x0cc", &["a", "b", "c"]);
        check("a\x1cb\x1dc\x1ed\x1fe", &["a", "b", "c", "d\x1fe"]);
        check("a\u{85}b\u{2028}c\u{2029}d", &["a", "b", "c", "d"]);
        check("é\u{2028}", &["é"]);
        check("a\u{a0}b", &["a\u{a0}b"]);
    }

    #[test]
    fn python_whitespace() {
        assert!(is_py_space('\x1f'));
        assert!(is_py_space('\u{a0}'));
        assert!(is_py_space('\u{3000}'));
        assert!(!is_py_space('\u{200b}'));
        assert_eq!(trim_py("\x1c\t x \u{2003}"), "x");
    }

    #[test]
    fn the_locator_agrees_with_span_at() {
        let src = "ab\nçd\r\nef\u{2028}gh\n\nlast é";
        let mut loc = Locator::new(src);
        let offsets: Vec<usize> = (0..=src.len())
            .filter(|&i| src.is_char_boundary(i))
            .collect();
        for &i in offsets
            .iter()
            .chain(offsets.iter().rev())
            .chain([3, 20, 1, 9].iter())
        {
            assert_eq!(loc.span(i, 1), Span::at(src, i, 1), "offset {i}");
        }
    }

    #[test]
    fn spans_from_line_and_column() {
        let src = "ab\nçdef\nx";
        let mut loc = Locator::new(src);
        let span = loc.span_at_line_column(2, 2, 2);
        assert_eq!((span.line, span.column), (2, 2));
        assert_eq!(span.text(src), "de");
        let span = loc.span_at_line_column(2, 30, 2);
        assert_eq!(span.text(src), "");
        assert_eq!((span.line, span.column), (2, 5));
        let span = loc.span_at_line_column(9, 1, 1);
        assert_eq!(span.text(src), "x");
    }
}
