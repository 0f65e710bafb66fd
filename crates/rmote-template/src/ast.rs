//! The syntax tree of a template: text lines with their pieces, statements,
//! and blocks with their clauses. Every node borrows its text from the
//! template source and carries its [`Span`]; Python code is kept as written
//! (a [`Code`] slice) for the back ends to compile or evaluate.

use std::fmt;

use crate::Span;

/// A parsed template: its source and its top-level nodes.
///
/// Built by [`Template::parse`](crate::Template::parse), which checks the
/// block structure; the nodes are what the back ends walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template<'s> {
    pub(crate) source: &'s str,
    pub(crate) nodes: Vec<Node<'s>>,
}

impl<'s> Template<'s> {
    /// The source the template was parsed from.
    pub fn source(&self) -> &'s str {
        self.source
    }

    /// The top-level nodes, in template order.
    pub fn nodes(&self) -> &[Node<'s>] {
        &self.nodes
    }
}

/// One element of a template, in template order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Node<'s> {
    /// A text line: it produces one line of output.
    Text(Text<'s>),
    /// A control line holding a simple Python statement (`% x = 1`,
    /// `% break`, `% import os`), run where it stands. The code excludes a
    /// trailing `#` comment.
    Statement(Code<'s>),
    /// A compound statement (`% for`, `% if`, …) up to its terminator.
    Block(Block<'s>),
}

/// A text line: literal pieces and `${…}` expressions, in order.
///
/// The output of a template is its text lines (the ones that run) joined by
/// `\n`; a line without pieces is an empty line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'s> {
    /// The pieces; consecutive literals are not merged (an escape such as
    /// `\${` splits the literal around it).
    pub pieces: Vec<Piece<'s>>,
    /// The whole line, leading whitespace included.
    pub span: Span,
}

/// A piece of a text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Piece<'s> {
    /// Text that is output as it is.
    Literal(&'s str),
    /// The code of `${…}`, without the delimiters and the surrounding
    /// whitespace; it is output as `str()` of its value. Empty `${}` leaves
    /// no piece.
    Expression(Code<'s>),
}

/// Python code as written in the template, with where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code<'s> {
    /// The code, without surrounding whitespace.
    pub text: &'s str,
    /// Where the code is.
    pub span: Span,
}

/// A compound statement: its clauses (`if`, `elif`, `else`; `for`, `else`;
/// `try`, `except`, `else`, `finally`; …) and its terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block<'s> {
    /// The clauses, the opening one first; never empty.
    pub clauses: Vec<Clause<'s>>,
    /// The terminator line (`% endfor`, `% end`, a bare `%`).
    pub end: Span,
}

impl Block<'_> {
    /// The keyword that opens the block.
    pub fn keyword(&self) -> Keyword {
        self.clauses[0].keyword
    }
}

/// One clause of a block: a header line and the nodes up to the next clause
/// or the terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause<'s> {
    /// The clause's keyword.
    pub keyword: Keyword,
    /// The header as Python needs it, without the trailing `:` and any
    /// comment: `for x in items`, `else`, `except OSError as e`.
    pub header: Code<'s>,
    /// The header after the keyword: `x in items`, the condition of an
    /// `if`, `OSError as e`, `greet(name)` for a `def`; empty for `else`,
    /// `try` and `finally`.
    pub rest: Code<'s>,
    /// The nodes of the clause.
    pub body: Vec<Node<'s>>,
    /// The control line, from its `%` to its last character.
    pub span: Span,
}

/// The keywords that open blocks or continue them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Keyword {
    /// `for`, closed by `endfor` or `end`.
    For,
    /// `if`, closed by `endif` or `end`.
    If,
    /// `elif`, a clause of `if`.
    Elif,
    /// `else`, a clause of `if`, `for`, `while` and `try`.
    Else,
    /// `while`, closed by `endwhile` or `end`.
    While,
    /// `with`, closed by `endwith` or `end`.
    With,
    /// `try`, closed by `endtry` or `end`.
    Try,
    /// `except`, a clause of `try`.
    Except,
    /// `finally`, a clause of `try`.
    Finally,
    /// `def`, closed by `enddef` or `end`.
    Def,
    /// `class`, closed by `endclass` or `end`.
    Class,
}

impl Keyword {
    /// The keyword of a control line's first word, if it is one.
    pub fn from_word(word: &str) -> Option<Keyword> {
        Some(match word {
            "for" => Keyword::For,
            "if" => Keyword::If,
            "elif" => Keyword::Elif,
            "else" => Keyword::Else,
            "while" => Keyword::While,
            "with" => Keyword::With,
            "try" => Keyword::Try,
            "except" => Keyword::Except,
            "finally" => Keyword::Finally,
            "def" => Keyword::Def,
            "class" => Keyword::Class,
            _ => return None,
        })
    }

    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::For => "for",
            Keyword::If => "if",
            Keyword::Elif => "elif",
            Keyword::Else => "else",
            Keyword::While => "while",
            Keyword::With => "with",
            Keyword::Try => "try",
            Keyword::Except => "except",
            Keyword::Finally => "finally",
            Keyword::Def => "def",
            Keyword::Class => "class",
        }
    }

    /// Whether it opens a block (rather than continuing one).
    pub fn opens(self) -> bool {
        !matches!(
            self,
            Keyword::Elif | Keyword::Else | Keyword::Except | Keyword::Finally
        )
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
