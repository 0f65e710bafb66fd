//! The text of values, byte for byte what CPython's `str()` and `repr()`
//! give: quote choice and escapes of strings, `(1,)`, `{'a': 1}`, `[...]`
//! for a list that contains itself.

use std::fmt::Write;

use crate::fault::{Fault, Res};
use crate::number::float_repr;
use crate::unicode::{CharClass, RUNS};
use crate::value::{too_deep, Object, ObjectKind, Value, View, MAX_DEPTH};

/// Python's `str(value)`.
pub(crate) fn str(value: &Value) -> Res<String> {
    match value {
        Value::Str(s) => Ok(s.to_string()),
        _ => repr(value),
    }
}

/// Python's `repr(value)`.
pub(crate) fn repr(value: &Value) -> Res<String> {
    let mut out = String::new();
    Repr::default().write(value, &mut out)?;
    Ok(out)
}

/// Python's `repr()` of a `str`.
pub(crate) fn str_repr(s: &str, out: &mut String) -> Res<()> {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x80 => push_hex(out, c as u32),
            c => match printable(c) {
                CharClass::Printable => out.push(c),
                CharClass::Escaped => push_hex(out, c as u32),
                CharClass::Unknown => {
                    return Err(Fault::unsupported(format!(
                        "the repr of a string holding U+{:04X} (whether Python escapes it depends on its Unicode version)",
                        c as u32
                    )))
                }
            },
        }
    }
    out.push(quote);
    Ok(())
}

/// Python's `repr()` of a `bytes`.
pub(crate) fn bytes_repr(b: &[u8], out: &mut String) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push('b');
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            b' '..=b'~' => out.push(c as char),
            c => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push(quote as char);
}

fn push_hex(out: &mut String, code: u32) {
    let _ = if code <= 0xff {
        write!(out, "\\x{code:02x}")
    } else if code <= 0xffff {
        write!(out, "\\u{code:04x}")
    } else {
        write!(out, "\\U{code:08x}")
    };
}

/// How every CPython treats `c` (outside ASCII) in `repr()`.
pub(crate) fn printable(c: char) -> CharClass {
    let code = c as u32;
    let run = RUNS.partition_point(|&(start, _)| start <= code);
    RUNS[run - 1].1
}

/// The state of one `repr()`: the containers being written, so that a
/// container inside itself prints as `[...]` (CPython's `Py_ReprEnter`).
#[derive(Default)]
struct Repr {
    active: Vec<usize>,
}

impl Repr {
    fn write(&mut self, value: &Value, out: &mut String) -> Res<()> {
        if self.active.len() > MAX_DEPTH {
            return Err(too_deep());
        }
        match value {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&float_repr(*f)),
            Value::Str(s) => str_repr(s, out)?,
            Value::Bytes(b) => bytes_repr(b, out),
            Value::List(list) => {
                let addr = list.0.addr();
                if self.active.contains(&addr) {
                    out.push_str("[...]");
                    return Ok(());
                }
                self.active.push(addr);
                out.push('[');
                // Items are fetched one by one: Python sees the list as it
                // is at each step.
                let mut i = 0;
                while let Some(item) = list.item(i) {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write(&item, out)?;
                    i += 1;
                }
                out.push(']');
                self.active.pop();
            }
            Value::Tuple(items) => {
                let addr = items.as_ptr() as usize;
                if !items.is_empty() && self.active.contains(&addr) {
                    out.push_str("(...)");
                    return Ok(());
                }
                self.active.push(addr);
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write(item, out)?;
                }
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
                self.active.pop();
            }
            Value::Dict(dict) => {
                let addr = dict.0.addr();
                if self.active.contains(&addr) {
                    out.push_str("{...}");
                    return Ok(());
                }
                self.active.push(addr);
                out.push('{');
                let mut i = 0;
                while let Some((key, value)) = dict.entry(i) {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write(&key, out)?;
                    out.push_str(": ");
                    self.write(&value, out)?;
                    i += 1;
                }
                out.push('}');
                self.active.pop();
            }
            Value::Object(Object(kind)) => self.write_object(value, kind, out)?,
        }
        Ok(())
    }

    fn write_object(&mut self, value: &Value, kind: &ObjectKind, out: &mut String) -> Res<()> {
        match kind {
            ObjectKind::Range(r) => {
                let _ = if r.step == 1 {
                    write!(out, "range({}, {})", r.start, r.stop)
                } else {
                    write!(out, "range({}, {}, {})", r.start, r.stop, r.step)
                };
            }
            ObjectKind::View(view, dict) => {
                out.push_str(value.type_name());
                out.push_str("([");
                let mut i = 0;
                while let Some((k, v)) = dict.entry(i) {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    match view {
                        View::Keys => self.write(&k, out)?,
                        View::Values => self.write(&v, out)?,
                        View::Items => self.write(&Value::tuple(vec![k, v]), out)?,
                    }
                    i += 1;
                }
                out.push_str("])");
            }
            ObjectKind::Builtin(b) => out.push_str(&b.repr()),
            ObjectKind::Set(set) => match set.items().as_slice() {
                [] => out.push_str("set()"),
                [(item, _)] => {
                    out.push('{');
                    self.write(item, out)?;
                    out.push('}');
                }
                _ => return Err(unordered("the text of a set with more than one element")),
            },
            ObjectKind::Unsupported(why) => return Err(Fault::unsupported(why.to_string())),
            ObjectKind::Iter(_) | ObjectKind::Method(_) => {
                return Err(Fault::unsupported(format!(
                    "the text of a '{}' object (it holds a memory address)",
                    value.type_name()
                )))
            }
        }
        Ok(())
    }
}

/// The refusal for what depends on the iteration order of a set.
pub(crate) fn unordered(what: &str) -> Fault {
    Fault::unsupported(format!(
        "{what} (the order of a set depends on CPython's hashing)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(value: Value, expected: &str) {
        assert_eq!(repr(&value).unwrap(), expected);
    }

    #[track_caller]
    fn check_str(s: &str, expected: &str) {
        check(Value::str(s), expected);
    }

    #[test]
    fn strings_choose_quotes_like_python() {
        check_str("a", "'a'");
        check_str("it's", "\"it's\"");
        check_str("say \"hi\"", "'say \"hi\"'");
        check_str("both ' and \"", "'both \\' and \"'");
        check_str("", "''");
    }

    #[test]
    fn strings_escape_like_python() {
        check_str("a\nb\tc\rd\\e", "'a\\nb\\tc\\rd\\\\e'");
        check_str("\x07\x00\x7f", "'\\x07\\x00\\x7f'");
        check_str("é€😀", "'é€😀'");
        check_str("\u{a0}\u{ad}\u{2028}\u{feff}", "'\\xa0\\xad\\u2028\\ufeff'");
        check_str("\u{e000}\u{f0000}", "'\\ue000\\U000f0000'");
        assert!(repr(&Value::str("\u{378}")).is_err());
    }

    #[test]
    fn containers_print_their_items_repr() {
        let items = vec![
            Value::Int(1),
            Value::str("a"),
            Value::str("it's"),
            Value::None,
            Value::Bool(true),
            Value::Float(0.5),
        ];
        check(Value::list(items), "[1, 'a', \"it's\", None, True, 0.5]");
        check(Value::tuple(vec![Value::Int(1)]), "(1,)");
        check(Value::tuple(vec![]), "()");
        check(Value::list(vec![]), "[]");
        check(
            Value::Bytes(b"a'\x00\xff".as_slice().into()),
            "b\"a'\\x00\\xff\"",
        );
        check(Value::range(0, 5, 1), "range(0, 5)");
        check(Value::range(5, -1, -2), "range(5, -1, -2)");
        assert_eq!(str(&Value::str("it's")).unwrap(), "it's");
    }

    #[test]
    fn unicode_table_agrees_with_python() {
        const PROBE: &str = "import sys, unicodedata\n\
            sys.stdout.buffer.write(bytes(0 if chr(c).isprintable() else \
            2 if unicodedata.category(chr(c)) == 'Cn' else 1 for c in range(0x110000)))";
        for python in rmote_testkit::all_pythons() {
            let output = std::process::Command::new(&python)
                .args(["-c", PROBE])
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
            assert_eq!(output.stdout.len(), 0x110000, "{}", python.display());
            for (code, &class) in output.stdout.iter().enumerate() {
                let Some(c) = char::from_u32(code as u32) else {
                    continue;
                };
                let expected = match printable(c) {
                    CharClass::Printable => 0,
                    CharClass::Escaped => 1,
                    CharClass::Unknown => continue,
                };
                assert_eq!(class, expected, "U+{code:04X} under {}", python.display());
            }
        }
    }

    #[test]
    fn a_list_inside_itself_prints_as_ellipsis() {
        let list = Value::list(vec![Value::Int(1)]);
        if let Value::List(l) = &list {
            l.0.lock().push(list.clone());
        }
        check(list.clone(), "[1, [...]]");
        let tuple = Value::tuple(vec![list.clone()]);
        if let Value::List(l) = &list {
            l.0.lock().push(tuple.clone());
        }
        check(tuple, "([1, [...], (...)],)");
    }
}
