//! Numbers with CPython's rules: the shortest round-trip `repr` of floats,
//! floor division and modulo with the divisor's sign, banker's rounding, and
//! CPython's `ZeroDivisionError` and `OverflowError` messages. Integers are
//! 64 bits here; a result that does not fit is refused (Python's are
//! unbounded).

use crate::fault::{Exc, Fault, Res};

/// Python's `repr(float)` (and `str(float)`): the shortest digits that read
/// back as the same float, written in positional notation when the decimal
/// exponent is in `-4..16` and in scientific notation otherwise.
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip length. CPython's dtoa
    // then takes, of the strings of that length which read back as `x`, the
    // one nearest to `x`, ties to even: that is the correctly rounded one
    // whenever it reads back (Rust breaks such ties upwards). It may not
    // read back at a power of two, where the float below is nearer; then
    // only one side qualifies and both agree.
    let shortest = format!("{x:e}");
    let len = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let rounded = format!("{x:.*e}", len.saturating_sub(1));
    let sci = if rounded.parse::<f64>() == Ok(x) {
        rounded
    } else {
        shortest
    };
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|&c| c != '.').collect();
    // The decimal point sits after `point` digits: value = 0.DIGITS * 10**point.
    let point = exponent + 1;
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    let n = digits.len() as i32;
    if !(-4 < point && point <= 16) {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = point - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", e.unsigned_abs()));
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else if point >= n {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - n) as usize));
        out.push_str(".0");
    } else {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    }
    out
}

/// The refusal for an integer result beyond 64 bits.
pub(crate) fn int_overflow() -> Fault {
    Fault::unsupported(
        "an integer result beyond 64 bits (Python's integers are unbounded; the local renderer's are not)",
    )
}

pub(crate) fn checked(result: Option<i64>) -> Res<i64> {
    result.ok_or_else(int_overflow)
}

/// Python's `a // b` for ints.
pub(crate) fn int_floordiv(a: i64, b: i64) -> Res<i64> {
    if b == 0 {
        return Err(Fault::py(
            Exc::ZeroDivisionError,
            "integer division or modulo by zero",
        ));
    }
    let q = checked(a.checked_div(b))?;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        Ok(q - 1)
    } else {
        Ok(q)
    }
}

/// Python's `a % b` for ints: the result has the sign of `b`.
pub(crate) fn int_mod(a: i64, b: i64) -> Res<i64> {
    if b == 0 {
        return Err(Fault::py(Exc::ZeroDivisionError, "integer modulo by zero"));
    }
    let r = a.checked_rem(b).unwrap_or(0);
    if r != 0 && ((r < 0) != (b < 0)) {
        Ok(r + b)
    } else {
        Ok(r)
    }
}

/// Python's `a / b` for ints: correctly rounded, which a float division
/// only is when both fit a float's 53-bit mantissa.
pub(crate) fn int_truediv(a: i64, b: i64) -> Res<f64> {
    if b == 0 {
        return Err(Fault::py(Exc::ZeroDivisionError, "division by zero"));
    }
    const EXACT: u64 = 1 << 53;
    if a.unsigned_abs() <= EXACT && b.unsigned_abs() <= EXACT {
        // Both convert exactly, and the division rounds once.
        return Ok(a as f64 / b as f64);
    }
    let q = exact_quotient(a.unsigned_abs() as u128, b.unsigned_abs() as u128);
    Ok(if (a < 0) != (b < 0) { -q } else { q })
}

/// `n / d` correctly rounded to a float (ties to even), for `n`, `d`
/// below 2**64, `d > 0`.
fn exact_quotient(n: u128, d: u128) -> f64 {
    if n == 0 {
        return 0.0;
    }
    // Scale so that the integer quotient has 55 bits: 53 for the mantissa,
    // a rounding bit and a guard bit; the remainder is the sticky bit.
    let bits = |v: u128| 128 - v.leading_zeros() as i32;
    let mut k = 55 - (bits(n) - bits(d));
    let quotient = |k: i32| -> (u128, bool) {
        if k >= 0 {
            let scaled = n << k;
            (scaled / d, !scaled.is_multiple_of(d))
        } else {
            let scaled = d << -k;
            (n / scaled, !n.is_multiple_of(scaled))
        }
    };
    let (mut q, mut sticky) = quotient(k);
    if q >= 1 << 55 {
        k -= 1;
        (q, sticky) = quotient(k);
    } else if q < 1 << 54 {
        k += 1;
        (q, sticky) = quotient(k);
    }
    let mut mantissa = q >> 2;
    let low = q & 3;
    if low > 2 || (low == 2 && (sticky || mantissa & 1 == 1)) {
        mantissa += 1;
    }
    mantissa as f64 * 2f64.powi(2 - k)
}

/// Python's `a ** b` for ints: an int for `b >= 0`, a float otherwise.
pub(crate) fn int_pow(a: i64, b: i64) -> Res<crate::Value> {
    if b < 0 {
        if a == 0 {
            return Err(zero_to_negative());
        }
        return float_pow(a as f64, b as f64).map(crate::Value::Float);
    }
    let exp = u32::try_from(b).map_err(|_| int_overflow());
    match a {
        0 | 1 => Ok(crate::Value::Int(if b == 0 { 1 } else { a })),
        -1 => Ok(crate::Value::Int(if b % 2 == 0 { 1 } else { -1 })),
        _ => checked(a.checked_pow(exp?)).map(crate::Value::Int),
    }
}

fn zero_to_negative() -> Fault {
    Fault::py(
        Exc::ZeroDivisionError,
        "0.0 cannot be raised to a negative power",
    )
}

/// Python's `a / b` for floats.
pub(crate) fn float_div(a: f64, b: f64) -> Res<f64> {
    if b == 0.0 {
        return Err(Fault::py(Exc::ZeroDivisionError, "float division by zero"));
    }
    Ok(a / b)
}

/// Python's `divmod(a, b)` for floats (CPython's `float_divmod`).
fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

/// Python's `a // b` for floats.
pub(crate) fn float_floordiv(a: f64, b: f64) -> Res<f64> {
    if b == 0.0 {
        return Err(Fault::py(
            Exc::ZeroDivisionError,
            "float floor division by zero",
        ));
    }
    Ok(float_divmod(a, b).0)
}

/// Python's `a % b` for floats.
pub(crate) fn float_mod(a: f64, b: f64) -> Res<f64> {
    if b == 0.0 {
        return Err(Fault::py(Exc::ZeroDivisionError, "float modulo"));
    }
    Ok(float_divmod(a, b).1)
}

/// Python's `a ** b` for floats, for finite operands with a real result.
pub(crate) fn float_pow(a: f64, b: f64) -> Res<f64> {
    if !a.is_finite() || !b.is_finite() {
        return Err(Fault::unsupported("`**` with an infinite or NaN operand"));
    }
    if b == 0.0 {
        return Ok(1.0);
    }
    if a == 0.0 && b < 0.0 {
        return Err(zero_to_negative());
    }
    if a < 0.0 && b != b.floor() {
        return Err(Fault::unsupported(
            "a negative number to a fractional power (a complex number in Python)",
        ));
    }
    let r = a.powf(b);
    if r.is_infinite() {
        return Err(Fault::py(
            Exc::OverflowError,
            "(34, 'Numerical result out of range')",
        ));
    }
    Ok(r)
}

/// Python's `round(x)`: the nearest int, ties to even.
pub(crate) fn round_to_int(x: f64) -> Res<i64> {
    float_to_int(x.round_ties_even())
}

/// Python's `int(x)` for a float: truncation.
pub(crate) fn float_to_int(x: f64) -> Res<i64> {
    if x.is_nan() {
        return Err(Fault::value_error("cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(Fault::py(
            Exc::OverflowError,
            "cannot convert float infinity to integer",
        ));
    }
    crate::value::float_as_int(x.trunc()).ok_or_else(int_overflow)
}

/// Python's `round(x, ndigits)` for floats: the float nearest to the
/// correctly rounded decimal (CPython formats with `ndigits` decimals and
/// reads the text back).
pub(crate) fn round_float(x: f64, ndigits: i64) -> Res<f64> {
    if !x.is_finite() || x == 0.0 {
        return Ok(x);
    }
    if ndigits > 323 {
        return Ok(x);
    }
    if ndigits < -308 {
        return Ok(0.0f64.copysign(x));
    }
    let text = if ndigits >= 0 {
        format!("{:.*}", ndigits as usize, x)
    } else {
        round_to_tens(x, (-ndigits) as usize)
    };
    let r: f64 = text.parse().map_err(|_| Fault::unsupported("round()"))?;
    if r.is_infinite() {
        return Err(Fault::py(
            Exc::OverflowError,
            "rounded value too large to represent",
        ));
    }
    Ok(if r == 0.0 { 0.0f64.copysign(x) } else { r })
}

/// The decimal text of `x` rounded to a multiple of `10**places`, from its
/// exact decimal expansion (ties to even), as CPython's dtoa does.
fn round_to_tens(x: f64, places: usize) -> String {
    // A float's exact expansion has at most 1074 decimals.
    let exact = format!("{:.1074}", x.abs());
    let (whole, fraction) = exact.split_once('.').unwrap_or((&exact, ""));
    if whole.len() < places {
        // Below half of 10**places unless it is exactly half or more.
        let padded = format!("{}{whole}", "0".repeat(places - whole.len()));
        let above_half = padded.as_bytes()[0] > b'5'
            || (padded.as_bytes()[0] == b'5'
                && (padded[1..].bytes().any(|b| b != b'0') || fraction.bytes().any(|b| b != b'0')));
        return if above_half && whole.len() == places {
            format!("{}1{}", if x < 0.0 { "-" } else { "" }, "0".repeat(places))
        } else {
            "0".to_string()
        };
    }
    let (kept, dropped) = whole.split_at(whole.len() - places);
    let first = dropped.as_bytes().first().copied().unwrap_or(b'0');
    let rest_zero =
        dropped.bytes().skip(1).all(|b| b == b'0') && fraction.bytes().all(|b| b == b'0');
    let last_odd = kept.as_bytes().last().is_some_and(|b| (b - b'0') % 2 == 1);
    let up = first > b'5' || (first == b'5' && (!rest_zero || last_odd));
    let mut digits: Vec<u8> = kept.bytes().collect();
    if up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let kept = String::from_utf8(digits).unwrap_or_default();
    format!(
        "{}{kept}{}",
        if x < 0.0 { "-" } else { "" },
        "0".repeat(places)
    )
}

/// Python's `round(i, ndigits)` for ints: only negative `ndigits` change
/// anything, rounding half to even.
pub(crate) fn round_int(i: i64, ndigits: i64) -> Res<i64> {
    if ndigits >= 0 {
        return Ok(i);
    }
    if ndigits < -19 {
        return Ok(0);
    }
    let pow = 10i128.pow((-ndigits) as u32);
    let i = i as i128;
    let r = i.rem_euclid(pow);
    let base = i - r;
    let twice = r * 2;
    let up = twice > pow || (twice == pow && (base / pow) % 2 != 0);
    let result = if up { base + pow } else { base };
    i64::try_from(result).map_err(|_| int_overflow())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(x: f64, expected: &str) {
        assert_eq!(float_repr(x), expected);
    }

    #[test]
    fn floats_print_like_cpython() {
        check(0.1, "0.1");
        check(1.0, "1.0");
        check(-0.0, "-0.0");
        check(1e16, "1e+16");
        check(1e15, "1000000000000000.0");
        check(123456789012345680.0, "1.2345678901234568e+17");
        check(0.0001, "0.0001");
        check(0.00001, "1e-05");
        check(1.5e-7, "1.5e-07");
        check(5e-324, "5e-324");
        check(1.7976931348623157e308, "1.7976931348623157e+308");
        check(f64::INFINITY, "inf");
        check(f64::NEG_INFINITY, "-inf");
        check(f64::NAN, "nan");
        check(0.1 + 0.2, "0.30000000000000004");
        check(2.5, "2.5");
        check(100.0, "100.0");
        // Two 17-digit strings read back; CPython takes the even one.
        check(1420014691647825.0 + 0.25, "1420014691647825.2");
        check(1420014691647825.0 + 0.75, "1420014691647825.8");
    }

    #[test]
    fn division_and_modulo_follow_the_divisor() {
        assert_eq!(int_floordiv(-7, 2).unwrap(), -4);
        assert_eq!(int_floordiv(7, -2).unwrap(), -4);
        assert_eq!(int_mod(-7, 2).unwrap(), 1);
        assert_eq!(int_mod(7, -2).unwrap(), -1);
        assert_eq!(int_mod(i64::MIN, -1).unwrap(), 0);
        assert!(int_floordiv(i64::MIN, -1).is_err());
        assert_eq!(float_floordiv(-7.5, 2.0).unwrap(), -4.0);
        assert_eq!(float_mod(-7.5, 2.0).unwrap(), 0.5);
        assert_eq!(float_mod(7.5, -2.0).unwrap(), -0.5);
        assert!(float_mod(-0.0, 2.0).unwrap().is_sign_positive());
        assert_eq!(
            int_floordiv(1, 0).unwrap_err().message,
            "integer division or modulo by zero"
        );
    }

    #[test]
    fn rounding_is_bankers() {
        assert_eq!(round_to_int(2.5).unwrap(), 2);
        assert_eq!(round_to_int(3.5).unwrap(), 4);
        assert_eq!(round_to_int(-0.5).unwrap(), 0);
        assert_eq!(round_float(2.675, 2).unwrap(), 2.67);
        assert_eq!(round_float(0.125, 2).unwrap(), 0.12);
        assert_eq!(round_int(25, -1).unwrap(), 20);
        assert_eq!(round_float(1245.3, -1).unwrap(), 1250.0);
        assert_eq!(round_float(1250.0, -2).unwrap(), 1200.0);
        assert_eq!(round_float(-1350.0, -2).unwrap(), -1400.0);
        assert_eq!(round_float(49.9, -2).unwrap(), 0.0);
        assert_eq!(round_float(50.0, -2).unwrap(), 0.0);
        assert_eq!(round_float(50.5, -2).unwrap(), 100.0);
        assert_eq!(round_float(999.5, -3).unwrap(), 1000.0);
        assert_eq!(int_truediv(i64::MAX, 3).unwrap(), 3074457345618258602.0);
        assert_eq!(
            int_truediv((1 << 62) + 1, 1 << 9).unwrap(),
            (1u64 << 53) as f64
        );
        assert_eq!(int_truediv(-(1 << 60), 1 << 60 | 1).unwrap(), -1.0);
        assert_eq!(int_truediv(1 << 60, 3 << 60 | 1).unwrap(), 1.0 / 3.0);
        assert_eq!(round_int(35, -1).unwrap(), 40);
        assert_eq!(round_int(-25, -1).unwrap(), -20);
        assert_eq!(round_int(-26, -1).unwrap(), -30);
        assert_eq!(round_int(i64::MIN, -2).unwrap(), -9223372036854775800);
        assert!(round_int(i64::MIN, -3).is_err());
        assert!(round_int(i64::MAX, -19).is_err());
        assert_eq!(round_int(4_999_999_999_999_999_999, -19).unwrap(), 0);
    }
}
