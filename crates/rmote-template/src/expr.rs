//! The Python subset the local renderer evaluates: its syntax tree, and a
//! recursive descent parser (with a depth limit) for the code of `${…}`
//! and of `%` lines.
//!
//! Python the subset leaves out is recognised and refused with
//! `NotSupportedLocally` at its own span; only text Python itself would
//! reject is a syntax error.

use std::sync::Arc;

use crate::pytoken::{tokenize, LexError, Tok, Token};
use crate::{Error, ErrorKind, Span};

/// How deep expressions may nest (Python allows about 200 parentheses).
pub(crate) const MAX_NESTING: u32 = 100;

/// An expression and the part of the template it was written in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExprKind {
    Const(Const),
    Name(Arc<str>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Set(Vec<Expr>),
    /// `value.name`.
    Attr(Box<Expr>, Arc<str>),
    /// `value[index]`.
    Subscript(Box<Expr>, Box<Index>),
    Call(Box<Expr>, Vec<Arg>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`: the first operand, then each operator and operand.
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    /// `a and b and c`, `a or b`.
    Logic(Logic, Vec<Expr>),
    /// `then if cond else otherwise`.
    IfElse {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Comprehension(Arc<Comprehension>),
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Const {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
}

/// What goes between the brackets of a subscript.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Index {
    Item(Expr),
    Slice(Option<Expr>, Option<Expr>, Option<Expr>),
}

/// A call argument.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Positional(Expr),
    Keyword(Arc<str>, Expr),
    /// `*iterable`.
    Star(Expr),
    /// `**mapping`.
    DoubleStar(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    Neg,
    Pos,
    Not,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitOr,
    BitXor,
    BitAnd,
    LShift,
    RShift,
}

impl BinOp {
    /// The operator as Python writes it (in `TypeError` messages).
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
        }
    }

    fn from_symbol(symbol: &str) -> Option<BinOp> {
        Some(match symbol {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "//" => BinOp::FloorDiv,
            "%" => BinOp::Mod,
            "**" => BinOp::Pow,
            "|" => BinOp::BitOr,
            "^" => BinOp::BitXor,
            "&" => BinOp::BitAnd,
            "<<" => BinOp::LShift,
            ">>" => BinOp::RShift,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Logic {
    And,
    Or,
}

/// `[elt for … in … if …]`, `(elt for …)`, `{key: value for …}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comprehension {
    pub(crate) kind: CompKind,
    /// The element (the key, for a dict comprehension).
    pub(crate) element: Expr,
    /// The value, for a dict comprehension.
    pub(crate) value: Option<Expr>,
    pub(crate) clauses: Vec<Clause>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompKind {
    List,
    Generator,
    Dict,
    Set,
}

/// One `for target in iter if cond…` of a comprehension.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    pub(crate) target: Target,
    pub(crate) iter: Expr,
    pub(crate) conds: Vec<Expr>,
}

/// Where an assignment or a loop stores values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Name(Arc<str>, Span),
    /// `a, b` or `(a, b)` or `[a, b]`: unpacking.
    Unpack(Vec<Target>, Span),
    /// `value[index] = …`.
    Item(Box<Expr>, Box<Index>, Span),
}

/// The Python statement of a `%` line that is not a block keyword.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stmt {
    Expr(Expr),
    /// `a = b = value`.
    Assign(Vec<Target>, Expr),
    /// `target += value`.
    AugAssign(Target, BinOp, Expr),
    Pass,
    Break,
    Continue,
}

/// Parses the expression in `source[start..end]`: the inside of `${…}`
/// (where the Python back end writes `str((…))`, so `a, b` is a tuple) when
/// `tuple` is true, else the condition of an `% if` or `% while`.
pub(crate) fn parse_expression(source: &str, code: Span, tuple: bool) -> Result<Expr, Error> {
    let mut p = Parser::new(source, code)?;
    let result = (|| {
        let expr = p.expression_list(tuple)?;
        p.finish()?;
        Ok(expr)
    })();
    result.map_err(|e| p.error(e))
}

/// Parses `targets in iterable` of a `% for` line (the text after `for`,
/// without the trailing colon).
pub(crate) fn parse_for(source: &str, code: Span) -> Result<(Target, Expr), Error> {
    let mut p = Parser::new(source, code)?;
    let result = (|| {
        let target = p.target_list()?;
        p.expect_keyword("in")?;
        let iter = p.expression_list(true)?;
        p.finish()?;
        Ok((target, iter))
    })();
    result.map_err(|e| p.error(e))
}

/// Parses a simple statement: an assignment, an augmented assignment, an
/// expression, `pass`, `break` or `continue`.
pub(crate) fn parse_statement(source: &str, code: Span) -> Result<Stmt, Error> {
    let mut p = Parser::new(source, code)?;
    let result = p.statement();
    result.map_err(|e| p.error(e))
}

/// Python keywords: never names. `async`/`await` included (names in 3.6).
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// A parse failure before it is placed in the template.
struct Failure {
    unsupported: bool,
    message: String,
    start: usize,
    end: usize,
}

type PResult<T> = Result<T, Failure>;

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    depth: u32,
    /// Where the expression starts: its offset and span.
    origin: (usize, Span),
}

impl<'s> Parser<'s> {
    /// A parser of the code `code` covers (its span, with line and column,
    /// comes from the template's parser).
    fn new(source: &'s str, code: Span) -> Result<Parser<'s>, Error> {
        let (start, end) = (code.offset, code.offset + code.len);
        let tokens = tokenize(source, start, end).map_err(|e: LexError| {
            let kind = if e.unsupported {
                ErrorKind::NotSupportedLocally
            } else {
                ErrorKind::Syntax
            };
            Error::new(
                kind,
                e.message,
                Span::at(source, e.start, e.end - e.start),
                source,
            )
        })?;
        Ok(Parser {
            source,
            tokens,
            pos: 0,
            depth: 0,
            origin: (start, code),
        })
    }

    fn error(&self, f: Failure) -> Error {
        let kind = if f.unsupported {
            ErrorKind::NotSupportedLocally
        } else {
            ErrorKind::Syntax
        };
        let len = f.end.saturating_sub(f.start);
        Error::new(
            kind,
            f.message,
            Span::at(self.source, f.start, len),
            self.source,
        )
    }

    /// The span of `start..end`, counted from where this expression starts:
    /// template code never spans lines, so this costs the length of the
    /// expression, not of the template before it (which `Span::at` would).
    fn span(&self, start: usize, end: usize) -> Span {
        let (origin, at) = self.origin;
        let len = end.saturating_sub(start);
        match self.source.get(origin..start) {
            Some(between) if start >= origin && !between.contains('\n') => Span {
                offset: start,
                len,
                line: at.line,
                column: at.column + between.chars().count() as u32,
            },
            _ => Span::at(self.source, start, len),
        }
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].kind
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        token
    }

    /// End offset of the last consumed token.
    fn last_end(&self) -> usize {
        if self.pos == 0 {
            self.tokens[0].start
        } else {
            self.tokens[self.pos - 1].end
        }
    }

    fn at_op(&self, op: &str) -> bool {
        matches!(&self.peek().kind, Tok::Op(o) if *o == op)
    }

    fn at_keyword(&self, word: &str) -> bool {
        matches!(&self.peek().kind, Tok::Name(n) if &**n == word)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.at_op(op) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.at_keyword(word) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> PResult<Token> {
        if self.at_op(op) {
            Ok(self.advance())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_keyword(&mut self, word: &str) -> PResult<()> {
        if self.eat_keyword(word) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn finish(&mut self) -> PResult<()> {
        if matches!(self.peek().kind, Tok::End) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The failure for the current token: a refusal when it starts Python
    /// the subset leaves out, else a syntax error.
    fn unexpected(&self) -> Failure {
        let token = self.peek();
        let (start, end) = (token.start, token.end);
        let refuse = |what: &str| Failure {
            unsupported: true,
            message: what.to_string(),
            start,
            end,
        };
        match &token.kind {
            Tok::Op(":=") => refuse("assignment expressions (`:=`)"),
            Tok::Op(";") => refuse("several statements on one line (`;`)"),
            Tok::Op("@") | Tok::Op("@=") => refuse("the `@` operator"),
            Tok::Op("...") => refuse("`...` (Ellipsis)"),
            Tok::Name(n) if &**n == "lambda" => refuse("lambda"),
            Tok::Name(n) if &**n == "yield" || &**n == "await" => refuse(&format!("`{n}`")),
            Tok::End => Failure {
                unsupported: false,
                message: "invalid syntax (unexpected end of the expression)".into(),
                start,
                end,
            },
            _ => Failure {
                unsupported: false,
                message: "invalid syntax".into(),
                start,
                end,
            },
        }
    }

    fn refuse(&self, start: usize, end: usize, what: &str) -> Failure {
        Failure {
            unsupported: true,
            message: what.to_string(),
            start,
            end,
        }
    }

    fn syntax(&self, start: usize, end: usize, message: &str) -> Failure {
        Failure {
            unsupported: false,
            message: message.to_string(),
            start,
            end,
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let token = self.peek();
            return Err(self.refuse(
                token.start,
                token.end,
                &format!("expressions nested more than {MAX_NESTING} levels deep"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn node(&self, kind: ExprKind, start: usize) -> Expr {
        Expr {
            kind,
            span: self.span(start, self.last_end()),
        }
    }

    // statement := 'pass' | 'break' | 'continue'
    //            | (target_list '=')+ expression_list
    //            | target augop expression_list
    //            | expression_list
    fn statement(&mut self) -> PResult<Stmt> {
        let token = self.peek().clone();
        if let Tok::Name(word) = &token.kind {
            let simple = match &**word {
                "pass" => Some(Stmt::Pass),
                "break" => Some(Stmt::Break),
                "continue" => Some(Stmt::Continue),
                _ => None,
            };
            if let Some(stmt) = simple {
                self.advance();
                self.finish()?;
                return Ok(stmt);
            }
            if is_keyword(word)
                && !matches!(
                    &**word,
                    "not" | "None" | "True" | "False" | "lambda" | "await" | "yield"
                )
            {
                return Err(self.refuse(
                    token.start,
                    token.end,
                    &format!("the `{word}` statement"),
                ));
            }
        }
        let first = self.expression_list(true)?;
        if let Tok::Op(op) = self.peek().kind.clone() {
            if let Some(bin) = op.strip_suffix('=').and_then(BinOp::from_symbol) {
                if op.len() >= 2 && op != "==" && op != "<=" && op != ">=" && op != "!=" {
                    self.advance();
                    let target = self.to_target(first, false)?;
                    let value = self.expression_list(true)?;
                    self.finish()?;
                    return Ok(Stmt::AugAssign(target, bin, value));
                }
            }
            if op == ":" {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "annotated assignments"));
            }
            if op == "@=" {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "the `@` operator"));
            }
        }
        if !self.at_op("=") {
            self.finish()?;
            return Ok(Stmt::Expr(first));
        }
        let mut exprs = vec![first];
        while self.eat_op("=") {
            exprs.push(self.expression_list(true)?);
        }
        self.finish()?;
        let value = exprs.pop().unwrap_or_else(|| unreachable!());
        let targets = exprs
            .into_iter()
            .map(|e| self.to_target(e, true))
            .collect::<PResult<Vec<_>>>()?;
        Ok(Stmt::Assign(targets, value))
    }

    /// Turns a parsed expression into an assignment target.
    fn to_target(&self, expr: Expr, allow_unpack: bool) -> PResult<Target> {
        let span = expr.span;
        let end = span.offset + span.len;
        match expr.kind {
            ExprKind::Name(name) => Ok(Target::Name(name, span)),
            ExprKind::Tuple(items) | ExprKind::List(items) if allow_unpack => {
                let targets = items
                    .into_iter()
                    .map(|e| self.to_target(e, true))
                    .collect::<PResult<Vec<_>>>()?;
                Ok(Target::Unpack(targets, span))
            }
            ExprKind::Subscript(value, index) => Ok(Target::Item(value, index, span)),
            ExprKind::Attr(..) => Err(self.refuse(span.offset, end, "assigning to an attribute")),
            ExprKind::Const(_) => Err(self.syntax(span.offset, end, "cannot assign to literal")),
            ExprKind::Call(..) => {
                Err(self.syntax(span.offset, end, "cannot assign to function call"))
            }
            _ => Err(self.syntax(span.offset, end, "cannot assign to expression")),
        }
    }

    // target_list := target (',' target)* [','] ; target := NAME | '(' target_list ')' | '[' target_list ']'
    fn target_list(&mut self) -> PResult<Target> {
        let start = self.peek().start;
        let first = self.target()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_keyword("in") || self.at_op("=") || self.at_op(")") || self.at_op("]") {
                break;
            }
            items.push(self.target()?);
        }
        Ok(Target::Unpack(items, self.span(start, self.last_end())))
    }

    fn target(&mut self) -> PResult<Target> {
        let token = self.peek().clone();
        match &token.kind {
            Tok::Name(name) if !is_keyword(name) => {
                self.advance();
                if self.at_op(".") || self.at_op("[") || self.at_op("(") {
                    let t = self.peek();
                    return Err(self.refuse(
                        token.start,
                        t.end,
                        "loop targets other than names and tuples of names",
                    ));
                }
                Ok(Target::Name(
                    name.clone(),
                    self.span(token.start, token.end),
                ))
            }
            Tok::Op(open @ ("(" | "[")) => {
                let close = if *open == "(" { ")" } else { "]" };
                self.advance();
                self.enter()?;
                if self.eat_op(close) {
                    self.leave();
                    return Ok(Target::Unpack(
                        Vec::new(),
                        self.span(token.start, self.last_end()),
                    ));
                }
                let inner = self.target_list()?;
                self.expect_op(close)?;
                self.leave();
                let span = self.span(token.start, self.last_end());
                Ok(match inner {
                    Target::Unpack(items, _) => Target::Unpack(items, span),
                    single if *open == "[" => Target::Unpack(vec![single], span),
                    single => single,
                })
            }
            Tok::Op("*") => Err(self.refuse(token.start, token.end, "starred targets")),
            _ => Err(self.unexpected()),
        }
    }

    /// `expression (',' expression)* [',']`: a tuple when there is a comma.
    /// `statement` says whether a bare tuple is fine (assignments, loops)
    /// or refused (a `${a, b}` means something else in the Python back end).
    fn expression_list(&mut self, statement: bool) -> PResult<Expr> {
        let start = self.peek().start;
        if self.at_op("*") {
            let t = self.peek();
            return Err(self.refuse(t.start, t.end, "starred expressions"));
        }
        let first = self.expression()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        if !statement {
            let t = self.peek();
            return Err(self.syntax(t.start, t.end, "invalid syntax"));
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.ends_list() {
                break;
            }
            if self.at_op("*") {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "starred expressions"));
            }
            items.push(self.expression()?);
        }
        Ok(self.node(ExprKind::Tuple(items), start))
    }

    fn ends_list(&self) -> bool {
        matches!(self.peek().kind, Tok::End)
            || self.at_op("=")
            || self.at_op(")")
            || self.at_op("]")
            || self.at_op("}")
            || matches!(&self.peek().kind, Tok::Op(op) if op.len() >= 2 && op.ends_with('=') && !matches!(*op, "==" | "<=" | ">=" | "!="))
    }

    // expression := disjunction ['if' disjunction 'else' expression] | lambda
    fn expression(&mut self) -> PResult<Expr> {
        self.enter()?;
        let start = self.peek().start;
        if self.at_keyword("lambda") {
            return Err(self.unexpected());
        }
        let then = self.disjunction()?;
        let result = if self.eat_keyword("if") {
            let cond = self.disjunction()?;
            self.expect_keyword("else")?;
            let otherwise = self.expression()?;
            self.node(
                ExprKind::IfElse {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                start,
            )
        } else {
            then
        };
        if self.at_op(":=") {
            return Err(self.unexpected());
        }
        self.leave();
        Ok(result)
    }

    fn disjunction(&mut self) -> PResult<Expr> {
        self.logic("or", Logic::Or, Self::conjunction)
    }

    fn conjunction(&mut self) -> PResult<Expr> {
        self.logic("and", Logic::And, Self::inversion)
    }

    fn logic(
        &mut self,
        word: &str,
        logic: Logic,
        operand: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let start = self.peek().start;
        let first = operand(self)?;
        if !self.at_keyword(word) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_keyword(word) {
            items.push(operand(self)?);
        }
        Ok(self.node(ExprKind::Logic(logic, items), start))
    }

    fn inversion(&mut self) -> PResult<Expr> {
        let start = self.peek().start;
        if self.eat_keyword("not") {
            self.enter()?;
            let operand = self.inversion()?;
            self.leave();
            return Ok(self.node(ExprKind::Unary(UnaryOp::Not, Box::new(operand)), start));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let start = self.peek().start;
        let first = self.bitor()?;
        let mut rest = Vec::new();
        loop {
            let op = match &self.peek().kind {
                Tok::Op("==") => CmpOp::Eq,
                Tok::Op("!=") => CmpOp::Ne,
                Tok::Op("<") => CmpOp::Lt,
                Tok::Op("<=") => CmpOp::Le,
                Tok::Op(">") => CmpOp::Gt,
                Tok::Op(">=") => CmpOp::Ge,
                Tok::Name(n) if &**n == "in" => CmpOp::In,
                Tok::Name(n) if &**n == "is" => {
                    if matches!(self.peek_at(1), Tok::Name(m) if &**m == "not") {
                        self.advance();
                        CmpOp::IsNot
                    } else {
                        CmpOp::Is
                    }
                }
                Tok::Name(n)
                    if &**n == "not" && matches!(self.peek_at(1), Tok::Name(m) if &**m == "in") =>
                {
                    self.advance();
                    CmpOp::NotIn
                }
                _ => break,
            };
            self.advance();
            rest.push((op, self.bitor()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(self.node(ExprKind::Compare(Box::new(first), rest), start))
    }

    fn bitor(&mut self) -> PResult<Expr> {
        self.binary(&["|"], Self::bitxor)
    }

    fn bitxor(&mut self) -> PResult<Expr> {
        self.binary(&["^"], Self::bitand)
    }

    fn bitand(&mut self) -> PResult<Expr> {
        self.binary(&["&"], Self::shift)
    }

    fn shift(&mut self) -> PResult<Expr> {
        self.binary(&["<<", ">>"], Self::sum)
    }

    fn sum(&mut self) -> PResult<Expr> {
        self.binary(&["+", "-"], Self::term)
    }

    fn term(&mut self) -> PResult<Expr> {
        self.binary(&["*", "/", "//", "%", "@"], Self::factor)
    }

    /// A left-associative chain of binary operators. Each link nests the
    /// tree one level deeper, so the chain counts against the depth limit.
    fn binary(&mut self, ops: &[&str], operand: fn(&mut Self) -> PResult<Expr>) -> PResult<Expr> {
        let start = self.peek().start;
        let mut left = operand(self)?;
        let mut links = 0;
        loop {
            let op = match &self.peek().kind {
                Tok::Op(op) if ops.contains(op) => *op,
                _ => break,
            };
            if op == "@" {
                return Err(self.unexpected());
            }
            self.advance();
            self.enter()?;
            links += 1;
            let right = operand(self)?;
            let bin = BinOp::from_symbol(op).unwrap_or(BinOp::Add);
            left = self.node(
                ExprKind::Binary(bin, Box::new(left), Box::new(right)),
                start,
            );
        }
        for _ in 0..links {
            self.leave();
        }
        Ok(left)
    }

    fn factor(&mut self) -> PResult<Expr> {
        let start = self.peek().start;
        let op = match &self.peek().kind {
            Tok::Op("-") => UnaryOp::Neg,
            Tok::Op("+") => UnaryOp::Pos,
            Tok::Op("~") => UnaryOp::Invert,
            _ => return self.power(),
        };
        self.advance();
        // `-9223372036854775808` is an int although its magnitude is not.
        if op == UnaryOp::Neg {
            if let Tok::Int(n) = self.peek().kind {
                if n == 1 << 63 && !matches!(self.peek_at(1), Tok::Op("**" | "." | "[" | "(")) {
                    self.advance();
                    return Ok(self.node(ExprKind::Const(Const::Int(i64::MIN)), start));
                }
            }
        }
        self.enter()?;
        let operand = self.factor()?;
        self.leave();
        Ok(self.node(ExprKind::Unary(op, Box::new(operand)), start))
    }

    fn power(&mut self) -> PResult<Expr> {
        let start = self.peek().start;
        if self.at_keyword("await") {
            return Err(self.unexpected());
        }
        let base = self.primary()?;
        if !self.eat_op("**") {
            return Ok(base);
        }
        self.enter()?;
        let exponent = self.factor()?;
        self.leave();
        Ok(self.node(
            ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exponent)),
            start,
        ))
    }

    fn primary(&mut self) -> PResult<Expr> {
        let start = self.peek().start;
        let mut expr = self.atom()?;
        let mut links = 0;
        loop {
            if self.eat_op(".") {
                let token = self.advance();
                let Tok::Name(name) = &token.kind else {
                    return Err(self.syntax(token.start, token.end, "invalid syntax"));
                };
                if is_keyword(name) {
                    return Err(self.syntax(token.start, token.end, "invalid syntax"));
                }
                expr = self.node(ExprKind::Attr(Box::new(expr), name.clone()), start);
            } else if self.at_op("(") {
                self.advance();
                let args = self.arguments()?;
                expr = self.node(ExprKind::Call(Box::new(expr), args), start);
            } else if self.at_op("[") {
                self.advance();
                let index = self.subscript()?;
                self.expect_op("]")?;
                expr = self.node(ExprKind::Subscript(Box::new(expr), Box::new(index)), start);
            } else {
                break;
            }
            self.enter()?;
            links += 1;
        }
        for _ in 0..links {
            self.leave();
        }
        Ok(expr)
    }

    // arguments := [arg (',' arg)* [',']] ')' ; arg := expression | NAME '=' expression
    fn arguments(&mut self) -> PResult<Vec<Arg>> {
        let mut args: Vec<Arg> = Vec::new();
        loop {
            if self.eat_op(")") {
                return Ok(args);
            }
            let token = self.peek().clone();
            let after_double_star = args.iter().any(|a| matches!(a, Arg::DoubleStar(_)));
            if self.eat_op("*") {
                if after_double_star {
                    return Err(self.syntax(
                        token.start,
                        token.end,
                        "iterable argument unpacking follows keyword argument unpacking",
                    ));
                }
                args.push(Arg::Star(self.expression()?));
            } else if self.eat_op("**") {
                args.push(Arg::DoubleStar(self.expression()?));
            } else {
                self.argument(&mut args, &token, after_double_star)?;
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                return Ok(args);
            }
        }
    }

    /// A positional or keyword argument (or a lone generator expression).
    fn argument(
        &mut self,
        args: &mut Vec<Arg>,
        token: &Token,
        after_double_star: bool,
    ) -> PResult<()> {
        {
            let keyword = match (&token.kind, self.peek_at(1)) {
                (Tok::Name(name), Tok::Op("=")) => Some(name.clone()),
                _ => None,
            };
            if let Some(name) = keyword {
                if is_keyword(&name) {
                    return Err(self.syntax(token.start, token.end, "invalid syntax"));
                }
                self.advance();
                self.advance();
                if args
                    .iter()
                    .any(|a| matches!(a, Arg::Keyword(n, _) if *n == name))
                {
                    return Err(self.syntax(
                        token.start,
                        token.end,
                        &format!("keyword argument repeated: {name}"),
                    ));
                }
                args.push(Arg::Keyword(name, self.expression()?));
            } else {
                let expr = self.expression()?;
                if self.at_keyword("for") {
                    // A generator expression as the only argument.
                    let comp = self.comprehension(CompKind::Generator, expr, None, token.start)?;
                    let end = self.peek().clone();
                    if !args.is_empty() || !self.at_op(")") {
                        return Err(self.syntax(
                            token.start,
                            end.end,
                            "Generator expression must be parenthesized",
                        ));
                    }
                    args.push(Arg::Positional(comp));
                    return Ok(());
                }
                let (start, end) = (expr.span.offset, expr.span.offset + expr.span.len);
                if after_double_star {
                    return Err(self.syntax(
                        start,
                        end,
                        "positional argument follows keyword argument unpacking",
                    ));
                }
                if args.iter().any(|a| matches!(a, Arg::Keyword(..))) {
                    return Err(self.syntax(
                        start,
                        end,
                        "positional argument follows keyword argument",
                    ));
                }
                args.push(Arg::Positional(expr));
            }
        }
        Ok(())
    }

    // subscript := slice | expression (',' expression)* ; slice := [e] ':' [e] [':' [e]]
    fn subscript(&mut self) -> PResult<Index> {
        let start = self.peek().start;
        let first = self.slice_or_expr()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let Index::Item(first) = first else {
            let t = self.peek();
            return Err(self.refuse(t.start, t.end, "several slices in one subscript"));
        };
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("]") {
                break;
            }
            match self.slice_or_expr()? {
                Index::Item(e) => items.push(e),
                Index::Slice(..) => {
                    return Err(self.refuse(
                        start,
                        self.last_end(),
                        "several slices in one subscript",
                    ))
                }
            }
        }
        Ok(Index::Item(self.node(ExprKind::Tuple(items), start)))
    }

    fn slice_or_expr(&mut self) -> PResult<Index> {
        let lower = if self.at_op(":") {
            None
        } else {
            if self.at_op("*") {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "starred expressions"));
            }
            let e = self.expression()?;
            if !self.at_op(":") {
                return Ok(Index::Item(e));
            }
            Some(e)
        };
        self.expect_op(":")?;
        let bound = |p: &mut Self| -> PResult<Option<Expr>> {
            if p.at_op(":") || p.at_op("]") || p.at_op(",") {
                Ok(None)
            } else {
                p.expression().map(Some)
            }
        };
        let upper = bound(self)?;
        let step = if self.eat_op(":") { bound(self)? } else { None };
        Ok(Index::Slice(lower, upper, step))
    }

    fn atom(&mut self) -> PResult<Expr> {
        let token = self.peek().clone();
        let start = token.start;
        match &token.kind {
            Tok::Name(name) => {
                let value = match &**name {
                    "None" => Some(Const::None),
                    "True" => Some(Const::Bool(true)),
                    "False" => Some(Const::Bool(false)),
                    _ => None,
                };
                if let Some(value) = value {
                    self.advance();
                    return Ok(self.node(ExprKind::Const(value), start));
                }
                if is_keyword(name) {
                    return Err(self.unexpected());
                }
                self.advance();
                Ok(self.node(ExprKind::Name(name.clone()), start))
            }
            Tok::Int(n) => {
                self.advance();
                let n = i64::try_from(*n).map_err(|_| {
                    self.refuse(start, token.end, "integer literals beyond 64 bits")
                })?;
                Ok(self.node(ExprKind::Const(Const::Int(n)), start))
            }
            Tok::Float(f) => {
                self.advance();
                Ok(self.node(ExprKind::Const(Const::Float(*f)), start))
            }
            Tok::Str(_) | Tok::Bytes(_) => self.strings(),
            Tok::Op("(") => {
                self.advance();
                self.enter()?;
                let expr = self.parenthesized(start)?;
                self.leave();
                Ok(expr)
            }
            Tok::Op("[") => {
                self.advance();
                self.enter()?;
                let expr = self.list(start)?;
                self.leave();
                Ok(expr)
            }
            Tok::Op("{") => {
                self.advance();
                self.enter()?;
                let expr = self.dict(start)?;
                self.leave();
                Ok(expr)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// Adjacent string literals are one string.
    fn strings(&mut self) -> PResult<Expr> {
        let start = self.peek().start;
        let mut text = String::new();
        let mut data = Vec::new();
        let mut kind = None;
        loop {
            let token = self.peek().clone();
            let is_bytes = match &token.kind {
                Tok::Str(s) => {
                    text.push_str(s);
                    false
                }
                Tok::Bytes(b) => {
                    data.extend_from_slice(b);
                    true
                }
                _ => break,
            };
            if kind.is_some_and(|k| k != is_bytes) {
                return Err(self.syntax(
                    start,
                    token.end,
                    "cannot mix bytes and nonbytes literals",
                ));
            }
            kind = Some(is_bytes);
            self.advance();
        }
        let value = if kind == Some(true) {
            Const::Bytes(Arc::from(data))
        } else {
            Const::Str(Arc::from(text))
        };
        Ok(self.node(ExprKind::Const(value), start))
    }

    fn parenthesized(&mut self, start: usize) -> PResult<Expr> {
        if self.eat_op(")") {
            return Ok(self.node(ExprKind::Tuple(Vec::new()), start));
        }
        if self.at_op("*") {
            let t = self.peek();
            return Err(self.refuse(t.start, t.end, "starred expressions"));
        }
        if self.at_keyword("yield") {
            return Err(self.unexpected());
        }
        let first = self.expression()?;
        if self.at_keyword("for") {
            let comp = self.comprehension(CompKind::Generator, first, None, start)?;
            self.expect_op(")")?;
            return Ok(Expr {
                span: self.span(start, self.last_end()),
                ..comp
            });
        }
        if self.eat_op(")") {
            // Parentheses only group: the span grows to include them.
            return Ok(Expr {
                span: self.span(start, self.last_end()),
                ..first
            });
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op(")") {
                break;
            }
            if self.at_op("*") {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "starred expressions"));
            }
            items.push(self.expression()?);
        }
        self.expect_op(")")?;
        Ok(self.node(ExprKind::Tuple(items), start))
    }

    fn list(&mut self, start: usize) -> PResult<Expr> {
        let mut items = Vec::new();
        loop {
            if self.eat_op("]") {
                return Ok(self.node(ExprKind::List(items), start));
            }
            if self.at_op("*") {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "starred expressions"));
            }
            let item = self.expression()?;
            if items.is_empty() && self.at_keyword("for") {
                let comp = self.comprehension(CompKind::List, item, None, start)?;
                self.expect_op("]")?;
                return Ok(Expr {
                    span: self.span(start, self.last_end()),
                    ..comp
                });
            }
            items.push(item);
            if !self.eat_op(",") {
                self.expect_op("]")?;
                return Ok(self.node(ExprKind::List(items), start));
            }
        }
    }

    fn dict(&mut self, start: usize) -> PResult<Expr> {
        let mut entries = Vec::new();
        loop {
            if self.eat_op("}") {
                return Ok(self.node(ExprKind::Dict(entries), start));
            }
            if self.at_op("**") || self.at_op("*") {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "`*` and `**` in displays"));
            }
            let key = self.expression()?;
            if entries.is_empty() && !self.at_op(":") {
                return self.set(start, key);
            }
            self.expect_op(":")?;
            let value = self.expression()?;
            if entries.is_empty() && self.at_keyword("for") {
                let comp = self.comprehension(CompKind::Dict, key, Some(value), start)?;
                self.expect_op("}")?;
                return Ok(Expr {
                    span: self.span(start, self.last_end()),
                    ..comp
                });
            }
            entries.push((key, value));
            if !self.eat_op(",") {
                self.expect_op("}")?;
                return Ok(self.node(ExprKind::Dict(entries), start));
            }
        }
    }

    /// The rest of `{first, …}` or `{first for …}`.
    fn set(&mut self, start: usize, first: Expr) -> PResult<Expr> {
        if self.at_keyword("for") {
            let comp = self.comprehension(CompKind::Set, first, None, start)?;
            self.expect_op("}")?;
            return Ok(Expr {
                span: self.span(start, self.last_end()),
                ..comp
            });
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("}") {
                break;
            }
            if self.at_op("*") {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "`*` and `**` in displays"));
            }
            items.push(self.expression()?);
        }
        self.expect_op("}")?;
        Ok(self.node(ExprKind::Set(items), start))
    }

    // ('for' target_list 'in' disjunction ('if' disjunction)*)+
    fn comprehension(
        &mut self,
        kind: CompKind,
        element: Expr,
        value: Option<Expr>,
        start: usize,
    ) -> PResult<Expr> {
        let mut clauses = Vec::new();
        while self.at_keyword("for") || self.at_keyword("async") {
            if self.at_keyword("async") {
                let t = self.peek();
                return Err(self.refuse(t.start, t.end, "async comprehensions"));
            }
            self.advance();
            let target = self.target_list()?;
            self.expect_keyword("in")?;
            let iter = self.disjunction()?;
            let mut conds = Vec::new();
            while self.eat_keyword("if") {
                conds.push(self.disjunction()?);
            }
            clauses.push(Clause {
                target,
                iter,
                conds,
            });
        }
        Ok(self.node(
            ExprKind::Comprehension(Arc::new(Comprehension {
                kind,
                element,
                value,
                clauses,
            })),
            start,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact rendering of the tree, to compare against.
    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Const(c) => match c {
                Const::None => "None".into(),
                Const::Bool(b) => format!("{b}"),
                Const::Int(i) => format!("{i}"),
                Const::Float(f) => format!("{f:?}"),
                Const::Str(s) => format!("{s:?}"),
                Const::Bytes(b) => format!("b{b:?}"),
            },
            ExprKind::Name(n) => n.to_string(),
            ExprKind::List(items) => format!("[{}]", list(items)),
            ExprKind::Tuple(items) => format!("({})", list(items)),
            ExprKind::Set(items) => format!("set({})", list(items)),
            ExprKind::Dict(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Attr(v, n) => format!("{}.{n}", show(v)),
            ExprKind::Subscript(v, i) => format!("{}[{}]", show(v), index(i)),
            ExprKind::Call(f, args) => format!(
                "{}({})",
                show(f),
                args.iter()
                    .map(|a| match a {
                        Arg::Positional(e) => show(e),
                        Arg::Keyword(n, e) => format!("{n}={}", show(e)),
                        Arg::Star(e) => format!("*{}", show(e)),
                        Arg::DoubleStar(e) => format!("**{}", show(e)),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Unary(op, v) => format!("({op:?} {})", show(v)),
            ExprKind::Binary(op, a, b) => format!("({} {} {})", show(a), op.symbol(), show(b)),
            ExprKind::Compare(first, rest) => {
                let mut s = format!("({}", show(first));
                for (op, e) in rest {
                    s += &format!(" {op:?} {}", show(e));
                }
                s + ")"
            }
            ExprKind::Logic(l, items) => format!("{l:?}({})", list(items)),
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => format!(
                "({} if {} else {})",
                show(then),
                show(cond),
                show(otherwise)
            ),
            ExprKind::Comprehension(c) => {
                let mut s = format!("{:?}<{}", c.kind, show(&c.element));
                if let Some(v) = &c.value {
                    s += &format!(": {}", show(v));
                }
                for clause in &c.clauses {
                    s += &format!(" for {} in {}", target(&clause.target), show(&clause.iter));
                    for cond in &clause.conds {
                        s += &format!(" if {}", show(cond));
                    }
                }
                s + ">"
            }
        }
    }

    fn list(items: &[Expr]) -> String {
        items.iter().map(show).collect::<Vec<_>>().join(", ")
    }

    fn index(i: &Index) -> String {
        match i {
            Index::Item(e) => show(e),
            Index::Slice(a, b, c) => {
                let part = |e: &Option<Expr>| e.as_ref().map(show).unwrap_or_default();
                format!("{}:{}:{}", part(a), part(b), part(c))
            }
        }
    }

    fn target(t: &Target) -> String {
        match t {
            Target::Name(n, _) => n.to_string(),
            Target::Unpack(items, _) => {
                format!(
                    "({})",
                    items.iter().map(target).collect::<Vec<_>>().join(", ")
                )
            }
            Target::Item(v, i, _) => format!("{}[{}]", show(v), index(i)),
        }
    }

    #[track_caller]
    fn check(text: &str, expected: &str) {
        let expr = parse_expression(text, Span::at(text, 0, text.len()), true).unwrap();
        assert_eq!(show(&expr), expected);
    }

    #[track_caller]
    fn check_err(text: &str, kind: ErrorKind, message: &str) {
        let err = parse_expression(text, Span::at(text, 0, text.len()), false).unwrap_err();
        assert_eq!((err.kind(), err.message()), (kind, message), "{text}");
    }

    #[track_caller]
    fn check_stmt(text: &str, expected: &str) {
        let stmt = parse_statement(text, Span::at(text, 0, text.len())).unwrap();
        let shown = match &stmt {
            Stmt::Expr(e) => show(e),
            Stmt::Assign(targets, value) => format!(
                "{} = {}",
                targets.iter().map(target).collect::<Vec<_>>().join(" = "),
                show(value)
            ),
            Stmt::AugAssign(t, op, v) => format!("{} {}= {}", target(t), op.symbol(), show(v)),
            other => format!("{other:?}"),
        };
        assert_eq!(shown, expected);
    }

    #[test]
    fn precedence_follows_python() {
        check("1 + 2 * 3", "(1 + (2 * 3))");
        check("-2 ** 2", "(Neg (2 ** 2))");
        check("2 ** -1", "(2 ** (Neg 1))");
        check("2 ** 3 ** 2", "(2 ** (3 ** 2))");
        check("a - b - c", "((a - b) - c)");
        check("not a == b", "(Not (a Eq b))");
        check("a or b and not c", "Or(a, And(b, (Not c)))");
        check("a if b else c if d else e", "(a if b else (c if d else e))");
        check("a < b <= c", "(a Lt b Le c)");
        check("a not in b", "(a NotIn b)");
        check("a is not None", "(a IsNot None)");
        check("x | y & z ^ w", "(x | ((y & z) ^ w))");
        check("-9223372036854775808", "-9223372036854775808");
    }

    #[test]
    fn primaries_and_displays() {
        check("a.b(c, d=1)[0]", "a.b(c, d=1)[0]");
        check("a[1:2]", "a[1:2:]");
        check("a[::2]", "a[::2]");
        check("a[1, 2]", "a[(1, 2)]");
        check("(1,)", "(1)");
        check("()", "()");
        check("[1, 'a', None]", "[1, \"a\", None]");
        check("{'a': 1, 'b': [2]}", "{\"a\": 1, \"b\": [2]}");
        check("'a' 'b'", "\"ab\"");
        check("(a)", "a");
    }

    #[test]
    fn comprehensions() {
        check("[x * 2 for x in xs if x]", "List<(x * 2) for x in xs if x>");
        check(
            "{k: v for k, v in d.items()}",
            "Dict<k: v for (k, v) in d.items()>",
        );
        check("sum(x for x in xs)", "sum(Generator<x for x in xs>)");
        check(
            "[(a, b) for a in x for b in y]",
            "List<(a, b) for a in x for b in y>",
        );
    }

    #[test]
    fn statements() {
        check_stmt("x = 1", "x = 1");
        check_stmt("a, b = b, a", "(a, b) = (b, a)");
        check_stmt("a = b = []", "a = b = []");
        check_stmt("d['k'] += 1", "d[\"k\"] += 1");
        check_stmt("items.append(x)", "items.append(x)");
        check_stmt("pass", "Pass");
        let (t, iter) = parse_for(
            "k, (a, b) in x.items()",
            Span::at("k, (a, b) in x.items()", 0, 22),
        )
        .unwrap();
        assert_eq!(target(&t), "(k, (a, b))");
        assert_eq!(show(&iter), "x.items()");
    }

    #[test]
    fn refusals_and_syntax_errors() {
        let unsupported = ErrorKind::NotSupportedLocally;
        check_err("lambda x: x", unsupported, "lambda");
        check("{1, 2}", "set(1, 2)");
        check("{x for x in y}", "Set<x for x in y>");
        check("f(*a, b, k=1, *c, **d)", "f(*a, b, k=1, *c, **d)");
        check_err(
            "f(**d, *a)",
            ErrorKind::Syntax,
            "iterable argument unpacking follows keyword argument unpacking",
        );
        check_err(
            "f(**d, a)",
            ErrorKind::Syntax,
            "positional argument follows keyword argument unpacking",
        );
        check_err("(y := 1)", unsupported, "assignment expressions (`:=`)");
        check_err("a, b", ErrorKind::Syntax, "invalid syntax");
        check("a, b", "(a, b)");
        check_err(
            "1 +",
            ErrorKind::Syntax,
            "invalid syntax (unexpected end of the expression)",
        );
        check_err(
            "(1",
            ErrorKind::Syntax,
            "invalid syntax (unexpected end of the expression)",
        );
        check_err(
            "f(x for x in y, 1)",
            ErrorKind::Syntax,
            "Generator expression must be parenthesized",
        );
        check_err(
            "f(a=1, b)",
            ErrorKind::Syntax,
            "positional argument follows keyword argument",
        );
        let deep = format!("{}1{}", "(".repeat(150), ")".repeat(150));
        check_err(
            &deep,
            unsupported,
            "expressions nested more than 100 levels deep",
        );
        let long = vec!["1"; 500].join(" + ");
        check_err(
            &long,
            unsupported,
            "expressions nested more than 100 levels deep",
        );
        let err = parse_statement("import os", Span::at("import os", 0, 9)).unwrap_err();
        assert_eq!(err.kind(), unsupported);
        let err = parse_statement("1 = x", Span::at("1 = x", 0, 5)).unwrap_err();
        assert_eq!(err.message(), "cannot assign to literal");
    }

    #[test]
    fn spans_point_into_the_template() {
        let src = "abc ${ foo.bar(1) }";
        let start = src.find("foo").unwrap();
        let expr =
            parse_expression(src, Span::at(src, start, src.len() - 2 - start), true).unwrap();
        assert_eq!(expr.span.text(src), "foo.bar(1)");
        let err = parse_expression(
            "x ${ a + lambda: 1 }",
            Span::at("x ${ a + lambda: 1 }", 5, 19 - 5),
            true,
        )
        .unwrap_err();
        assert_eq!((err.span().line, err.span().column), (1, 10));
    }
}
