//! Attributes and methods of `str`, `list`, `dict`, `tuple`, `range` and
//! `bytes`. An attribute Python has but the local renderer does not
//! implement is refused; one Python does not have is its `AttributeError`.
//!
//! Case conversions and character classes (`upper`, `title`, `isalpha`…)
//! work on ASCII strings only: outside ASCII their results depend on the
//! Unicode version of the remote interpreter.

use std::sync::Arc;

use crate::builtins::{is_py_space, keyword, positional, sort, update_dict, view};
use crate::eval::{Args, Interp};
use crate::fault::{Exc, Fault, FaultKind, Res};
use crate::ops::{self, too_long, MAX_LEN};
use crate::repr::{printable, repr};
use crate::unicode::CharClass;
use crate::value::{item_eq, Dict, List, Object, ObjectKind, Value, View};

/// Public attributes of each type in any CPython from 3.6 to 3.15.
const STR_ATTRS: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "count",
    "encode",
    "endswith",
    "expandtabs",
    "find",
    "format",
    "format_map",
    "index",
    "isalnum",
    "isalpha",
    "isascii",
    "isdecimal",
    "isdigit",
    "isidentifier",
    "islower",
    "isnumeric",
    "isprintable",
    "isspace",
    "istitle",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "maketrans",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "translate",
    "upper",
    "zfill",
];
const LIST_ATTRS: &[&str] = &[
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse",
    "sort",
];
const DICT_ATTRS: &[&str] = &[
    "clear",
    "copy",
    "fromkeys",
    "get",
    "items",
    "keys",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "values",
];
const TUPLE_ATTRS: &[&str] = &["count", "index"];
const INT_ATTRS: &[&str] = &[
    "as_integer_ratio",
    "bit_count",
    "bit_length",
    "conjugate",
    "denominator",
    "from_bytes",
    "imag",
    "is_integer",
    "numerator",
    "real",
    "to_bytes",
];
const FLOAT_ATTRS: &[&str] = &[
    "as_integer_ratio",
    "conjugate",
    "from_number",
    "fromhex",
    "hex",
    "imag",
    "is_integer",
    "real",
];
const SET_ATTRS: &[&str] = &[
    "add",
    "clear",
    "copy",
    "difference",
    "difference_update",
    "discard",
    "intersection",
    "intersection_update",
    "isdisjoint",
    "issubset",
    "issuperset",
    "pop",
    "remove",
    "symmetric_difference",
    "symmetric_difference_update",
    "union",
    "update",
];
const RANGE_ATTRS: &[&str] = &["count", "index", "start", "step", "stop"];
const BYTES_ATTRS: &[&str] = &[
    "capitalize",
    "center",
    "count",
    "decode",
    "endswith",
    "expandtabs",
    "find",
    "fromhex",
    "hex",
    "index",
    "isalnum",
    "isalpha",
    "isascii",
    "isdigit",
    "islower",
    "isspace",
    "istitle",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "maketrans",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "translate",
    "upper",
    "zfill",
];

/// The methods implemented here, per receiver type.
const STR_METHODS: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "count",
    "encode",
    "endswith",
    "expandtabs",
    "find",
    "format",
    "format_map",
    "index",
    "isalnum",
    "isalpha",
    "isdecimal",
    "isdigit",
    "isidentifier",
    "islower",
    "isnumeric",
    "isprintable",
    "isspace",
    "istitle",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "partition",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "upper",
    "zfill",
];
const DICT_METHODS: &[&str] = &[
    "clear",
    "copy",
    "get",
    "items",
    "keys",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "values",
];
const BYTES_METHODS: &[&str] = &["decode"];

/// `value.name`: a bound method, a data attribute, or the error.
pub(crate) fn attribute(value: &Value, name: &Arc<str>) -> Res<Value> {
    value.check_supported()?;
    let n = &**name;
    if n.starts_with("__") && n.ends_with("__") {
        return Err(Fault::unsupported(format!("the attribute '{n}'")));
    }
    let (attrs, implemented): (&[&str], &[&str]) = match value {
        Value::Str(_) => (STR_ATTRS, STR_METHODS),
        Value::List(_) => (LIST_ATTRS, LIST_ATTRS),
        Value::Dict(_) => (DICT_ATTRS, DICT_METHODS),
        Value::Tuple(_) => (TUPLE_ATTRS, TUPLE_ATTRS),
        Value::Int(_) | Value::Bool(_) => (INT_ATTRS, &[]),
        Value::Float(_) => (FLOAT_ATTRS, &["is_integer"]),
        Value::Bytes(_) => (BYTES_ATTRS, BYTES_METHODS),
        Value::None => (&[], &[]),
        Value::Object(Object(ObjectKind::Range(r))) => {
            return match n {
                "start" => Ok(Value::Int(r.start)),
                "stop" => Ok(Value::Int(r.stop)),
                "step" => Ok(Value::Int(r.step)),
                "count" | "index" => Ok(bound(value, name)),
                _ if RANGE_ATTRS.contains(&n) => Err(unsupported_attr(value, n)),
                _ => Err(no_attribute(value, n)),
            };
        }
        Value::Object(Object(ObjectKind::Set(_))) => {
            return if n == "pop" {
                Err(crate::repr::unordered("set.pop()"))
            } else if SET_ATTRS.contains(&n) {
                Ok(bound(value, name))
            } else {
                Err(no_attribute(value, n))
            };
        }
        Value::Object(Object(ObjectKind::Builtin(b))) if b.is_type() => {
            return Err(Fault::unsupported(format!(
                "attributes of types (`{}.{n}`)",
                b.name()
            )))
        }
        _ => return Err(unsupported_attr(value, n)),
    };
    if implemented.contains(&n) {
        Ok(bound(value, name))
    } else if attrs.contains(&n) || n.starts_with("__") {
        Err(unsupported_attr(value, n))
    } else {
        Err(no_attribute(value, n))
    }
}

fn bound(value: &Value, name: &Arc<str>) -> Value {
    Value::object(ObjectKind::Method(Arc::new((value.clone(), name.clone()))))
}

fn unsupported_attr(value: &Value, name: &str) -> Fault {
    Fault::unsupported(format!("the attribute '{}.{name}'", value.type_name()))
}

fn no_attribute(value: &Value, name: &str) -> Fault {
    Fault::py(
        Exc::AttributeError,
        format!("'{}' object has no attribute '{name}'", value.type_name()),
    )
}

/// Calls the method `name` of `receiver`.
pub(crate) fn call(interp: &mut Interp, receiver: &Value, name: &str, args: Args) -> Res<Value> {
    for v in args
        .positional
        .iter()
        .chain(args.keywords.iter().map(|(_, v)| v))
    {
        v.check_supported()?;
    }
    match receiver {
        Value::Str(s) => str_method(interp, s, name, &args),
        Value::List(list) => list_method(interp, list, name, &args),
        Value::Dict(dict) => dict_method(interp, dict, name, &args),
        Value::Tuple(items) => seq_method(items, "tuple", name, &args),
        Value::Object(Object(ObjectKind::Set(set))) => set_method(interp, set, name, &args),
        Value::Float(f) if name == "is_integer" => {
            positional("float.is_integer", &args, 0, 0, &[])?;
            Ok(Value::Bool(f.is_finite() && f.fract() == 0.0))
        }
        Value::Bytes(b) if name == "decode" => {
            positional("bytes.decode", &args, 0, 2, &["encoding", "errors"])?;
            let encoding = args
                .positional
                .first()
                .or_else(|| keyword(&args, "encoding"));
            let errors = args.positional.get(1).or_else(|| keyword(&args, "errors"));
            if !encoding.is_none_or(is_utf8_name)
                || !errors.is_none_or(|e| matches!(e, Value::Str(s) if &**s == "strict"))
            {
                return Err(Fault::unsupported("bytes.decode() other than strict UTF-8"));
            }
            match std::str::from_utf8(b) {
                Ok(text) => Ok(Value::str(text)),
                Err(_) => Err(Fault::unsupported(
                    "decoding bytes that are not valid UTF-8",
                )),
            }
        }
        Value::Object(Object(ObjectKind::Range(r))) => {
            positional(name, &args, 1, 1, &[])?;
            let item = &args.positional[0];
            let found = ops::contains(receiver, item)?.unwrap_or(false);
            if name == "count" {
                return Ok(Value::Int(found as i64));
            }
            match (found, item.as_index()) {
                (true, Some(i)) => Ok(Value::Int(
                    ((i as i128 - r.start as i128) / r.step as i128) as i64,
                )),
                (true, None) => Err(Fault::unsupported("range.index() of a float")),
                (false, _) => Err(Fault::value_error(format!(
                    "{} is not in range",
                    repr(item)?
                ))),
            }
        }
        _ => Err(Fault::unsupported(format!(
            "the method '{}.{name}'",
            receiver.type_name()
        ))),
    }
}

fn is_utf8_name(v: &Value) -> bool {
    matches!(v, Value::Str(s) if matches!(s.to_ascii_lowercase().replace('_', "-").as_str(), "utf-8" | "utf8"))
}

fn str_arg(v: &Value, message: impl FnOnce(&str) -> String) -> Res<&Arc<str>> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(Fault::type_error(message(other.type_name()))),
    }
}

fn must_be_str(t: &str) -> String {
    format!("must be str, not {t}")
}

/// Refuses case-sensitive work on text outside ASCII.
fn ascii(s: &str, method: &str) -> Res<()> {
    if s.is_ascii() {
        Ok(())
    } else {
        Err(Fault::unsupported(format!(
            "str.{method}() of text outside ASCII (it depends on the Unicode version)"
        )))
    }
}

fn text(s: String) -> Value {
    Value::from(s)
}

fn str_method(interp: &mut Interp, s: &Arc<str>, name: &str, args: &Args) -> Res<Value> {
    let p = &args.positional;
    let qualified = format!("str.{name}");
    let q = qualified.as_str();
    match name {
        "upper" | "lower" | "casefold" | "swapcase" | "title" | "capitalize" => {
            positional(q, args, 0, 0, &[])?;
            crate::case::convert(s, name).map(text)
        }
        "isalnum" | "isalpha" | "isdigit" | "isdecimal" | "isnumeric" | "islower" | "isupper"
        | "istitle" => {
            positional(q, args, 0, 0, &[])?;
            crate::case::test(s, name).map(Value::Bool)
        }
        "isidentifier" => {
            positional(q, args, 0, 0, &[])?;
            ascii(s, name)?;
            let b = s.as_bytes();
            Ok(Value::Bool(
                !b.is_empty()
                    && (b[0].is_ascii_alphabetic() || b[0] == b'_')
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_'),
            ))
        }
        "isspace" => {
            positional(q, args, 0, 0, &[])?;
            Ok(Value::Bool(!s.is_empty() && s.chars().all(is_py_space)))
        }
        "isprintable" => {
            positional(q, args, 0, 0, &[])?;
            let mut all = true;
            for c in s.chars() {
                let ok = match c {
                    ' '..='~' => true,
                    c if c.is_ascii() => false,
                    c => match printable(c) {
                        CharClass::Printable => true,
                        CharClass::Escaped => false,
                        CharClass::Unknown => {
                            return Err(Fault::unsupported(
                                "str.isprintable() of a character whose class depends on the Unicode version",
                            ))
                        }
                    },
                };
                all &= ok;
            }
            Ok(Value::Bool(all))
        }
        "join" => {
            positional(q, args, 1, 1, &[])?;
            let items = match interp.collect(&p[0]) {
                Err(f) if f.kind == FaultKind::Python(Exc::TypeError) => {
                    return Err(Fault::type_error("can only join an iterable"))
                }
                other => other?,
            };
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                let Value::Str(part) = item else {
                    return Err(Fault::type_error(format!(
                        "sequence item {i}: expected str instance, {} found",
                        item.type_name()
                    )));
                };
                if i > 0 {
                    out.push_str(s);
                }
                out.push_str(part);
                if out.len() > MAX_LEN {
                    return Err(too_long());
                }
            }
            Ok(text(out))
        }
        "strip" | "lstrip" | "rstrip" => {
            positional(q, args, 0, 1, &[])?;
            let chars: Option<Vec<char>> = match p.first() {
                None | Some(Value::None) => None,
                Some(Value::Str(c)) => Some(c.chars().collect()),
                Some(_) => {
                    return Err(Fault::type_error(format!("{name} arg must be None or str")))
                }
            };
            let strip = |c: char| match &chars {
                None => is_py_space(c),
                Some(set) => set.contains(&c),
            };
            Ok(Value::str(match name {
                "strip" => s.trim_matches(strip),
                "lstrip" => s.trim_start_matches(strip),
                _ => s.trim_end_matches(strip),
            }))
        }
        "split" | "rsplit" => {
            positional(q, args, 0, 2, &["sep", "maxsplit"])?;
            let sep = p.first().or_else(|| keyword(args, "sep"));
            let maxsplit = match p.get(1).or_else(|| keyword(args, "maxsplit")) {
                None => -1,
                Some(v) => v.as_index().ok_or_else(|| {
                    Fault::type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        v.type_name()
                    ))
                })?,
            };
            let parts = match sep {
                None | Some(Value::None) => split_whitespace(s, maxsplit, name == "rsplit"),
                Some(Value::Str(sep)) => {
                    if sep.is_empty() {
                        return Err(Fault::value_error("empty separator"));
                    }
                    split_on(s, sep, maxsplit, name == "rsplit")
                }
                Some(other) => {
                    return Err(Fault::type_error(format!(
                        "must be str or None, not {}",
                        other.type_name()
                    )))
                }
            };
            Ok(Value::list(parts.into_iter().map(Value::str).collect()))
        }
        "splitlines" => {
            positional(q, args, 0, 1, &["keepends"])?;
            let keep = match p.first().or_else(|| keyword(args, "keepends")) {
                None => false,
                Some(v) => {
                    v.as_index().ok_or_else(|| {
                        Fault::type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            v.type_name()
                        ))
                    })? != 0
                }
            };
            Ok(Value::list(
                splitlines(s, keep).into_iter().map(Value::str).collect(),
            ))
        }
        "replace" => {
            positional(q, args, 2, 3, &[])?;
            // Argument Clinic's messages call None `None`.
            let clinic = |v: &Value| match v {
                Value::None => "None",
                other => other.type_name(),
            };
            let Value::Str(old) = &p[0] else {
                return Err(Fault::type_error(format!(
                    "replace() argument 1 must be str, not {}",
                    clinic(&p[0])
                )));
            };
            let Value::Str(new) = &p[1] else {
                return Err(Fault::type_error(format!(
                    "replace() argument 2 must be str, not {}",
                    clinic(&p[1])
                )));
            };
            let count = match p.get(2) {
                None => -1,
                Some(v) => v.as_index().ok_or_else(|| {
                    Fault::type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        v.type_name()
                    ))
                })?,
            };
            replace(s, old, new, count).map(text)
        }
        "startswith" | "endswith" => {
            positional(q, args, 1, 3, &[])?;
            let (start, end) = slice_bounds(s, p.get(1), p.get(2))?;
            let chars: Vec<char> = s.chars().collect();
            // CPython's `tailmatch`: the affix must fit in `s[start:end]`.
            let test = |affix: &str| {
                let affix: Vec<char> = affix.chars().collect();
                if end < start + affix.len() {
                    return false;
                }
                if name == "startswith" {
                    chars[start..start + affix.len()] == affix[..]
                } else {
                    chars[end - affix.len()..end] == affix[..]
                }
            };
            match &p[0] {
                Value::Str(affix) => Ok(Value::Bool(test(affix))),
                Value::Tuple(options) => {
                    for option in options.iter() {
                        let Value::Str(affix) = option else {
                            return Err(Fault::type_error(format!(
                                "tuple for {name} must only contain str, not {}",
                                option.type_name()
                            )));
                        };
                        if test(affix) {
                            return Ok(Value::Bool(true));
                        }
                    }
                    Ok(Value::Bool(false))
                }
                other => Err(Fault::type_error(format!(
                    "{name} first arg must be str or a tuple of str, not {}",
                    other.type_name()
                ))),
            }
        }
        "find" | "rfind" | "index" | "rindex" | "count" => {
            positional(q, args, 1, 3, &[])?;
            let sub = str_arg(&p[0], must_be_str)?;
            let (start, end) = slice_bounds(s, p.get(1), p.get(2))?;
            let chars: Vec<char> = s.chars().collect();
            let needle: Vec<char> = sub.chars().collect();
            if name == "count" {
                if start > chars.len() || end < start {
                    return Ok(Value::Int(0));
                }
                let hay = &chars[start..end.max(start)];
                if needle.is_empty() {
                    return Ok(Value::Int(hay.len() as i64 + 1));
                }
                let mut n = 0;
                let mut i = 0;
                while i + needle.len() <= hay.len() {
                    if hay[i..i + needle.len()] == needle[..] {
                        n += 1;
                        i += needle.len();
                    } else {
                        i += 1;
                    }
                }
                return Ok(Value::Int(n));
            }
            let found = if start > chars.len() || end < start || end - start < needle.len() {
                None
            } else {
                let last = end - needle.len();
                let matches = |i: &usize| chars[*i..*i + needle.len()] == needle[..];
                if name.starts_with('r') {
                    (start..=last).rev().find(matches)
                } else {
                    (start..=last).find(matches)
                }
            };
            match found {
                Some(i) => Ok(Value::Int(i as i64)),
                None if name.ends_with("find") => Ok(Value::Int(-1)),
                None => Err(Fault::value_error("substring not found")),
            }
        }
        "partition" | "rpartition" => {
            positional(q, args, 1, 1, &[])?;
            let sep = str_arg(&p[0], must_be_str)?;
            if sep.is_empty() {
                return Err(Fault::value_error("empty separator"));
            }
            let found = if name == "partition" {
                s.find(&**sep)
            } else {
                s.rfind(&**sep)
            };
            let parts = match found {
                Some(i) => [&s[..i], &s[i..i + sep.len()], &s[i + sep.len()..]],
                None if name == "partition" => [&s[..], "", ""],
                None => ["", "", &s[..]],
            };
            Ok(Value::tuple(parts.iter().map(Value::str).collect()))
        }
        "center" | "ljust" | "rjust" => {
            positional(q, args, 1, 2, &[])?;
            let width = p[0].as_index().ok_or_else(|| {
                Fault::type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    p[0].type_name()
                ))
            })?;
            let fill = match p.get(1) {
                None => ' ',
                Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
                Some(Value::Str(_)) => {
                    return Err(Fault::type_error(
                        "The fill character must be exactly one character long",
                    ))
                }
                Some(other) => {
                    return Err(Fault::type_error(format!(
                        "The fill character must be a unicode character, not {}",
                        other.type_name()
                    )))
                }
            };
            let len = s.chars().count() as i64;
            if width <= len {
                return Ok(Value::Str(s.clone()));
            }
            if width as usize > MAX_LEN {
                return Err(too_long());
            }
            let marg = (width - len) as usize;
            let left = match name {
                "ljust" => 0,
                "rjust" => marg,
                // CPython's `pad()`: the extra space goes left when both the
                // margin and the width are odd.
                _ => marg / 2 + (marg & width as usize & 1),
            };
            let fill_n = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
            Ok(text(format!("{}{s}{}", fill_n(left), fill_n(marg - left))))
        }
        "zfill" => {
            positional(q, args, 1, 1, &[])?;
            let width = p[0].as_index().ok_or_else(|| {
                Fault::type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    p[0].type_name()
                ))
            })?;
            let len = s.chars().count() as i64;
            if width <= len {
                return Ok(Value::Str(s.clone()));
            }
            if width as usize > MAX_LEN {
                return Err(too_long());
            }
            let zeros = "0".repeat((width - len) as usize);
            Ok(text(match s.chars().next() {
                Some(sign @ ('+' | '-')) => format!("{sign}{zeros}{}", &s[1..]),
                _ => format!("{zeros}{s}"),
            }))
        }
        "expandtabs" => {
            positional(q, args, 0, 1, &["tabsize"])?;
            let size = match p.first().or_else(|| keyword(args, "tabsize")) {
                None => 8,
                Some(v) => v.as_index().ok_or_else(|| {
                    Fault::type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        v.type_name()
                    ))
                })?,
            };
            let mut out = String::new();
            let mut column: i64 = 0;
            for c in s.chars() {
                match c {
                    '\t' => {
                        if size > 0 {
                            let n = size - column % size;
                            out.extend(std::iter::repeat_n(' ', n as usize));
                            column += n;
                        }
                    }
                    '\n' | '\r' => {
                        out.push(c);
                        column = 0;
                    }
                    _ => {
                        out.push(c);
                        column += 1;
                    }
                }
                if out.len() > MAX_LEN {
                    return Err(too_long());
                }
            }
            Ok(text(out))
        }
        "format" => crate::format::str_format(s, args).map(text),
        "format_map" => {
            positional(q, args, 1, 1, &[])?;
            crate::format::str_format_map(s, &p[0]).map(text)
        }
        "encode" => {
            positional(q, args, 0, 2, &["encoding", "errors"])?;
            let encoding = p.first().or_else(|| keyword(args, "encoding"));
            let errors = p.get(1).or_else(|| keyword(args, "errors"));
            if !encoding.is_none_or(is_utf8_name)
                || !errors.is_none_or(|e| matches!(e, Value::Str(s) if &**s == "strict"))
            {
                return Err(Fault::unsupported("str.encode() other than strict UTF-8"));
            }
            Ok(Value::Bytes(Arc::from(s.as_bytes())))
        }
        _ => Err(Fault::unsupported(format!("the method 'str.{name}'"))),
    }
}

/// Start and end (in characters) of `s[start:end]` for `find()` and
/// friends; `start` may lie past the end.
fn slice_bounds(s: &str, start: Option<&Value>, end: Option<&Value>) -> Res<(usize, usize)> {
    let len = s.chars().count() as i64;
    let index = |v: Option<&Value>, default: i64| -> Res<i64> {
        match v {
            None | Some(Value::None) => Ok(default),
            Some(v) => v.as_index().ok_or_else(|| {
                Fault::type_error(
                    "slice indices must be integers or None or have an __index__ method",
                )
            }),
        }
    };
    let adjust = |i: i64| -> i64 {
        if i < 0 {
            (i + len).max(0)
        } else {
            i
        }
    };
    let start = adjust(index(start, 0)?);
    let end = adjust(index(end, len)?).min(len);
    Ok((start as usize, end.max(0) as usize))
}

fn split_whitespace(s: &str, maxsplit: i64, from_right: bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut splits = 0;
    if !from_right {
        let mut rest = s.trim_start_matches(is_py_space);
        while !rest.is_empty() {
            if maxsplit >= 0 && splits >= maxsplit {
                parts.push(rest);
                break;
            }
            match rest.find(is_py_space) {
                Some(i) => {
                    parts.push(&rest[..i]);
                    rest = rest[i..].trim_start_matches(is_py_space);
                    splits += 1;
                }
                None => {
                    parts.push(rest);
                    break;
                }
            }
        }
    } else {
        let mut rest = s.trim_end_matches(is_py_space);
        while !rest.is_empty() {
            if maxsplit >= 0 && splits >= maxsplit {
                parts.push(rest);
                break;
            }
            match rest.rfind(is_py_space) {
                Some(i) => {
                    let c = rest[i..].chars().next().map_or(1, char::len_utf8);
                    parts.push(&rest[i + c..]);
                    rest = rest[..i].trim_end_matches(is_py_space);
                    splits += 1;
                }
                None => {
                    parts.push(rest);
                    break;
                }
            }
        }
        parts.reverse();
    }
    parts
}

fn split_on<'s>(s: &'s str, sep: &str, maxsplit: i64, from_right: bool) -> Vec<&'s str> {
    let limit = if maxsplit < 0 {
        usize::MAX
    } else {
        maxsplit as usize + 1
    };
    if from_right {
        let mut parts: Vec<&str> = s.rsplitn(limit, sep).collect();
        parts.reverse();
        parts
    } else {
        s.splitn(limit, sep).collect()
    }
}

fn splitlines(s: &str, keep: bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c == '\r' && matches!(chars.peek(), Some((_, '\n'))) {
            chars.next();
            end += 1;
        }
        parts.push(if keep { &s[start..end] } else { &s[start..i] });
        start = end;
    }
    if start < s.len() {
        parts.push(&s[start..]);
    }
    parts
}

fn replace(s: &str, old: &str, new: &str, count: i64) -> Res<String> {
    let limit = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    let mut out = String::new();
    if old.is_empty() {
        // An empty pattern matches before every character and at the end.
        let mut n = 0;
        for c in s.chars() {
            if n < limit {
                out.push_str(new);
                n += 1;
            }
            out.push(c);
            if out.len() > MAX_LEN {
                return Err(too_long());
            }
        }
        if n < limit {
            out.push_str(new);
        }
        return Ok(out);
    }
    let mut rest = s;
    let mut n = 0;
    while n < limit {
        let Some(i) = rest.find(old) else { break };
        out.push_str(&rest[..i]);
        out.push_str(new);
        rest = &rest[i + old.len()..];
        n += 1;
        if out.len() > MAX_LEN {
            return Err(too_long());
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn list_method(interp: &mut Interp, list: &List, name: &str, args: &Args) -> Res<Value> {
    let p = &args.positional;
    let qualified = format!("list.{name}");
    let q = qualified.as_str();
    match name {
        "append" => {
            positional(q, args, 1, 1, &[])?;
            let mut data = list.0.lock();
            if data.len() >= MAX_LEN {
                return Err(too_long());
            }
            data.push(p[0].clone());
            Ok(Value::None)
        }
        "extend" => {
            positional(q, args, 1, 1, &[])?;
            let items = interp.collect(&p[0])?;
            let mut data = list.0.lock();
            if data.len() + items.len() > MAX_LEN {
                return Err(too_long());
            }
            data.extend(items);
            Ok(Value::None)
        }
        "insert" => {
            positional(q, args, 2, 2, &[])?;
            let i = p[0].as_index().ok_or_else(|| {
                Fault::type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    p[0].type_name()
                ))
            })?;
            let mut data = list.0.lock();
            let len = data.len() as i64;
            let at = if i < 0 { (i + len).max(0) } else { i.min(len) };
            data.insert(at as usize, p[1].clone());
            Ok(Value::None)
        }
        "pop" => {
            positional(q, args, 0, 1, &[])?;
            let i = match p.first() {
                None => -1,
                Some(v) => v.as_index().ok_or_else(|| {
                    Fault::type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        v.type_name()
                    ))
                })?,
            };
            let mut data = list.0.lock();
            if data.is_empty() {
                return Err(Fault::py(Exc::IndexError, "pop from empty list"));
            }
            let len = data.len() as i64;
            let at = if i < 0 { i + len } else { i };
            if at < 0 || at >= len {
                return Err(Fault::py(Exc::IndexError, "pop index out of range"));
            }
            Ok(data.remove(at as usize))
        }
        "remove" => {
            positional(q, args, 1, 1, &[])?;
            let mut i = 0;
            while let Some(v) = list.item(i) {
                if item_eq(&v, &p[0], 0)? {
                    let mut data = list.0.lock();
                    if i < data.len() {
                        data.remove(i);
                    }
                    return Ok(Value::None);
                }
                i += 1;
            }
            Err(Fault::value_error("list.remove(x): x not in list"))
        }
        "index" | "count" => seq_method(&list.to_vec().into(), "list", name, args),
        "reverse" => {
            positional(q, args, 0, 0, &[])?;
            list.0.lock().reverse();
            Ok(Value::None)
        }
        "clear" => {
            positional(q, args, 0, 0, &[])?;
            list.0.lock().clear();
            Ok(Value::None)
        }
        "copy" => {
            positional(q, args, 0, 0, &[])?;
            Ok(Value::list(list.to_vec()))
        }
        "sort" => {
            positional(q, args, 0, 0, &["key", "reverse"])?;
            let items = list.to_vec();
            let sorted = sort(
                interp,
                items,
                keyword(args, "key"),
                keyword(args, "reverse"),
            )?;
            *list.0.lock() = sorted;
            Ok(Value::None)
        }
        _ => Err(Fault::unsupported(format!("the method 'list.{name}'"))),
    }
}

/// `index` and `count` of lists and tuples.
fn seq_method(items: &Arc<[Value]>, type_name: &str, name: &str, args: &Args) -> Res<Value> {
    let p = &args.positional;
    let q = format!("{type_name}.{name}");
    match name {
        "count" => {
            positional(&q, args, 1, 1, &[])?;
            let mut n = 0;
            for v in items.iter() {
                if item_eq(v, &p[0], 0)? {
                    n += 1;
                }
            }
            Ok(Value::Int(n))
        }
        "index" => {
            positional(&q, args, 1, 3, &[])?;
            let len = items.len() as i64;
            let bound = |v: Option<&Value>, default: i64| -> Res<i64> {
                let i = match v {
                    None => default,
                    Some(v) => v.as_index().ok_or_else(|| {
                        Fault::type_error(
                            "slice indices must be integers or have an __index__ method",
                        )
                    })?,
                };
                Ok(if i < 0 { (i + len).max(0) } else { i.min(len) })
            };
            let start = bound(p.get(1), 0)?;
            let end = bound(p.get(2), len)?;
            for i in start..end.max(start) {
                if item_eq(&items[i as usize], &p[0], 0)? {
                    return Ok(Value::Int(i));
                }
            }
            Err(Fault::value_error(if type_name == "list" {
                format!("{} is not in list", repr(&p[0])?)
            } else {
                "tuple.index(x): x not in tuple".to_string()
            }))
        }
        _ => Err(Fault::unsupported(format!(
            "the method '{type_name}.{name}'"
        ))),
    }
}

fn dict_method(interp: &mut Interp, dict: &Dict, name: &str, args: &Args) -> Res<Value> {
    let p = &args.positional;
    let qualified = format!("dict.{name}");
    let q = qualified.as_str();
    match name {
        "get" => {
            positional(q, args, 1, 2, &[])?;
            Ok(dict
                .lookup(&p[0])?
                .unwrap_or_else(|| p.get(1).cloned().unwrap_or(Value::None)))
        }
        "keys" | "values" | "items" => {
            positional(q, args, 0, 0, &[])?;
            let kind = match name {
                "keys" => View::Keys,
                "values" => View::Values,
                _ => View::Items,
            };
            Ok(view(dict, kind))
        }
        "pop" => {
            positional(q, args, 1, 2, &[])?;
            match dict.remove(&p[0])? {
                Some(v) => Ok(v),
                None => match p.get(1) {
                    Some(default) => Ok(default.clone()),
                    None => Err(Fault::py(Exc::KeyError, repr(&p[0])?)),
                },
            }
        }
        "popitem" => {
            positional(q, args, 0, 0, &[])?;
            match dict.0.lock().pop_last() {
                Some((k, v)) => Ok(Value::tuple(vec![k, v])),
                None => Err(Fault::py(Exc::KeyError, "'popitem(): dictionary is empty'")),
            }
        }
        "setdefault" => {
            positional(q, args, 1, 2, &[])?;
            if let Some(v) = dict.lookup(&p[0])? {
                return Ok(v);
            }
            let default = p.get(1).cloned().unwrap_or(Value::None);
            dict.set(p[0].clone(), default.clone())?;
            Ok(default)
        }
        "update" => {
            if p.len() > 1 {
                return Err(Fault::unsupported(
                    "calling dict.update() with these arguments (Python raises a TypeError whose text varies between versions)",
                ));
            }
            if let Some(source) = p.first() {
                update_dict(interp, dict, source)?;
            }
            for (k, v) in &args.keywords {
                dict.set(Value::Str(k.clone()), v.clone())?;
            }
            Ok(Value::None)
        }
        "clear" => {
            positional(q, args, 0, 0, &[])?;
            dict.0.lock().clear();
            Ok(Value::None)
        }
        "copy" => {
            positional(q, args, 0, 0, &[])?;
            Ok(Value::Dict(dict.copy()))
        }
        _ => Err(Fault::unsupported(format!("the method 'dict.{name}'"))),
    }
}

/// The elements of each argument of a set method (any iterables).
fn set_arguments(interp: &mut Interp, args: &Args) -> Res<Vec<Dict>> {
    let mut out = Vec::new();
    for arg in &args.positional {
        let items = interp.collect_unordered(arg)?;
        let set = Dict::default();
        for item in items {
            set.set(item, Value::None)?;
        }
        out.push(set);
    }
    Ok(out)
}

fn set_method(interp: &mut Interp, set: &Dict, name: &str, args: &Args) -> Res<Value> {
    let p = &args.positional;
    let qualified = format!("set.{name}");
    let q = qualified.as_str();
    let elements = |s: &Dict| -> Vec<Value> { s.items().into_iter().map(|(k, _)| k).collect() };
    let replace = |target: &Dict, items: Vec<Value>| -> Res<()> {
        let fresh = Dict::default();
        for item in items {
            fresh.set(item, Value::None)?;
        }
        let data = std::mem::take(&mut *fresh.0.lock());
        *target.0.lock() = data;
        Ok(())
    };
    match name {
        "add" => {
            positional(q, args, 1, 1, &[])?;
            set.set(p[0].clone(), Value::None)?;
            Ok(Value::None)
        }
        "discard" | "remove" => {
            positional(q, args, 1, 1, &[])?;
            if set.remove(&p[0])?.is_none() && name == "remove" {
                return Err(Fault::py(Exc::KeyError, repr(&p[0])?));
            }
            Ok(Value::None)
        }
        "clear" => {
            positional(q, args, 0, 0, &[])?;
            set.0.lock().clear();
            Ok(Value::None)
        }
        "copy" => {
            positional(q, args, 0, 0, &[])?;
            Ok(Value::object(ObjectKind::Set(set.copy())))
        }
        "isdisjoint" | "issubset" | "issuperset" => {
            positional(q, args, 1, 1, &[])?;
            let other = set_arguments(interp, args)?.remove(0);
            Ok(Value::Bool(match name {
                "issubset" => crate::value::subset(set, &other)?,
                "issuperset" => crate::value::subset(&other, set)?,
                _ => {
                    let mut disjoint = true;
                    for k in elements(set) {
                        if other.lookup(&k)?.is_some() {
                            disjoint = false;
                        }
                    }
                    disjoint
                }
            }))
        }
        "union"
        | "update"
        | "intersection"
        | "intersection_update"
        | "difference"
        | "difference_update"
        | "symmetric_difference"
        | "symmetric_difference_update" => {
            if !args.keywords.is_empty() || (name.starts_with("symmetric") && p.len() != 1) {
                return Err(Fault::unsupported(format!(
                    "calling {q}() with these arguments (Python raises a TypeError whose text varies between versions)"
                )));
            }
            let others = set_arguments(interp, args)?;
            let mut result = elements(set);
            for other in &others {
                let mut next = Vec::new();
                match name.trim_end_matches("_update") {
                    "union" | "update" => {
                        next = result;
                        next.extend(elements(other));
                    }
                    "intersection" => {
                        for k in result {
                            if other.lookup(&k)?.is_some() {
                                next.push(k);
                            }
                        }
                    }
                    "difference" => {
                        for k in result {
                            if other.lookup(&k)?.is_none() {
                                next.push(k);
                            }
                        }
                    }
                    _ => {
                        let current = Dict::default();
                        for k in &result {
                            current.set(k.clone(), Value::None)?;
                        }
                        for k in result {
                            if other.lookup(&k)?.is_none() {
                                next.push(k);
                            }
                        }
                        for k in elements(other) {
                            if current.lookup(&k)?.is_none() {
                                next.push(k);
                            }
                        }
                    }
                }
                result = next;
            }
            if name == "update" || name.ends_with("_update") {
                replace(set, result)?;
                Ok(Value::None)
            } else {
                Value::set(result)
            }
        }
        _ => Err(Fault::unsupported(format!("the method 'set.{name}'"))),
    }
}
