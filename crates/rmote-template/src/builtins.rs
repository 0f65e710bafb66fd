//! The builtin functions and types the local renderer implements, with
//! CPython's results and error texts. Any other name of Python's builtins
//! module is refused, so it never turns into a `NameError`.
//!
//! Calling a builtin with the wrong number or names of arguments is refused
//! rather than answered with a `TypeError`: CPython's texts for those vary
//! between versions.

use std::sync::Arc;

use crate::eval::{iterator, Args, Interp};
use crate::fault::{Exc, Fault, FaultKind, Res};
use crate::iter::Iter;
use crate::number;
use crate::ops;
use crate::value::{compare, float_as_int, Dict, Number, Object, ObjectKind, Order, Value, View};

/// A builtin function or type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    Abs,
    All,
    Any,
    Bin,
    Bool,
    Chr,
    Dict,
    Divmod,
    Enumerate,
    Filter,
    Float,
    Format,
    Hex,
    Int,
    Isinstance,
    Iter,
    Len,
    List,
    Map,
    Max,
    Min,
    Next,
    Oct,
    Ord,
    Pow,
    Range,
    Repr,
    Reversed,
    Round,
    Set,
    Sorted,
    Str,
    Sum,
    Tuple,
    Type,
    Zip,
}

const NAMES: &[(&str, Builtin)] = &[
    ("abs", Builtin::Abs),
    ("all", Builtin::All),
    ("any", Builtin::Any),
    ("bin", Builtin::Bin),
    ("bool", Builtin::Bool),
    ("chr", Builtin::Chr),
    ("dict", Builtin::Dict),
    ("divmod", Builtin::Divmod),
    ("enumerate", Builtin::Enumerate),
    ("filter", Builtin::Filter),
    ("float", Builtin::Float),
    ("format", Builtin::Format),
    ("hex", Builtin::Hex),
    ("int", Builtin::Int),
    ("isinstance", Builtin::Isinstance),
    ("iter", Builtin::Iter),
    ("len", Builtin::Len),
    ("list", Builtin::List),
    ("map", Builtin::Map),
    ("max", Builtin::Max),
    ("min", Builtin::Min),
    ("next", Builtin::Next),
    ("oct", Builtin::Oct),
    ("ord", Builtin::Ord),
    ("pow", Builtin::Pow),
    ("range", Builtin::Range),
    ("repr", Builtin::Repr),
    ("reversed", Builtin::Reversed),
    ("round", Builtin::Round),
    ("set", Builtin::Set),
    ("sorted", Builtin::Sorted),
    ("str", Builtin::Str),
    ("sum", Builtin::Sum),
    ("tuple", Builtin::Tuple),
    ("type", Builtin::Type),
    ("zip", Builtin::Zip),
];

/// Every public name of `builtins` in CPython 3.6 to 3.15.
const PYTHON_BUILTINS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportCycleError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "_IncompleteInputError",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozendict",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "sentinel",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// Whether CPython has a builtin of this name (implemented here or not).
pub(crate) fn is_python_builtin(name: &str) -> bool {
    PYTHON_BUILTINS.contains(&name)
}

impl Builtin {
    pub(crate) fn named(name: &str) -> Option<Builtin> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    pub(crate) fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, b)| *b == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether this builtin is a class (`str`) rather than a function.
    pub(crate) fn is_type(self) -> bool {
        matches!(
            self,
            Builtin::Bool
                | Builtin::Dict
                | Builtin::Enumerate
                | Builtin::Filter
                | Builtin::Float
                | Builtin::Int
                | Builtin::List
                | Builtin::Map
                | Builtin::Range
                | Builtin::Reversed
                | Builtin::Str
                | Builtin::Tuple
                | Builtin::Type
                | Builtin::Zip
                | Builtin::Set
        )
    }

    pub(crate) fn type_name(self) -> &'static str {
        if self.is_type() {
            "type"
        } else {
            "builtin_function_or_method"
        }
    }

    /// `repr()`: `<class 'str'>` or `<built-in function len>`.
    pub(crate) fn repr(self) -> String {
        if self.is_type() {
            format!("<class '{}'>", self.name())
        } else {
            format!("<built-in function {}>", self.name())
        }
    }
}

/// The type object of a value, for `type()` and `isinstance()`.
fn type_of(value: &Value) -> Option<Builtin> {
    Some(match value {
        Value::Bool(_) => Builtin::Bool,
        Value::Int(_) => Builtin::Int,
        Value::Float(_) => Builtin::Float,
        Value::Str(_) => Builtin::Str,
        Value::List(_) => Builtin::List,
        Value::Tuple(_) => Builtin::Tuple,
        Value::Dict(_) => Builtin::Dict,
        Value::Object(Object(ObjectKind::Range(_))) => Builtin::Range,
        Value::Object(Object(ObjectKind::Set(_))) => Builtin::Set,
        Value::Object(Object(ObjectKind::Builtin(b))) if b.is_type() => Builtin::Type,
        _ => return None,
    })
}

/// Refuses a call whose arguments do not fit (CPython raises a
/// `TypeError` whose text varies between versions).
fn bad_arguments(name: &str) -> Fault {
    Fault::unsupported(format!(
        "calling {name}() with these arguments (Python raises a TypeError whose text varies between versions)"
    ))
}

/// Checks positional arguments against `min..=max`, with no keywords
/// except `allowed`, and returns the positional ones.
pub(crate) fn positional(
    name: &str,
    args: &Args,
    min: usize,
    max: usize,
    allowed: &[&str],
) -> Res<()> {
    let n = args.positional.len();
    if n < min || n > max || args.keywords.iter().any(|(k, _)| !allowed.contains(&&**k)) {
        return Err(bad_arguments(name));
    }
    Ok(())
}

pub(crate) fn keyword<'a>(args: &'a Args, name: &str) -> Option<&'a Value> {
    args.keywords
        .iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v)
}

/// Calls a builtin.
pub(crate) fn call(interp: &mut Interp, builtin: Builtin, args: Args) -> Res<Value> {
    for v in args
        .positional
        .iter()
        .chain(args.keywords.iter().map(|(_, v)| v))
    {
        v.check_supported()?;
    }
    let name = builtin.name();
    let p = &args.positional;
    match builtin {
        Builtin::Str => {
            positional(name, &args, 0, 1, &[])?;
            Ok(match p.first() {
                None => Value::str(""),
                Some(v) => Value::Str(ops::to_str(v)?),
            })
        }
        Builtin::Repr => {
            positional(name, &args, 1, 1, &[])?;
            Ok(Value::from(crate::repr::repr(&p[0])?))
        }
        Builtin::Int => {
            positional(name, &args, 0, 1, &[])?;
            match p.first() {
                None => Ok(Value::Int(0)),
                Some(v) => to_int(v),
            }
        }
        Builtin::Float => {
            positional(name, &args, 0, 1, &[])?;
            match p.first() {
                None => Ok(Value::Float(0.0)),
                Some(v) => to_float(v),
            }
        }
        Builtin::Bool => {
            positional(name, &args, 0, 1, &[])?;
            Ok(Value::Bool(match p.first() {
                None => false,
                Some(v) => v.truthy()?,
            }))
        }
        Builtin::Len => {
            positional(name, &args, 1, 1, &[])?;
            len(&p[0]).map(Value::Int)
        }
        Builtin::Abs => {
            positional(name, &args, 1, 1, &[])?;
            match p[0].as_number() {
                Some(Number::Int(i)) => Ok(Value::Int(number::checked(i.checked_abs())?)),
                Some(Number::Float(f)) => Ok(Value::Float(f.abs())),
                None => Err(Fault::type_error(format!(
                    "bad operand type for abs(): '{}'",
                    p[0].type_name()
                ))),
            }
        }
        Builtin::Round => {
            positional(name, &args, 1, 2, &["ndigits"])?;
            let ndigits = p.get(1).or_else(|| keyword(&args, "ndigits"));
            round(&p[0], ndigits)
        }
        Builtin::Divmod => {
            positional(name, &args, 2, 2, &[])?;
            divmod(&p[0], &p[1])
        }
        Builtin::Pow => {
            positional(name, &args, 2, 2, &[])?;
            ops::binary(crate::expr::BinOp::Pow, &p[0], &p[1])
        }
        Builtin::Range => {
            positional(name, &args, 1, 3, &[])?;
            let ints = p
                .iter()
                .map(|v| v.as_index().ok_or_else(|| cannot_interpret(v)))
                .collect::<Res<Vec<i64>>>()?;
            let (start, stop, step) = match ints[..] {
                [stop] => (0, stop, 1),
                [start, stop] => (start, stop, 1),
                [start, stop, step] => (start, stop, step),
                _ => return Err(bad_arguments(name)),
            };
            if step == 0 {
                return Err(Fault::value_error("range() arg 3 must not be zero"));
            }
            Ok(Value::range(start, stop, step))
        }
        Builtin::List => {
            positional(name, &args, 0, 1, &[])?;
            Ok(Value::list(match p.first() {
                None => Vec::new(),
                Some(v) => interp.collect(v)?,
            }))
        }
        Builtin::Set => {
            positional(name, &args, 0, 1, &[])?;
            match p.first() {
                None => Value::set(Vec::new()),
                Some(v) => {
                    let items = interp.collect_unordered(v)?;
                    Value::set(items)
                }
            }
        }
        Builtin::Tuple => {
            positional(name, &args, 0, 1, &[])?;
            Ok(match p.first() {
                None => Value::tuple(Vec::new()),
                Some(Value::Tuple(t)) => Value::Tuple(t.clone()),
                Some(v) => Value::tuple(interp.collect(v)?),
            })
        }
        Builtin::Dict => {
            if p.len() > 1 {
                return Err(bad_arguments(name));
            }
            let dict = Dict::default();
            if let Some(source) = p.first() {
                update_dict(interp, &dict, source)?;
            }
            for (k, v) in &args.keywords {
                dict.set(Value::Str(k.clone()), v.clone())?;
            }
            Ok(Value::Dict(dict))
        }
        Builtin::Sorted => {
            positional(name, &args, 1, 1, &["key", "reverse"])?;
            let items = interp.collect_unordered(&p[0])?;
            let sorted = sort(
                interp,
                items,
                keyword(&args, "key"),
                keyword(&args, "reverse"),
            )?;
            Ok(Value::list(sorted))
        }
        Builtin::Reversed => {
            positional(name, &args, 1, 1, &[])?;
            reversed(&p[0])
        }
        Builtin::Enumerate => {
            positional(name, &args, 1, 2, &["start"])?;
            let start = match p.get(1).or_else(|| keyword(&args, "start")) {
                None => 0,
                Some(v) => v.as_index().ok_or_else(|| cannot_interpret(v))?,
            };
            let inner = interp.iter(&p[0])?;
            Ok(iterator(Iter::Enumerate {
                inner,
                count: start,
            }))
        }
        Builtin::Zip => {
            positional(name, &args, 0, usize::MAX, &[])?;
            let inners = p.iter().map(|v| interp.iter(v)).collect::<Res<Vec<_>>>()?;
            Ok(iterator(Iter::Zip { inners }))
        }
        Builtin::Map => {
            if p.len() < 2 || !args.keywords.is_empty() {
                return Err(bad_arguments(name));
            }
            let inners = p[1..]
                .iter()
                .map(|v| interp.iter(v))
                .collect::<Res<Vec<_>>>()?;
            Ok(iterator(Iter::Map {
                func: p[0].clone(),
                inners,
            }))
        }
        Builtin::Filter => {
            positional(name, &args, 2, 2, &[])?;
            let func = match &p[0] {
                Value::None => None,
                f => Some(f.clone()),
            };
            let inner = interp.iter(&p[1])?;
            Ok(iterator(Iter::Filter { func, inner }))
        }
        Builtin::Iter => {
            positional(name, &args, 1, 1, &[])?;
            interp.iter(&p[0])
        }
        Builtin::Next => {
            positional(name, &args, 1, 2, &[])?;
            if !matches!(&p[0], Value::Object(Object(ObjectKind::Iter(_)))) {
                return Err(Fault::type_error(format!(
                    "'{}' object is not an iterator",
                    p[0].type_name()
                )));
            }
            match interp.next(&p[0])? {
                Some(v) => Ok(v),
                None => match p.get(1) {
                    Some(default) => Ok(default.clone()),
                    None => Err(Fault::py(Exc::StopIteration, "")),
                },
            }
        }
        Builtin::Any | Builtin::All => {
            positional(name, &args, 1, 1, &[])?;
            let want = builtin == Builtin::Any;
            let source = unordered_source(interp, &p[0])?.unwrap_or_else(|| p[0].clone());
            let it = interp.iter(&source)?;
            while let Some(v) = interp.next(&it)? {
                if v.truthy()? == want {
                    return Ok(Value::Bool(want));
                }
            }
            Ok(Value::Bool(!want))
        }
        Builtin::Sum => {
            positional(name, &args, 1, 2, &[])?;
            let start = p.get(1).cloned().unwrap_or(Value::Int(0));
            match unordered_source(interp, &p[0])? {
                // Which error a set gives depends on its order.
                Some(items) => sum(interp, &items, start).map_err(order_dependent),
                None => sum(interp, &p[0], start),
            }
        }
        Builtin::Min | Builtin::Max => min_max(interp, builtin, &args),
        Builtin::Chr => {
            positional(name, &args, 1, 1, &[])?;
            let i = p[0].as_index().ok_or_else(|| cannot_interpret(&p[0]))?;
            if !(0..0x110000).contains(&i) {
                return Err(Fault::value_error("chr() arg not in range(0x110000)"));
            }
            match char::from_u32(i as u32) {
                Some(c) => Ok(Value::str(c.encode_utf8(&mut [0; 4]))),
                None => Err(Fault::unsupported("lone surrogates in strings")),
            }
        }
        Builtin::Ord => {
            positional(name, &args, 1, 1, &[])?;
            match &p[0] {
                Value::Str(s) => {
                    let mut chars = s.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) => Ok(Value::Int(c as i64)),
                        _ => Err(Fault::type_error(format!(
                            "ord() expected a character, but string of length {} found",
                            s.chars().count()
                        ))),
                    }
                }
                Value::Bytes(b) if b.len() == 1 => Ok(Value::Int(b[0] as i64)),
                Value::Bytes(b) => Err(Fault::type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    b.len()
                ))),
                other => Err(Fault::type_error(format!(
                    "ord() expected string of length 1, but {} found",
                    other.type_name()
                ))),
            }
        }
        Builtin::Hex | Builtin::Oct | Builtin::Bin => {
            positional(name, &args, 1, 1, &[])?;
            let i = p[0].as_index().ok_or_else(|| cannot_interpret(&p[0]))?;
            let magnitude = i.unsigned_abs();
            let sign = if i < 0 { "-" } else { "" };
            Ok(Value::from(match builtin {
                Builtin::Hex => format!("{sign}0x{magnitude:x}"),
                Builtin::Oct => format!("{sign}0o{magnitude:o}"),
                _ => format!("{sign}0b{magnitude:b}"),
            }))
        }
        Builtin::Format => {
            positional(name, &args, 1, 2, &[])?;
            let spec = match p.get(1) {
                None => Arc::from(""),
                Some(Value::Str(s)) => s.clone(),
                Some(Value::None) => {
                    return Err(Fault::type_error(
                        "format() argument 2 must be str, not None",
                    ))
                }
                Some(other) => {
                    return Err(Fault::type_error(format!(
                        "format() argument 2 must be str, not {}",
                        other.type_name()
                    )))
                }
            };
            crate::format::format_value(&p[0], &spec).map(Value::from)
        }
        Builtin::Isinstance => {
            positional(name, &args, 2, 2, &[])?;
            let classes: Vec<Value> = match &p[1] {
                Value::Tuple(items) => items.to_vec(),
                other => vec![other.clone()],
            };
            let mut result = false;
            for class in &classes {
                let Value::Object(Object(ObjectKind::Builtin(b))) = class else {
                    return Err(Fault::type_error(
                        "isinstance() arg 2 must be a type, a tuple of types, or a union",
                    ));
                };
                if !b.is_type() {
                    return Err(Fault::type_error(
                        "isinstance() arg 2 must be a type, a tuple of types, or a union",
                    ));
                }
                let actual = type_of(&p[0]).ok_or_else(|| {
                    Fault::unsupported(format!("isinstance() of a '{}' object", p[0].type_name()))
                })?;
                if actual == *b || (actual == Builtin::Bool && *b == Builtin::Int) {
                    result = true;
                }
            }
            Ok(Value::Bool(result))
        }
        Builtin::Type => {
            positional(name, &args, 1, 1, &[])?;
            match type_of(&p[0]) {
                Some(b) => Ok(Value::object(ObjectKind::Builtin(b))),
                None => Err(Fault::unsupported(format!(
                    "type() of a '{}' object",
                    p[0].type_name()
                ))),
            }
        }
    }
}

fn cannot_interpret(v: &Value) -> Fault {
    Fault::type_error(format!(
        "'{}' object cannot be interpreted as an integer",
        v.type_name()
    ))
}

/// Python's `len()`.
pub(crate) fn len(value: &Value) -> Res<i64> {
    value.check_supported()?;
    let n = match value {
        Value::Str(s) => s.chars().count(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.len(),
        Value::Object(Object(ObjectKind::Range(r))) => {
            return i64::try_from(r.len()).map_err(|_| {
                Fault::py(
                    Exc::OverflowError,
                    "Python int too large to convert to C ssize_t",
                )
            })
        }
        Value::Object(Object(ObjectKind::View(_, d) | ObjectKind::Set(d))) => d.len(),
        _ => {
            return Err(Fault::type_error(format!(
                "object of type '{}' has no len()",
                value.type_name()
            )))
        }
    };
    Ok(n as i64)
}

/// Python's `int(x)`.
pub(crate) fn to_int(v: &Value) -> Res<Value> {
    match v {
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Float(f) => number::float_to_int(*f).map(Value::Int),
        Value::Str(s) => parse_int(s).map(Value::Int),
        Value::Bytes(_) => Err(Fault::unsupported("int() of bytes")),
        other => Err(Fault::type_error(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

fn parse_int(s: &str) -> Res<i64> {
    let invalid = || {
        let mut text = String::new();
        if let Err(f) = crate::repr::str_repr(s, &mut text) {
            return f;
        }
        // CPython cuts the quoted text at 200 characters (`%.200R`).
        let text: String = text.chars().take(200).collect();
        Fault::value_error(format!("invalid literal for int() with base 10: {text}"))
    };
    let t = s.trim_matches(is_py_space);
    if !t.is_ascii() {
        return Err(non_ascii_number(t, "int").unwrap_or_else(invalid));
    }
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return Err(invalid());
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let signed = if negative { format!("-{clean}") } else { clean };
    signed.parse::<i64>().map_err(|_| number::int_overflow())
}

/// Python's `str.isspace()` for one character.
pub(crate) fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f' | ' ' | '\u{85}' | '\u{a0}'
            | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}'
            | '\u{205f}' | '\u{3000}'
    )
}

/// Python's `float(x)`.
pub(crate) fn to_float(v: &Value) -> Res<Value> {
    match v {
        Value::Bool(b) => Ok(Value::Float(*b as i64 as f64)),
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Float(f) => Ok(Value::Float(*f)),
        Value::Str(s) => parse_float(s).map(Value::Float),
        Value::Bytes(_) => Err(Fault::unsupported("float() of bytes")),
        other => Err(Fault::type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

/// `int()` and `float()` read Unicode decimal digits as digits; text with
/// other non-ASCII characters is simply invalid (`None`). Digits outside
/// ASCII, and characters the versions disagree on, are refused.
fn non_ascii_number(t: &str, what: &str) -> Option<Fault> {
    let digit_like = t
        .chars()
        .any(|c| !c.is_ascii() && !crate::case::is_plain(c));
    digit_like
        .then(|| Fault::unsupported(format!("{what}() of a string with digits outside ASCII")))
}

fn parse_float(s: &str) -> Res<f64> {
    let invalid = || {
        let mut text = String::new();
        if let Err(f) = crate::repr::str_repr(s, &mut text) {
            return f;
        }
        Fault::value_error(format!("could not convert string to float: {text}"))
    };
    let t = s.trim_matches(is_py_space);
    if !t.is_ascii() {
        return Err(non_ascii_number(t, "float").unwrap_or_else(invalid));
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        let value = if lower == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Ok(if t.starts_with('-') { -value } else { value });
    }
    // digits [. digits] [e [sign] digits], underscores only between digits.
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let run = |d: &str| {
        !d.starts_with('_')
            && !d.ends_with('_')
            && !d.contains("__")
            && d.chars().all(|c| c.is_ascii_digit() || c == '_')
    };
    let (whole, frac) = match mantissa.split_once('.') {
        Some((w, f)) => (w, f),
        None => (mantissa, ""),
    };
    let valid = run(whole)
        && run(frac)
        && !(whole.is_empty() && frac.is_empty())
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && run(e)
        });
    if !valid {
        return Err(invalid());
    }
    let clean: String = t.chars().filter(|&c| c != '_').collect();
    clean.parse::<f64>().map_err(|_| invalid())
}

fn round(value: &Value, ndigits: Option<&Value>) -> Res<Value> {
    if value.as_number().is_none() {
        return Err(Fault::type_error(format!(
            "type {} doesn't define __round__ method",
            value.type_name()
        )));
    }
    let ndigits = match ndigits {
        None | Some(Value::None) => None,
        Some(v) => Some(v.as_index().ok_or_else(|| cannot_interpret(v))?),
    };
    match (value.as_number(), ndigits) {
        (Some(Number::Int(i)), None) => Ok(Value::Int(i)),
        (Some(Number::Int(i)), Some(n)) => number::round_int(i, n).map(Value::Int),
        (Some(Number::Float(f)), None) => number::round_to_int(f).map(Value::Int),
        (Some(Number::Float(f)), Some(n)) => number::round_float(f, n).map(Value::Float),
        (None, _) => Err(Fault::type_error(format!(
            "type {} doesn't define __round__ method",
            value.type_name()
        ))),
    }
}

fn divmod(a: &Value, b: &Value) -> Res<Value> {
    match (a.as_number(), b.as_number()) {
        (Some(Number::Int(x)), Some(Number::Int(y))) => {
            let q = number::int_floordiv(x, y)?;
            let r = number::int_mod(x, y)?;
            Ok(Value::tuple(vec![Value::Int(q), Value::Int(r)]))
        }
        (Some(_), Some(_)) => Err(Fault::unsupported("divmod() of floats")),
        _ => Err(Fault::type_error(format!(
            "unsupported operand type(s) for divmod(): '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ))),
    }
}

fn reversed(value: &Value) -> Res<Value> {
    let state = match value {
        Value::List(list) => Iter::ListReversed {
            list: list.clone(),
            next: list.len(),
        },
        Value::Tuple(items) => Iter::Tuple {
            items: items.clone(),
            index: 0,
            reversed: true,
        },
        Value::Str(text) => Iter::StrReversed {
            text: text.clone(),
            offset: text.len(),
        },
        Value::Object(Object(ObjectKind::Range(r))) => {
            let len = r.len();
            if len == 0 {
                Iter::Range {
                    range: *r,
                    index: 0,
                }
            } else {
                let last = r.item(len - 1);
                let fit = |x: i128| i64::try_from(x).map_err(|_| number::int_overflow());
                let range = crate::value::Range {
                    start: last,
                    stop: fit(r.start as i128 - r.step as i128)?,
                    step: fit(-(r.step as i128))?,
                };
                Iter::Range { range, index: 0 }
            }
        }
        Value::Dict(_) | Value::Object(Object(ObjectKind::View(..))) => {
            return Err(Fault::unsupported(
                "reversed() of a dict or dict view (a TypeError before Python 3.8)",
            ))
        }
        Value::Bytes(_) => return Err(Fault::unsupported("reversed() of bytes")),
        other => {
            other.check_supported()?;
            return Err(Fault::type_error(format!(
                "'{}' object is not reversible",
                other.type_name()
            )));
        }
    };
    Ok(iterator(state))
}

/// Adds the pairs of `source` to `dict` (`dict(source)`, `d.update(source)`).
pub(crate) fn update_dict(interp: &mut Interp, dict: &Dict, source: &Value) -> Res<()> {
    if let Value::Dict(other) = source {
        for (k, v) in other.items() {
            dict.set(k, v)?;
        }
        return Ok(());
    }
    let it = interp.iter(source)?;
    let mut index = 0;
    while let Some(item) = interp.next(&it)? {
        let pair = match &item {
            Value::Tuple(t) => t.to_vec(),
            Value::List(l) => l.to_vec(),
            Value::Str(_) | Value::Bytes(_) | Value::Dict(_) | Value::Object(_) => {
                match interp.collect(&item) {
                    Ok(items) => items,
                    Err(f) if f.kind == FaultKind::Python(Exc::TypeError) => {
                        return Err(convert_error(index))
                    }
                    Err(f) => return Err(f),
                }
            }
            _ => return Err(convert_error(index)),
        };
        if pair.len() != 2 {
            return Err(Fault::value_error(format!(
                "dictionary update sequence element #{index} has length {}; 2 is required",
                pair.len()
            )));
        }
        let mut pair = pair.into_iter();
        let (k, v) = (
            pair.next().unwrap_or(Value::None),
            pair.next().unwrap_or(Value::None),
        );
        dict.set(k, v)?;
        index += 1;
    }
    Ok(())
}

fn convert_error(index: usize) -> Fault {
    Fault::type_error(format!(
        "cannot convert dictionary update sequence element #{index} to a sequence"
    ))
}

/// `sorted()` and `list.sort()`: a stable sort by `<`, refused when
/// Python's answer would depend on its sorting algorithm (incomparable
/// items, NaN).
pub(crate) fn sort(
    interp: &mut Interp,
    mut items: Vec<Value>,
    key: Option<&Value>,
    reverse: Option<&Value>,
) -> Res<Vec<Value>> {
    let reverse = match reverse {
        None => false,
        Some(v) => v.truthy()?,
    };
    let keys = match key {
        None | Some(Value::None) => items.clone(),
        Some(f) => {
            let mut keys = Vec::with_capacity(items.len());
            for item in &items {
                keys.push(interp.call(
                    f,
                    Args {
                        positional: vec![item.clone()],
                        keywords: Vec::new(),
                    },
                )?);
            }
            keys
        }
    };
    for k in &keys {
        if holds_nan(k, 0) {
            return Err(Fault::unsupported(
                "sorting values that include NaN (the result depends on Python's algorithm)",
            ));
        }
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    // CPython sorts a reversed list ascending and reverses it back, which
    // keeps equal items in their original order.
    if reverse {
        order.reverse();
    }
    let mut failure = None;
    merge_sort(&mut order, &mut |a, b| {
        if failure.is_some() {
            return false;
        }
        match compare(&keys[a], &keys[b], Order::Lt) {
            Ok(lt) => lt,
            Err(f) => {
                failure = Some(f);
                false
            }
        }
    });
    if let Some(f) = failure {
        return Err(match f.kind {
            FaultKind::Python(_) => Fault::unsupported(format!(
                "sorting values that cannot all be compared ({}; which pair Python reports depends on its algorithm)",
                f.message
            )),
            FaultKind::Unsupported => f,
        });
    }
    if reverse {
        order.reverse();
    }
    let mut slots: Vec<Option<Value>> = items.drain(..).map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

fn holds_nan(v: &Value, depth: usize) -> bool {
    match v {
        Value::Float(f) => f.is_nan(),
        Value::Tuple(items) if depth < 50 => items.iter().any(|i| holds_nan(i, depth + 1)),
        Value::List(l) if depth < 50 => l.to_vec().iter().any(|i| holds_nan(i, depth + 1)),
        _ => false,
    }
}

/// A stable merge sort by a `less than` that may not fail midway.
fn merge_sort(v: &mut [usize], lt: &mut dyn FnMut(usize, usize) -> bool) {
    if v.len() <= 1 {
        return;
    }
    let mid = v.len() / 2;
    merge_sort(&mut v[..mid], lt);
    merge_sort(&mut v[mid..], lt);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        // Take from the right only when strictly less: stability.
        if lt(v[j], v[i]) {
            merged.push(v[j]);
            j += 1;
        } else {
            merged.push(v[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&v[i..mid]);
    merged.extend_from_slice(&v[j..]);
    v.copy_from_slice(&merged);
}

fn min_max(interp: &mut Interp, builtin: Builtin, args: &Args) -> Res<Value> {
    let name = builtin.name();
    let p = &args.positional;
    positional(name, args, 1, usize::MAX, &["key", "default"])?;
    let key = keyword(args, "key").filter(|k| !matches!(k, Value::None));
    let default = keyword(args, "default");
    let items = if p.len() == 1 {
        p[0].clone()
    } else {
        if default.is_some() {
            return Err(Fault::type_error(format!(
                "Cannot specify a default for {name}() with multiple positional arguments"
            )));
        }
        Value::tuple(p.clone())
    };
    let order = if builtin == Builtin::Min {
        Order::Lt
    } else {
        Order::Gt
    };
    if let Some(elements) = unordered_source(interp, &items)? {
        // The first of equal keys wins, and which pair fails first decides
        // the error: both depend on the set's order.
        if key.is_some() {
            return Err(crate::repr::unordered(&format!(
                "{name}() of a set with a key"
            )));
        }
        let Value::Tuple(list) = &elements else {
            return Err(bad_arguments(name));
        };
        if list.iter().any(|v| holds_nan(v, 0)) {
            return Err(crate::repr::unordered(&format!(
                "{name}() of a set holding NaN"
            )));
        }
        let args = Args {
            positional: vec![elements.clone()],
            keywords: args.keywords.clone(),
        };
        return min_max(interp, builtin, &args).map_err(order_dependent);
    }
    let it = interp.iter(&items)?;
    let mut best: Option<(Value, Value)> = None;
    while let Some(item) = interp.next(&it)? {
        let k = match key {
            Some(f) => interp.call(
                f,
                Args {
                    positional: vec![item.clone()],
                    keywords: Vec::new(),
                },
            )?,
            None => item.clone(),
        };
        best = match best {
            None => Some((item, k)),
            Some((best_item, best_key)) => {
                if compare(&k, &best_key, order)? {
                    Some((item, k))
                } else {
                    Some((best_item, best_key))
                }
            }
        };
    }
    match (best, default) {
        (Some((item, _)), _) => Ok(item),
        (None, Some(d)) => Ok(d.clone()),
        (None, None) => Err(Fault::value_error(format!(
            "{name}() arg is an empty sequence"
        ))),
    }
}

/// The elements of a set as a tuple, for a builtin whose result does not
/// depend on their order.
fn unordered_source(interp: &mut Interp, value: &Value) -> Res<Option<Value>> {
    match value {
        Value::Object(Object(ObjectKind::Set(_))) => {
            Ok(Some(Value::tuple(interp.collect_unordered(value)?)))
        }
        _ => Ok(None),
    }
}

/// A Python error whose text depends on a set's order becomes a refusal.
fn order_dependent(f: Fault) -> Fault {
    match f.kind {
        FaultKind::Python(_) => crate::repr::unordered(&format!(
            "an error whose text depends on the order: {}",
            f.message
        )),
        FaultKind::Unsupported => f,
    }
}

/// `sum()`. Float additions must be exact: CPython 3.12 changed `sum()` of
/// floats to compensated summation, so a rounded sum differs by version.
fn sum(interp: &mut Interp, iterable: &Value, start: Value) -> Res<Value> {
    let it = interp.iter(iterable)?;
    match &start {
        Value::Str(_) => {
            return Err(Fault::type_error(
                "sum() can't sum strings [use ''.join(seq) instead]",
            ))
        }
        Value::Bytes(_) => {
            return Err(Fault::type_error(
                "sum() can't sum bytes [use b''.join(seq) instead]",
            ))
        }
        _ => {}
    }
    let mut total = start;
    while let Some(item) = interp.next(&it)? {
        total = match (total.as_number(), item.as_number()) {
            (Some(a), Some(b))
                if matches!(a, Number::Float(_)) || matches!(b, Number::Float(_)) =>
            {
                Value::Float(exact_float_add(a, b)?)
            }
            _ => ops::binary(crate::expr::BinOp::Add, &total, &item)?,
        };
    }
    Ok(total)
}

fn exact_float_add(a: Number, b: Number) -> Res<f64> {
    let as_float = |n: Number| -> Res<f64> {
        match n {
            Number::Float(f) => Ok(f),
            Number::Int(i) => {
                let f = i as f64;
                if float_as_int(f) == Some(i) {
                    Ok(f)
                } else {
                    Err(inexact_sum())
                }
            }
        }
    };
    let (x, y) = (as_float(a)?, as_float(b)?);
    let s = x + y;
    if !s.is_finite() {
        return if x.is_finite() && y.is_finite() {
            Err(inexact_sum())
        } else {
            Ok(s)
        };
    }
    // Knuth's two-sum: the rounding error of `x + y`, exactly.
    let bv = s - x;
    let err = (x - (s - bv)) + (y - bv);
    if err != 0.0 {
        return Err(inexact_sum());
    }
    Ok(s)
}

fn inexact_sum() -> Fault {
    Fault::unsupported("sum() of floats that needs rounding (Python 3.12 changed how sum() rounds)")
}

/// The entries of a dict view, as values (for `list(d.items())`).
pub(crate) fn view(dict: &Dict, view: View) -> Value {
    Value::object(ObjectKind::View(view, dict.clone()))
}
