//! Just enough of Python's tokenizer to cut template lines apart: where a
//! `${…}` expression ends, where a control line's code ends (before a
//! comment), where a block header's `:` is, and whether brackets and string
//! literals are balanced.
//!
//! It does not parse Python: it knows string literals (every prefix,
//! triple quotes, escapes, and the replacement fields of f-strings with the
//! nesting rules of Python 3.12), brackets, comments, `lambda` and `:=`.
//! Everything else is left to the back ends.

/// Something wrong with a piece of Python code, at a byte range of the text
/// that was scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    /// Byte offset of the culprit in the scanned text.
    pub at: usize,
    /// Its length in bytes.
    pub len: usize,
    /// What is wrong.
    pub message: String,
}

/// The code of a control line, scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Statement {
    /// Where the code ends: the start of a `#` comment, or the end of text.
    pub end: usize,
    /// The first `:` outside brackets, strings and lambdas that is not part
    /// of `:=`; for a block header, the colon that ends the header.
    pub colon: Option<usize>,
}

/// How deeply f-strings may nest inside each other's replacement fields.
const MAX_FSTRING_DEPTH: usize = 16;

/// Scans the expression of `${…}` that starts at byte `start` of `text`
/// (just after the `${`) and returns the byte offset of its closing `}`.
///
/// `dollar` is the offset of the `${`, for the message when the expression
/// is never closed.
pub(crate) fn expression_end(text: &str, start: usize, dollar: usize) -> Result<usize, ScanError> {
    let mut scanner = Scanner::new(text, Mode::Expression);
    match scanner.run(start, 0)? {
        Stop::Brace(at) => Ok(at),
        Stop::Comment(at) => Err(ScanError {
            at,
            len: 1,
            message: "a comment (`#`) cannot appear inside `${…}`".into(),
        }),
        Stop::End => Err(ScanError {
            at: dollar,
            len: 2,
            message: "`${` is never closed".into(),
        }),
    }
}

/// Scans the code of a control line.
pub(crate) fn statement(text: &str) -> Result<Statement, ScanError> {
    let mut scanner = Scanner::new(text, Mode::Statement);
    let end = match scanner.run(0, 0)? {
        Stop::Comment(at) => at,
        Stop::End | Stop::Brace(_) => text.len(),
    };
    Ok(Statement {
        end,
        colon: scanner.colon,
    })
}

/// Whether `word` can prefix a string literal (`r`, `b`, `f`, `u`, `t` and
/// their two-letter combinations, in any case), and if so whether the string
/// is raw and whether it has replacement fields.
fn string_prefix(word: &str) -> Option<(bool, bool)> {
    if word.is_empty() || word.len() > 2 {
        return None;
    }
    let mut raw = false;
    let mut format = false;
    for c in word.chars() {
        match c.to_ascii_lowercase() {
            'r' => raw = true,
            'f' | 't' => format = true,
            'b' | 'u' => {}
            _ => return None,
        }
    }
    Some((raw, format))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Inside `${…}`: a `}` outside brackets ends it.
    Expression,
    /// A control line: runs to a comment or the end.
    Statement,
    /// A replacement field of an f-string: a `}` or `:` outside brackets
    /// ends the expression part.
    Field,
}

enum Stop {
    /// A `}` (or, in a field, a `:`) outside brackets, at this offset.
    Brace(usize),
    /// A `#` outside strings, at this offset.
    Comment(usize),
    /// The end of the text.
    End,
}

struct Scanner<'t> {
    text: &'t str,
    mode: Mode,
    colon: Option<usize>,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str, mode: Mode) -> Scanner<'t> {
        Scanner {
            text,
            mode,
            colon: None,
        }
    }

    /// Scans from `pos` until the mode's stop; `depth` counts enclosing
    /// f-string fields.
    fn run(&mut self, mut pos: usize, depth: usize) -> Result<Stop, ScanError> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut open: Vec<(u8, usize)> = Vec::new();
        let mut lambdas = 0usize;
        while let Some(c) = text[pos..].chars().next() {
            match c {
                '\'' | '"' => pos = self.string(pos, pos, depth)?,
                '(' | '[' | '{' => {
                    open.push((c as u8, pos));
                    pos += 1;
                }
                ')' | ']' | '}' => {
                    let Some((opener, at)) = open.pop() else {
                        if c == '}' && self.mode != Mode::Statement {
                            return Ok(Stop::Brace(pos));
                        }
                        return Err(error(pos, 1, format!("unmatched `{c}`")));
                    };
                    if closer(opener) != c as u8 {
                        return Err(never_closed(opener, at));
                    }
                    pos += 1;
                }
                ':' if open.is_empty() => {
                    if bytes.get(pos + 1) == Some(&b'=') && self.mode != Mode::Field {
                        pos += 2;
                        continue;
                    }
                    if self.mode == Mode::Field {
                        return Ok(Stop::Brace(pos));
                    }
                    if lambdas > 0 {
                        lambdas -= 1;
                    } else if self.colon.is_none() {
                        self.colon = Some(pos);
                    }
                    pos += 1;
                }
                '#' if self.mode != Mode::Field => return Ok(Stop::Comment(pos)),
                '\\' => {
                    return Err(error(
                        pos,
                        1,
                        "a backslash can only appear inside a string literal",
                    ))
                }
                '\0' => return Err(error(pos, 1, "NUL character in Python code")),
                c if c == '_' || c.is_alphabetic() => {
                    let start = pos;
                    pos += word_len(&text[pos..]);
                    let word = &text[start..pos];
                    if matches!(bytes.get(pos), Some(b'\'' | b'"')) {
                        if string_prefix(word).is_some() {
                            pos = self.string(start, pos, depth)?;
                        }
                    } else if word == "lambda" && open.is_empty() {
                        lambdas += 1;
                    }
                }
                c if c.is_ascii_digit() => pos += word_len(&text[pos..]),
                c => pos += c.len_utf8(),
            }
        }
        if let Some(&(opener, at)) = open.last() {
            return Err(never_closed(opener, at));
        }
        Ok(Stop::End)
    }

    /// Skips the string literal whose prefix starts at `start` and whose
    /// opening quote is at `quote`; returns the offset just past it.
    fn string(&mut self, start: usize, quote: usize, depth: usize) -> Result<usize, ScanError> {
        let text = self.text;
        let bytes = text.as_bytes();
        let (raw, format) = string_prefix(&text[start..quote]).unwrap_or((false, false));
        let q = bytes[quote];
        let triple = bytes.get(quote + 1) == Some(&q) && bytes.get(quote + 2) == Some(&q);
        let delimiter = if triple { 3 } else { 1 };
        let unterminated = || {
            error(
                start,
                quote + delimiter - start,
                "string literal is never closed",
            )
        };
        let mut pos = quote + delimiter;
        loop {
            let Some(c) = text[pos..].chars().next() else {
                return Err(unterminated());
            };
            match c {
                _ if bytes[pos] == q
                    && (!triple
                        || (bytes.get(pos + 1) == Some(&q) && bytes.get(pos + 2) == Some(&q))) =>
                {
                    return Ok(pos + delimiter);
                }
                '\\' => {
                    let next = bytes.get(pos + 1).copied();
                    if format && matches!(next, Some(b'{' | b'}')) {
                        pos += 1;
                    } else if format
                        && !raw
                        && next == Some(b'N')
                        && bytes.get(pos + 2) == Some(&b'{')
                    {
                        match text[pos..].find('}') {
                            Some(close) => pos += close + 1,
                            None => return Err(unterminated()),
                        }
                    } else {
                        pos += 1;
                        match text[pos..].chars().next() {
                            Some(c) => pos += c.len_utf8(),
                            None => return Err(unterminated()),
                        }
                    }
                }
                '{' if format => {
                    if bytes.get(pos + 1) == Some(&b'{') {
                        pos += 2;
                    } else {
                        pos = self.field(pos, depth)?;
                    }
                }
                c => pos += c.len_utf8(),
            }
        }
    }

    /// Skips the replacement field of an f-string that starts with the `{`
    /// at `brace`, format spec included; returns the offset past its `}`.
    fn field(&mut self, brace: usize, depth: usize) -> Result<usize, ScanError> {
        if depth >= MAX_FSTRING_DEPTH {
            return Err(error(brace, 1, "f-strings are nested too deeply"));
        }
        let mut inner = Scanner::new(self.text, Mode::Field);
        let mut pos = match inner.run(brace + 1, depth + 1)? {
            Stop::Brace(at) => at,
            Stop::Comment(_) | Stop::End => return Err(error(brace, 1, "`{` is never closed")),
        };
        if self.text.as_bytes()[pos] == b'}' {
            return Ok(pos + 1);
        }
        // A format spec: literal text with nested fields, up to the `}`.
        pos += 1;
        loop {
            match self.text.as_bytes().get(pos) {
                None => return Err(error(brace, 1, "`{` is never closed")),
                Some(b'}') => return Ok(pos + 1),
                Some(b'{') => pos = self.field(pos, depth + 1)?,
                Some(b'\\') => {
                    pos += 1 + self.text[pos + 1..]
                        .chars()
                        .next()
                        .map_or(0, char::len_utf8)
                }
                Some(_) => pos += self.text[pos..].chars().next().map_or(1, char::len_utf8),
            }
        }
    }
}

/// The length in bytes of the identifier or number at the start of `text`.
fn word_len(text: &str) -> usize {
    text.char_indices()
        .find(|&(_, c)| !(c == '_' || c.is_alphanumeric()))
        .map_or(text.len(), |(i, _)| i)
}

fn closer(opener: u8) -> u8 {
    match opener {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

fn never_closed(opener: u8, at: usize) -> ScanError {
    error(at, 1, format!("`{}` is never closed", opener as char))
}

fn error(at: usize, len: usize, message: impl Into<String>) -> ScanError {
    ScanError {
        at,
        len,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` holds `${`, the expression and its end; `expected` is the
    /// expression.
    #[track_caller]
    fn expr(text: &str, expected: &str) {
        let start = text.find("${").unwrap() + 2;
        let end = expression_end(text, start, start - 2).unwrap();
        assert_eq!(&text[start..end], expected);
    }

    #[track_caller]
    fn expr_err(text: &str, at: usize, message: &str) {
        let start = text.find("${").unwrap() + 2;
        let err = expression_end(text, start, start - 2).unwrap_err();
        assert_eq!((err.at, err.message.as_str()), (at, message), "{text:?}");
    }

    #[track_caller]
    fn stmt(text: &str, code: &str, colon: Option<&str>) {
        let s = statement(text).unwrap();
        assert_eq!(&text[..s.end], code);
        assert_eq!(s.colon.map(|c| &text[c..]), colon);
    }

    #[test]
    fn expressions_end_at_the_matching_brace() {
        expr("${x}", "x");
        expr("${ {'k': 1}['k'] } tail}", " {'k': 1}['k'] ");
        expr("${'}'}", "'}'");
        expr(r#"${"}\"}"}"#, r#""}\"}""#);
        expr("${'''}'''}", "'''}'''");
        expr(r"${r'\'}'}", r"r'\'}'");
        expr("${b'}' + B\"}\"}", "b'}' + B\"}\"");
        expr("${f'{x}}}'}", "f'{x}}}'");
        expr("${f'{d['}']}'}", "f'{d['}']}'");
        expr("${f'{x:>{w}}'}", "f'{x:>{w}}'");
        expr("${F\"{'}'}\"}", "F\"{'}'}\"");
        expr("${rf'\\{x}'}", "rf'\\{x}'");
        expr("${f'\\N{DASH}'}", "f'\\N{DASH}'");
        expr("${{k: v for k, v in d}}", "{k: v for k, v in d}");
        expr("${(y := 2)}", "(y := 2)");
        expr("${}", "");
        expr("${ñ}", "ñ");
    }

    #[test]
    fn expression_errors() {
        expr_err("a ${x", 2, "`${` is never closed");
        expr_err(
            "a ${x # c}",
            6,
            "a comment (`#`) cannot appear inside `${…}`",
        );
        expr_err("${'x}", 2, "string literal is never closed");
        expr_err("${(x}", 2, "`(` is never closed");
        expr_err("${f(x}", 3, "`(` is never closed");
        expr_err("${x)}", 3, "unmatched `)`");
        expr_err(
            "${x \\}",
            4,
            "a backslash can only appear inside a string literal",
        );
        expr_err("${[1, 2}", 2, "`[` is never closed");
        expr_err("${f'{x'}", 6, "string literal is never closed");
        expr_err("${x\0}", 3, "NUL character in Python code");
    }

    #[test]
    fn deep_f_strings_are_refused() {
        let mut text = String::from("x");
        for _ in 0..40 {
            text = format!("f'{{{text}}}'");
        }
        let text = format!("${{{text}}}");
        let err = expression_end(&text, 2, 0).unwrap_err();
        assert_eq!(err.message, "f-strings are nested too deeply");
    }

    #[test]
    fn statements() {
        stmt("for x in y", "for x in y", None);
        stmt("for x in y:", "for x in y:", Some(":"));
        stmt("if x:  # yes: no", "if x:  ", Some(":  # yes: no"));
        stmt("if d[1:2] == {1: 2}:", "if d[1:2] == {1: 2}:", Some(":"));
        stmt("if (n := 3) > 2:", "if (n := 3) > 2:", Some(":"));
        stmt("if n := 3:", "if n := 3:", Some(":"));
        stmt("x = lambda: 1", "x = lambda: 1", None);
        stmt("if f(lambda: 1): y", "if f(lambda: 1): y", Some(": y"));
        stmt("if lambda: 1: y", "if lambda: 1: y", Some(": y"));
        stmt("x = '#'", "x = '#'", None);
        stmt("x: int = 1", "x: int = 1", Some(": int = 1"));
        stmt("# only a comment", "", None);
        stmt("format_x = 1", "format_x = 1", None);
    }

    #[test]
    fn statement_errors() {
        let err = statement("x = (1,").unwrap_err();
        assert_eq!((err.at, err.message.as_str()), (4, "`(` is never closed"));
        let err = statement("x = f(a, [b)").unwrap_err();
        assert_eq!((err.at, err.message.as_str()), (9, "`[` is never closed"));
        let err = statement("x = 1}").unwrap_err();
        assert_eq!((err.at, err.message.as_str()), (5, "unmatched `}`"));
        let err = statement("x = 'abc").unwrap_err();
        assert_eq!(
            (err.at, err.message.as_str()),
            (4, "string literal is never closed")
        );
        let err = statement("x = 1 \\").unwrap_err();
        assert_eq!(err.at, 6);
    }
}
