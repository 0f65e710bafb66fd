//! Template: every fixture of rmote-template rendered by the remote's
//! Python, errors located in the template, the compile cache, files.

use std::collections::BTreeMap;

use rmote_template::{Compiled, ErrorKind};
use rmote_tools::{RenderError, Template};
use serde_json::json;

use crate::common::{connect, s};

#[path = "../../../rmote-template/tests/it/fixture.rs"]
mod fixture;

use fixture::Expected;

/// What rendering `source` with `context` on a fresh remote gives: the text
/// or the error's one-line display.
async fn outcome(
    conn: &rmote_session::Connection,
    source: &str,
    context: &serde_json::Value,
) -> Result<String, String> {
    let compiled = Compiled::new(source).map_err(|e| e.to_string())?;
    Template::render_on(conn, &compiled, context)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn every_fixture_renders_as_expected() {
    let conn = connect().await;
    let fixtures = fixture::all();
    assert!(fixtures.len() >= 40, "only {} fixtures", fixtures.len());
    let mut failures = Vec::new();
    for case in &fixtures {
        let context: serde_json::Value = match &case.context {
            Some(text) => {
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{}.json: {e}", case.name))
            }
            None => json!({}),
        };
        let got = outcome(&conn, &case.source, &context).await;
        let matches = match (&got, &case.expected) {
            (Ok(text), Expected::Output(out)) => text == out,
            (Err(err), Expected::Error(expected)) => err == expected,
            _ => false,
        };
        if !matches {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                case.name, case.expected, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_name_error_is_located_in_the_template() {
    let conn = connect().await;
    let source = "Report\n\n% for h in hosts:\n  ${h}: ${x}\n% endfor";
    let compiled = Compiled::new(source).unwrap();
    let err = Template::render_on(&conn, &compiled, &json!({"hosts": ["a"]}))
        .await
        .unwrap_err();
    let located = err.template().expect("a template error");
    assert_eq!(located.kind(), ErrorKind::Render);
    assert_eq!(
        format!("{err:#}"),
        "render error at 4:11: NameError: name 'x' is not defined\n\
         4 |   ${h}: ${x}\n  |           ^"
    );
}

#[tokio::test]
async fn a_syntax_error_in_an_expression_is_located_in_the_template() {
    let conn = connect().await;
    // Python finds these, not the template parser: the position is the
    // template's, inside the expression, whatever Python's message is.
    let cases = [
        ("a\n  b ${x +* 2} c", 2, 7..=13),
        ("% if x:\n% y = = 1\n% endif", 2, 3..=9),
        ("% for i in in x:\n% endfor", 1, 7..=16),
        ("${é = 1}", 1, 3..=8),
        ("% for i in x:\n  ${i +* 1}\n% endfor", 2, 8..=9),
        ("a\nb\n% for i in x:\nc ${f'{i +}'}\n% endfor", 4, 5..=15),
    ];
    for (source, line, columns) in cases {
        let err = outcome(&conn, source, &json!({"x": 1})).await.unwrap_err();
        let compiled = Compiled::new(source).unwrap();
        let remote = Template::render_on(&conn, &compiled, &json!({"x": 1}))
            .await
            .unwrap_err();
        let located = remote.template().expect("a template error");
        assert_eq!(located.kind(), ErrorKind::Syntax, "{source:?}: {err}");
        assert_eq!(located.span().line, line, "{source:?}: {err}");
        assert!(
            columns.contains(&located.span().column),
            "{source:?}: {err}"
        );
        assert!(
            err.starts_with(&format!("syntax error at {line}:")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn syntax_errors_of_the_template_are_found_before_sending() {
    let err = Template::render("a\n% for x in y:\n", &json!({})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "syntax error at 2:1: `% for` is never closed"
    );
    let err = Template::render("${'}", &()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax);
}

#[tokio::test]
async fn context_keys_named_template_and_path() {
    let conn = connect().await;
    let mut context = BTreeMap::new();
    context.insert("template", "T");
    context.insert("path", "P");
    context.insert("__rmote_w__", "reserved");
    let text = conn
        .call(Template::render("${template}/${path}", &context).unwrap())
        .await
        .unwrap();
    assert_eq!(text, "T/P");

    #[derive(serde::Serialize)]
    struct Host {
        name: &'static str,
        ports: Vec<u16>,
    }
    let host = Host {
        name: "web1",
        ports: vec![80, 443],
    };
    let text = conn
        .call(Template::render("${name}: ${', '.join(str(p) for p in ports)}", &host).unwrap())
        .await
        .unwrap();
    assert_eq!(text, "web1: 80, 443");

    let text = conn
        .call(Template::render("no context", &()).unwrap())
        .await
        .unwrap();
    assert_eq!(text, "no context");
}

#[tokio::test]
async fn a_context_that_is_not_a_map_is_refused() {
    let conn = connect().await;
    let compiled = Compiled::new("x").unwrap();
    let err = Template::render_on(&conn, &compiled, &[1, 2])
        .await
        .unwrap_err();
    let RenderError::Session(err) = err else {
        panic!("expected a session error, got {err:?}")
    };
    assert_eq!(err.remote().unwrap().short_type_name(), "TypeError");
    assert_eq!(
        err.remote().unwrap().message(),
        "the context must be a map, not list"
    );
}

#[tokio::test]
async fn the_same_code_is_compiled_once() {
    let conn = connect().await;
    let source = format!("cache ${{n}} {}", std::process::id());
    let compiled = Compiled::new(source.as_str()).unwrap();
    let before = conn.call(Template::cache_info()).await.unwrap();
    for n in 0..3 {
        let text = Template::render_on(&conn, &compiled, &json!({"n": n}))
            .await
            .unwrap();
        assert_eq!(text, format!("cache {n} {}", std::process::id()));
    }
    // The same source compiled again here gives the same code: a hit.
    let again = Compiled::new(source.as_str()).unwrap();
    Template::render_on(&conn, &again, &json!({"n": 9}))
        .await
        .unwrap();
    let after = conn.call(Template::cache_info()).await.unwrap();
    assert_eq!(after.compiles - before.compiles, 1, "{before:?} {after:?}");
    assert_eq!(after.hits - before.hits, 3, "{before:?} {after:?}");
    assert_eq!(after.max_size, 64);

    // The cache is bounded.
    for i in 0..70 {
        let compiled = Compiled::new(format!("t{i}")).unwrap();
        Template::render_on(&conn, &compiled, &()).await.unwrap();
    }
    let full = conn.call(Template::cache_info()).await.unwrap();
    assert_eq!(full.size, 64);
    // The first template was evicted long ago: it compiles again.
    Template::render_on(&conn, &compiled, &json!({"n": 1}))
        .await
        .unwrap();
    let last = conn.call(Template::cache_info()).await.unwrap();
    assert_eq!(last.compiles, full.compiles + 1);
}

#[tokio::test]
async fn a_compiled_template_serves_many_remotes() {
    let compiled = Compiled::new("% for i in range(n):\n${i}\n% endfor").unwrap();
    for n in 1..=2 {
        let conn = connect().await;
        let text = Template::render_on(&conn, &compiled, &json!({"n": n}))
            .await
            .unwrap();
        assert_eq!(
            text,
            (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join("\n")
        );
    }
}

#[tokio::test]
async fn template_files_are_read_on_the_remote() {
    let conn = connect().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("motd.tmpl");
    std::fs::write(
        &path,
        "Welcome to ${host}\r\n% if users:\nusers: ${len(users)}\n% endif\n",
    )
    .unwrap();
    let text = Template::render_file(&conn, s(&path), &json!({"host": "web1", "users": [1, 2]}))
        .await
        .unwrap();
    assert_eq!(text, "Welcome to web1\nusers: 2");

    std::fs::write(&path, "ok\n${ nope }\n").unwrap();
    let err = Template::render_file(&conn, s(&path), &json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "render error at 2:4: NameError: name 'nope' is not defined\n2 | ${ nope }\n  |    ^^^^"
    );

    std::fs::write(&path, "% endif\n").unwrap();
    let err = Template::render_file(&conn, s(&path), &json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "syntax error at 1:1: `% endif` closes no block"
    );

    let missing = dir.path().join("missing.tmpl");
    let err = Template::render_file(&conn, s(&missing), &json!({}))
        .await
        .unwrap_err();
    let RenderError::Session(err) = err else {
        panic!("expected a session error, got {err:?}")
    };
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn errors_other_than_template_errors_are_not_located() {
    let conn = connect().await;
    let err = conn
        .call(Template::render("x", &[1, 2]).unwrap())
        .await
        .unwrap_err();
    assert!(err.remote().is_some(), "{err}");
    assert!(Template::error("x", &err).is_none(), "{err}");
}

/// The "Rendering remotely" example of rmote-template's crate guide (marked
/// `ignore` there: that crate cannot depend on this one).
#[tokio::test]
async fn the_crate_guides_remote_example_renders() {
    let conn = connect().await;
    let compiled = Compiled::new("% import socket\nI am ${socket.gethostname()}, ${who}.").unwrap();
    let context = BTreeMap::from([("who", "rendered remotely")]);
    let text = Template::render_on(&conn, &compiled, &context)
        .await
        .unwrap();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(
        text,
        format!("I am {}, rendered remotely.", hostname.trim())
    );
}
