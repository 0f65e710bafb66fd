//! Python's three ways of formatting: `format(value, spec)` (the format
//! spec mini-language), `str.format()` and `str % args`.
//!
//! Implemented exactly: fill, alignment, sign, width, `,`/`_` grouping,
//! precision and the types `s d b o x X f F %` (and `#` for `b o x X`);
//! `%`-formatting with `s r d i u x X o f F c %`, flags `-+ 0`, width and
//! precision, and `%(name)s`. Everything else is refused.

use crate::eval::Args;
use crate::fault::{Exc, Fault, Res};
use crate::number::float_repr;
use crate::value::{Number, Value};

/// A parsed format spec: `[[fill]align][sign][#][0][width][,|_][.precision][type]`.
#[derive(Debug, Default, Clone, PartialEq)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alternate: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    kind: Option<char>,
}

/// Parses a spec; `default` is the type the value formats with when the
/// spec has none (`s` for strings).
fn parse_spec(spec: &str, default: Option<char>) -> Res<Spec> {
    let chars: Vec<char> = spec.chars().collect();
    let mut s = Spec::default();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '=' | '^');
    if chars.len() >= 2 && is_align(chars[1]) {
        s.fill = Some(chars[0]);
        s.align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && is_align(chars[0]) {
        s.align = Some(chars[0]);
        i = 1;
    }
    if i < chars.len() && matches!(chars[i], '+' | '-' | ' ') {
        s.sign = Some(chars[i]);
        i += 1;
    }
    if i < chars.len() && chars[i] == 'z' {
        return Err(Fault::unsupported(
            "the `z` format option (new in Python 3.11)",
        ));
    }
    if i < chars.len() && chars[i] == '#' {
        s.alternate = true;
        i += 1;
    }
    if i < chars.len() && chars[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let digits = |i: &mut usize| -> Res<Option<usize>> {
        let start = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return Ok(None);
        }
        let text: String = chars[start..*i].iter().collect();
        text.parse::<usize>()
            .ok()
            .filter(|&n| n < 1 << 24)
            .map(Some)
            .ok_or_else(|| Fault::unsupported("a format width or precision this large"))
    };
    s.width = digits(&mut i)?.unwrap_or(0);
    if i < chars.len() && matches!(chars[i], ',' | '_') {
        s.grouping = Some(chars[i]);
        i += 1;
    }
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        s.precision = Some(digits(&mut i)?.ok_or_else(|| Fault::unsupported("this format spec"))?);
    }
    if i < chars.len() {
        s.kind = Some(chars[i]);
        i += 1;
    }
    if i != chars.len() {
        return Err(Fault::unsupported(format!("the format spec {spec:?}")));
    }
    // CPython checks the separator against the type before anything else.
    if let Some(sep) = s.grouping {
        let kind = s.kind.or(default);
        let allowed = match kind {
            None | Some('d' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F') => true,
            Some('b' | 'o' | 'x' | 'X') => sep == '_',
            Some(_) => false,
        };
        if !allowed {
            let kind = kind.unwrap_or('?');
            if !kind.is_ascii_graphic() {
                return Err(Fault::unsupported("this format spec"));
            }
            return Err(Fault::value_error(format!(
                "Cannot specify '{sep}' with '{kind}'."
            )));
        }
    }
    Ok(s)
}

/// Python's `format(value, spec)`.
pub(crate) fn format_value(value: &Value, spec: &str) -> Res<String> {
    value.check_supported()?;
    if spec.is_empty() {
        return crate::repr::str(value);
    }
    match value {
        Value::Str(s) => format_str(s, &parse_spec(spec, Some('s'))?),
        Value::Bool(b) => format_int(*b as i64, &parse_spec(spec, Some('d'))?, "bool"),
        Value::Int(i) => format_int(*i, &parse_spec(spec, Some('d'))?, "int"),
        Value::Float(f) => format_float(*f, &parse_spec(spec, None)?),
        other => Err(Fault::type_error(format!(
            "unsupported format string passed to {}.__format__",
            other.type_name()
        ))),
    }
}

fn unknown_code(kind: char, type_name: &str) -> Fault {
    Fault::value_error(format!(
        "Unknown format code '{kind}' for object of type '{type_name}'"
    ))
}

fn format_str(text: &str, spec: &Spec) -> Res<String> {
    match spec.kind {
        None | Some('s') => {}
        Some(k) => return Err(unknown_code(k, "str")),
    }
    match spec.sign {
        Some(' ') => {
            return Err(Fault::value_error(
                "Space not allowed in string format specifier",
            ))
        }
        Some(_) => {
            return Err(Fault::value_error(
                "Sign not allowed in string format specifier",
            ))
        }
        None => {}
    }
    if spec.alternate {
        return Err(Fault::value_error(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    if spec.align == Some('=') {
        return Err(Fault::value_error(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    if let Some(g) = spec.grouping {
        return Err(Fault::value_error(format!(
            "Cannot specify '{g}' with 's'."
        )));
    }
    if spec.zero {
        return Err(Fault::unsupported(
            "zero padding of strings (it changed in Python 3.10)",
        ));
    }
    let body: String = match spec.precision {
        Some(p) => text.chars().take(p).collect(),
        None => text.to_string(),
    };
    Ok(pad(
        &body,
        "",
        spec.width,
        spec.fill.unwrap_or(' '),
        spec.align.unwrap_or('<'),
    ))
}

/// Pads `sign + body` to `width` (`=` puts the padding after the sign).
fn pad(body: &str, sign: &str, width: usize, fill: char, align: char) -> String {
    let len = sign.chars().count() + body.chars().count();
    if len >= width {
        return format!("{sign}{body}");
    }
    let n = width - len;
    let fill_n = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match align {
        '<' => format!("{sign}{body}{}", fill_n(n)),
        '>' => format!("{}{sign}{body}", fill_n(n)),
        '^' => format!("{}{sign}{body}{}", fill_n(n / 2), fill_n(n - n / 2)),
        _ => format!("{sign}{}{body}", fill_n(n)),
    }
}

/// Groups `digits` with `sep` every `every` digits from the right, padded
/// with zeros to at least `min_width` characters (CPython's
/// `InsertThousandsGrouping`: zero padding is grouped too, and never starts
/// with a separator).
fn group(digits: &str, sep: Option<char>, every: usize, min_width: usize) -> String {
    let Some(sep) = sep else {
        let zeros = min_width.saturating_sub(digits.len());
        return format!("{}{digits}", "0".repeat(zeros));
    };
    let digits = digits.as_bytes();
    let every = every as isize;
    let mut remaining = digits.len() as isize;
    let mut min_width = min_width as isize;
    let mut pieces: Vec<String> = Vec::new();
    loop {
        let l = every.min(remaining.max(min_width).max(1));
        let zeros = (l - remaining).max(0) as usize;
        let chars = remaining.min(l).max(0);
        let start = (remaining - chars) as usize;
        let mut piece = "0".repeat(zeros);
        piece.push_str(std::str::from_utf8(&digits[start..remaining as usize]).unwrap_or(""));
        if !pieces.is_empty() {
            piece.push(sep);
        }
        pieces.push(piece);
        remaining -= chars;
        min_width -= every;
        if remaining <= 0 && min_width <= 0 {
            break;
        }
        min_width -= 1;
    }
    pieces.reverse();
    pieces.concat()
}

fn sign_text(negative: bool, sign: Option<char>) -> &'static str {
    match (negative, sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    }
}

/// Lays out a number: sign and prefix, the integer digits (grouped, and
/// zero padded when the fill is `0` with `=` alignment), then the rest
/// (fraction, exponent, `%`), aligned in the width.
fn finish_number(
    sign: &str,
    prefix: &str,
    digits: &str,
    rest: &str,
    every: usize,
    spec: &Spec,
) -> String {
    // The `0` flag fills with zeros unless a fill is given, and aligns with
    // `=` unless an alignment is given.
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    let align = spec.align.unwrap_or(if spec.zero { '=' } else { '>' });
    let min_width = if fill == '0' && align == '=' {
        let used = sign.len() + prefix.len() + rest.chars().count();
        spec.width.saturating_sub(used)
    } else {
        0
    };
    let body = format!("{}{rest}", group(digits, spec.grouping, every, min_width));
    pad(&body, &format!("{sign}{prefix}"), spec.width, fill, align)
}

fn format_int(i: i64, spec: &Spec, type_name: &str) -> Res<String> {
    let kind = spec.kind.unwrap_or('d');
    if matches!(kind, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') {
        // CPython converts the int to a float first (correctly rounded, as
        // `as` does).
        return format_float(i as f64, spec);
    }
    if !matches!(kind, 'd' | 'b' | 'o' | 'x' | 'X') {
        if matches!(kind, 'c' | 'n') {
            return Err(Fault::unsupported(format!("the format type '{kind}'")));
        }
        return Err(unknown_code(kind, type_name));
    }
    if spec.precision.is_some() {
        return Err(Fault::value_error(
            "Precision not allowed in integer format specifier",
        ));
    }
    let magnitude = i.unsigned_abs();
    let (digits, prefix, every) = match kind {
        'd' => (magnitude.to_string(), "", 3),
        'b' => (format!("{magnitude:b}"), "0b", 4),
        'o' => (format!("{magnitude:o}"), "0o", 4),
        'x' => (format!("{magnitude:x}"), "0x", 4),
        _ => (format!("{magnitude:X}"), "0X", 4),
    };
    let prefix = if spec.alternate { prefix } else { "" };
    Ok(finish_number(
        sign_text(i < 0, spec.sign),
        prefix,
        &digits,
        "",
        every,
        spec,
    ))
}

fn format_float(x: f64, spec: &Spec) -> Res<String> {
    let kind = spec.kind;
    let alt = spec.alternate;
    let text = match kind {
        None if spec.precision.is_none() => {
            if alt {
                return Err(Fault::unsupported("`#` with floats and no format type"));
            }
            if x.is_finite() {
                float_repr(x.abs())
            } else {
                non_finite(x, false)
            }
        }
        // Like `g`, but a number without a fraction keeps `.0`, and the
        // exponent form starts one digit earlier.
        None => general(x.abs(), spec.precision.unwrap_or(0), alt, true, false),
        Some(k @ ('g' | 'G')) => {
            general(x.abs(), spec.precision.unwrap_or(6), alt, false, k == 'G')
        }
        Some(k @ ('e' | 'E')) => {
            if x.is_finite() {
                exponent(x.abs(), spec.precision.unwrap_or(6), alt, k == 'E')
            } else {
                non_finite(x, k == 'E')
            }
        }
        Some(k @ ('f' | 'F' | '%')) => {
            let precision = spec.precision.unwrap_or(6);
            let value = if k == '%' { x.abs() * 100.0 } else { x.abs() };
            let mut text = if value.is_finite() {
                let mut t = format!("{value:.precision$}");
                if alt && precision == 0 {
                    t.push('.');
                }
                t
            } else {
                non_finite(value, k == 'F')
            };
            if k == '%' {
                text.push('%');
            }
            text
        }
        Some('n') => {
            return Err(Fault::unsupported(
                "the format type 'n' (it follows the locale)",
            ))
        }
        Some(k) => return Err(unknown_code(k, "float")),
    };
    if x.is_nan() && x.is_sign_negative() {
        return Err(Fault::unsupported("formatting a negative NaN"));
    }
    let negative = x.is_sign_negative() && !x.is_nan();
    let sign = sign_text(negative, spec.sign);
    if !x.is_finite() {
        // Infinities and NaN are zero padded but never grouped.
        let mut plain = spec.clone();
        plain.grouping = None;
        return Ok(finish_number(sign, "", "", &text, 3, &plain));
    }
    let split = text.find(['.', 'e', 'E', '%']).unwrap_or(text.len());
    Ok(finish_number(
        sign,
        "",
        &text[..split],
        &text[split..],
        3,
        spec,
    ))
}

fn non_finite(x: f64, upper: bool) -> String {
    let text = if x.is_nan() { "nan" } else { "inf" };
    if upper {
        text.to_uppercase()
    } else {
        text.to_string()
    }
}

/// The digits of `x` (finite, not negative) correctly rounded to
/// `significant` digits, and the position of the decimal point:
/// `x ≈ 0.DIGITS × 10^point`.
fn rounded_digits(x: f64, significant: usize) -> (String, i32) {
    let text = format!("{x:.*e}", significant.saturating_sub(1));
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse::<i32>().unwrap_or(0) + 1)
}

fn exponent_suffix(exp: i32, upper: bool) -> String {
    format!(
        "{}{}{:02}",
        if upper { 'E' } else { 'e' },
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    )
}

/// The `e` format: one digit, `precision` decimals, an exponent.
fn exponent(x: f64, precision: usize, alt: bool, upper: bool) -> String {
    let (digits, point) = rounded_digits(x, precision + 1);
    let mut out = digits[..1].to_string();
    if precision > 0 || alt {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push_str(&exponent_suffix(point - 1, upper));
    out
}

/// The `g` format (CPython's `format_float_short` in mode 2): `precision`
/// significant digits, positional unless the exponent is below -4 or at
/// least the precision, trailing zeros dropped unless `alt`. `add_dot_0` is
/// the no-type variant: `.0` on whole numbers, exponent from one digit
/// earlier.
fn general(x: f64, precision: usize, alt: bool, add_dot_0: bool, upper: bool) -> String {
    if !x.is_finite() {
        return non_finite(x, upper);
    }
    let precision = precision.max(1);
    let (mut digits, point) = rounded_digits(x, precision);
    if alt {
        while digits.len() < precision {
            digits.push('0');
        }
    } else {
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
    }
    let limit = if add_dot_0 {
        precision as i32 - 1
    } else {
        precision as i32
    };
    let n = digits.len() as i32;
    if point <= -4 || point > limit {
        let mut out = digits[..1].to_string();
        if n > 1 || alt {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&exponent_suffix(point - 1, upper));
        return out;
    }
    if point <= 0 {
        return format!("0.{}{digits}", "0".repeat((-point) as usize));
    }
    if point >= n {
        let mut out = format!("{digits}{}", "0".repeat((point - n) as usize));
        if add_dot_0 {
            out.push_str(".0");
        } else if alt {
            out.push('.');
        }
        return out;
    }
    format!(
        "{}.{}",
        &digits[..point as usize],
        &digits[point as usize..]
    )
}

/// `template.format(*args, **kwargs)`.
pub(crate) fn str_format(template: &str, args: &Args) -> Res<String> {
    let lookup = |name: &str, auto: &mut Option<usize>, manual: &mut bool| -> Res<Value> {
        if name.is_empty() {
            if *manual {
                return Err(Fault::value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                ));
            }
            let index = auto.get_or_insert(0);
            let i = *index;
            *index += 1;
            return args.positional.get(i).cloned().ok_or_else(|| {
                Fault::py(
                    Exc::IndexError,
                    format!("Replacement index {i} out of range for positional args tuple"),
                )
            });
        }
        if name.chars().all(|c| c.is_ascii_digit()) {
            if auto.is_some() {
                return Err(Fault::value_error(
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            *manual = true;
            let i: usize = name
                .parse()
                .map_err(|_| Fault::unsupported("a field index this large"))?;
            return args.positional.get(i).cloned().ok_or_else(|| {
                Fault::py(
                    Exc::IndexError,
                    format!("Replacement index {i} out of range for positional args tuple"),
                )
            });
        }
        match args.keywords.iter().find(|(k, _)| &**k == name) {
            Some((_, v)) => Ok(v.clone()),
            None => {
                let mut text = String::new();
                crate::repr::str_repr(name, &mut text)?;
                Err(Fault::py(Exc::KeyError, text))
            }
        }
    };
    render_format(template, &mut |name, auto, manual| {
        lookup(name, auto, manual)
    })
}

/// `template.format_map(mapping)`.
pub(crate) fn str_format_map(template: &str, mapping: &Value) -> Res<String> {
    render_format(template, &mut |name, _, _| {
        if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) {
            return Err(Fault::value_error(
                "Format string contains positional fields",
            ));
        }
        crate::ops::getitem(mapping, &Value::str(name))
    })
}

type FieldLookup<'a> = dyn FnMut(&str, &mut Option<usize>, &mut bool) -> Res<Value> + 'a;

fn render_format(template: &str, lookup: &mut FieldLookup<'_>) -> Res<String> {
    let mut out = String::new();
    let mut auto: Option<usize> = None;
    let mut manual = false;
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let c = rest.as_bytes()[pos];
        let after = &rest[pos + 1..];
        if c == b'}' {
            if let Some(more) = after.strip_prefix('}') {
                out.push('}');
                rest = more;
                continue;
            }
            return Err(Fault::value_error(
                "Single '}' encountered in format string",
            ));
        }
        if let Some(more) = after.strip_prefix('{') {
            out.push('{');
            rest = more;
            continue;
        }
        let Some(end) = after.find('}') else {
            if after.is_empty() {
                return Err(Fault::value_error(
                    "Single '{' encountered in format string",
                ));
            }
            return Err(Fault::unsupported("this format string"));
        };
        let field = &after[..end];
        if field.contains('{') {
            return Err(Fault::unsupported(
                "nested replacement fields in a format string",
            ));
        }
        rest = &after[end + 1..];
        // field_name ['!' conversion] [':' spec]
        let (head, spec) = match field.find(':') {
            Some(i) if !field[..i].contains('[') || field[..i].contains(']') => {
                (&field[..i], &field[i + 1..])
            }
            _ => (field, ""),
        };
        let (name_part, conversion) = match head.find('!') {
            Some(i) => (&head[..i], Some(&head[i + 1..])),
            None => (head, None),
        };
        let (arg_name, accessors) = match name_part.find(['.', '[']) {
            Some(i) => (&name_part[..i], &name_part[i..]),
            None => (name_part, ""),
        };
        let mut value = lookup(arg_name, &mut auto, &mut manual)?;
        let mut acc = accessors;
        while !acc.is_empty() {
            if acc.starts_with('.') {
                return Err(Fault::unsupported("attribute access in a format field"));
            }
            let Some(close) = acc.find(']') else {
                return Err(Fault::unsupported("this format field"));
            };
            let key = &acc[1..close];
            if key.is_empty() {
                return Err(Fault::unsupported("this format field"));
            }
            let index = if key.chars().all(|c| c.is_ascii_digit()) {
                Value::Int(
                    key.parse()
                        .map_err(|_| Fault::unsupported("a large index"))?,
                )
            } else {
                Value::str(key)
            };
            value = crate::ops::getitem(&value, &index)?;
            acc = &acc[close + 1..];
        }
        let value = match conversion {
            None => value,
            Some("s") => Value::Str(crate::ops::to_str(&value)?),
            Some("r") => Value::from(crate::repr::repr(&value)?),
            Some("a") => return Err(Fault::unsupported("the !a conversion")),
            Some(c) if c.chars().count() == 1 => {
                return Err(Fault::value_error(format!(
                    "Unknown conversion specifier {c}"
                )))
            }
            Some(_) => return Err(Fault::unsupported("this format field")),
        };
        out.push_str(&format_value(&value, spec)?);
    }
    out.push_str(rest);
    Ok(out)
}

/// `format % args` for a `str` format.
///
/// The arguments follow CPython's state machine: a tuple is consumed item by
/// item; anything else is one argument; a `%(key)` conversion replaces the
/// arguments by `mapping[key]`, a single argument again.
pub(crate) fn percent(format: &str, args: &Value) -> Res<Value> {
    args.check_supported()?;
    // CPython takes any argument with `__getitem__` other than a tuple or a
    // str as a possible mapping: it is then never "unconverted".
    let mapping = match args {
        Value::Dict(_) | Value::List(_) | Value::Bytes(_) => Some(args.clone()),
        Value::Object(crate::value::Object(crate::value::ObjectKind::Range(_))) => {
            Some(args.clone())
        }
        _ => None,
    };
    let mut state = match args {
        Value::Tuple(items) => PercentArgs {
            items: items.to_vec(),
            single: None,
            index: 0,
        },
        other => PercentArgs {
            items: Vec::new(),
            single: Some(other.clone()),
            index: 0,
        },
    };
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        if i < chars.len() && chars[i] == '(' {
            let mut depth = 1;
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && depth > 0 {
                match chars[j] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            if depth > 0 {
                return Err(Fault::value_error("incomplete format key"));
            }
            let key: String = chars[start..j - 1].iter().collect();
            let Some(m) = &mapping else {
                return Err(Fault::type_error("format requires a mapping"));
            };
            state = PercentArgs {
                items: Vec::new(),
                single: Some(crate::ops::getitem(m, &Value::str(&key))?),
                index: 0,
            };
            i = j;
        }
        let mut spec = Spec::default();
        while i < chars.len() {
            match chars[i] {
                '-' => spec.align = Some('<'),
                '+' => spec.sign = Some('+'),
                ' ' => {
                    if spec.sign.is_none() {
                        spec.sign = Some(' ')
                    }
                }
                '#' => spec.alternate = true,
                '0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        let number = |i: &mut usize| -> Res<Option<usize>> {
            if *i < chars.len() && chars[*i] == '*' {
                return Err(Fault::unsupported("`*` widths in %-formatting"));
            }
            let start = *i;
            while *i < chars.len() && chars[*i].is_ascii_digit() {
                *i += 1;
            }
            if *i == start {
                return Ok(None);
            }
            let text: String = chars[start..*i].iter().collect();
            text.parse::<usize>()
                .ok()
                .filter(|&n| n < 1 << 24)
                .map(Some)
                .ok_or_else(|| Fault::unsupported("a width or precision this large"))
        };
        spec.width = number(&mut i)?.unwrap_or(0);
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            spec.precision = Some(number(&mut i)?.unwrap_or(0));
        }
        while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
            i += 1;
        }
        let Some(&kind) = chars.get(i) else {
            return Err(Fault::value_error("incomplete format"));
        };
        i += 1;
        if kind == '%' {
            // A literal `%` after flags: 3.6 writes it, later versions fail.
            return Err(Fault::unsupported(
                "`%` with flags or a width in %-formatting (Python versions differ)",
            ));
        }
        let value = state.next()?;
        out.push_str(&percent_one(kind, &value, &spec, i - 1)?);
    }
    if state.unconverted() && mapping.is_none() {
        return Err(Fault::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(Value::from(out))
}

/// The arguments of a `%`-formatting not yet consumed.
struct PercentArgs {
    items: Vec<Value>,
    /// A single argument (not a tuple), until it is consumed.
    single: Option<Value>,
    index: usize,
}

impl PercentArgs {
    fn next(&mut self) -> Res<Value> {
        let value = match self.single.take() {
            Some(v) => {
                self.index = 1;
                Some(v)
            }
            None if self.index < self.items.len() => {
                self.index += 1;
                Some(self.items[self.index - 1].clone())
            }
            None => None,
        };
        value.ok_or_else(|| Fault::type_error("not enough arguments for format string"))
    }

    fn unconverted(&self) -> bool {
        self.single.is_some() || self.index < self.items.len()
    }
}

fn percent_one(kind: char, value: &Value, spec: &Spec, index: usize) -> Res<String> {
    value.check_supported()?;
    let align = spec.align.unwrap_or('>');
    match kind {
        's' | 'r' => {
            let text = if kind == 's' {
                crate::repr::str(value)?
            } else {
                crate::repr::repr(value)?
            };
            let text: String = match spec.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            };
            Ok(pad(&text, "", spec.width, ' ', align))
        }
        'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
            let i = match value.as_number() {
                Some(Number::Int(i)) => i,
                Some(Number::Float(f)) if matches!(kind, 'd' | 'i' | 'u') => {
                    crate::number::float_to_int(f)?
                }
                Some(Number::Float(_)) => {
                    return Err(Fault::type_error(format!(
                        "%{kind} format: an integer is required, not float"
                    )))
                }
                None => {
                    let what = if matches!(kind, 'd' | 'i' | 'u') {
                        "a real number"
                    } else {
                        "an integer"
                    };
                    return Err(Fault::type_error(format!(
                        "%{kind} format: {what} is required, not {}",
                        value.type_name()
                    )));
                }
            };
            let magnitude = i.unsigned_abs();
            let mut digits = match kind {
                'x' => format!("{magnitude:x}"),
                'X' => format!("{magnitude:X}"),
                'o' => format!("{magnitude:o}"),
                _ => magnitude.to_string(),
            };
            if let Some(p) = spec.precision {
                if digits.len() < p {
                    digits = format!("{}{digits}", "0".repeat(p - digits.len()));
                }
            }
            let prefix = match kind {
                'x' if spec.alternate => "0x",
                'X' if spec.alternate => "0X",
                'o' if spec.alternate => "0o",
                _ => "",
            };
            let head = format!("{}{prefix}", sign_text(i < 0, spec.sign));
            Ok(percent_number(&head, &digits, spec))
        }
        'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
            let x = match value.as_number() {
                Some(Number::Int(i)) => i as f64,
                Some(Number::Float(f)) => f,
                None => {
                    return Err(Fault::type_error(format!(
                        "must be real number, not {}",
                        value.type_name()
                    )))
                }
            };
            if x.is_nan() && x.is_sign_negative() {
                return Err(Fault::unsupported("formatting a negative NaN"));
            }
            let p = spec.precision.unwrap_or(6);
            let magnitude = x.abs();
            let upper = kind.is_ascii_uppercase();
            let alt = spec.alternate;
            let digits = if !magnitude.is_finite() {
                non_finite(magnitude, upper)
            } else {
                match kind {
                    'e' | 'E' => exponent(magnitude, p, alt, upper),
                    'g' | 'G' => general(magnitude, p, alt, false, upper),
                    _ => {
                        let mut t = format!("{magnitude:.p$}");
                        if alt && p == 0 {
                            t.push('.');
                        }
                        t
                    }
                }
            };
            Ok(percent_number(
                sign_text(x.is_sign_negative() && !x.is_nan(), spec.sign),
                &digits,
                spec,
            ))
        }
        'c' => match value {
            Value::Str(s) if s.chars().count() == 1 => Ok(pad(s, "", spec.width, ' ', align)),
            Value::Str(_) => Err(Fault::type_error("%c requires int or char")),
            _ => match value.as_index() {
                Some(i) if (0..0x110000).contains(&i) => match char::from_u32(i as u32) {
                    Some(c) => Ok(pad(&c.to_string(), "", spec.width, ' ', align)),
                    None => Err(Fault::unsupported("lone surrogates in strings")),
                },
                Some(_) => Err(Fault::py(
                    Exc::OverflowError,
                    "%c arg not in range(0x110000)",
                )),
                None => Err(Fault::type_error("%c requires int or char")),
            },
        },
        'a' => Err(Fault::unsupported("%a in %-formatting")),
        other => Err(Fault::value_error(format!(
            "unsupported format character '{other}' (0x{:x}) at index {index}",
            other as u32
        ))),
    }
}

fn percent_number(sign: &str, digits: &str, spec: &Spec) -> String {
    if spec.align == Some('<') {
        pad(digits, sign, spec.width, ' ', '<')
    } else if spec.zero {
        pad(digits, sign, spec.width, '0', '=')
    } else {
        pad(digits, sign, spec.width, ' ', '>')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[track_caller]
    fn check(value: Value, spec: &str, expected: &str) {
        assert_eq!(format_value(&value, spec).unwrap(), expected, "{spec}");
    }

    #[test]
    fn format_specs() {
        check(Value::Int(42), "5d", "   42");
        check(Value::Int(-42), "<6", "-42   ");
        check(Value::Int(-42), "06", "-00042");
        check(Value::Int(-42), "=+6", "-   42");
        check(Value::Int(1234567), ",", "1,234,567");
        check(Value::Int(255), "#x", "0xff");
        check(Value::Int(255), "#010b", "0b11111111");
        check(Value::Int(65535), "_x", "ffff");
        check(Value::Int(1048575), "_x", "f_ffff");
        check(Value::Float(1.23456), ".2f", "1.23");
        check(Value::Float(-0.0), ".1f", "-0.0");
        check(Value::Float(1234.5), ",.2f", "1,234.50");
        check(Value::Float(0.25), ".1%", "25.0%");
        check(Value::Float(2.5), "^7", "  2.5  ");
        check(Value::str("ab"), "*^6", "**ab**");
        check(Value::str("abcdef"), ".3", "abc");
        check(Value::Bool(true), "", "True");
        check(Value::Bool(true), ">3", "  1");
    }

    #[track_caller]
    fn check_format(template: &str, positional: Vec<Value>, expected: &str) {
        let args = Args {
            positional,
            keywords: vec![(Arc::from("name"), Value::str("x"))],
        };
        assert_eq!(str_format(template, &args).unwrap(), expected);
    }

    #[test]
    fn str_format_fields() {
        check_format("{} and {}", vec![Value::Int(1), Value::Int(2)], "1 and 2");
        check_format("{1}{0}{1}", vec![Value::Int(1), Value::Int(2)], "212");
        check_format("{name!r:>5}", vec![], "  'x'");
        check_format(
            "{{}} {0[1]}",
            vec![Value::list(vec![Value::Int(7), Value::Int(8)])],
            "{} 8",
        );
        let err = str_format("{0}{}", &Args::default()).unwrap_err();
        assert_eq!(
            err.message,
            "Replacement index 0 out of range for positional args tuple"
        );
    }

    #[track_caller]
    fn check_percent(format: &str, args: Value, expected: &str) {
        assert_eq!(
            crate::repr::str(&percent(format, &args).unwrap()).unwrap(),
            expected
        );
    }

    #[test]
    fn percent_formatting() {
        check_percent(
            "%s-%r",
            Value::tuple(vec![Value::str("a"), Value::str("a")]),
            "a-'a'",
        );
        check_percent(
            "%5.1f|%-4d|%03d",
            Value::tuple(vec![Value::Float(2.25), Value::Int(7), Value::Int(-5)]),
            "  2.2|7   |-05",
        );
        check_percent(
            "%x %X %o %%",
            Value::tuple(vec![Value::Int(255), Value::Int(255), Value::Int(8)]),
            "ff FF 10 %",
        );
        check_percent("%.3d", Value::Int(5), "005");
        check_percent("abc", Value::list(vec![]), "abc");
        let err = percent("%s %s", &Value::tuple(vec![Value::Int(1)])).unwrap_err();
        assert_eq!(err.message, "not enough arguments for format string");
        let err = percent("abc", &Value::Int(1)).unwrap_err();
        assert_eq!(
            err.message,
            "not all arguments converted during string formatting"
        );
    }
}
