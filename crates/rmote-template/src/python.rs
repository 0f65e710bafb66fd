//! The Python back end: a template compiled to the source of a Python
//! module (CPython 3.6 and later) that renders it, with a line map from
//! generated lines back to the template.
//!
//! # The generated code
//!
//! Every template expression and statement sits on a generated line of its
//! own, at a known column, so that the position of a Python `SyntaxError`
//! or of a failing frame maps back to the template's own line and column.
//! A text line becomes one call of `__rmote_w__` (append a piece) with the
//! whole line, which starts with `"\n"`; each `${expr}` before it is
//! evaluated on its own line into a temporary, `__rmote_0__ =
//! __rmote_str__((expr))`. Control lines are emitted as
//! Python statements at the indentation of their block, block headers with
//! a `:`; an empty block body gets a `pass`.
//!
//! The module runs with a fresh dict as its globals: the context, plus
//! `__rmote_w__` (the `append` of the output list) and `__rmote_str__`
//! (the builtin `str`). The text is the output list joined, without its first
//! character (the `"\n"` of the first text line): text lines joined by
//! `"\n"`, with no trailing newline. A `% def` whose body has text lines gets
//! its own output list and, unless it returns something else, returns its
//! text the same way. Names that start with `__rmote_` are reserved.

use crate::ast::{Block, Clause, Code, Keyword, Node, Piece, Template, Text};
use crate::lines::Locator;
use crate::{Error, ErrorKind};

/// The globals a compiled template expects besides its context, for the
/// code that runs it: the name of the function that appends a piece of
/// output, and the name of the builtin `str`.
pub const APPEND: &str = "__rmote_w__";
/// See [`APPEND`].
pub const STR: &str = "__rmote_str__";

/// How many numbers each generated line has in [`Compiled::line_map`].
pub const LINE_MAP_STRIDE: usize = 4;

/// A template compiled to Python: the source, the generated code and its
/// line map. It owns its text, so it can be kept and sent to many remotes.
///
/// ```
/// use rmote_template::Compiled;
///
/// let compiled = Compiled::new("Hello ${name}!")?;
/// assert!(compiled.code().starts_with("__rmote_0__ = __rmote_str__((name))\n"));
/// // The first generated line holds `name`, at 1:9 of the template.
/// let origin = compiled.origin(1).unwrap();
/// assert_eq!((origin.line, origin.column, origin.len), (1, 9, 4));
/// # Ok::<(), rmote_template::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    source: String,
    code: String,
    map: Vec<u32>,
}

/// Where a generated line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The template line (1-based); 0 for lines the compiler added.
    pub line: u32,
    /// The template column (1-based, in characters) of the template code on
    /// the line, or of the text line's start.
    pub column: u32,
    /// The length of that code in characters (0 for text without code).
    pub len: u32,
    /// The column (0-based, in characters) of the generated line where the
    /// template code starts.
    pub generated_column: u32,
}

impl Compiled {
    /// Parses and compiles `source`.
    pub fn new(source: impl Into<String>) -> Result<Compiled, Error> {
        let source = source.into();
        let (code, map) = {
            let template = Template::parse(&source)?;
            generate(&template)
        };
        Ok(Compiled { source, code, map })
    }

    /// Compiles a parsed template.
    pub fn from_template(template: &Template<'_>) -> Compiled {
        let (code, map) = generate(template);
        Compiled {
            source: template.source().to_string(),
            code,
            map,
        }
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The generated Python code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The line map, flat: for each generated line, [`LINE_MAP_STRIDE`]
    /// numbers, the fields of its [`Origin`] in declaration order (template
    /// line, column, length, generated column).
    pub fn line_map(&self) -> &[u32] {
        &self.map
    }

    /// Where the 1-based generated line `line` comes from.
    pub fn origin(&self, line: usize) -> Option<Origin> {
        let at = line.checked_sub(1)? * LINE_MAP_STRIDE;
        let entry = self.map.get(at..at + LINE_MAP_STRIDE)?;
        Some(Origin {
            line: entry[0],
            column: entry[1],
            len: entry[2],
            generated_column: entry[3],
        })
    }

    /// An error of this template at 1-based `line` and `column` covering
    /// `len` characters (as the remote Template tool reports them).
    pub fn error_at(
        &self,
        kind: ErrorKind,
        line: u32,
        column: u32,
        len: u32,
        message: &str,
    ) -> Error {
        error_at(&self.source, kind, line, column, len, message)
    }
}

/// An error of the template `source` at 1-based `line` and `column`
/// covering `len` characters, with its excerpt; positions past the source
/// are clamped to it.
pub fn error_at(
    source: &str,
    kind: ErrorKind,
    line: u32,
    column: u32,
    len: u32,
    message: &str,
) -> Error {
    let span = Locator::new(source).span_at_line_column(line, column, len);
    Error::new(kind, message, span, source)
}

/// The generated code and its flat line map.
fn generate(template: &Template<'_>) -> (String, Vec<u32>) {
    let mut gen = Generator {
        code: String::new(),
        map: Vec::new(),
    };
    gen.nodes(template.nodes(), 0);
    (gen.code, gen.map)
}

struct Generator {
    code: String,
    map: Vec<u32>,
}

impl Generator {
    fn nodes(&mut self, nodes: &[Node<'_>], depth: usize) {
        for node in nodes {
            match node {
                Node::Text(text) => self.text(text, depth),
                Node::Statement(code) => self.line(depth, "", Some(*code), ""),
                Node::Block(block) => self.block(block, depth),
            }
        }
    }

    fn block(&mut self, block: &Block<'_>, depth: usize) {
        for clause in &block.clauses {
            self.header(clause, depth);
            if clause.keyword == Keyword::Def && has_text(&clause.body) {
                self.def_with_text(clause, depth + 1);
            } else if clause.body.is_empty() {
                self.line(depth + 1, "pass", None, "");
            } else {
                self.nodes(&clause.body, depth + 1);
            }
        }
    }

    /// A clause's header line, mapped to what follows the keyword: that is
    /// where an error in a header can be (the condition of an `if`, the
    /// iterable of a `for`, the context manager of a `with`).
    fn header(&mut self, clause: &Clause<'_>, depth: usize) {
        let column = self.emit(depth, "", Some(clause.header), ":");
        let rest = clause.rest;
        let skip = rest.span.offset.saturating_sub(clause.header.span.offset);
        let skipped = clause
            .header
            .text
            .get(..skip)
            .map_or(0, |s| s.chars().count());
        self.map.extend([
            rest.span.line,
            rest.span.column,
            chars(rest.text),
            column + u32::try_from(skipped).unwrap_or(0),
        ]);
    }

    /// The body of a `def` with text lines: its own output, returned as text.
    fn def_with_text(&mut self, clause: &Clause<'_>, depth: usize) {
        self.line(depth, "__rmote_out__ = []", None, "");
        self.line(depth, "__rmote_w__ = __rmote_out__.append", None, "");
        self.nodes(&clause.body, depth);
        self.line(depth, "return ''.join(__rmote_out__)[1:]", None, "");
    }

    /// A text line: each expression into a temporary on a line of its own,
    /// then one write of the whole line, so that a line is output entirely
    /// or not at all (a failing expression inside `% try` leaves no part of
    /// its line behind).
    fn text(&mut self, text: &Text<'_>, depth: usize) {
        let mut parts: Vec<String> = Vec::new();
        let mut literal = String::from("\n");
        let mut values = 0;
        for piece in &text.pieces {
            match piece {
                Piece::Literal(l) => literal.push_str(l),
                Piece::Expression(code) => {
                    if !literal.is_empty() {
                        parts.push(py_str(&literal));
                        literal.clear();
                    }
                    let name = format!("__rmote_{values}__");
                    values += 1;
                    let prefix = format!("{name} = __rmote_str__((");
                    self.line(depth, &prefix, Some(*code), "))");
                    parts.push(name);
                }
            }
        }
        if !literal.is_empty() {
            parts.push(py_str(&literal));
        }
        let call = if parts.len() == 1 {
            format!("__rmote_w__({})", parts[0])
        } else {
            format!("__rmote_w__(''.join(({},)))", parts.join(", "))
        };
        self.emit(depth, &call, None, "");
        self.map.extend([text.span.line, text.span.column, 0, 0]);
    }

    /// A generated line: indentation, `prefix`, the template `code` (if
    /// any) and `suffix`, mapped to the code (or to nothing).
    fn line(&mut self, depth: usize, prefix: &str, code: Option<Code<'_>>, suffix: &str) {
        let column = self.emit(depth, prefix, code, suffix);
        match code {
            Some(code) => {
                self.map
                    .extend([code.span.line, code.span.column, chars(code.text), column]);
            }
            None => self.map.extend([0, 0, 0, 0]),
        }
    }

    /// Writes a line; returns the column where `code` starts.
    fn emit(&mut self, depth: usize, prefix: &str, code: Option<Code<'_>>, suffix: &str) -> u32 {
        for _ in 0..depth {
            self.code.push_str("    ");
        }
        self.code.push_str(prefix);
        let column = u32::try_from(depth * 4 + prefix.len()).unwrap_or(u32::MAX);
        if let Some(code) = code {
            self.code.push_str(code.text);
        }
        self.code.push_str(suffix);
        self.code.push('\n');
        column
    }
}

/// The length of `text` in characters.
fn chars(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}

/// Whether a `def` body writes text: text lines in it or in its nested
/// blocks, except in nested `def`s, which have their own output.
fn has_text(nodes: &[Node<'_>]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Text(_) => true,
        Node::Block(block) => {
            block.keyword() != Keyword::Def && block.clauses.iter().any(|c| has_text(&c.body))
        }
        _ => false,
    })
}

/// `text` as a Python string literal made only of printable ASCII.
fn py_str(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(source: &str, expected: &str) {
        let compiled = Compiled::new(source).unwrap();
        assert_eq!(compiled.code(), expected, "code of {source:?}");
        let lines = compiled.code().lines().count();
        assert_eq!(compiled.line_map().len(), lines * LINE_MAP_STRIDE);
    }

    #[test]
    fn text_lines() {
        check("", "");
        check("a\nb", "__rmote_w__('\\na')\n__rmote_w__('\\nb')\n");
        check(
            "x ${a} y ${ b }",
            "__rmote_0__ = __rmote_str__((a))\n__rmote_1__ = __rmote_str__((b))\n\
             __rmote_w__(''.join(('\\nx ', __rmote_0__, ' y ', __rmote_1__,)))\n",
        );
        check(
            "${a}",
            "__rmote_0__ = __rmote_str__((a))\n__rmote_w__(''.join(('\\n', __rmote_0__,)))\n",
        );
        check(
            "é'\\\t\u{1}\u{2030}\u{1f600}",
            "__rmote_w__('\\n\\xe9\\'\\\\\\t\\x01\\u2030\\U0001f600')\n",
        );
    }

    #[test]
    fn blocks() {
        check(
            "% for x in y:\n${x}\n% else\n% endfor",
            "for x in y:\n    __rmote_0__ = __rmote_str__((x))\n    \
             __rmote_w__(''.join(('\\n', __rmote_0__,)))\nelse:\n    pass\n",
        );
        check(
            "% def f(n):  # greet\nhi\n% end\n% def g():\n% return 1\n% end",
            "def f(n):\n    __rmote_out__ = []\n    __rmote_w__ = __rmote_out__.append\n    \
             __rmote_w__('\\nhi')\n    return ''.join(__rmote_out__)[1:]\ndef g():\n    return 1\n",
        );
    }

    #[test]
    fn the_line_map_points_at_template_code() {
        let compiled = Compiled::new("a\n  % if  x > 1 :\n  v=${ é + y }\n% endif").unwrap();
        let origin = |n| compiled.origin(n).unwrap();
        assert_eq!(
            origin(1),
            Origin {
                line: 1,
                column: 1,
                len: 0,
                generated_column: 0
            }
        );
        assert_eq!(
            origin(2),
            Origin {
                line: 2,
                column: 9,
                len: 5,
                generated_column: 4
            }
        );
        assert_eq!(
            origin(3),
            Origin {
                line: 3,
                column: 8,
                len: 5,
                generated_column: 33
            }
        );
        assert_eq!(
            origin(4),
            Origin {
                line: 3,
                column: 1,
                len: 0,
                generated_column: 0
            }
        );
        assert_eq!(compiled.origin(5), None);
        assert_eq!(compiled.origin(0), None);
        let line = compiled.code().lines().nth(2).unwrap();
        assert_eq!(&line[33..], "é + y))");
    }

    #[test]
    fn errors_at_line_and_column() {
        let compiled = Compiled::new("a\nb ${x + 1}\n").unwrap();
        let err = compiled.error_at(
            ErrorKind::Render,
            2,
            5,
            5,
            "NameError: name 'x' is not defined",
        );
        assert_eq!(
            format!("{err:#}"),
            "render error at 2:5: NameError: name 'x' is not defined\n2 | b ${x + 1}\n  |     ^^^^^"
        );
        let err = compiled.error_at(ErrorKind::Syntax, 7, 9, 1, "invalid syntax");
        assert_eq!(err.to_string(), "syntax error at 3:1: invalid syntax");
    }
}
