//! The local renderer: a parsed [`Template`] rendered in Rust, with the
//! output the Python back end gives for every template in the supported
//! subset, and a `NotSupportedLocally` error for everything else.
//!
//! [`LocalTemplate::new`] parses every expression and statement of the
//! template first (like CPython compiling the generated module), so a
//! syntax error or an unsupported construct anywhere fails before anything
//! is rendered.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::ast::{Block, Clause, Keyword, Node, Piece, Template};
use crate::eval::{Interp, Scope};
use crate::expr::{self, Expr, Stmt, Target};
use crate::fault::Res;
use crate::value::Value;
use crate::{Error, ErrorKind, Span};

/// A template prepared for local rendering. It owns its source and can be
/// rendered many times, from any thread.
///
/// ```
/// use rmote_template::{LocalTemplate, Template};
///
/// let template = Template::parse("% for name in names:\nhello ${name.title()}\n% endfor")?;
/// let local = LocalTemplate::new(&template)?;
/// let context = [("names", vec!["ann", "bob"])].into_iter().collect::<std::collections::HashMap<_, _>>();
/// assert_eq!(local.render(&context)?, "hello Ann\nhello Bob");
/// # Ok::<(), rmote_template::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LocalTemplate {
    source: String,
    nodes: Vec<LNode>,
}

/// Parses and renders `template` with `context` (a map or a struct) in one
/// go.
pub fn render_local<T: Serialize + ?Sized>(
    template: &Template<'_>,
    context: &T,
) -> Result<String, Error> {
    LocalTemplate::new(template)?.render(context)
}

#[derive(Debug, Clone)]
enum LNode {
    Text(Vec<LPiece>),
    Stmt(Stmt, Span),
    If(Vec<(Expr, Vec<LNode>)>, Option<Vec<LNode>>),
    For {
        target: Target,
        iter: Expr,
        body: Vec<LNode>,
        otherwise: Option<Vec<LNode>>,
    },
    While {
        cond: Expr,
        body: Vec<LNode>,
        otherwise: Option<Vec<LNode>>,
    },
}

#[derive(Debug, Clone)]
enum LPiece {
    Literal(String),
    Expr(Expr),
}

/// How a statement list ended.
enum Flow {
    Normal,
    Break,
    Continue,
}

impl LocalTemplate {
    /// Prepares `template`: parses all of its Python code, and refuses what
    /// the local renderer does not implement.
    pub fn new(template: &Template<'_>) -> Result<LocalTemplate, Error> {
        let source = template.source();
        let mut compiler = Compiler { source, loops: 0 };
        let nodes = compiler.nodes(template.nodes())?;
        Ok(LocalTemplate {
            source: source.to_string(),
            nodes,
        })
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders with `context`, a serializable map or struct whose entries
    /// become the template's variables.
    pub fn render<T: Serialize + ?Sized>(&self, context: &T) -> Result<String, Error> {
        let names = crate::context::to_namespace(context).map_err(|e| {
            Error::new(
                ErrorKind::Render,
                format!("the context cannot be used: {e}"),
                Span::at(&self.source, 0, 0),
                &self.source,
            )
        })?;
        self.render_namespace(names)
    }

    /// Renders with the variables `names`.
    pub(crate) fn render_namespace(
        &self,
        names: HashMap<Arc<str>, Value>,
    ) -> Result<String, Error> {
        let mut run = Run {
            interp: Interp::new(names),
            out: String::new(),
            wrote: false,
        };
        match run.nodes(&self.nodes) {
            Ok(_) => Ok(run.out),
            Err(fault) => Err(fault.into_error(&self.source, Span::at(&self.source, 0, 0))),
        }
    }
}

struct Compiler<'s> {
    source: &'s str,
    /// How many loops enclose the current node (`break` needs one).
    loops: usize,
}

impl Compiler<'_> {
    fn nodes(&mut self, nodes: &[Node<'_>]) -> Result<Vec<LNode>, Error> {
        nodes.iter().map(|n| self.node(n)).collect()
    }

    fn node(&mut self, node: &Node<'_>) -> Result<LNode, Error> {
        match node {
            Node::Text(text) => {
                let mut pieces = Vec::with_capacity(text.pieces.len());
                for piece in &text.pieces {
                    pieces.push(match piece {
                        Piece::Literal(l) => LPiece::Literal(l.to_string()),
                        Piece::Expression(code) => {
                            LPiece::Expr(expr::parse_expression(self.source, code.span, true)?)
                        }
                    });
                }
                Ok(LNode::Text(pieces))
            }
            Node::Statement(code) => {
                let stmt = expr::parse_statement(self.source, code.span)?;
                if matches!(stmt, Stmt::Break | Stmt::Continue) && self.loops == 0 {
                    let word = if matches!(stmt, Stmt::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        format!("'{word}' outside loop"),
                        code.span,
                        self.source,
                    ));
                }
                Ok(LNode::Stmt(stmt, code.span))
            }
            Node::Block(block) => self.block(block),
        }
    }

    fn block(&mut self, block: &Block<'_>) -> Result<LNode, Error> {
        let first = &block.clauses[0];
        match first.keyword {
            Keyword::If => {
                let mut branches = Vec::new();
                let mut otherwise = None;
                for clause in &block.clauses {
                    match clause.keyword {
                        Keyword::If | Keyword::Elif => {
                            let cond = self.condition(clause)?;
                            branches.push((cond, self.nodes(&clause.body)?));
                        }
                        Keyword::Else => otherwise = Some(self.nodes(&clause.body)?),
                        _ => return Err(self.refuse_clause(clause)),
                    }
                }
                Ok(LNode::If(branches, otherwise))
            }
            Keyword::For | Keyword::While => {
                let (target, iter, cond) = if first.keyword == Keyword::For {
                    let (target, iter) = expr::parse_for(self.source, first.rest.span)?;
                    (Some(target), Some(iter), None)
                } else {
                    (None, None, Some(self.condition(first)?))
                };
                self.loops += 1;
                let body = self.nodes(&first.body);
                self.loops -= 1;
                let body = body?;
                let mut otherwise = None;
                for clause in &block.clauses[1..] {
                    match clause.keyword {
                        Keyword::Else => otherwise = Some(self.nodes(&clause.body)?),
                        _ => return Err(self.refuse_clause(clause)),
                    }
                }
                Ok(match (target, iter, cond) {
                    (Some(target), Some(iter), _) => LNode::For {
                        target,
                        iter,
                        body,
                        otherwise,
                    },
                    (_, _, Some(cond)) => LNode::While {
                        cond,
                        body,
                        otherwise,
                    },
                    _ => return Err(self.refuse_clause(first)),
                })
            }
            _ => Err(self.refuse_clause(first)),
        }
    }

    fn condition(&self, clause: &Clause<'_>) -> Result<Expr, Error> {
        if clause.rest.span.len == 0 {
            return Err(Error::new(
                ErrorKind::Syntax,
                "invalid syntax",
                clause.span,
                self.source,
            ));
        }
        expr::parse_expression(self.source, clause.rest.span, false)
    }

    fn refuse_clause(&self, clause: &Clause<'_>) -> Error {
        self.refuse(
            &format!("`% {}` blocks", clause.keyword),
            clause.header.span,
        )
    }

    fn refuse(&self, what: &str, span: Span) -> Error {
        Error::new(ErrorKind::NotSupportedLocally, what, span, self.source)
    }
}

/// The state of one render.
struct Run {
    interp: Interp,
    out: String,
    /// Whether a text line was written (the next one starts with `\n`).
    wrote: bool,
}

impl Run {
    fn nodes(&mut self, nodes: &[LNode]) -> Res<Flow> {
        for node in nodes {
            match self.node(node)? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    fn node(&mut self, node: &LNode) -> Res<Flow> {
        let scope: Scope = None;
        match node {
            LNode::Text(pieces) => {
                // The whole line is built before it is written, like the
                // Python back end does.
                let mut line = String::new();
                for piece in pieces {
                    match piece {
                        LPiece::Literal(l) => line.push_str(l),
                        LPiece::Expr(e) => {
                            let value = self.interp.eval(e, &scope)?;
                            let text = crate::repr::str(&value).map_err(|f| f.at(e.span))?;
                            line.push_str(&text);
                        }
                    }
                }
                if self.wrote {
                    self.out.push('\n');
                }
                self.wrote = true;
                self.out.push_str(&line);
                if self.out.len() > crate::ops::MAX_LEN {
                    return Err(crate::ops::too_long());
                }
                Ok(Flow::Normal)
            }
            LNode::Stmt(stmt, span) => self.statement(stmt).map_err(|f| f.at(*span)),
            LNode::If(branches, otherwise) => {
                for (cond, body) in branches {
                    let value = self.interp.eval(cond, &scope)?;
                    if value.truthy().map_err(|f| f.at(cond.span))? {
                        return self.nodes(body);
                    }
                }
                match otherwise {
                    Some(body) => self.nodes(body),
                    None => Ok(Flow::Normal),
                }
            }
            LNode::For {
                target,
                iter,
                body,
                otherwise,
            } => {
                let source = self.interp.eval(iter, &scope)?;
                let it = self.interp.iter(&source).map_err(|f| f.at(iter.span))?;
                loop {
                    let Some(item) = self.interp.next(&it).map_err(|f| f.at(iter.span))? else {
                        break;
                    };
                    self.interp.assign(target, item, &scope)?;
                    if let Flow::Break = self.nodes(body)? {
                        return Ok(Flow::Normal);
                    }
                }
                match otherwise {
                    Some(body) => self.nodes(body),
                    None => Ok(Flow::Normal),
                }
            }
            LNode::While {
                cond,
                body,
                otherwise,
            } => {
                loop {
                    let value = self.interp.eval(cond, &scope)?;
                    if !value.truthy().map_err(|f| f.at(cond.span))? {
                        break;
                    }
                    self.interp.step().map_err(|f| f.at(cond.span))?;
                    if let Flow::Break = self.nodes(body)? {
                        return Ok(Flow::Normal);
                    }
                }
                match otherwise {
                    Some(body) => self.nodes(body),
                    None => Ok(Flow::Normal),
                }
            }
        }
    }

    fn statement(&mut self, stmt: &Stmt) -> Res<Flow> {
        let scope: Scope = None;
        match stmt {
            Stmt::Pass => {}
            Stmt::Break => return Ok(Flow::Break),
            Stmt::Continue => return Ok(Flow::Continue),
            Stmt::Expr(e) => {
                self.interp.eval(e, &scope)?;
            }
            Stmt::Assign(targets, value) => {
                let value = self.interp.eval(value, &scope)?;
                for target in targets {
                    self.interp.assign(target, value.clone(), &scope)?;
                }
            }
            Stmt::AugAssign(target, op, value) => self.interp.aug_assign(target, *op, value)?,
        }
        Ok(Flow::Normal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn context(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn render(source: &str, pairs: &[(&str, Value)]) -> Result<String, Error> {
        let template = Template::parse(source)?;
        LocalTemplate::new(&template)?.render(&context(pairs))
    }

    #[track_caller]
    fn check(source: &str, expected: &str) {
        assert_eq!(render(source, &[]).unwrap(), expected, "{source:?}");
    }

    /// The error's kind, `line:column` and message.
    #[track_caller]
    fn check_err(source: &str, kind: ErrorKind, at: &str, message: &str) {
        let err = render(source, &[]).unwrap_err();
        assert_eq!(
            (err.kind(), err.span().to_string().as_str(), err.message()),
            (kind, at, message),
            "{source:?}"
        );
    }

    #[test]
    fn templates_and_values_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<LocalTemplate>();
        send_sync::<Value>();
    }

    #[test]
    fn text_lines_join_with_newlines() {
        check("a\nb\n", "a\nb");
        check("a\n\n", "a\n");
        check("x${}y", "xy");
        check("% if False:\nno\n% endif\nyes", "yes");
        check("% for i in range(3):\n${i}\n% endfor", "0\n1\n2");
        check("", "");
    }

    #[test]
    fn one_namespace_like_module_code() {
        check("% for i in range(2):\n% endfor\n${i}", "1");
        check(
            "% x = [c for c in 'ab']\n${x} ${'c' in dir if 0 else 1}",
            "['a', 'b'] 1",
        );
        check("% str = 'shadow'\n${str} ${len(str)}", "shadow 6");
        let out = render(
            "${greeting}, ${who['name']}!",
            &[
                ("greeting", Value::str("hello")),
                (
                    "who",
                    Value::Dict({
                        let d = crate::Dict::default();
                        d.set(Value::str("name"), Value::str("ann")).unwrap();
                        d
                    }),
                ),
            ],
        );
        assert_eq!(out.unwrap(), "hello, ann!");
    }

    #[test]
    fn loops_break_continue_and_else() {
        check(
            "% for x in 'abc':\n% if x == 'b':\n% continue\n% endif\n${x}\n% else:\ndone\n% endfor",
            "a\nc\ndone",
        );
        check(
            "% n = 0\n% while True:\n% n += 1\n% if n == 3:\n% break\n% endif\n% endwhile\n${n}",
            "3",
        );
    }

    #[test]
    fn errors_point_at_the_culprit() {
        check_err(
            "a\nb ${x + 1}",
            ErrorKind::Render,
            "2:5",
            "NameError: name 'x' is not defined",
        );
        check_err(
            "${1 / 0}",
            ErrorKind::Render,
            "1:3",
            "ZeroDivisionError: division by zero",
        );
        check_err("${{}['k']}", ErrorKind::Render, "1:3", "KeyError: 'k'");
        check_err(
            "% for x in 5:\n% endfor",
            ErrorKind::Render,
            "1:12",
            "TypeError: 'int' object is not iterable",
        );
        check_err(
            "\n${lambda: 1}",
            ErrorKind::NotSupportedLocally,
            "2:3",
            "lambda",
        );
        check_err("% break", ErrorKind::Syntax, "1:3", "'break' outside loop");
        check_err(
            "${1 +}",
            ErrorKind::Syntax,
            "1:6",
            "invalid syntax (unexpected end of the expression)",
        );
        check_err(
            "% import os",
            ErrorKind::NotSupportedLocally,
            "1:3",
            "the `import` statement",
        );
        check_err(
            "% try:\n% pass\n% except:\n% pass\n% end",
            ErrorKind::NotSupportedLocally,
            "1:3",
            "`% try` blocks",
        );
    }

    #[test]
    fn unsupported_context_values_fail_only_when_used() {
        #[derive(serde::Serialize)]
        struct Ctx {
            big: u128,
            name: &'static str,
        }
        let template = Template::parse("${name}").unwrap();
        let local = LocalTemplate::new(&template).unwrap();
        let ctx = Ctx {
            big: u128::MAX,
            name: "x",
        };
        assert_eq!(local.render(&ctx).unwrap(), "x");
        let template = Template::parse("${big}").unwrap();
        let err = LocalTemplate::new(&template)
            .unwrap()
            .render(&ctx)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotSupportedLocally);
        let err = LocalTemplate::new(&template)
            .unwrap()
            .render(&[1, 2])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Render);
        assert_eq!(
            err.message(),
            "the context cannot be used: the context must be a map or a struct, found list"
        );
    }
}
