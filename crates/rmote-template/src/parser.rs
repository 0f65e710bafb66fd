//! The parser: tokens become the tree of [`Node`]s, and the block structure
//! is checked (every block closed by a terminator that fits it, clauses only
//! where Python allows them, in Python's order).
//!
//! The tree is built with an explicit stack of open blocks, so the parser
//! itself cannot overflow; nesting is still limited to [`MAX_DEPTH`] blocks,
//! because the back ends walk the tree recursively and Python limits
//! indentation.

use crate::ast::{Block, Clause, Code, Keyword, Node, Template};
use crate::lexer::{self, Control, Token};
use crate::lines::trim_py;
use crate::{Error, ErrorKind, Span};

/// How deeply blocks may nest.
pub const MAX_DEPTH: usize = 64;

impl<'s> Template<'s> {
    /// Parses `source`, checking its block structure; the first problem is
    /// the error, at its template line and column.
    ///
    /// Python code (the `${…}` expressions and the statements) is only
    /// checked for balanced brackets and string literals here; the back ends
    /// compile it.
    pub fn parse(source: &'s str) -> Result<Template<'s>, Error> {
        let mut parser = Parser {
            source,
            stack: Vec::new(),
            nodes: Vec::new(),
            decorator: None,
        };
        for token in lexer::tokens(source) {
            let token = token?;
            parser.check_decorated(Some(&token))?;
            match token {
                Token::Text(text) => parser.body().push(Node::Text(text)),
                Token::Control(control) => parser.control(control)?,
            }
        }
        parser.check_decorated(None)?;
        if let Some(open) = parser.stack.last() {
            let first = &open.clauses[0];
            return Err(parser.error(format!("`% {}` is never closed", first.keyword), first.span));
        }
        Ok(Template {
            source,
            nodes: parser.nodes,
        })
    }
}

/// A block whose terminator has not been seen yet.
struct Open<'s> {
    clauses: Vec<Clause<'s>>,
}

struct Parser<'s> {
    source: &'s str,
    stack: Vec<Open<'s>>,
    nodes: Vec<Node<'s>>,
    /// The span of a decorator line (`% @cache`) just seen: the next line
    /// must be another decorator, a `% def` or a `% class`.
    decorator: Option<Span>,
}

impl<'s> Parser<'s> {
    /// Checks that a decorator is followed by what it decorates; `token` is
    /// the next token (`None` at the end).
    fn check_decorated(&mut self, token: Option<&Token<'s>>) -> Result<(), Error> {
        let Some(span) = self.decorator.take() else {
            return Ok(());
        };
        let decorates = match token {
            Some(Token::Control(c)) => {
                c.code.text.starts_with('@') || matches!(first_word(c.code.text), "def" | "class")
            }
            _ => false,
        };
        if decorates {
            return Ok(());
        }
        Err(self.error("a decorator must be followed by `% def` or `% class`", span))
    }

    /// Where nodes go now: the current clause of the innermost open block,
    /// or the top level.
    fn body(&mut self) -> &mut Vec<Node<'s>> {
        match self.stack.last_mut() {
            Some(open) => &mut open.clauses.last_mut().expect("never empty").body,
            None => &mut self.nodes,
        }
    }

    fn control(&mut self, control: Control<'s>) -> Result<(), Error> {
        let code = control.code;
        if code.text.is_empty() {
            return self.close(None, "`%`", control.span);
        }
        let word = first_word(code.text);
        if let Some(closes) = terminator(word) {
            let after = trim_py(&code.text[word.len()..]);
            if !after.is_empty() && after != ":" {
                let span = self.sub_span(code, after);
                return Err(self.error(format!("unexpected `{after}` after `% {word}`"), span));
            }
            return self.close(closes, &format!("`% {word}`"), control.span);
        }
        if word == "async" {
            return Err(self.error("`async` blocks are not supported", control.span));
        }
        let Some(keyword) = Keyword::from_word(word) else {
            return self.statement(control, word);
        };
        let clause = self.clause(control, keyword)?;
        if keyword.opens() {
            if self.stack.len() >= MAX_DEPTH {
                return Err(self.error(
                    format!("blocks are nested more than {MAX_DEPTH} deep"),
                    control.span,
                ));
            }
            self.stack.push(Open {
                clauses: vec![clause],
            });
            return Ok(());
        }
        self.continue_block(clause)
    }

    /// A simple statement, or a block this language does not have.
    fn statement(&mut self, control: Control<'s>, word: &str) -> Result<(), Error> {
        let code = control.code;
        if let Some(colon) = control.colon {
            if trim_py(&code.text[colon + 1..]).is_empty() {
                let what = if word.is_empty() { code.text } else { word };
                return Err(self.error(
                    format!(
                        "`{what}` does not open a block \
                         (blocks are for, if, while, with, try, def and class)"
                    ),
                    control.span,
                ));
            }
        }
        if code.text.starts_with('@') {
            self.decorator = Some(control.span);
        }
        self.body().push(Node::Statement(code));
        Ok(())
    }

    /// The clause a control line with a block keyword starts, its header
    /// checked.
    fn clause(&mut self, control: Control<'s>, keyword: Keyword) -> Result<Clause<'s>, Error> {
        let code = control.code;
        let mut header = code.text;
        if let Some(colon) = control.colon {
            let after = trim_py(&code.text[colon + 1..]);
            if !after.is_empty() {
                let span = self.sub_span(code, after);
                return Err(self.error(
                    format!(
                        "one-line `% {keyword}` is not supported: put `{after}` on the next line"
                    ),
                    span,
                ));
            }
            header = trim_py(&code.text[..colon]);
        }
        let rest = trim_py(&header[keyword.as_str().len()..]);
        let needs = match keyword {
            Keyword::For => Some("`target in iterable`"),
            Keyword::If | Keyword::Elif | Keyword::While => Some("a condition"),
            Keyword::With => Some("a context manager"),
            Keyword::Def => Some("a name and parameters"),
            Keyword::Class => Some("a name"),
            Keyword::Except => None,
            Keyword::Else | Keyword::Try | Keyword::Finally => {
                if !rest.is_empty() {
                    let span = self.sub_span(code, rest);
                    let hint = if keyword == Keyword::Else && first_word(rest) == "if" {
                        " (use `% elif`)"
                    } else {
                        ""
                    };
                    return Err(self.error(
                        format!("unexpected `{rest}` after `% {keyword}`{hint}"),
                        span,
                    ));
                }
                None
            }
        };
        if let Some(needs) = needs {
            if rest.is_empty() {
                return Err(self.error(format!("`% {keyword}` needs {needs}"), control.span));
            }
        }
        Ok(Clause {
            keyword,
            header: Code {
                text: header,
                span: self.sub_span(code, header),
            },
            rest: Code {
                text: rest,
                span: self.sub_span(code, rest),
            },
            body: Vec::new(),
            span: control.span,
        })
    }

    /// Adds an `elif`, `else`, `except` or `finally` clause to the innermost
    /// block, if Python allows it there.
    fn continue_block(&mut self, clause: Clause<'s>) -> Result<(), Error> {
        let keyword = clause.keyword;
        let Some(open) = self.stack.last() else {
            let wanted = match keyword {
                Keyword::Elif => "`% if`",
                Keyword::Else => "`% if`, `% for`, `% while` or `% try`",
                _ => "`% try`",
            };
            return Err(self.error(
                format!("`% {keyword}` without an open {wanted}"),
                clause.span,
            ));
        };
        let first = &open.clauses[0];
        let seen = |k: Keyword| open.clauses.iter().any(|c| c.keyword == k);
        let fits = matches!(
            (first.keyword, keyword),
            (Keyword::If, Keyword::Elif | Keyword::Else)
                | (Keyword::For | Keyword::While, Keyword::Else)
                | (
                    Keyword::Try,
                    Keyword::Except | Keyword::Else | Keyword::Finally
                )
        );
        if !fits {
            return Err(self.error(
                format!(
                    "`% {keyword}` cannot continue `% {}` (opened at {})",
                    first.keyword, first.span
                ),
                clause.span,
            ));
        }
        let after = [Keyword::Else, Keyword::Finally]
            .into_iter()
            .find(|&k| seen(k) && !(k == Keyword::Else && keyword == Keyword::Finally));
        if let Some(after) = after {
            return Err(self.error(format!("`% {keyword}` after `% {after}`"), clause.span));
        }
        if first.keyword == Keyword::Try && keyword == Keyword::Else && !seen(Keyword::Except) {
            return Err(self.error(
                "`% else` of `% try` needs an `% except` before it",
                clause.span,
            ));
        }
        self.stack
            .last_mut()
            .expect("checked above")
            .clauses
            .push(clause);
        Ok(())
    }

    /// Closes the innermost block with the terminator `label` at `span`;
    /// `closes` is the keyword it must close (`None`: any).
    fn close(&mut self, closes: Option<Keyword>, label: &str, span: Span) -> Result<(), Error> {
        let Some(open) = self.stack.last() else {
            return Err(self.error(format!("{label} closes no block"), span));
        };
        let first = &open.clauses[0];
        if let Some(expected) = closes {
            if expected != first.keyword {
                return Err(self.error(
                    format!(
                        "{label} cannot close `% {}` (opened at {})",
                        first.keyword, first.span
                    ),
                    span,
                ));
            }
        }
        if first.keyword == Keyword::Try
            && !open
                .clauses
                .iter()
                .any(|c| matches!(c.keyword, Keyword::Except | Keyword::Finally))
        {
            return Err(self.error("`% try` needs an `% except` or a `% finally`", first.span));
        }
        let open = self.stack.pop().expect("checked above");
        let block = Block {
            clauses: open.clauses,
            end: span,
        };
        self.body().push(Node::Block(block));
        Ok(())
    }

    /// The span of `part`, a slice of `code.text` (which is on one line).
    fn sub_span(&self, code: Code<'s>, part: &str) -> Span {
        let start = part.as_ptr() as usize - code.text.as_ptr() as usize;
        let chars = code.text[..start].chars().count();
        Span {
            offset: code.span.offset + start,
            len: part.len(),
            line: code.span.line,
            column: code.span.column + u32::try_from(chars).unwrap_or(u32::MAX),
        }
    }

    fn error(&self, message: impl Into<String>, span: Span) -> Error {
        Error::new(ErrorKind::Syntax, message, span, self.source)
    }
}

/// The leading identifier of `code` (empty when it starts otherwise).
fn first_word(code: &str) -> &str {
    let end = code
        .char_indices()
        .find(|&(_, c)| !(c == '_' || c.is_alphanumeric()))
        .map_or(code.len(), |(i, _)| i);
    &code[..end]
}

/// For a terminator word, the keyword of the block it closes (`None`: any
/// block); `None` for other words.
fn terminator(word: &str) -> Option<Option<Keyword>> {
    Some(match word {
        "end" => None,
        "endfor" => Some(Keyword::For),
        "endif" => Some(Keyword::If),
        "endwhile" => Some(Keyword::While),
        "endwith" => Some(Keyword::With),
        "endtry" => Some(Keyword::Try),
        "enddef" => Some(Keyword::Def),
        "endclass" => Some(Keyword::Class),
        _ => return None,
    })
}
