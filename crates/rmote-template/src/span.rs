//! Where something is in a template's source.

use std::fmt;

/// A range of the template source: byte offset and length, plus the 1-based
/// line and column (in characters) of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 1-based column (in characters) of the first byte.
    pub column: u32,
}

impl Span {
    /// The span of `len` bytes at `offset` in `source` (line and column
    /// computed from the source).
    pub fn at(source: &str, offset: usize, len: usize) -> Span {
        let offset = offset.min(source.len());
        let before = &source[..floor_char_boundary(source, offset)];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() as u32 + 1;
        Span {
            offset,
            len,
            line,
            column,
        }
    }

    /// The text this span covers in `source`.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        let start = floor_char_boundary(source, self.offset);
        let end = floor_char_boundary(source, self.offset.saturating_add(self.len));
        &source[start..end.max(start)]
    }

    /// The source line this span starts on, with a caret line under the span:
    ///
    /// ```text
    ///   3 | ${ user.name + }
    ///     |   ^^^^^^^^^^^^
    /// ```
    pub fn excerpt(&self, source: &str) -> String {
        let start = floor_char_boundary(source, self.offset);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_text = source[line_start..line_end].trim_end_matches('\r');
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        let lead: String = source[line_start..start]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let width = self
            .text(source)
            .lines()
            .next()
            .map_or(1, |t| t.chars().count().max(1));
        format!(
            "{number} | {line_text}\n{pad} | {lead}{}",
            "^".repeat(width)
        )
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_columns_and_excerpts() {
        let src = "first\nsé ${ a + }\nlast";
        let at = src.find("a +").unwrap();
        let span = Span::at(src, at, 3);
        assert_eq!((span.line, span.column), (2, 7));
        assert_eq!(span.text(src), "a +");
        assert_eq!(span.to_string(), "2:7");
        assert_eq!(span.excerpt(src), "2 | sé ${ a + }\n  |       ^^^");
    }

    #[test]
    fn spans_past_the_end_are_clamped() {
        let src = "abc";
        let span = Span::at(src, 10, 5);
        assert_eq!(span.text(src), "");
        assert_eq!((span.line, span.column), (1, 4));
    }
}
