//! Generated cases against CPython: format specs, `%`-formatting, string
//! methods with odd arguments, slices and arithmetic, a few thousand each,
//! from a fixed seed (so a failure is reproducible).

use crate::pythons::{compare, Case};

/// A small deterministic generator (xorshift).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn int(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }
}

/// Compares, fails on any mismatch, and bounds the refusals.
#[track_caller]
fn check(cases: Vec<Case>, max_refused_percent: usize) {
    let report = compare(&cases);
    let mut reasons = std::collections::BTreeMap::new();
    for refusal in &report.refused {
        let reason = refusal.rsplit(": ").next().unwrap_or("").to_string();
        *reasons.entry(reason).or_insert(0) += 1;
    }
    eprintln!(
        "{} of {} cases agree, {} refused: {reasons:#?}",
        report.agreed,
        cases.len(),
        report.refused.len()
    );
    assert!(
        report.mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        report.mismatches.len(),
        cases.len(),
        report.mismatches.join("\n")
    );
    assert!(
        report.refused.len() * 100 <= cases.len() * max_refused_percent,
        "{} of {} refused:\n{}",
        report.refused.len(),
        cases.len(),
        report.refused.join("\n")
    );
}

/// `${a}|${b}|…`: many expressions per template, one per case so that one
/// error does not hide the others.
fn cases(exprs: Vec<String>) -> Vec<Case> {
    exprs
        .into_iter()
        .map(|e| Case::new(format!("${{{e}}}")))
        .collect()
}

const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "42",
    "-42",
    "1234567",
    "-9876543210",
    "255",
    "True",
    "False",
    "0.0",
    "-0.0",
    "1.5",
    "-2.25",
    "3.14159",
    "1e20",
    "1.5e-7",
    "123456.789",
    "0.125",
    "2.5",
    "-0.5",
    "float('inf')",
    "float('-inf')",
    "float('nan')",
    "'abc'",
    "''",
    "'héllo'",
    "None",
    "[1]",
];

#[test]
fn format_specs() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut exprs = Vec::new();
    for _ in 0..2500 {
        let spec = format!(
            "{}{}{}{}{}{}{}{}",
            g.pick(&["", "", "<", ">", "^", "=", "*<", "0>", "_^", "x="]),
            g.pick(&["", "", "+", "-", " "]),
            g.pick(&["", "", "", "#"]),
            g.pick(&["", "", "0"]),
            g.pick(&["", "", "1", "8", "12"]),
            g.pick(&["", "", "", ",", "_"]),
            g.pick(&["", "", ".0", ".2", ".5"]),
            g.pick(&["", "", "s", "d", "x", "X", "o", "b", "f", "F", "e", "E", "g", "G", "%"]),
        );
        let value = g.pick(VALUES);
        exprs.push(format!("format({value}, {spec:?})"));
        if g.next().is_multiple_of(4) {
            exprs.push(format!("'{{:{spec}}}|{{!r:>6}}'.format({value}, {value})"));
        }
    }
    check(cases(exprs), 35);
}

#[test]
fn percent_formatting() {
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    let mut exprs = Vec::new();
    for _ in 0..2000 {
        let spec = format!(
            "%{}{}{}{}",
            g.pick(&["", "", "-", "+", " ", "0", "-0", "+0", "#", "#0", "-#"]),
            g.pick(&["", "", "1", "6", "10"]),
            g.pick(&["", "", ".0", ".1", ".3"]),
            g.pick(&["s", "r", "d", "i", "x", "X", "o", "f", "F", "e", "E", "g", "G", "c", "%"]),
        );
        let value = g.pick(VALUES);
        exprs.push(format!("'<{spec}>' % ({value},)"));
    }
    check(cases(exprs), 15);
}

const TEXTS: &[&str] = &[
    "''",
    "'a'",
    "'abc'",
    "'a,b,,c'",
    "' a  b \\t c '",
    "'aaa'",
    "'Hello World'",
    "'x\\ny\\r\\nz'",
    "'héllo wörld'",
    "'--a--'",
    "'a.b.c'",
    "'\\u3000x\\u2028y'",
    "'  '",
    "'they\\'re 1st'",
];
const ARGS: &[&str] = &[
    "''", "'a'", "','", "'b'", "' '", "'aa'", "'l'", "'-'", "'.'", "'ö'",
];

#[test]
fn string_methods() {
    let mut g = Gen(0x1234_5678_9abc_def1);
    let mut exprs = Vec::new();
    for _ in 0..3000 {
        let s = g.pick(TEXTS);
        let a = g.pick(ARGS);
        let b = g.pick(ARGS);
        let i = g.int(-6, 8);
        let j = g.int(-6, 8);
        let w = g.int(-2, 12);
        let call = match g.next() % 22 {
            0 => format!("{s}.split({a})"),
            1 => format!("{s}.split({a}, {i})"),
            2 => format!("{s}.rsplit({a}, {i})"),
            3 => format!("{s}.split(None, {i})"),
            4 => format!("{s}.rsplit(maxsplit={i})"),
            5 => format!("{s}.strip({a})"),
            6 => format!("{s}.lstrip({a}) + '|' + {s}.rstrip()"),
            7 => format!("{s}.replace({a}, {b}, {i})"),
            8 => format!("{s}.find({a}, {i}, {j})"),
            9 => format!("{s}.rfind({a}, {i})"),
            10 => format!("{s}.count({a}, {i}, {j})"),
            11 => format!("{s}.startswith({a}, {i}, {j})"),
            12 => format!("{s}.endswith(({a}, {b}), {i})"),
            13 => format!("{s}.center({w}, {a}[:1] or '*')"),
            14 => format!("{s}.ljust({w}) + {s}.rjust({w}, '.')"),
            15 => format!("{s}.zfill({w})"),
            16 => format!("{s}.partition({a})"),
            17 => format!("{s}.rpartition({a})"),
            18 => format!("{s}.splitlines({})", g.pick(&["", "True"])),
            19 => format!("{s}.expandtabs({w})"),
            20 => format!("[{s}.title(), {s}.upper(), {s}.capitalize(), {s}.swapcase()]"),
            _ => format!("{s}.index({a})"),
        };
        exprs.push(call);
    }
    check(cases(exprs), 20);
}

#[test]
fn slices_and_subscripts() {
    let mut g = Gen(0x0ddb_1a5e_5bad_5eed);
    let seqs = [
        "[0, 1, 2, 3, 4, 5]",
        "(0, 1, 2)",
        "'abcdefg'",
        "'héllo'",
        "b'bytes'",
        "range(10)",
        "range(3, 30, 4)",
        "range(10, 0, -3)",
        "[]",
        "''",
    ];
    let bound = |g: &mut Gen| -> String {
        match g.next() % 5 {
            0 => String::new(),
            1 => "None".into(),
            _ => g.int(-12, 12).to_string(),
        }
    };
    let mut exprs = Vec::new();
    for _ in 0..2000 {
        let seq = seqs[(g.next() % seqs.len() as u64) as usize];
        let (a, b) = (bound(&mut g), bound(&mut g));
        let c = match g.next() % 3 {
            0 => String::new(),
            _ => {
                let s = g.int(-4, 4);
                if s == 0 {
                    "2".into()
                } else {
                    s.to_string()
                }
            }
        };
        exprs.push(match g.next() % 3 {
            0 => format!("{seq}[{a}:{b}:{c}]"),
            1 => format!("{seq}[{a}:{b}]"),
            _ => format!("{seq}[{}]", g.int(-12, 12)),
        });
    }
    check(cases(exprs), 1);
}

#[test]
fn arithmetic() {
    let mut g = Gen(0xfeed_face_cafe_beef);
    let numbers = [
        "0",
        "1",
        "-1",
        "7",
        "-7",
        "3",
        "-3",
        "2",
        "13",
        "-128",
        "1000000007",
        "9007199254740993",
        "True",
        "False",
        "0.0",
        "-0.0",
        "0.5",
        "-2.5",
        "7.25",
        "-3.75",
        "1e10",
        "1e-10",
        "0.1",
        "float('inf')",
    ];
    let ops = [
        "+", "-", "*", "/", "//", "%", "**", "<", "<=", "==", "!=", "&", "|", "^", "<<", ">>",
    ];
    let mut exprs = Vec::new();
    for _ in 0..3000 {
        let a = numbers[(g.next() % numbers.len() as u64) as usize];
        let b = numbers[(g.next() % numbers.len() as u64) as usize];
        let op = ops[(g.next() % ops.len() as u64) as usize];
        let b = if op == "**" && b.len() > 3 { "3" } else { b };
        let b = if (op == "<<" || op == ">>") && b.len() > 2 {
            "5"
        } else {
            b
        };
        exprs.push(format!("({a}) {op} ({b})"));
        if g.next().is_multiple_of(3) {
            exprs.push(format!("[round({a}), round({a}, {}), abs({a}), -({a}), int({a}) if {a} == {a} and abs({a}) != float('inf') else 0]", g.int(-2, 3)));
        }
    }
    check(cases(exprs), 5);
}

#[test]
fn big_division_and_rounding() {
    let mut g = Gen(0x5eed_1234_abcd_ef01);
    let mut exprs = Vec::new();
    for _ in 0..1500 {
        let a = g.next() as i64 >> (g.next() % 60);
        let b = (g.next() as i64 >> (g.next() % 62)) | 1;
        exprs.push(format!(
            "[{a} / {b}, {b} / {a} if {a} else 0, {a} // {b}, {a} % {b}]"
        ));
        let f = f64::from_bits(g.next() % 0x7ff0_0000_0000_0000);
        let scaled = (g.next() % 1_000_000) as f64 / 8.0 * 10f64.powi(g.int(-3, 12) as i32);
        let n = g.int(-20, 3);
        exprs.push(format!(
            "[round({f:e}, {n}), round({scaled:e}, {n}), round(-{scaled:e}, {})]",
            g.int(-6, 0)
        ));
    }
    check(cases(exprs), 1);
}

/// Random expressions over a small context: operators, builtins, methods,
/// subscripts, comprehensions; values and error messages must be CPython's.
struct Exprs(Gen);

const CONTEXT: &str = r#"{"n": 5, "f": 2.5, "s": "héllo wörld", "l": [3, 1, 2], "d": {"a": 1, "b": [2, "x"]}, "t": null, "e": "", "z": 0, "b": true, "w": ["x", "yy", "z"]}"#;

impl Exprs {
    fn atom(&mut self) -> String {
        let g = &mut self.0;
        match g.next() % 9 {
            0 => g.int(-5, 20).to_string(),
            1 => g.pick(&["0.5", "-1.25", "3.0", "1e3", "0.1"]).to_string(),
            2 => g
                .pick(&[
                    "'a'", "'bc'", "''", "'x,y'", "' p q '", "'Ab1'", "'%s-%d'", "'{}:{}'",
                ])
                .to_string(),
            3 => g.pick(&["None", "True", "False"]).to_string(),
            _ => g
                .pick(&["n", "f", "s", "l", "d", "t", "e", "z", "b", "w"])
                .to_string(),
        }
    }

    fn expr(&mut self, depth: u32) -> String {
        if depth == 0 {
            return self.atom();
        }
        let d = depth - 1;
        match self.0.next() % 16 {
            0 | 1 => self.atom(),
            2 | 3 => {
                let op = self.0.pick(&[
                    "+", "-", "*", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=", "in",
                    "not in", "and", "or", "&", "|", "^",
                ]);
                format!("({} {op} {})", self.expr(d), self.expr(d))
            }
            4 => format!("({} ** {})", self.0.int(-3, 9), self.0.int(-2, 5)),
            5 => format!(
                "{}({})",
                self.0.pick(&["-", "not ", "+", "~"]),
                self.expr(d)
            ),
            6 | 7 => {
                let f = self.0.pick(&[
                    "len", "str", "int", "float", "bool", "abs", "sorted", "list", "tuple", "min",
                    "max", "sum", "repr", "round", "any", "all", "chr", "ord", "hex", "dict",
                ]);
                match self.0.next() % 8 {
                    0 => format!("{f}({}, {})", self.expr(d), self.expr(d)),
                    _ => format!("{f}({})", self.expr(d)),
                }
            }
            8 => {
                let f = self.0.pick(&[
                    "list(reversed({}))",
                    "list(enumerate({}))",
                    "list(zip({}, {}))",
                    "list(range({}))",
                    "sorted(set({}))",
                    "list(map(str, {}))",
                    "list(filter(None, {}))",
                ]);
                let a = self.expr(d);
                let b = self.expr(d);
                f.replacen("{}", &a, 1).replacen("{}", &b, 1)
            }
            9 | 10 => {
                let m = self.0.pick(&[
                    "upper()",
                    "lower()",
                    "title()",
                    "split()",
                    "split({})",
                    "strip()",
                    "strip({})",
                    "replace({}, {})",
                    "count({})",
                    "find({})",
                    "startswith({})",
                    "join({})",
                    "get({})",
                    "get({}, {})",
                    "keys()",
                    "items()",
                    "values()",
                    "index({})",
                    "format({}, {})",
                    "center({})",
                    "zfill({})",
                    "isdigit()",
                    "capitalize()",
                ]);
                let a = self.expr(d);
                let b = self.expr(d);
                format!(
                    "({}).{}",
                    self.expr(d),
                    m.replacen("{}", &a, 1).replacen("{}", &b, 1)
                )
            }
            11 => format!("{}[{}]", self.expr(d), self.expr(d)),
            12 => format!(
                "{}[{}:{}]",
                self.expr(d),
                self.0.int(-3, 3),
                self.0.int(-3, 4)
            ),
            13 => format!(
                "({} if {} else {})",
                self.expr(d),
                self.expr(d),
                self.expr(d)
            ),
            14 => match self.0.next() % 3 {
                0 => format!("[{}, {}]", self.expr(d), self.expr(d)),
                1 => format!("({}, {})", self.expr(d), self.expr(d)),
                _ => format!("{{{}: {}}}", self.expr(d), self.expr(d)),
            },
            _ => format!("[x for x in {} if x]", self.expr(d)),
        }
    }
}

/// `RMOTE_TEMPLATE_SEED` and `RMOTE_TEMPLATE_CASES` override the seed and
/// the number of cases of the random tests, to search further.
fn seed_and_count(seed: u64, count: usize) -> (u64, usize) {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse().ok());
    (
        var("RMOTE_TEMPLATE_SEED").unwrap_or(seed),
        var("RMOTE_TEMPLATE_CASES").map_or(count, |c: u64| c as usize),
    )
}

#[test]
fn random_expressions() {
    let (seed, count) = seed_and_count(0xabad_1dea_f00d_cafe, 4000);
    let mut gen = Exprs(Gen(seed));
    let cases: Vec<Case> = (0..count)
        .map(|_| {
            let e = gen.expr(3);
            Case::with_context(format!("${{{e}}}"), CONTEXT)
        })
        .collect();
    check(cases, 10);
}

/// Random templates: text lines, assignments, list mutation, nested `if`
/// and `for` blocks with `break`, `continue` and `else`.
struct Templates {
    g: Gen,
    exprs: Exprs,
}

impl Templates {
    fn expr(&mut self) -> String {
        match self.g.next() % 3 {
            0 => self.exprs.expr(1),
            _ => self
                .g
                .pick(&[
                    "a", "b", "acc", "i", "v", "a + 1", "len(acc)", "b * 2", "i % 2", "acc[-1:]",
                    "str(v)",
                ])
                .to_string(),
        }
    }

    fn block(&mut self, depth: u32, in_loop: bool, out: &mut Vec<String>) {
        let lines = 1 + self.g.next() % 4;
        for _ in 0..lines {
            let choice = self.g.next() % if depth == 0 { 6 } else { 9 };
            match choice {
                0 | 1 => {
                    let e = self.expr();
                    out.push(format!("{}${{{e}}}", self.g.pick(&["", "t ", "  ", "x="])));
                }
                2 => out.push(
                    self.g
                        .pick(&["plain", "", "  indented", "50% off", "a ## b"])
                        .to_string(),
                ),
                3 => {
                    let target = self.g.pick(&["a", "b", "i", "v"]);
                    let e = self.expr();
                    out.push(format!("% {target} = {e}"));
                }
                4 => {
                    let e = self.expr();
                    out.push(format!("% acc.append({e})"));
                }
                5 => {
                    let target = self.g.pick(&["a", "b"]);
                    let op = self.g.pick(&["+=", "*=", "-="]);
                    out.push(format!(
                        "% {target} {op} {}",
                        self.g.pick(&["1", "2", "'z'", "[0]"])
                    ));
                }
                6 => {
                    out.push(format!("% if {}:", self.expr()));
                    self.block(depth - 1, in_loop, out);
                    if self.g.next().is_multiple_of(2) {
                        out.push(format!("% elif {}:", self.expr()));
                        self.block(depth - 1, in_loop, out);
                    }
                    if self.g.next().is_multiple_of(2) {
                        out.push("% else:".into());
                        self.block(depth - 1, in_loop, out);
                    }
                    out.push(self.g.pick(&["% endif", "% end", "%"]).to_string());
                }
                7 => {
                    let header = self.g.pick(&[
                        "% for v in range(3):",
                        "% for v in 'ab':",
                        "% for i, v in enumerate(acc[:3]):",
                        "% for v in acc[:]:",
                        "% for i, v in zip('xyz', range(2)):",
                    ]);
                    out.push(header.to_string());
                    self.block(depth - 1, true, out);
                    if self.g.next().is_multiple_of(3) {
                        out.push("% else:".into());
                        self.block(depth - 1, in_loop, out);
                    }
                    out.push(self.g.pick(&["% endfor", "% end"]).to_string());
                }
                _ if in_loop => {
                    out.push(format!("% if {}:", self.expr()));
                    out.push(self.g.pick(&["% break", "% continue"]).to_string());
                    out.push("% endif".into());
                }
                _ => out.push("% pass".into()),
            }
        }
    }
}

#[test]
fn random_templates() {
    let (seed, count) = seed_and_count(0x7e57_ab1e_0dd5_eed5, 1500);
    let mut t = Templates {
        g: Gen(seed),
        exprs: Exprs(Gen(seed ^ 0x0123_4567_89ab_cdef)),
    };
    let context = r#"{"a": 1, "b": "x", "acc": [], "i": 0, "v": null, "n": 5, "f": 2.5, "s": "héllo wörld", "l": [3, 1, 2], "d": {"a": 1, "b": [2, "x"]}, "t": null, "e": "", "z": 0, "w": ["x", "yy", "z"]}"#;
    let cases: Vec<Case> = (0..count)
        .map(|_| {
            let mut lines = Vec::new();
            t.block(3, false, &mut lines);
            Case::with_context(lines.join("\n"), context)
        })
        .collect();
    check(cases, 10);
}
