//! The lexer: template lines become tokens.
//!
//! Each line (split like Python's `str.splitlines()`) is classified by its
//! form without surrounding whitespace: `##` starts a comment line, which
//! leaves no token; `%%` starts a text line whose first `%%` becomes `%`; `%`
//! starts a control line; anything else is a text line. Text lines are cut
//! into literal pieces and `${…}` expressions, control lines into their
//! code, without a trailing comment.

use crate::ast::{Code, Piece, Text};
use crate::lines::{split_lines, trim_py, trim_start_py, Line, Locator, SplitLines};
use crate::pyscan::{self, ScanError};
use crate::{Error, ErrorKind, Span};

/// One meaningful line of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'s> {
    /// A text line.
    Text(Text<'s>),
    /// A control line.
    Control(Control<'s>),
}

/// A control line: `%` and Python code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Control<'s> {
    /// From the `%` to the line's last non-whitespace character.
    pub span: Span,
    /// The code after the `%`, without surrounding whitespace and without a
    /// trailing comment; empty for a line holding only `%`.
    pub code: Code<'s>,
    /// Byte offset (in `code.text`) of the first `:` outside brackets,
    /// strings and lambdas; see [`pyscan::Statement::colon`].
    pub colon: Option<usize>,
}

/// The tokens of `source`, in order; the first malformed line ends them
/// with its error.
pub(crate) fn tokens(source: &str) -> Lexer<'_> {
    Lexer {
        source,
        lines: split_lines(source),
        locator: Locator::new(source),
        failed: false,
    }
}

/// The iterator of [`tokens`].
pub(crate) struct Lexer<'s> {
    source: &'s str,
    lines: SplitLines<'s>,
    locator: Locator<'s>,
    failed: bool,
}

impl<'s> Iterator for Lexer<'s> {
    type Item = Result<Token<'s>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let line = self.lines.next()?;
            let token = match self.line(line) {
                Ok(Some(token)) => Ok(token),
                Ok(None) => continue,
                Err(err) => {
                    self.failed = true;
                    Err(err)
                }
            };
            return Some(token);
        }
    }
}

impl<'s> Lexer<'s> {
    /// The token of one line; `None` for lines that leave nothing (comments,
    /// control lines holding only a comment).
    fn line(&mut self, line: Line<'s>) -> Result<Option<Token<'s>>, Error> {
        let body = trim_start_py(line.text);
        let indent = line.text.len() - body.len();
        if body.starts_with("##") {
            return Ok(None);
        }
        if body.starts_with("%%") {
            return self.text(line, Some(indent)).map(|t| Some(Token::Text(t)));
        }
        if body.starts_with('%') {
            return self.control(line, indent);
        }
        self.text(line, None).map(|t| Some(Token::Text(t)))
    }

    /// A control line whose `%` is at byte `percent` of the line.
    fn control(&mut self, line: Line<'s>, percent: usize) -> Result<Option<Token<'s>>, Error> {
        let after = &line.text[percent + 1..];
        let raw = trim_py(after);
        let raw_at = line.offset + percent + 1 + (after.len() - trim_start_py(after).len());
        let span_len = raw_at + raw.len() - (line.offset + percent);
        let span = self.locator.span(line.offset + percent, span_len);
        let scanned = pyscan::statement(raw).map_err(|e| self.scan_error(raw_at, e))?;
        let text = trim_py(&raw[..scanned.end]);
        if text.is_empty() && !raw.is_empty() {
            // Only a comment: nothing to run.
            return Ok(None);
        }
        let code = Code {
            text,
            span: self.locator.span(raw_at, text.len()),
        };
        Ok(Some(Token::Control(Control {
            span,
            code,
            colon: scanned.colon,
        })))
    }

    /// A text line; `percent` is the byte offset of a leading `%%` whose
    /// first `%` is dropped.
    fn text(&mut self, line: Line<'s>, percent: Option<usize>) -> Result<Text<'s>, Error> {
        let span = self.locator.span(line.offset, line.text.len());
        let text = line.text;
        let bytes = text.as_bytes();
        let mut pieces = Vec::new();
        let mut literal = 0;
        if let Some(at) = percent {
            push_literal(&mut pieces, &text[..at]);
            literal = at + 1;
        }
        let mut pos = literal;
        while let Some(found) = text[pos..].find(['$', '\\']) {
            let at = pos + found;
            if bytes[at] == b'\\' {
                if text[at + 1..].starts_with("${") {
                    push_literal(&mut pieces, &text[literal..at]);
                    literal = at + 1;
                    pos = at + 3;
                } else {
                    pos = at + 1;
                }
                continue;
            }
            if bytes.get(at + 1) != Some(&b'{') {
                pos = at + 1;
                continue;
            }
            push_literal(&mut pieces, &text[literal..at]);
            let end = pyscan::expression_end(text, at + 2, at)
                .map_err(|e| self.scan_error(line.offset, e))?;
            let inner = &text[at + 2..end];
            let code = trim_py(inner);
            if !code.is_empty() {
                let lead = inner.len() - trim_start_py(inner).len();
                let offset = line.offset + at + 2 + lead;
                pieces.push(Piece::Expression(Code {
                    text: code,
                    span: self.locator.span(offset, code.len()),
                }));
            }
            literal = end + 1;
            pos = end + 1;
        }
        push_literal(&mut pieces, &text[literal..]);
        Ok(Text { pieces, span })
    }

    /// A scanner error in text that starts at byte `base` of the source.
    fn scan_error(&mut self, base: usize, err: ScanError) -> Error {
        let span = self.locator.span(base + err.at, err.len);
        Error::new(ErrorKind::Syntax, err.message, span, self.source)
    }
}

fn push_literal<'s>(pieces: &mut Vec<Piece<'s>>, text: &'s str) {
    if !text.is_empty() {
        pieces.push(Piece::Literal(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `source`, one string each: `text[...]` with pieces
    /// `'literal'` and `{expr@line:col}`, or `ctl[code@line:col]`.
    fn show(source: &str) -> Vec<String> {
        tokens(source)
            .map(|t| match t.unwrap() {
                Token::Text(text) => {
                    let pieces: Vec<String> = text
                        .pieces
                        .iter()
                        .map(|p| match p {
                            Piece::Literal(l) => format!("{l:?}"),
                            Piece::Expression(c) => format!("{{{}@{}}}", c.text, c.span),
                        })
                        .collect();
                    format!("text[{}]", pieces.join(" "))
                }
                Token::Control(c) => format!("ctl[{}@{}]", c.code.text, c.code.span),
            })
            .collect()
    }

    #[track_caller]
    fn check(source: &str, expected: &[&str]) {
        assert_eq!(show(source), expected, "tokens of {source:?}");
    }

    #[track_caller]
    fn check_err(source: &str, expected: &str) {
        let err = tokens(source).find_map(Result::err).expect("an error");
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn lines_are_classified() {
        check(
            "a\n## c\n  ##c\nb ## c",
            &["text[\"a\"]", "text[\"b ## c\"]"],
        );
        check("%% x\n  %%y%%", &["text[\"% x\"]", "text[\"  \" \"%y%%\"]"]);
        check("50%% off", &["text[\"50%% off\"]"]);
        check(
            "% x = 1\n  %if y:\n%",
            &["ctl[x = 1@1:3]", "ctl[if y:@2:4]", "ctl[@3:2]"],
        );
        check("% # only a comment\n%x  # c", &["ctl[x@2:2]"]);
        check("", &[]);
        check("\n", &["text[]"]);
    }

    #[test]
    fn text_pieces() {
        check("a ${x} b", &["text[\"a \" {x@1:5} \" b\"]"]);
        check("${ x }${y}", &["text[{x@1:4} {y@1:9}]"]);
        check("x${}y${  }z", &["text[\"x\" \"y\" \"z\"]"]);
        check(r"\${x}", &["text[\"${x}\"]"]);
        check(r"\\${x}", &["text[\"\\\\\" \"${x}\"]"]);
        check(r"a\b $ { $x", &["text[\"a\\\\b $ { $x\"]"]);
        check("${'}'}", &["text[{'}'@1:3}]"]);
        check("é${ñ}", &["text[\"é\" {ñ@1:4}]"]);
        check("a\r\n  ${x}", &["text[\"a\"]", "text[\"  \" {x@2:5}]"]);
    }

    #[test]
    fn errors() {
        check_err("ok\na ${x", "syntax error at 2:3: `${` is never closed");
        check_err(
            "${x # no}",
            "syntax error at 1:5: a comment (`#`) cannot appear inside `${…}`",
        );
        check_err("% x = (1,\n", "syntax error at 1:7: `(` is never closed");
        check_err(
            "%% ${'a}",
            "syntax error at 1:6: string literal is never closed",
        );
    }
}
