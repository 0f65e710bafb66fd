//! Tokens of the Python expressions and statements inside a template (the
//! text of a `${…}` or of a `%` line), with byte offsets into the template.
//!
//! Every token Python has is recognised, so that Python the local renderer
//! does not implement is refused as such (`NotSupportedLocally`) and only
//! text Python itself rejects is a syntax error.

use std::sync::Arc;

/// A token and where it is in the template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    /// Byte offsets into the template.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword.
    Name(Arc<str>),
    /// An integer literal (its magnitude; `-` is an operator).
    Int(u64),
    Float(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    /// An operator or delimiter.
    Op(&'static str),
    End,
}

/// Why the text cannot be tokenized.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LexError {
    pub(crate) unsupported: bool,
    pub(crate) message: String,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Operators and delimiters, longest first.
const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=",
    ":=", "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=", "%", "&", "(", ")", "*", "+", ",", "-",
    ".", "/", ":", ";", "<", "=", ">", "@", "[", "]", "^", "{", "|", "}", "~",
];

/// The tokens of `source[start..end]`, ending with [`Tok::End`].
pub(crate) fn tokenize(source: &str, start: usize, end: usize) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        source,
        pos: start,
        end,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'s> {
    source: &'s str,
    pos: usize,
    end: usize,
    tokens: Vec<Token>,
}

impl<'s> Lexer<'s> {
    fn rest(&self) -> &'s str {
        &self.source[self.pos..self.end]
    }

    fn run(&mut self) -> Result<(), LexError> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches([' ', '\t', '\x0c']);
            self.pos += rest.len() - trimmed.len();
            let start = self.pos;
            let Some(c) = trimmed.chars().next() else {
                self.tokens.push(Token {
                    kind: Tok::End,
                    start,
                    end: start,
                });
                return Ok(());
            };
            let kind = if c.is_ascii_alphabetic() || c == '_' {
                self.name_or_string()?
            } else if c.is_ascii_digit()
                || (c == '.' && trimmed[1..].starts_with(|d: char| d.is_ascii_digit()))
            {
                self.number()?
            } else if c == '\'' || c == '"' {
                self.string("")?
            } else if c == '#' {
                return Err(self.unsupported(start, self.end, "comments inside Python code"));
            } else if let Some(op) = OPS.iter().find(|op| trimmed.starts_with(**op)) {
                self.pos += op.len();
                Tok::Op(op)
            } else if c == '\\' {
                return Err(self.syntax(
                    start,
                    start + 1,
                    "unexpected character after line continuation character",
                ));
            } else if !c.is_ascii() && (c.is_alphabetic() || c == '·') {
                return Err(self.unsupported(
                    start,
                    start + c.len_utf8(),
                    "identifiers outside ASCII",
                ));
            } else {
                return Err(self.syntax(
                    start,
                    start + c.len_utf8(),
                    format!("invalid character '{c}' (U+{:04X})", c as u32),
                ));
            };
            self.tokens.push(Token {
                kind,
                start,
                end: self.pos,
            });
        }
    }

    fn name_or_string(&mut self) -> Result<Tok, LexError> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let after = rest[len..].chars().next();
        if matches!(after, Some('\'' | '"')) && is_string_prefix(word) {
            self.pos += len;
            return self.string(word);
        }
        if after.is_some_and(|c| !c.is_ascii() && c.is_alphanumeric()) {
            return Err(self.unsupported(self.pos, self.pos + len, "identifiers outside ASCII"));
        }
        self.pos += len;
        Ok(Tok::Name(Arc::from(word)))
    }

    fn number(&mut self) -> Result<Tok, LexError> {
        let start = self.pos;
        let rest = self.rest();
        let bytes = rest.as_bytes();
        // Exponent signs belong to the number: `1e-5`.
        let mut len = 0;
        while len < bytes.len() {
            let c = bytes[len];
            let exp_sign = (c == b'+' || c == b'-')
                && len > 0
                && matches!(bytes[len - 1], b'e' | b'E')
                && !rest[..len].starts_with("0x")
                && !rest[..len].starts_with("0X");
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exp_sign {
                len += 1;
            } else {
                break;
            }
        }
        let lower = rest[..len].to_ascii_lowercase();
        self.pos += len;
        let end = self.pos;
        match number_literal(&lower) {
            Ok(tok) => Ok(tok),
            Err((true, message)) => Err(self.unsupported(start, end, message)),
            Err((false, message)) => {
                // `1if x else 2` is a number then a keyword (with a warning).
                let glued = (1..lower.len()).any(|p| {
                    GLUED_KEYWORDS.iter().any(|k| lower[p..].starts_with(k))
                        && number_literal(&lower[..p]).is_ok()
                });
                if glued {
                    Err(self.unsupported(start, end, "a number directly followed by a keyword"))
                } else {
                    Err(self.syntax(start, end, message))
                }
            }
        }
    }

    fn string(&mut self, prefix: &str) -> Result<Tok, LexError> {
        let start = self.pos - prefix.len();
        let prefix = prefix.to_ascii_lowercase();
        let raw = prefix.contains('r');
        let bytes = prefix.contains('b');
        if prefix.contains('f') {
            return Err(self.unsupported(start, self.end, "f-strings"));
        }
        let rest = self.rest();
        let quote = if rest.starts_with("'''") {
            "'''"
        } else if rest.starts_with("\"\"\"") {
            "\"\"\""
        } else {
            &rest[..1]
        };
        let body_start = self.pos + quote.len();
        let mut i = body_start;
        let mut text = String::new();
        let mut data = Vec::new();
        loop {
            let tail = &self.source[i..self.end];
            if tail.starts_with(quote) {
                self.pos = i + quote.len();
                break;
            }
            let Some(c) = tail.chars().next() else {
                return Err(self.syntax(
                    start,
                    self.end,
                    "unterminated string literal".to_string(),
                ));
            };
            if c == '\n' || c == '\r' {
                return Err(self.syntax(start, i, "unterminated string literal".to_string()));
            }
            if bytes && !c.is_ascii() {
                return Err(self.syntax(
                    start,
                    i + c.len_utf8(),
                    "bytes can only contain ASCII literal characters".to_string(),
                ));
            }
            if c != '\\' {
                text.push(c);
                data.push(c as u8);
                i += c.len_utf8();
                continue;
            }
            let Some(next) = tail[1..].chars().next() else {
                return Err(self.syntax(
                    start,
                    self.end,
                    "unterminated string literal".to_string(),
                ));
            };
            if raw {
                // A raw string keeps the backslash; it still escapes a quote.
                text.push('\\');
                text.push(next);
                data.push(b'\\');
                data.push(next as u8);
                i += 1 + next.len_utf8();
                continue;
            }
            let escape_start = i;
            i += 1 + next.len_utf8();
            let simple = match next {
                '\\' => Some('\\'),
                '\'' => Some('\''),
                '"' => Some('"'),
                'a' => Some('\x07'),
                'b' => Some('\x08'),
                'f' => Some('\x0c'),
                'n' => Some('\n'),
                'r' => Some('\r'),
                't' => Some('\t'),
                'v' => Some('\x0b'),
                _ => None,
            };
            if let Some(c) = simple {
                text.push(c);
                data.push(c as u8);
                continue;
            }
            match next {
                '0'..='7' => {
                    let mut value = next.to_digit(8).unwrap_or(0);
                    let mut count = 1;
                    while count < 3 {
                        match self.source[i..self.end].chars().next() {
                            Some(d @ '0'..='7') => {
                                value = value * 8 + d.to_digit(8).unwrap_or(0);
                                i += 1;
                                count += 1;
                            }
                            _ => break,
                        }
                    }
                    if bytes {
                        if value > 0o377 {
                            return Err(self.unsupported(
                                escape_start,
                                i,
                                "octal escapes above \\377 in bytes",
                            ));
                        }
                        data.push(value as u8);
                    } else {
                        text.push(char::from_u32(value).unwrap_or('\0'));
                    }
                }
                'x' | 'u' | 'U' if !(bytes && next != 'x') => {
                    let width = match next {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex = self.source[i..self.end].get(..width).unwrap_or("");
                    if hex.len() != width || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                        return Err(self.syntax(
                            escape_start,
                            i,
                            format!("truncated \\{next} escape in a string literal"),
                        ));
                    }
                    i += width;
                    let value = u32::from_str_radix(hex, 16).unwrap_or(0);
                    if bytes {
                        data.push(value as u8);
                    } else {
                        match char::from_u32(value) {
                            Some(c) => text.push(c),
                            None if value > 0x10ffff => {
                                return Err(self.syntax(
                                    escape_start,
                                    i,
                                    "illegal Unicode character in a string literal".to_string(),
                                ))
                            }
                            None => {
                                return Err(self.unsupported(
                                    escape_start,
                                    i,
                                    "lone surrogates in strings",
                                ))
                            }
                        }
                    }
                }
                'N' if !bytes => {
                    return Err(self.unsupported(escape_start, i, "\\N{…} escapes"));
                }
                '\n' | '\r' => {
                    return Err(self.syntax(start, i, "unterminated string literal".to_string()))
                }
                other => {
                    // An unknown escape keeps its backslash (with a warning).
                    text.push('\\');
                    text.push(other);
                    data.push(b'\\');
                    data.push(other as u8);
                }
            }
        }
        Ok(if bytes {
            Tok::Bytes(Arc::from(data))
        } else {
            Tok::Str(Arc::from(text))
        })
    }

    fn syntax(&self, start: usize, end: usize, message: impl Into<String>) -> LexError {
        LexError {
            unsupported: false,
            message: message.into(),
            start,
            end,
        }
    }

    fn unsupported(&self, start: usize, end: usize, what: &str) -> LexError {
        LexError {
            unsupported: true,
            message: what.to_string(),
            start,
            end,
        }
    }
}

/// Keywords CPython still separates from a number written right before
/// them.
const GLUED_KEYWORDS: &[&str] = &["and", "else", "for", "if", "in", "is", "not", "or"];

/// A number literal (lowercase): the token, or whether it is refused (as
/// opposed to a syntax error) and why.
fn number_literal(lower: &str) -> Result<Tok, (bool, &'static str)> {
    if lower.ends_with('j') && number_literal(&lower[..lower.len() - 1]).is_ok() {
        return Err((true, "complex numbers"));
    }
    let too_big = (true, "integer literals beyond 64 bits");
    if let Some((digits, radix)) = lower
        .strip_prefix("0x")
        .map(|d| (d, 16))
        .or_else(|| lower.strip_prefix("0o").map(|d| (d, 8)))
        .or_else(|| lower.strip_prefix("0b").map(|d| (d, 2)))
    {
        let invalid = (false, "invalid number literal");
        let clean = strip_underscores(digits.strip_prefix('_').unwrap_or(digits)).ok_or(invalid)?;
        if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) {
            return Err(invalid);
        }
        return u64::from_str_radix(&clean, radix)
            .map(Tok::Int)
            .map_err(|_| too_big);
    }
    let invalid = (false, "invalid decimal literal");
    if !lower.contains(['.', 'e']) {
        let clean = strip_underscores(lower).ok_or(invalid)?;
        if !clean.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid);
        }
        if clean.len() > 1 && clean.starts_with('0') && clean.chars().any(|c| c != '0') {
            return Err((
                false,
                "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
            ));
        }
        return clean.parse::<u64>().map(Tok::Int).map_err(|_| too_big);
    }
    // digits [. digits] [e [sign] digits], each digit run with single
    // underscores between digits.
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower, None),
    };
    let (whole, frac) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digit_run = |s: &str| {
        s.is_empty() || strip_underscores(s).is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
    };
    let valid = digit_run(whole)
        && frac.is_none_or(|f| digit_run(f) && !f.contains('.'))
        && !(whole.is_empty() && frac.is_none_or(str::is_empty))
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digit_run(e)
        });
    if !valid {
        return Err(invalid);
    }
    let clean: String = lower.chars().filter(|&c| c != '_').collect();
    clean.parse::<f64>().map(Tok::Float).map_err(|_| invalid)
}

fn is_string_prefix(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "r" | "u" | "b" | "br" | "rb" | "f" | "fr" | "rf"
    )
}

/// The digits without their underscores, if every underscore sits between
/// two digits.
fn strip_underscores(s: &str) -> Option<String> {
    if s.starts_with('_') || s.ends_with('_') || s.contains("__") {
        return None;
    }
    Some(s.chars().filter(|&c| c != '_').collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        tokenize(text, 0, text.len())
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn error(text: &str) -> LexError {
        tokenize(text, 0, text.len()).unwrap_err()
    }

    #[test]
    fn names_numbers_and_operators() {
        assert_eq!(
            kinds("a.b(1, 2.5)**-x"),
            vec![
                Tok::Name("a".into()),
                Tok::Op("."),
                Tok::Name("b".into()),
                Tok::Op("("),
                Tok::Int(1),
                Tok::Op(","),
                Tok::Float(2.5),
                Tok::Op(")"),
                Tok::Op("**"),
                Tok::Op("-"),
                Tok::Name("x".into()),
                Tok::End,
            ]
        );
        assert_eq!(
            kinds("0x_ff 0o17 0b101 1_000")[..4],
            [Tok::Int(255), Tok::Int(15), Tok::Int(5), Tok::Int(1000)]
        );
        assert_eq!(
            kinds("1e-5 .5 1. 1_0.2_5e1_0")[..4],
            [
                Tok::Float(1e-5),
                Tok::Float(0.5),
                Tok::Float(1.0),
                Tok::Float(10.25e10)
            ]
        );
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            kinds(r#"'a\n\t\x41\u00e9\101' "it's" r'\n' b'\xff' '''x'y'''"#)[..5],
            [
                Tok::Str("a\n\tAéA".into()),
                Tok::Str("it's".into()),
                Tok::Str("\\n".into()),
                Tok::Bytes(Arc::from(&b"\xff"[..])),
                Tok::Str("x'y".into()),
            ]
        );
        assert_eq!(kinds(r"'\d'")[0], Tok::Str("\\d".into()));
    }

    #[test]
    fn errors_and_refusals() {
        assert!(!error("'abc").unsupported);
        assert!(!error("012").unsupported);
        assert!(!error("1__0").unsupported);
        assert!(!error("a $ b").unsupported);
        assert!(error("f'{x}'").unsupported);
        assert!(error("1j").unsupported);
        assert!(error("x # note").unsupported);
        assert!(error("99999999999999999999").unsupported);
        assert!(error("été").unsupported);
    }
}
