//! The evaluator: expressions, names and scopes, iteration, calls and
//! assignment, with Python's evaluation order.
//!
//! Names resolve like module-level code run with `exec(code, ctx)`: the
//! variables of enclosing comprehensions, then the one namespace (context
//! plus template assignments), then the builtins.

use std::collections::HashMap;
use std::sync::Arc;

use crate::builtins::{self, Builtin};
use crate::expr::{
    Arg, BinOp, CmpOp, CompKind, Comprehension, Expr, ExprKind, Index, Logic, Target,
};
use crate::fault::{Exc, Fault, FaultKind, Res};
use crate::iter::{Generator, Iter};
use crate::ops;
use crate::value::{Dict, Object, ObjectKind, Shared, Value, View};

/// How many loop iterations (of `% for`, `% while`, comprehensions and
/// consuming builtins) one render may take before the local renderer stops.
#[cfg(not(fuzzing))]
pub(crate) const MAX_STEPS: u64 = 50_000_000;
/// Under the fuzzer, small enough that a loop cannot stall an execution.
#[cfg(fuzzing)]
pub(crate) const MAX_STEPS: u64 = 100_000;

/// The variables of one running comprehension or generator.
pub(crate) struct Frame {
    /// The names the comprehension binds (its loop targets).
    names: Vec<Arc<str>>,
    vars: Shared<HashMap<Arc<str>, Value>>,
    parent: Option<Arc<Frame>>,
}

impl Frame {
    /// The values of its variables, to drop them without recursion.
    pub(crate) fn into_values(self) -> Vec<Value> {
        let vars = std::mem::take(&mut *self.vars.lock());
        vars.into_values().collect()
    }
}

/// The innermost comprehension frame, if any.
pub(crate) type Scope = Option<Arc<Frame>>;

/// The arguments of a call.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) positional: Vec<Value>,
    pub(crate) keywords: Vec<(Arc<str>, Value)>,
}

/// The evaluator's state for one render.
pub(crate) struct Interp {
    /// The one namespace: the context and the template's assignments.
    pub(crate) globals: HashMap<Arc<str>, Value>,
    steps: u64,
    /// How many iterators are being advanced inside one another.
    nesting: usize,
}

/// How many iterators may be advanced inside one another (`enumerate` of
/// a generator of a `zip`…) before the local renderer stops.
pub(crate) const MAX_ITER_NESTING: usize = 100;

impl Interp {
    pub(crate) fn new(globals: HashMap<Arc<str>, Value>) -> Interp {
        Interp {
            globals,
            steps: 0,
            nesting: 0,
        }
    }

    /// Counts one loop iteration against [`MAX_STEPS`].
    pub(crate) fn step(&mut self) -> Res<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(Fault::unsupported(format!(
                "more than {MAX_STEPS} loop iterations in one render"
            )));
        }
        Ok(())
    }

    /// Evaluates `expr`; a fault without a span gets the span of `expr`.
    pub(crate) fn eval(&mut self, expr: &Expr, scope: &Scope) -> Res<Value> {
        self.eval_inner(expr, scope).map_err(|f| f.at(expr.span))
    }

    fn eval_inner(&mut self, expr: &Expr, scope: &Scope) -> Res<Value> {
        match &expr.kind {
            ExprKind::Const(c) => Ok(const_value(c)),
            ExprKind::Name(name) => self.lookup(name, scope),
            ExprKind::List(items) => Ok(Value::list(self.eval_all(items, scope)?)),
            ExprKind::Tuple(items) => Ok(Value::tuple(self.eval_all(items, scope)?)),
            ExprKind::Set(items) => Value::set(self.eval_all(items, scope)?),
            ExprKind::Dict(entries) => {
                let mut pairs = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = self.eval(k, scope)?;
                    let value = self.eval(v, scope)?;
                    pairs.push((key, value, k.span));
                }
                let dict = Dict::default();
                for (key, value, span) in pairs {
                    dict.set(key, value).map_err(|f| f.at(span))?;
                }
                Ok(Value::Dict(dict))
            }
            ExprKind::Attr(value, name) => {
                let value = self.eval(value, scope)?;
                crate::methods::attribute(&value, name)
            }
            ExprKind::Subscript(value, index) => {
                let value = self.eval(value, scope)?;
                match &**index {
                    Index::Item(i) => {
                        let i = self.eval(i, scope)?;
                        ops::getitem(&value, &i)
                    }
                    Index::Slice(lower, upper, step) => {
                        let lower = self.eval_opt(lower, scope)?;
                        let upper = self.eval_opt(upper, scope)?;
                        let step = self.eval_opt(step, scope)?;
                        ops::getslice(&value, &lower, &upper, &step)
                    }
                }
            }
            ExprKind::Call(func, args) => {
                let func = match &func.kind {
                    // A method call resolves the attribute before the
                    // arguments are evaluated, like CPython.
                    ExprKind::Attr(receiver, name) => {
                        let receiver = self.eval(receiver, scope)?;
                        crate::methods::attribute(&receiver, name).map_err(|f| f.at(func.span))?
                    }
                    _ => self.eval(func, scope)?,
                };
                let args = self.eval_args(args, scope)?;
                self.call(&func, args)
            }
            ExprKind::Unary(op, operand) => {
                let value = self.eval(operand, scope)?;
                ops::unary(*op, &value)
            }
            ExprKind::Binary(op, left, right) => {
                let left = self.eval(left, scope)?;
                let right = self.eval(right, scope)?;
                ops::binary(*op, &left, &right)
            }
            ExprKind::Compare(first, rest) => {
                let mut left = self.eval(first, scope)?;
                let mut result = Value::Bool(true);
                for (op, operand) in rest {
                    let right = self.eval(operand, scope)?;
                    result = Value::Bool(self.compare(*op, &left, &right)?);
                    if !result.truthy()? {
                        return Ok(result);
                    }
                    left = right;
                }
                Ok(result)
            }
            ExprKind::Logic(logic, items) => {
                let (last, rest) = items
                    .split_last()
                    .ok_or_else(|| Fault::unsupported("empty"))?;
                for item in rest {
                    let value = self.eval(item, scope)?;
                    let truthy = value.truthy().map_err(|f| f.at(item.span))?;
                    if truthy == (*logic == Logic::Or) {
                        return Ok(value);
                    }
                }
                self.eval(last, scope)
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                let c = self.eval(cond, scope)?;
                if c.truthy().map_err(|f| f.at(cond.span))? {
                    self.eval(then, scope)
                } else {
                    self.eval(otherwise, scope)
                }
            }
            ExprKind::Comprehension(comp) => self.comprehension(comp, scope),
        }
    }

    fn eval_all(&mut self, items: &[Expr], scope: &Scope) -> Res<Vec<Value>> {
        items.iter().map(|e| self.eval(e, scope)).collect()
    }

    fn eval_opt(&mut self, expr: &Option<Expr>, scope: &Scope) -> Res<Option<Value>> {
        expr.as_ref().map(|e| self.eval(e, scope)).transpose()
    }

    /// The arguments of a call: CPython evaluates the positional ones
    /// (`*` included) first, then the keyword ones (`**` included), each
    /// group in order.
    fn eval_args(&mut self, args: &[Arg], scope: &Scope) -> Res<Args> {
        let mut out = Args::default();
        for arg in args {
            match arg {
                Arg::Positional(e) => out.positional.push(self.eval(e, scope)?),
                Arg::Star(e) => {
                    let value = self.eval(e, scope)?;
                    let items = self.collect(&value).map_err(|f| match f.kind {
                        FaultKind::Python(Exc::TypeError) => {
                            Fault::unsupported("`*` with a value that is not iterable")
                        }
                        _ => f,
                    });
                    out.positional.extend(items.map_err(|f| f.at(e.span))?);
                }
                Arg::Keyword(..) | Arg::DoubleStar(_) => {}
            }
        }
        for arg in args {
            match arg {
                Arg::Keyword(name, e) => {
                    let value = self.eval(e, scope)?;
                    self.add_keyword(&mut out, name.clone(), value)
                        .map_err(|f| f.at(e.span))?;
                }
                Arg::DoubleStar(e) => {
                    let value = self.eval(e, scope)?;
                    let Value::Dict(dict) = &value else {
                        return Err(
                            Fault::unsupported("`**` with a value that is not a dict").at(e.span)
                        );
                    };
                    for (k, v) in dict.items() {
                        let Value::Str(name) = k else {
                            return Err(Fault::unsupported("`**` with keys that are not strings")
                                .at(e.span));
                        };
                        self.add_keyword(&mut out, name, v)
                            .map_err(|f| f.at(e.span))?;
                    }
                }
                Arg::Positional(_) | Arg::Star(_) => {}
            }
        }
        Ok(out)
    }

    fn add_keyword(&mut self, args: &mut Args, name: Arc<str>, value: Value) -> Res<()> {
        if args.keywords.iter().any(|(k, _)| *k == name) {
            return Err(Fault::unsupported(
                "the same keyword argument twice (Python's TypeError names the function)",
            ));
        }
        args.keywords.push((name, value));
        Ok(())
    }

    /// A name: comprehension variables, then the namespace, then builtins.
    pub(crate) fn lookup(&self, name: &Arc<str>, scope: &Scope) -> Res<Value> {
        let mut frame = scope.as_ref();
        while let Some(f) = frame {
            if f.names.contains(name) {
                return f.vars.lock().get(name).cloned().ok_or_else(|| {
                    Fault::unsupported(format!(
                        "reading the comprehension variable '{name}' before it is bound"
                    ))
                });
            }
            frame = f.parent.as_ref();
        }
        // The back end's own names shadow whatever the context holds.
        if name.starts_with(INTERNAL_PREFIX) {
            return Err(internal_name(name));
        }
        if let Some(value) = self.globals.get(name) {
            return Ok(value.clone());
        }
        if is_dunder(name) {
            return Err(internal_name(name));
        }
        if let Some(b) = Builtin::named(name) {
            return Ok(Value::object(ObjectKind::Builtin(b)));
        }
        if builtins::is_python_builtin(name) {
            return Err(Fault::unsupported(format!("the builtin '{name}'")));
        }
        Err(Fault::py(
            Exc::NameError,
            format!("name '{name}' is not defined"),
        ))
    }

    /// Calls a function value.
    pub(crate) fn call(&mut self, func: &Value, args: Args) -> Res<Value> {
        match func {
            Value::Object(Object(ObjectKind::Builtin(b))) => builtins::call(self, *b, args),
            Value::Object(Object(ObjectKind::Method(bound))) => {
                let (receiver, name) = &**bound;
                crate::methods::call(self, receiver, name, args)
            }
            other => {
                other.check_supported()?;
                Err(Fault::type_error(format!(
                    "'{}' object is not callable",
                    other.type_name()
                )))
            }
        }
    }

    fn compare(&mut self, op: CmpOp, left: &Value, right: &Value) -> Res<bool> {
        use crate::value::{compare, eq, Order};
        match op {
            CmpOp::Eq => eq(left, right),
            CmpOp::Ne => eq(left, right).map(|b| !b),
            CmpOp::Lt => compare(left, right, Order::Lt),
            CmpOp::Le => compare(left, right, Order::Le),
            CmpOp::Gt => compare(left, right, Order::Gt),
            CmpOp::Ge => compare(left, right, Order::Ge),
            CmpOp::In => self.contains(right, left),
            CmpOp::NotIn => self.contains(right, left).map(|b| !b),
            CmpOp::Is => ops::identical(left, right),
            CmpOp::IsNot => ops::identical(left, right).map(|b| !b),
        }
    }

    /// Python's `item in container`.
    pub(crate) fn contains(&mut self, container: &Value, item: &Value) -> Res<bool> {
        if let Some(answer) = ops::contains(container, item)? {
            return Ok(answer);
        }
        // Iterators are consumed up to the item, like CPython.
        let it = self.iter(container)?;
        while let Some(value) = self.next(&it)? {
            if crate::value::item_eq(item, &value, 0)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Python's `iter(value)`.
    pub(crate) fn iter(&mut self, value: &Value) -> Res<Value> {
        let state = match value {
            Value::List(list) => Iter::List {
                list: list.clone(),
                index: 0,
            },
            Value::Tuple(items) => Iter::Tuple {
                items: items.clone(),
                index: 0,
                reversed: false,
            },
            Value::Str(text) => Iter::Str {
                text: text.clone(),
                offset: 0,
            },
            Value::Bytes(data) => Iter::Bytes {
                data: data.clone(),
                index: 0,
            },
            Value::Dict(dict) => dict_iter(dict, View::Keys),
            Value::Object(Object(kind)) => match kind {
                ObjectKind::Iter(_) => return Ok(value.clone()),
                ObjectKind::Range(range) => Iter::Range {
                    range: *range,
                    index: 0,
                },
                ObjectKind::View(view, dict) => dict_iter(dict, *view),
                ObjectKind::Set(_) => return Err(crate::repr::unordered("iterating over a set")),
                ObjectKind::Unsupported(why) => return Err(Fault::unsupported(why.to_string())),
                _ => return Err(not_iterable(value)),
            },
            _ => return Err(not_iterable(value)),
        };
        Ok(iterator(state))
    }

    /// Advances an iterator made by [`Interp::iter`]: `None` once exhausted.
    pub(crate) fn next(&mut self, it: &Value) -> Res<Option<Value>> {
        let Value::Object(Object(ObjectKind::Iter(shared))) = it else {
            return Err(Fault::type_error(format!(
                "'{}' object is not an iterator",
                it.type_name()
            )));
        };
        self.step()?;
        if self.nesting >= MAX_ITER_NESTING {
            return Err(Fault::unsupported(format!(
                "iterators nested more than {MAX_ITER_NESTING} deep"
            )));
        }
        let mut state = std::mem::replace(&mut *shared.lock(), Iter::Running);
        self.nesting += 1;
        let result = self.advance(&mut state);
        self.nesting -= 1;
        let finished = !matches!(result, Ok(Some(_)));
        if finished && !matches!(state, Iter::Running) {
            state = Iter::Done {
                type_name: state.type_name(),
            };
        }
        *shared.lock() = state;
        result
    }

    fn advance(&mut self, state: &mut Iter) -> Res<Option<Value>> {
        Ok(match state {
            Iter::List { list, index } => {
                let item = list.item(*index);
                *index += 1;
                item
            }
            Iter::ListReversed { list, next } => {
                if *next > 0 && *next <= list.len() {
                    *next -= 1;
                    list.item(*next)
                } else {
                    None
                }
            }
            Iter::Tuple {
                items,
                index,
                reversed,
            } => {
                if *index >= items.len() {
                    None
                } else {
                    let i = if *reversed {
                        items.len() - 1 - *index
                    } else {
                        *index
                    };
                    *index += 1;
                    Some(items[i].clone())
                }
            }
            Iter::Str { text, offset } => {
                let c = text[*offset..].chars().next();
                c.map(|c| {
                    *offset += c.len_utf8();
                    Value::str(c.encode_utf8(&mut [0; 4]))
                })
            }
            Iter::StrReversed { text, offset } => {
                let c = text[..*offset].chars().next_back();
                c.map(|c| {
                    *offset -= c.len_utf8();
                    Value::str(c.encode_utf8(&mut [0; 4]))
                })
            }
            Iter::Bytes { data, index } => {
                let b = data.get(*index).copied();
                *index += 1;
                b.map(|b| Value::Int(b as i64))
            }
            Iter::Range { range, index } => {
                if *index < range.len() {
                    let v = range.item(*index);
                    *index += 1;
                    Some(Value::Int(v))
                } else {
                    None
                }
            }
            Iter::Dict {
                dict,
                view,
                index,
                layout,
                len,
            } => {
                if dict.len() != *len {
                    return Err(Fault::py(
                        Exc::RuntimeError,
                        "dictionary changed size during iteration",
                    ));
                }
                if dict.layout() != *layout {
                    return Err(Fault::unsupported(
                        "a dict whose keys changed during iteration",
                    ));
                }
                let entry = dict.entry(*index);
                *index += 1;
                entry.map(|(k, v)| match view {
                    View::Keys => k,
                    View::Values => v,
                    View::Items => Value::tuple(vec![k, v]),
                })
            }
            Iter::Enumerate { inner, count } => match self.next(inner)? {
                Some(v) => {
                    let n = *count;
                    *count = n.checked_add(1).ok_or_else(crate::number::int_overflow)?;
                    Some(Value::tuple(vec![Value::Int(n), v]))
                }
                None => None,
            },
            Iter::Zip { inners } => {
                if inners.is_empty() {
                    return Ok(None);
                }
                let mut items = Vec::with_capacity(inners.len());
                for inner in inners.iter() {
                    match self.next(inner)? {
                        Some(v) => items.push(v),
                        None => return Ok(None),
                    }
                }
                Some(Value::tuple(items))
            }
            Iter::Map { func, inners } => {
                let mut args = Vec::with_capacity(inners.len());
                for inner in inners.iter() {
                    match self.next(inner)? {
                        Some(v) => args.push(v),
                        None => return Ok(None),
                    }
                }
                // A StopIteration out of the function ends the map, as in
                // CPython.
                match self.call(
                    func,
                    Args {
                        positional: args,
                        keywords: Vec::new(),
                    },
                ) {
                    Err(f) if f.kind == FaultKind::Python(Exc::StopIteration) => None,
                    other => Some(other?),
                }
            }
            Iter::Filter { func, inner } => loop {
                let Some(v) = self.next(inner)? else {
                    break None;
                };
                let keep = match func {
                    None => v.truthy()?,
                    Some(f) => match self.call(
                        f,
                        Args {
                            positional: vec![v.clone()],
                            keywords: Vec::new(),
                        },
                    ) {
                        Err(f) if f.kind == FaultKind::Python(Exc::StopIteration) => break None,
                        other => other?.truthy()?,
                    },
                };
                if keep {
                    break Some(v);
                }
            },
            Iter::Generator(generator) => match self.resume(generator) {
                // PEP 479 made this a RuntimeError in 3.7; 3.6 ends the
                // generator.
                Err(f) if f.kind == FaultKind::Python(Exc::StopIteration) => {
                    return Err(Fault::unsupported(
                        "a StopIteration inside a generator expression",
                    ))
                }
                other => other?,
            },
            Iter::Running => {
                return Err(Fault::value_error("generator already executing"));
            }
            Iter::Done { .. } => None,
        })
    }

    /// Drains an iterable into a vector (`list(x)`).
    pub(crate) fn collect(&mut self, value: &Value) -> Res<Vec<Value>> {
        match value {
            Value::List(list) => return Ok(list.to_vec()),
            Value::Tuple(items) => return Ok(items.to_vec()),
            _ => {}
        }
        let it = self.iter(value)?;
        let mut out = Vec::new();
        while let Some(v) = self.next(&it)? {
            out.push(v);
        }
        Ok(out)
    }

    /// The items of an iterable whose order does not matter to the caller:
    /// a set gives its elements (in an order CPython may not share).
    pub(crate) fn collect_unordered(&mut self, value: &Value) -> Res<Vec<Value>> {
        match value {
            Value::Object(Object(ObjectKind::Set(set))) => {
                Ok(set.items().into_iter().map(|(k, _)| k).collect())
            }
            _ => self.collect(value),
        }
    }

    fn comprehension(&mut self, comp: &Arc<Comprehension>, scope: &Scope) -> Res<Value> {
        // The first iterable is evaluated, and `iter()` called on it, in the
        // enclosing scope; everything else in the comprehension's own.
        let first = &comp.clauses[0];
        let source = self.eval(&first.iter, scope)?;
        let it = self.iter(&source).map_err(|f| f.at(first.iter.span))?;
        let mut names = Vec::new();
        for clause in &comp.clauses {
            target_names(&clause.target, &mut names);
        }
        let frame = Arc::new(Frame {
            names,
            vars: Shared::new(HashMap::new()),
            parent: scope.clone(),
        });
        let mut generator = Generator {
            comp: comp.clone(),
            frame,
            iters: vec![it],
        };
        match comp.kind {
            CompKind::Generator => Ok(iterator(Iter::Generator(Box::new(generator)))),
            CompKind::List => {
                let mut items = Vec::new();
                while let Some(v) = self.resume(&mut generator)? {
                    self.step()?;
                    items.push(v);
                }
                Ok(Value::list(items))
            }
            CompKind::Set => {
                let set = Dict::default();
                while let Some(v) = self.resume(&mut generator)? {
                    self.step()?;
                    set.set(v, Value::None)
                        .map_err(|f| f.at(comp.element.span))?;
                }
                Ok(Value::object(ObjectKind::Set(set)))
            }
            CompKind::Dict => {
                let dict = Dict::default();
                while let Some(pair) = self.resume(&mut generator)? {
                    self.step()?;
                    let Value::Tuple(kv) = pair else {
                        return Err(Fault::unsupported("dict comprehension"));
                    };
                    dict.set(kv[0].clone(), kv[1].clone())
                        .map_err(|f| f.at(comp.element.span))?;
                }
                Ok(Value::Dict(dict))
            }
        }
    }

    /// Runs a comprehension up to its next element (for a dict
    /// comprehension, a `(key, value)` tuple).
    fn resume(&mut self, g: &mut Generator) -> Res<Option<Value>> {
        let scope: Scope = Some(g.frame.clone());
        loop {
            let level = g.iters.len();
            let Some(it) = g.iters.last().cloned() else {
                return Ok(None);
            };
            let Some(item) = self.next(&it)? else {
                g.iters.pop();
                continue;
            };
            let clause = &g.comp.clauses[level - 1];
            self.assign(&clause.target, item, &scope)?;
            let mut keep = true;
            for cond in &clause.conds {
                let c = self.eval(cond, &scope)?;
                if !c.truthy().map_err(|f| f.at(cond.span))? {
                    keep = false;
                    break;
                }
            }
            if !keep {
                continue;
            }
            if level == g.comp.clauses.len() {
                let element = self.eval(&g.comp.element, &scope)?;
                return Ok(Some(match &g.comp.value {
                    Some(value) => {
                        let value = self.eval(value, &scope)?;
                        Value::tuple(vec![element, value])
                    }
                    None => element,
                }));
            }
            let next_clause = &g.comp.clauses[level];
            let source = self.eval(&next_clause.iter, &scope)?;
            let it = self
                .iter(&source)
                .map_err(|f| f.at(next_clause.iter.span))?;
            g.iters.push(it);
        }
    }

    /// Stores `value` in `target` (in the innermost comprehension frame, or
    /// in the namespace).
    pub(crate) fn assign(&mut self, target: &Target, value: Value, scope: &Scope) -> Res<()> {
        match target {
            Target::Name(name, _) => {
                if is_dunder(name) {
                    return Err(Fault::unsupported(format!(
                        "assigning to the name '{name}' (the Python renderer's namespace holds such names)"
                    )));
                }
                match scope {
                    Some(frame) => {
                        frame.vars.lock().insert(name.clone(), value);
                    }
                    None => {
                        self.globals.insert(name.clone(), value);
                    }
                }
                Ok(())
            }
            Target::Unpack(targets, span) => {
                let values = self
                    .unpack(&value, targets.len())
                    .map_err(|f| f.at(*span))?;
                for (t, v) in targets.iter().zip(values) {
                    self.assign(t, v, scope)?;
                }
                Ok(())
            }
            Target::Item(obj, index, span) => {
                let obj = self.eval(obj, scope)?;
                let Index::Item(index) = &**index else {
                    return Err(Fault::unsupported("assigning to a slice").at(*span));
                };
                let index = self.eval(index, scope)?;
                ops::setitem(&obj, index, value).map_err(|f| f.at(*span))
            }
        }
    }

    /// `a, b = value`: exactly `n` items.
    fn unpack(&mut self, value: &Value, n: usize) -> Res<Vec<Value>> {
        value.check_supported()?;
        let it = self.iter(value).map_err(|f| match f.kind {
            crate::fault::FaultKind::Python(Exc::TypeError) => Fault::type_error(format!(
                "cannot unpack non-iterable {} object",
                value.type_name()
            )),
            _ => f,
        })?;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.next(&it)? {
                Some(v) => out.push(v),
                None => {
                    return Err(Fault::value_error(format!(
                        "not enough values to unpack (expected {n}, got {})",
                        out.len()
                    )))
                }
            }
        }
        if self.next(&it)?.is_some() {
            return Err(Fault::value_error(format!(
                "too many values to unpack (expected {n})"
            )));
        }
        Ok(out)
    }

    /// `current op= rhs`: `+=` extends a list in place with any iterable.
    fn inplace(&mut self, op: BinOp, current: &Value, rhs: &Value) -> Res<Value> {
        if let (Value::List(list), BinOp::Add) = (current, op) {
            let items = self.collect(rhs)?;
            let mut data = list.0.lock();
            if data.len() + items.len() > ops::MAX_LEN {
                return Err(ops::too_long());
            }
            data.extend(items);
            return Ok(current.clone());
        }
        ops::inplace(op, current, rhs)
    }

    /// `target op= value` for a statement.
    pub(crate) fn aug_assign(&mut self, target: &Target, op: BinOp, value: &Expr) -> Res<()> {
        let scope: Scope = None;
        match target {
            Target::Name(name, span) => {
                let current = self.lookup(name, &scope).map_err(|f| f.at(*span))?;
                let rhs = self.eval(value, &scope)?;
                let result = self.inplace(op, &current, &rhs)?;
                self.globals.insert(name.clone(), result);
                Ok(())
            }
            Target::Item(obj, index, span) => {
                let obj = self.eval(obj, &scope)?;
                let Index::Item(index) = &**index else {
                    return Err(Fault::unsupported("assigning to a slice").at(*span));
                };
                let index = self.eval(index, &scope)?;
                let current = ops::getitem(&obj, &index).map_err(|f| f.at(*span))?;
                let rhs = self.eval(value, &scope)?;
                let result = self.inplace(op, &current, &rhs)?;
                ops::setitem(&obj, index, result).map_err(|f| f.at(*span))
            }
            Target::Unpack(_, span) => {
                Err(Fault::unsupported("augmented assignment to a tuple").at(*span))
            }
        }
    }
}

/// The prefix of the names the Python back end puts in the namespace.
const INTERNAL_PREFIX: &str = "__rmote_";

fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

fn internal_name(name: &str) -> Fault {
    Fault::unsupported(format!(
        "the name '{name}' (an internal of the Python renderer)"
    ))
}

pub(crate) fn iterator(state: Iter) -> Value {
    Value::object(ObjectKind::Iter(Shared::new(state)))
}

fn dict_iter(dict: &Dict, view: View) -> Iter {
    Iter::Dict {
        dict: dict.clone(),
        view,
        index: 0,
        layout: dict.layout(),
        len: dict.len(),
    }
}

pub(crate) fn not_iterable(value: &Value) -> Fault {
    Fault::type_error(format!("'{}' object is not iterable", value.type_name()))
}

fn target_names(target: &Target, out: &mut Vec<Arc<str>>) {
    match target {
        Target::Name(name, _) => out.push(name.clone()),
        Target::Unpack(targets, _) => targets.iter().for_each(|t| target_names(t, out)),
        Target::Item(..) => {}
    }
}

fn const_value(c: &crate::expr::Const) -> Value {
    use crate::expr::Const;
    match c {
        Const::None => Value::None,
        Const::Bool(b) => Value::Bool(*b),
        Const::Int(i) => Value::Int(*i),
        Const::Float(f) => Value::Float(*f),
        Const::Str(s) => Value::Str(s.clone()),
        Const::Bytes(b) => Value::Bytes(b.clone()),
    }
}
