//! Case conversions and character classes of `str` with CPython's rules,
//! from the generated table of what every supported CPython agrees on.
//! Text holding a character outside that table is refused, and so is
//! lowering a capital sigma, whose result depends on its neighbours.

use crate::fault::{Fault, Res};
use crate::unicode_case::{
    ALPHA, CASED, CLASS_RUNS, DECIMAL, DIGIT, LOWER, MAPPINGS, NUMERIC, TITLE, UNKNOWN, UPPER,
};

/// The class flags of `c`.
fn class(c: char) -> u16 {
    let code = c as u32;
    let run = CLASS_RUNS.partition_point(|&(start, _)| start <= code);
    CLASS_RUNS[run - 1].1
}

/// Whether `c` is a known character that is not a decimal digit (so
/// `int()` and `float()` cannot read it as one).
pub(crate) fn is_plain(c: char) -> bool {
    class(c) & (UNKNOWN | DECIMAL) == 0
}

/// Which mapping of a character.
#[derive(Clone, Copy)]
enum Map {
    Upper,
    Lower,
    Title,
    Fold,
}

fn push_mapped(out: &mut String, c: char, map: Map) {
    let code = c as u32;
    let mapped = MAPPINGS
        .binary_search_by_key(&code, |m| m.0)
        .ok()
        .map(|i| {
            let m = &MAPPINGS[i];
            match map {
                Map::Upper => m.1,
                Map::Lower => m.2,
                Map::Title => m.3,
                Map::Fold => m.4,
            }
        })
        .unwrap_or("");
    if mapped.is_empty() {
        out.push(c);
    } else {
        out.push_str(mapped);
    }
}

/// Refuses text whose case or classes depend on the Unicode version.
fn check(s: &str, method: &str) -> Res<()> {
    match s.chars().find(|&c| class(c) & UNKNOWN != 0) {
        None => Ok(()),
        Some(c) => Err(Fault::unsupported(format!(
            "str.{method}() of text holding U+{:04X} (CPython versions disagree about it)",
            c as u32
        ))),
    }
}

/// Refuses lowering a capital sigma (CPython picks `ς` or `σ` from the
/// letters around it).
fn check_sigma(s: &str, method: &str) -> Res<()> {
    if s.contains('\u{3a3}') {
        return Err(Fault::unsupported(format!(
            "str.{method}() of text holding a capital sigma"
        )));
    }
    Ok(())
}

fn map_all(s: &str, map: Map) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_mapped(&mut out, c, map);
    }
    out
}

/// `str.upper()`, `lower()`, `casefold()`, `swapcase()`, `title()`,
/// `capitalize()`.
pub(crate) fn convert(s: &str, method: &str) -> Res<String> {
    check(s, method)?;
    if s.is_ascii() {
        return Ok(ascii_convert(s, method));
    }
    Ok(match method {
        "upper" => map_all(s, Map::Upper),
        "casefold" => map_all(s, Map::Fold),
        "lower" => {
            check_sigma(s, method)?;
            map_all(s, Map::Lower)
        }
        "swapcase" => {
            check_sigma(s, method)?;
            let mut out = String::with_capacity(s.len());
            for c in s.chars() {
                let flags = class(c);
                if flags & UPPER != 0 {
                    push_mapped(&mut out, c, Map::Lower);
                } else if flags & LOWER != 0 {
                    push_mapped(&mut out, c, Map::Upper);
                } else {
                    out.push(c);
                }
            }
            out
        }
        "title" => {
            check_sigma(s, method)?;
            let mut out = String::with_capacity(s.len());
            let mut previous_cased = false;
            for c in s.chars() {
                let map = if previous_cased {
                    Map::Lower
                } else {
                    Map::Title
                };
                push_mapped(&mut out, c, map);
                previous_cased = class(c) & CASED != 0;
            }
            out
        }
        _ => {
            check_sigma(s, method)?;
            let mut chars = s.chars();
            let mut out = String::with_capacity(s.len());
            if let Some(first) = chars.next() {
                // 3.8 changed the first letter from upper to title case.
                let (mut upper, mut title) = (String::new(), String::new());
                push_mapped(&mut upper, first, Map::Upper);
                push_mapped(&mut title, first, Map::Title);
                if upper != title {
                    return Err(Fault::unsupported(format!(
                        "str.capitalize() of text starting with U+{:04X} (changed in Python 3.8)",
                        first as u32
                    )));
                }
                out.push_str(&title);
            }
            for c in chars {
                push_mapped(&mut out, c, Map::Lower);
            }
            out
        }
    })
}

fn ascii_convert(s: &str, method: &str) -> String {
    match method {
        "upper" => s.to_ascii_uppercase(),
        "lower" | "casefold" => s.to_ascii_lowercase(),
        "swapcase" => s
            .chars()
            .map(|c| {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect(),
        "title" => {
            let mut previous_cased = false;
            s.chars()
                .map(|c| {
                    let out = if previous_cased {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    };
                    previous_cased = c.is_ascii_alphabetic();
                    out
                })
                .collect()
        }
        _ => {
            let mut chars = s.chars();
            match chars.next() {
                Some(first) => {
                    let mut out = first.to_ascii_uppercase().to_string();
                    out.push_str(&chars.as_str().to_ascii_lowercase());
                    out
                }
                None => String::new(),
            }
        }
    }
}

/// `str.isalpha()`, `isalnum()`, `isdecimal()`, `isdigit()`,
/// `isnumeric()`, `islower()`, `isupper()`, `istitle()`.
pub(crate) fn test(s: &str, method: &str) -> Res<bool> {
    check(s, method)?;
    let all = |mask: u16| !s.is_empty() && s.chars().all(|c| class(c) & mask != 0);
    Ok(match method {
        "isalpha" => all(ALPHA),
        "isalnum" => all(ALPHA | DECIMAL | DIGIT | NUMERIC),
        "isdecimal" => all(DECIMAL),
        "isdigit" => all(DIGIT),
        "isnumeric" => all(NUMERIC),
        "islower" | "isupper" => {
            let (want, against) = if method == "islower" {
                (LOWER, UPPER | TITLE)
            } else {
                (UPPER, LOWER | TITLE)
            };
            let mut cased = false;
            for c in s.chars() {
                let flags = class(c);
                if flags & against != 0 {
                    return Ok(false);
                }
                cased |= flags & want != 0;
            }
            cased
        }
        _ => {
            // istitle: uppercase only after an uncased character, lowercase
            // only after a cased one.
            let (mut cased, mut previous_cased) = (false, false);
            for c in s.chars() {
                let flags = class(c);
                if flags & (UPPER | TITLE) != 0 {
                    if previous_cased {
                        return Ok(false);
                    }
                    previous_cased = true;
                    cased = true;
                } else if flags & LOWER != 0 {
                    if !previous_cased {
                        return Ok(false);
                    }
                    previous_cased = true;
                    cased = true;
                } else {
                    previous_cased = false;
                }
            }
            cased
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_beyond_ascii() {
        assert_eq!(convert("straße", "upper").unwrap(), "STRASSE");
        assert_eq!(convert("ÉCOLE", "lower").unwrap(), "école");
        assert_eq!(convert("josé ñandú", "title").unwrap(), "José Ñandú");
        assert_eq!(convert("ǆemal", "title").unwrap(), "ǅemal");
        assert_eq!(convert("Straße", "casefold").unwrap(), "strasse");
        assert!(convert("ΣΑΣ", "lower").is_err());
        assert_eq!(convert("ΣΑΣ", "upper").unwrap(), "ΣΑΣ");
        assert!(convert("ǆemal", "capitalize").is_err());
        assert!(convert("\u{1e900}", "upper").is_ok());
        assert!(convert("\u{10570}", "lower").is_err());
    }

    #[test]
    fn python_whitespace_is_the_space_class() {
        for c in (0..0x110000u32).filter_map(char::from_u32) {
            if class(c) & UNKNOWN == 0 {
                assert_eq!(
                    crate::builtins::is_py_space(c),
                    class(c) & crate::unicode_case::SPACE != 0,
                    "U+{:04X}",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn classes_beyond_ascii() {
        assert!(test("héllo", "isalpha").unwrap());
        assert!(test("٣", "isdecimal").unwrap());
        assert!(test("½", "isnumeric").unwrap());
        assert!(!test("½", "isdigit").unwrap());
        assert!(test("Élan Vital", "istitle").unwrap());
        assert!(test("école", "islower").unwrap());
        assert!(!test("", "isalpha").unwrap());
    }

    #[test]
    fn case_table_agrees_with_python() {
        // Every known character's mappings and classes, one line each.
        const PROBE: &str = "import sys\n\
            for line in sys.stdin:\n\
            \x20   c = chr(int(line))\n\
            \x20   flags = sum(1 << i for i, t in enumerate((c.isalpha(), c.isdecimal(), c.isdigit(), \
            c.isnumeric(), c.isupper(), c.islower(), c.istitle() and not c.isupper(), c.isspace(), \
            (c + 'a').title()[-1] == 'a')) if t)\n\
            \x20   print(flags, c.upper(), c.lower(), c.title(), c.casefold(), sep='\\x00')\n";
        let known: Vec<char> = (0..0x110000u32)
            .filter_map(char::from_u32)
            .filter(|&c| {
                class(c) & UNKNOWN == 0
                    && !matches!(
                        c,
                        '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'
                            ..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
                    )
            })
            .collect();
        let input: String = known.iter().map(|&c| format!("{}\n", c as u32)).collect();
        let mut expected = String::new();
        for &c in &known {
            let map = |m| {
                let mut out = String::new();
                push_mapped(&mut out, c, m);
                out
            };
            let flags = class(c) & !UNKNOWN;
            expected.push_str(&format!(
                "{flags}\0{}\0{}\0{}\0{}\n",
                map(Map::Upper),
                map(Map::Lower),
                map(Map::Title),
                map(Map::Fold)
            ));
        }
        let runs: Vec<_> = rmote_testkit::all_pythons()
            .into_iter()
            .map(|python| {
                let data = input.clone();
                std::thread::spawn(move || {
                    use std::io::Write;
                    let mut child = std::process::Command::new(&python)
                        .args(["-c", PROBE])
                        .env("PYTHONIOENCODING", "utf-8:surrogatepass")
                        .stdin(std::process::Stdio::piped())
                        .stdout(std::process::Stdio::piped())
                        .spawn()
                        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
                    let mut stdin = child.stdin.take().unwrap();
                    let writer = std::thread::spawn(move || stdin.write_all(data.as_bytes()));
                    let output = child.wait_with_output().unwrap();
                    writer.join().unwrap().unwrap();
                    (python, String::from_utf8(output.stdout).unwrap())
                })
            })
            .collect();
        for run in runs {
            let (python, got) = run.join().unwrap();
            for ((line, want), c) in got.lines().zip(expected.lines()).zip(&known) {
                assert_eq!(line, want, "U+{:04X} under {}", *c as u32, python.display());
            }
            assert_eq!(got.lines().count(), known.len(), "{}", python.display());
        }
    }
}
