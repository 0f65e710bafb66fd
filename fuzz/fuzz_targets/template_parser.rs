//! Arbitrary UTF-8 parsed as a template and compiled to Python: errors are
//! fine, panics are not. Spans must cover the text they claim, and the
//! line map must have one entry per generated line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmote_template::{Compiled, ErrorKind, Node, Piece, Template, LINE_MAP_STRIDE};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match Template::parse(source) {
        Ok(template) => {
            check_nodes(source, template.nodes());
            let compiled = Compiled::from_template(&template);
            let lines = compiled.code().lines().count();
            assert_eq!(compiled.line_map().len(), lines * LINE_MAP_STRIDE);
            for n in 1..=lines {
                let origin = compiled.origin(n).expect("an origin per line");
                assert!(origin.line as usize <= source.len() + 1);
            }
            // Positions a remote could report, valid or not.
            let err = compiled.error_at(ErrorKind::Render, 3, 7, 40, "boom");
            let _ = format!("{err:#}");
        }
        Err(err) => {
            let span = err.span();
            assert!(span.offset + span.len <= source.len(), "{err}");
            let _ = format!("{err:#}");
        }
    }
});

fn check_nodes(source: &str, nodes: &[Node<'_>]) {
    for node in nodes {
        match node {
            Node::Text(text) => {
                for piece in &text.pieces {
                    if let Piece::Expression(code) = piece {
                        assert_eq!(code.span.text(source), code.text);
                    }
                }
            }
            Node::Statement(code) => assert_eq!(code.span.text(source), code.text),
            Node::Block(block) => {
                for clause in &block.clauses {
                    assert_eq!(clause.header.span.text(source), clause.header.text);
                    assert_eq!(clause.rest.span.text(source), clause.rest.text);
                    check_nodes(source, &clause.body);
                }
            }
            _ => {}
        }
    }
}
