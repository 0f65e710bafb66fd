//! The fixture directory, front end and Python back end: every case
//! parses (or fails to parse with exactly its expected syntax error) and
//! compiles. The cases are rendered remotely by the tests of rmote-tools.

use rmote_template::{Compiled, ErrorKind, Template};

use crate::fixture::{all, Expected};

#[test]
fn every_fixture_parses_as_expected() {
    let fixtures = all();
    assert!(fixtures.len() >= 40, "only {} fixtures", fixtures.len());
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let parsed = Template::parse(&fixture.source);
        match (&parsed, &fixture.expected) {
            (Ok(template), _) => {
                let compiled = Compiled::from_template(template);
                assert_eq!(compiled.source(), fixture.source);
            }
            (Err(err), Expected::Error(expected)) if err.to_string() == *expected => {}
            (Err(err), _) => failures.push(format!("{}: {err}", fixture.name)),
        }
        if let (Ok(_), Expected::Error(expected)) = (&parsed, &fixture.expected) {
            // Found only when rendering: a Python error, or a render error.
            let found_later =
                expected.starts_with("render error") || expected.starts_with("syntax error");
            if !found_later {
                failures.push(format!("{}: parsed, expected {expected}", fixture.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn parse_errors_are_syntax_errors() {
    for fixture in all() {
        if let Err(err) = Template::parse(&fixture.source) {
            assert_eq!(err.kind(), ErrorKind::Syntax, "{}", fixture.name);
        }
    }
}
