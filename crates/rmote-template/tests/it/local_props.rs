//! Random values against CPython: their `str()` and `repr()` (through a
//! list) must be byte for byte CPython's, in batches of templates per
//! interpreter process.

use proptest::prelude::*;

use crate::pythons::{compare, Case};

/// A random Python value, as the source of a literal.
fn literal() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("None".to_string()),
        any::<bool>().prop_map(|b| if b { "True" } else { "False" }.to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        (-1000i64..1000).prop_map(|i| i.to_string()),
        float(),
        string(),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| match v.len() {
                1 => format!("({},)", v[0]),
                _ => format!("({})", v.join(", ")),
            }),
            prop::collection::vec((key(), inner), 0..4).prop_map(|v| {
                let entries: Vec<String> = v.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", entries.join(", "))
            }),
        ]
    })
}

/// A hashable value's literal, for dict keys.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        (-3i64..3).prop_map(|i| i.to_string()),
        Just("True".to_string()),
        Just("1.0".to_string()),
        Just("None".to_string()),
        string(),
        (string(), -2i64..2).prop_map(|(s, i)| format!("({s}, {i})")),
    ]
}

/// A float literal: any bits, plus the interesting ones.
fn float() -> impl Strategy<Value = String> {
    let special = prop_oneof![
        Just(0.0f64),
        Just(-0.0),
        Just(0.1),
        Just(1e16),
        Just(1e15),
        Just(9999999999999998.0),
        Just(0.0001),
        Just(0.00001),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
        Just(5e-324),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
    ];
    let scaled = (-1e6f64..1e6, -20i32..20).prop_map(|(m, e)| m * 10f64.powi(e));
    prop_oneof![special, any::<f64>(), scaled].prop_map(|f| {
        if f.is_nan() {
            "float('nan')".to_string()
        } else if f.is_infinite() {
            format!("float('{}inf')", if f < 0.0 { "-" } else { "" })
        } else {
            // Rust's shortest round-trip digits: Python reads back the
            // same float.
            format!("{f:e}")
        }
    })
}

/// A string literal of random characters, written with escapes only.
fn string() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => proptest::char::range(' ', '~'),
        2 => prop_oneof![Just('\''), Just('"'), Just('\\'), Just('\n'), Just('\t'), Just('\r')],
        1 => proptest::char::range('\0', '\x1f'),
        1 => proptest::char::range('\u{7f}', '\u{ff}'),
        1 => proptest::char::range('\u{100}', '\u{ffff}'),
        1 => proptest::char::range('\u{10000}', '\u{10ffff}'),
    ];
    prop::collection::vec(c, 0..8).prop_map(|chars| {
        let mut out = String::from("'");
        for c in chars {
            match c {
                ' '..='~' if c != '\'' && c != '\\' => out.push(c),
                _ => out.push_str(&format!("\\U{:08x}", c as u32)),
            }
        }
        out.push('\'');
        out
    })
}

/// Floats whose shortest digits tie between two candidates (a quarter or
/// three quarters above an integer of 16 digits), and floats of every
/// magnitude: their repr must be CPython's.
#[test]
fn float_repr_matches_cpython_on_ties_and_magnitudes() {
    let mut floats = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..400 {
        let k = (1u64 << 50) + next() % (1u64 << 50);
        floats.push(k as f64 + 0.25);
        floats.push(k as f64 + 0.75);
        floats.push(f64::from_bits(next() % 0x7ff0_0000_0000_0000));
        let p = (next() % 600) as i32 - 300;
        floats.push(((1u64 << 52) | (next() % (1u64 << 52))) as f64 * 2f64.powi(p - 52));
    }
    for e in -30..30 {
        floats.push(10f64.powi(e));
        floats.push(2f64.powi(e * 30));
    }
    let literals: Vec<String> = floats.iter().map(|f| format!("{f:e}")).collect();
    let cases: Vec<Case> = literals
        .chunks(20)
        .map(|chunk| Case::new(format!("${{[{}]}}", chunk.join(", "))))
        .collect();
    let report = compare(&cases);
    assert!(
        report.mismatches.is_empty(),
        "{}",
        report.mismatches.join("\n")
    );
    assert!(report.refused.is_empty(), "{:#?}", report.refused);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn str_and_repr_of_random_values_match_cpython(values in prop::collection::vec(literal(), 120)) {
        let cases: Vec<Case> = values
            .iter()
            .map(|v| Case::new(format!("${{{v}}}\n${{[{v}]}}")))
            .collect();
        let report = compare(&cases);
        prop_assert!(
            report.mismatches.is_empty(),
            "{} mismatches:\n{}",
            report.mismatches.len(),
            report.mismatches.join("\n")
        );
        // Refusals are for characters whose repr depends on the Unicode
        // version, and for NaN inside containers; they stay rare.
        prop_assert!(report.refused.len() * 3 < cases.len(), "{:#?}", report.refused);
    }
}
