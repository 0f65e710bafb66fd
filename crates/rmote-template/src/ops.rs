//! Python's operators on values: arithmetic, sequence concatenation and
//! repetition, subscripts and slices, `in`, `is`, with CPython's
//! `TypeError` texts.

use std::sync::Arc;

use crate::expr::{BinOp, UnaryOp};
use crate::fault::{Exc, Fault, Res};
use crate::number::{self, checked, int_overflow};
use crate::value::{item_eq, Number, Object, ObjectKind, Range, Value, View};

/// The longest string, list or bytes an operator may build (Python would
/// go on until memory runs out).
#[cfg(not(fuzzing))]
pub(crate) const MAX_LEN: usize = 1 << 28;
/// Under the fuzzer, small enough to stay within its memory limit.
#[cfg(fuzzing)]
pub(crate) const MAX_LEN: usize = 1 << 16;

pub(crate) fn too_long() -> Fault {
    Fault::unsupported(format!("building a sequence longer than {MAX_LEN} items"))
}

/// `-x`, `+x`, `~x`, `not x`.
pub(crate) fn unary(op: UnaryOp, value: &Value) -> Res<Value> {
    value.check_supported()?;
    if op == UnaryOp::Not {
        return Ok(Value::Bool(!value.truthy()?));
    }
    let symbol = match op {
        UnaryOp::Neg => "-",
        UnaryOp::Pos => "+",
        _ => "~",
    };
    match (op, value.as_number()) {
        (UnaryOp::Neg, Some(Number::Int(i))) => Ok(Value::Int(checked(i.checked_neg())?)),
        (UnaryOp::Neg, Some(Number::Float(f))) => Ok(Value::Float(-f)),
        (UnaryOp::Pos, Some(Number::Int(i))) => Ok(Value::Int(i)),
        (UnaryOp::Pos, Some(Number::Float(f))) => Ok(Value::Float(f)),
        (UnaryOp::Invert, Some(Number::Int(i))) => Ok(Value::Int(!i)),
        _ => Err(Fault::type_error(format!(
            "bad operand type for unary {symbol}: '{}'",
            value.type_name()
        ))),
    }
}

/// `a op b`.
pub(crate) fn binary(op: BinOp, a: &Value, b: &Value) -> Res<Value> {
    a.check_supported()?;
    b.check_supported()?;
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        if let Some(result) = arithmetic(op, a, b, x, y)? {
            return Ok(result);
        }
    }
    match op {
        BinOp::Add => concat(a, b),
        BinOp::Mul => {
            if let Some(n) = b.as_index() {
                if let Some(r) = repeat(a, n)? {
                    return Ok(r);
                }
            }
            if let Some(n) = a.as_index() {
                if let Some(r) = repeat(b, n)? {
                    return Ok(r);
                }
            }
            if is_sequence(a) {
                return Err(cannot_multiply(b));
            }
            if is_sequence(b) {
                return Err(cannot_multiply(a));
            }
            Err(unsupported_operands(op, a, b))
        }
        BinOp::Mod => match a {
            Value::Str(format) => crate::format::percent(format, b),
            Value::Bytes(_) => Err(Fault::unsupported("`%` formatting of bytes")),
            _ => Err(unsupported_operands(op, a, b)),
        },
        BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor if is_set(a) && is_set(b) => {
            set_operation(op, a, b)
        }
        // Key and item views combine with any iterable, either side, into
        // a set.
        BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor
            if is_set_view(a) || is_set_view(b) =>
        {
            set_operation(op, &as_set(a)?, &as_set(b)?)
        }
        BinOp::BitOr if matches!((a, b), (Value::Dict(_), Value::Dict(_))) => Err(
            Fault::unsupported("`|` of dicts (a TypeError before Python 3.9)"),
        ),
        _ => Err(unsupported_operands(op, a, b)),
    }
}

/// `a op= b`: a list repeats in place (`+=` on a list, which extends it
/// with any iterable, is done by the evaluator); everything else is
/// `a op b`.
pub(crate) fn inplace(op: BinOp, a: &Value, b: &Value) -> Res<Value> {
    if let (Value::Dict(_), BinOp::BitOr) = (a, op) {
        return Err(Fault::unsupported(
            "`|=` on a dict (it updates the dict since Python 3.9)",
        ));
    }
    let (Value::List(list), BinOp::Mul) = (a, op) else {
        // A type error names the augmented operator (`+=`).
        return binary(op, a, b).map_err(|f| {
            if f == unsupported_operands(op, a, b) {
                Fault::type_error(format!(
                    "unsupported operand type(s) for {}=: '{}' and '{}'",
                    op.symbol(),
                    a.type_name(),
                    b.type_name()
                ))
            } else {
                f
            }
        });
    };
    let Some(n) = b.as_index() else {
        b.check_supported()?;
        return Err(cannot_multiply(b));
    };
    let mut data = list.0.lock();
    let copy = data.clone();
    if n <= 0 {
        data.clear();
    } else {
        let total = copy.len().checked_mul(n as usize).ok_or_else(too_long)?;
        if total > MAX_LEN {
            return Err(too_long());
        }
        for _ in 1..n {
            data.extend(copy.iter().cloned());
        }
    }
    drop(data);
    Ok(a.clone())
}

fn arithmetic(op: BinOp, a: &Value, b: &Value, x: Number, y: Number) -> Res<Option<Value>> {
    use Number::{Float, Int};
    let float = |x: Number| match x {
        Int(i) => i as f64,
        Float(f) => f,
    };
    let both_bool = matches!((a, b), (Value::Bool(_), Value::Bool(_)));
    Ok(Some(match (op, x, y) {
        (BinOp::Add, Int(i), Int(j)) => Value::Int(checked(i.checked_add(j))?),
        (BinOp::Sub, Int(i), Int(j)) => Value::Int(checked(i.checked_sub(j))?),
        (BinOp::Mul, Int(i), Int(j)) => Value::Int(checked(i.checked_mul(j))?),
        (BinOp::Div, Int(i), Int(j)) => Value::Float(number::int_truediv(i, j)?),
        (BinOp::FloorDiv, Int(i), Int(j)) => Value::Int(number::int_floordiv(i, j)?),
        (BinOp::Mod, Int(i), Int(j)) => Value::Int(number::int_mod(i, j)?),
        (BinOp::Pow, Int(i), Int(j)) => number::int_pow(i, j)?,
        (BinOp::Add, _, _) => Value::Float(float(x) + float(y)),
        (BinOp::Sub, _, _) => Value::Float(float(x) - float(y)),
        (BinOp::Mul, _, _) => Value::Float(float(x) * float(y)),
        (BinOp::Div, _, _) => Value::Float(number::float_div(float(x), float(y))?),
        (BinOp::FloorDiv, _, _) => Value::Float(number::float_floordiv(float(x), float(y))?),
        (BinOp::Mod, _, _) => Value::Float(number::float_mod(float(x), float(y))?),
        (BinOp::Pow, _, _) => Value::Float(number::float_pow(float(x), float(y))?),
        (BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor, Int(i), Int(j)) => {
            let r = match op {
                BinOp::BitAnd => i & j,
                BinOp::BitOr => i | j,
                _ => i ^ j,
            };
            if both_bool {
                Value::Bool(r != 0)
            } else {
                Value::Int(r)
            }
        }
        (BinOp::LShift | BinOp::RShift, Int(i), Int(j)) => {
            if j < 0 {
                return Err(Fault::value_error("negative shift count"));
            }
            if op == BinOp::RShift {
                Value::Int(if j >= 64 {
                    if i < 0 {
                        -1
                    } else {
                        0
                    }
                } else {
                    i >> j
                })
            } else if i == 0 {
                Value::Int(0)
            } else {
                if j >= 63 {
                    return Err(int_overflow());
                }
                let r = i << j;
                if r >> j != i {
                    return Err(int_overflow());
                }
                Value::Int(r)
            }
        }
        _ => return Ok(None),
    }))
}

fn is_set(v: &Value) -> bool {
    matches!(v, Value::Object(Object(ObjectKind::Set(_))))
}

fn is_set_view(v: &Value) -> bool {
    matches!(
        v,
        Value::Object(Object(ObjectKind::View(View::Keys | View::Items, _)))
    )
}

/// The elements of a set, a dict view or a sequence, as a set.
fn as_set(v: &Value) -> Res<Value> {
    let items: Vec<Value> = match v {
        Value::Object(Object(ObjectKind::Set(_))) => return Ok(v.clone()),
        Value::Object(Object(ObjectKind::View(view, dict))) => dict
            .items()
            .into_iter()
            .map(|(k, val)| match view {
                View::Keys => k,
                View::Values => val,
                View::Items => Value::tuple(vec![k, val]),
            })
            .collect(),
        Value::Dict(dict) => dict.items().into_iter().map(|(k, _)| k).collect(),
        Value::List(list) => list.to_vec(),
        Value::Tuple(items) => items.to_vec(),
        Value::Str(s) => s
            .chars()
            .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
            .collect(),
        _ => {
            return Err(Fault::unsupported(format!(
                "a set operation of a dict view with a '{}' object",
                v.type_name()
            )))
        }
    };
    Value::set(items)
}

/// `a | b`, `a & b`, `a - b`, `a ^ b` of two sets.
fn set_operation(op: BinOp, a: &Value, b: &Value) -> Res<Value> {
    let (Value::Object(Object(ObjectKind::Set(x))), Value::Object(Object(ObjectKind::Set(y)))) =
        (a, b)
    else {
        return Err(unsupported_operands(op, a, b));
    };
    let xs: Vec<Value> = x.items().into_iter().map(|(k, _)| k).collect();
    let ys: Vec<Value> = y.items().into_iter().map(|(k, _)| k).collect();
    let mut out = Vec::new();
    match op {
        BinOp::BitOr => {
            out.extend(xs);
            out.extend(ys);
        }
        BinOp::BitAnd => {
            for k in xs {
                if y.lookup(&k)?.is_some() {
                    out.push(k);
                }
            }
        }
        BinOp::Sub => {
            for k in xs {
                if y.lookup(&k)?.is_none() {
                    out.push(k);
                }
            }
        }
        _ => {
            for k in xs {
                if y.lookup(&k)?.is_none() {
                    out.push(k);
                }
            }
            for k in ys {
                if x.lookup(&k)?.is_none() {
                    out.push(k);
                }
            }
        }
    }
    Value::set(out)
}

fn concat(a: &Value, b: &Value) -> Res<Value> {
    let result = match (a, b) {
        (Value::Str(x), Value::Str(y)) => {
            check_len(x.len() + y.len())?;
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Value::from(s)
        }
        (Value::List(x), Value::List(y)) => {
            let mut items = x.to_vec();
            items.extend(y.to_vec());
            check_len(items.len())?;
            Value::list(items)
        }
        (Value::Tuple(x), Value::Tuple(y)) => {
            check_len(x.len() + y.len())?;
            Value::tuple(x.iter().chain(y.iter()).cloned().collect())
        }
        (Value::Bytes(x), Value::Bytes(y)) => {
            check_len(x.len() + y.len())?;
            Value::Bytes(x.iter().chain(y.iter()).copied().collect())
        }
        (Value::Str(_), _) => {
            return Err(Fault::type_error(format!(
                "can only concatenate str (not \"{}\") to str",
                b.type_name()
            )))
        }
        (Value::List(_), _) => {
            return Err(Fault::type_error(format!(
                "can only concatenate list (not \"{}\") to list",
                b.type_name()
            )))
        }
        (Value::Tuple(_), _) => {
            return Err(Fault::type_error(format!(
                "can only concatenate tuple (not \"{}\") to tuple",
                b.type_name()
            )))
        }
        (Value::Bytes(_), _) => {
            return Err(Fault::type_error(format!(
                "can't concat {} to bytes",
                b.type_name()
            )))
        }
        _ => return Err(unsupported_operands(BinOp::Add, a, b)),
    };
    Ok(result)
}

fn check_len(len: usize) -> Res<()> {
    if len > MAX_LEN {
        Err(too_long())
    } else {
        Ok(())
    }
}

/// `seq * n`, if `seq` is a sequence.
fn repeat(seq: &Value, n: i64) -> Res<Option<Value>> {
    let n = n.max(0) as usize;
    let total = |len: usize| -> Res<usize> {
        let t = len.checked_mul(n).ok_or_else(too_long)?;
        check_len(t)?;
        Ok(t)
    };
    Ok(Some(match seq {
        Value::Str(s) => {
            total(s.chars().count())?;
            Value::from(s.repeat(n))
        }
        Value::Bytes(b) => {
            total(b.len())?;
            Value::Bytes(b.repeat(n).into())
        }
        Value::List(list) => {
            let items = list.to_vec();
            let t = total(items.len())?;
            let mut out = Vec::with_capacity(t);
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            Value::list(out)
        }
        Value::Tuple(items) => {
            let t = total(items.len())?;
            let mut out = Vec::with_capacity(t);
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            Value::tuple(out)
        }
        _ => return Ok(None),
    }))
}

fn is_sequence(v: &Value) -> bool {
    matches!(
        v,
        Value::Str(_) | Value::Bytes(_) | Value::List(_) | Value::Tuple(_)
    )
}

fn cannot_multiply(other: &Value) -> Fault {
    Fault::type_error(format!(
        "can't multiply sequence by non-int of type '{}'",
        other.type_name()
    ))
}

fn unsupported_operands(op: BinOp, a: &Value, b: &Value) -> Fault {
    let symbol = if op == BinOp::Pow {
        "** or pow()"
    } else {
        op.symbol()
    };
    Fault::type_error(format!(
        "unsupported operand type(s) for {symbol}: '{}' and '{}'",
        a.type_name(),
        b.type_name()
    ))
}

/// `a is b`, where the answer does not depend on CPython's object caches:
/// `None`, `True`, `False`, builtins, and the same list or dict.
pub(crate) fn identical(a: &Value, b: &Value) -> Res<bool> {
    a.check_supported()?;
    b.check_supported()?;
    Ok(match (a, b) {
        (Value::None, _) | (_, Value::None) => matches!((a, b), (Value::None, Value::None)),
        (Value::Bool(x), _) => matches!(b, Value::Bool(y) if x == y),
        (_, Value::Bool(_)) => false,
        (Value::List(x), Value::List(y)) => x.0.same(&y.0),
        (Value::Dict(x), Value::Dict(y)) => x.0.same(&y.0),
        (Value::List(_) | Value::Dict(_), _) | (_, Value::List(_) | Value::Dict(_))
            if std::mem::discriminant(a) != std::mem::discriminant(b) =>
        {
            false
        }
        (Value::Object(Object(ObjectKind::Builtin(x))), Value::Object(Object(ObjectKind::Builtin(y)))) => x == y,
        (Value::Object(Object(ObjectKind::Iter(x))), Value::Object(Object(ObjectKind::Iter(y)))) => x.same(y),
        _ => {
            return Err(Fault::unsupported(
                "`is` between values other than None, True, False, lists and dicts (it depends on CPython's object caches)",
            ))
        }
    })
}

/// `item in container` for containers that answer directly; `None` means
/// iterate and compare.
pub(crate) fn contains(container: &Value, item: &Value) -> Res<Option<bool>> {
    container.check_supported()?;
    item.check_supported()?;
    Ok(Some(match container {
        Value::Str(s) => match item {
            Value::Str(sub) => s.contains(&**sub),
            _ => {
                return Err(Fault::type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    item.type_name()
                )))
            }
        },
        Value::Bytes(data) => match item {
            Value::Bytes(sub) => sub.is_empty() || data.windows(sub.len()).any(|w| w == &sub[..]),
            _ => match item.as_index() {
                Some(i) if (0..256).contains(&i) => data.contains(&(i as u8)),
                Some(_) => return Err(Fault::value_error("byte must be in range(0, 256)")),
                None => {
                    return Err(Fault::type_error(format!(
                        "a bytes-like object is required, not '{}'",
                        item.type_name()
                    )))
                }
            },
        },
        Value::List(list) => {
            let mut i = 0;
            while let Some(v) = list.item(i) {
                if item_eq(item, &v, 0)? {
                    return Ok(Some(true));
                }
                i += 1;
            }
            false
        }
        Value::Tuple(items) => {
            for v in items.iter() {
                if item_eq(item, v, 0)? {
                    return Ok(Some(true));
                }
            }
            false
        }
        Value::Dict(dict) => dict.lookup(item)?.is_some(),
        Value::Object(Object(kind)) => match kind {
            ObjectKind::Range(r) => match item {
                Value::Bool(_) | Value::Int(_) => range_contains(r, item.as_index().unwrap_or(0)),
                Value::Float(f) => match crate::value::float_as_int(*f) {
                    Some(i) => range_contains(r, i),
                    None if f.is_finite() && f.abs() < 9.2e18 => false,
                    None => {
                        return Err(Fault::unsupported(
                            "`in` a range with a float beyond 64 bits",
                        ))
                    }
                },
                _ if r.len() <= 1_000_000 => false,
                _ => {
                    return Err(Fault::unsupported(
                        "`in` a long range with a value that is not a number",
                    ))
                }
            },
            ObjectKind::View(View::Keys, dict) | ObjectKind::Set(dict) => {
                dict.lookup(item)?.is_some()
            }
            ObjectKind::View(View::Items, dict) => {
                let Value::Tuple(pair) = item else {
                    return Ok(Some(false));
                };
                if pair.len() != 2 {
                    return Ok(Some(false));
                }
                match dict.lookup(&pair[0])? {
                    Some(v) => item_eq(&pair[1], &v, 0)?,
                    None => false,
                }
            }
            ObjectKind::View(View::Values, dict) => {
                for (_, v) in dict.items() {
                    if item_eq(item, &v, 0)? {
                        return Ok(Some(true));
                    }
                }
                false
            }
            ObjectKind::Iter(_) => return Ok(None),
            _ => return Err(argument_not_iterable(container)),
        },
        _ => return Err(argument_not_iterable(container)),
    }))
}

fn argument_not_iterable(container: &Value) -> Fault {
    Fault::type_error(format!(
        "argument of type '{}' is not iterable",
        container.type_name()
    ))
}

fn range_contains(r: &Range, i: i64) -> bool {
    let (start, stop, step, i) = (r.start as i128, r.stop as i128, r.step as i128, i as i128);
    let inside = if step > 0 {
        start <= i && i < stop
    } else {
        stop < i && i <= start
    };
    inside && (i - start) % step == 0
}

/// `value[index]`.
pub(crate) fn getitem(value: &Value, index: &Value) -> Res<Value> {
    value.check_supported()?;
    index.check_supported()?;
    match value {
        Value::Dict(dict) => {
            return match dict.lookup(index)? {
                Some(v) => Ok(v),
                None => Err(Fault::py(Exc::KeyError, crate::repr::repr(index)?)),
            }
        }
        Value::Object(Object(ObjectKind::Range(r))) => {
            let i = index
                .as_index()
                .ok_or_else(|| indices_error("range", index))?;
            let len = r.len();
            let i = if i < 0 { i as i128 + len } else { i as i128 };
            if i < 0 || i >= len {
                return Err(Fault::py(
                    Exc::IndexError,
                    "range object index out of range",
                ));
            }
            return Ok(Value::Int(r.item(i)));
        }
        _ => {}
    }
    let (len, what) = match value {
        Value::List(list) => (list.len(), "list"),
        Value::Tuple(items) => (items.len(), "tuple"),
        Value::Str(s) => (s.chars().count(), "string"),
        Value::Bytes(b) => (b.len(), "bytes"),
        _ => {
            return Err(Fault::type_error(format!(
                "'{}' object is not subscriptable",
                value.type_name()
            )))
        }
    };
    let Some(i) = index.as_index() else {
        return Err(match value {
            Value::Str(_) => Fault::type_error(format!(
                "string indices must be integers, not '{}'",
                index.type_name()
            )),
            Value::Bytes(_) => indices_error("byte", index),
            _ => indices_error(value.type_name(), index),
        });
    };
    let position = if i < 0 {
        i as i128 + len as i128
    } else {
        i as i128
    };
    if position < 0 || position >= len as i128 {
        let message = match what {
            "bytes" => "index out of range".to_string(),
            _ => format!("{what} index out of range"),
        };
        return Err(Fault::py(Exc::IndexError, message));
    }
    let p = position as usize;
    Ok(match value {
        Value::List(list) => list
            .item(p)
            .ok_or_else(|| Fault::py(Exc::IndexError, "list index out of range"))?,
        Value::Tuple(items) => items[p].clone(),
        Value::Str(s) => {
            let c = s.chars().nth(p).unwrap_or_default();
            Value::str(c.encode_utf8(&mut [0; 4]))
        }
        Value::Bytes(b) => Value::Int(b[p] as i64),
        _ => return Err(Fault::unsupported("subscript")),
    })
}

fn indices_error(what: &str, index: &Value) -> Fault {
    Fault::type_error(format!(
        "{what} indices must be integers or slices, not {}",
        index.type_name()
    ))
}

/// `value[lower:upper:step]`.
pub(crate) fn getslice(
    value: &Value,
    lower: &Option<Value>,
    upper: &Option<Value>,
    step: &Option<Value>,
) -> Res<Value> {
    value.check_supported()?;
    let bound = |v: &Option<Value>| -> Res<Option<i64>> {
        match v {
            None | Some(Value::None) => Ok(None),
            Some(v) => v.as_index().map(Some).ok_or_else(|| {
                Fault::type_error(
                    "slice indices must be integers or None or have an __index__ method",
                )
            }),
        }
    };
    let (lower, upper, step) = (bound(lower)?, bound(upper)?, bound(step)?);
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(Fault::value_error("slice step cannot be zero"));
    }
    let len = match value {
        Value::List(list) => list.len() as i128,
        Value::Tuple(items) => items.len() as i128,
        Value::Str(s) => s.chars().count() as i128,
        Value::Bytes(b) => b.len() as i128,
        Value::Object(Object(ObjectKind::Range(r))) => r.len(),
        Value::Dict(_) => return Err(Fault::type_error("unhashable type: 'slice'")),
        _ => {
            return Err(Fault::type_error(format!(
                "'{}' object is not subscriptable",
                value.type_name()
            )))
        }
    };
    let (start, stop) = adjust_slice(lower, upper, step, len);
    let positions = || {
        let mut out = Vec::new();
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            out.push(i as usize);
            i += step as i128;
        }
        out
    };
    Ok(match value {
        Value::List(list) => {
            let items = list.to_vec();
            Value::list(positions().into_iter().map(|i| items[i].clone()).collect())
        }
        Value::Tuple(items) => {
            Value::tuple(positions().into_iter().map(|i| items[i].clone()).collect())
        }
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Value::from(
                positions()
                    .into_iter()
                    .map(|i| chars[i])
                    .collect::<String>(),
            )
        }
        Value::Bytes(b) => Value::Bytes(
            positions()
                .into_iter()
                .map(|i| b[i])
                .collect::<Vec<u8>>()
                .into(),
        ),
        Value::Object(Object(ObjectKind::Range(r))) => {
            let fit = |x: i128| i64::try_from(x).map_err(|_| int_overflow());
            let rstep = r.step as i128;
            Value::range(
                fit(r.start as i128 + start * rstep)?,
                fit(r.start as i128 + stop * rstep)?,
                fit(rstep * step as i128)?,
            )
        }
        _ => return Err(Fault::unsupported("slice")),
    })
}

/// CPython's `PySlice_AdjustIndices`: the first index and the stop index.
fn adjust_slice(lower: Option<i64>, upper: Option<i64>, step: i64, len: i128) -> (i128, i128) {
    let clamp = |v: i64, default_neg: i128, default_pos: i128| -> i128 {
        let mut v = v as i128;
        if v < 0 {
            v += len;
            if v < 0 {
                v = default_neg;
            }
        } else if v >= len {
            v = default_pos;
        }
        v
    };
    if step > 0 {
        let start = lower.map_or(0, |v| clamp(v, 0, len));
        let stop = upper.map_or(len, |v| clamp(v, 0, len));
        (start, stop)
    } else {
        let start = lower.map_or(len - 1, |v| clamp(v, -1, len - 1));
        let stop = upper.map_or(-1, |v| clamp(v, -1, len - 1));
        (start, stop)
    }
}

/// `obj[index] = value`.
pub(crate) fn setitem(obj: &Value, index: Value, value: Value) -> Res<()> {
    obj.check_supported()?;
    match obj {
        Value::Dict(dict) => dict.set(index, value),
        Value::List(list) => {
            let Some(i) = index.as_index() else {
                return Err(indices_error("list", &index));
            };
            let mut data = list.0.lock();
            let len = data.len() as i128;
            let p = if i < 0 { i as i128 + len } else { i as i128 };
            if p < 0 || p >= len {
                return Err(Fault::py(
                    Exc::IndexError,
                    "list assignment index out of range",
                ));
            }
            data[p as usize] = value;
            Ok(())
        }
        _ => Err(Fault::type_error(format!(
            "'{}' object does not support item assignment",
            obj.type_name()
        ))),
    }
}

/// `str(value)` as an `Arc<str>` (no copy for strings).
pub(crate) fn to_str(value: &Value) -> Res<Arc<str>> {
    match value {
        Value::Str(s) => Ok(s.clone()),
        other => crate::repr::str(other).map(Arc::from),
    }
}
