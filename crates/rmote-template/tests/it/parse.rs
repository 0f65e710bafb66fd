//! The parser through the public API: the tree and its spans, and every
//! syntax error with its message and position.

use rmote_template::{Block, Node, Piece, Template, MAX_DEPTH};

/// The tree of `source`, one node a line, indented by depth: `text` with
/// `'literal'` and `{code@line:col}` pieces, `stmt code@line:col`, a block
/// as its clauses (`keyword rest@line:col`) and `end@line:col`.
fn show(source: &str) -> String {
    let template = Template::parse(source).unwrap_or_else(|e| panic!("{e:#}"));
    let mut out = String::new();
    nodes(template.nodes(), 0, &mut out);
    out
}

fn nodes(nodes: &[Node<'_>], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for node in nodes {
        match node {
            Node::Text(text) => {
                let pieces: Vec<String> = text
                    .pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Literal(l) => format!("{l:?}"),
                        Piece::Expression(c) => format!("{{{}@{}}}", c.text, c.span),
                        _ => unreachable!(),
                    })
                    .collect();
                out.push_str(&format!("{pad}text@{} {}\n", text.span, pieces.join(" ")));
            }
            Node::Statement(code) => {
                out.push_str(&format!("{pad}stmt {}@{}\n", code.text, code.span));
            }
            Node::Block(block) => show_block(block, depth, out),
            _ => unreachable!(),
        }
    }
}

fn show_block(block: &Block<'_>, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for clause in &block.clauses {
        out.push_str(&format!(
            "{pad}{} {}@{} [{}]\n",
            clause.keyword, clause.rest.text, clause.rest.span, clause.header.text
        ));
        nodes(&clause.body, depth + 1, out);
    }
    out.push_str(&format!("{pad}end@{}\n", block.end));
}

#[track_caller]
fn check(source: &str, expected: &str) {
    assert_eq!(show(source), expected, "tree of {source:?}");
}

/// `expected` is the one-line message; `caret` the excerpt's caret line.
#[track_caller]
fn check_err(source: &str, expected: &str) {
    match Template::parse(source) {
        Ok(t) => panic!("{source:?} parsed: {:?}", t.nodes()),
        Err(err) => assert_eq!(err.to_string(), expected, "error of {source:?}"),
    }
}

#[track_caller]
fn check_caret(source: &str, caret: &str) {
    let err = Template::parse(source).unwrap_err();
    let excerpt = format!("{err:#}");
    assert_eq!(excerpt.lines().last().unwrap(), caret, "{excerpt}");
}

#[test]
fn text_statements_and_blocks() {
    check(
        "Hello ${name}!\n% x = 1  # one\n%%${x}%%",
        "text@1:1 \"Hello \" {name@1:9} \"!\"\nstmt x = 1@2:3\ntext@3:1 \"%\" {x@3:5} \"%%\"\n",
    );
    check(
        "% for i in range(3):\n  ${i}\n% endfor",
        "for i in range(3)@1:7 [for i in range(3)]\n  text@2:1 \"  \" {i@2:5}\nend@3:1\n",
    );
    check(
        "%if x\nA\n  %  elif y:\nB\n%else:\nC\n%endif:",
        "if x@1:5 [if x]\n  text@2:1 \"A\"\nelif y@3:11 [elif y]\n  text@4:1 \"B\"\n\
         else @5:6 [else]\n  text@6:1 \"C\"\nend@7:1\n",
    );
    check(
        "% try:\n% x = 1\n% except (A, B) as e:\n% else\n% finally:\n% end",
        "try @1:6 [try]\n  stmt x = 1@2:3\nexcept (A, B) as e@3:10 [except (A, B) as e]\n\
         else @4:7 [else]\nfinally @5:10 [finally]\nend@6:1\n",
    );
    check(
        "% while n:\n% n -= 1\n% else\nz\n% endwhile",
        "while n@1:9 [while n]\n  stmt n -= 1@2:3\nelse @3:7 [else]\n  text@4:1 \"z\"\nend@5:1\n",
    );
}

#[test]
fn every_block_keyword_and_terminator() {
    check(
        "% def f(a, b=lambda: 1):\n% return a\n% enddef\n% class C(object):\n% x = 1\n% endclass\n\
         % with open(p) as fh:\n%\n% for x in y:\n% end",
        "def f(a, b=lambda: 1)@1:7 [def f(a, b=lambda: 1)]\n  stmt return a@2:3\nend@3:1\n\
         class C(object)@4:9 [class C(object)]\n  stmt x = 1@5:3\nend@6:1\n\
         with open(p) as fh@7:8 [with open(p) as fh]\nend@8:1\nfor x in y@9:7 [for x in y]\nend@10:1\n",
    );
    check(
        "% for k in {1: 2}:\n% endfor\n% if (n := 3) > 2:\n% endif",
        "for k in {1: 2}@1:7 [for k in {1: 2}]\nend@2:1\nif (n := 3) > 2@3:6 [if (n := 3) > 2]\nend@4:1\n",
    );
}

#[test]
fn comments_and_escapes_leave_no_nodes() {
    check("## a\n  ## b\n% # c\nx ## d", "text@4:1 \"x ## d\"\n");
    check(r"\${x} ${}", "text@1:1 \"${x} \"\n");
    check("", "");
}

#[test]
fn spans_of_nodes() {
    let source = "é\n  % if  ok :\n ${ v }\n  % endif";
    let template = Template::parse(source).unwrap();
    let Node::Block(block) = &template.nodes()[1] else {
        panic!()
    };
    let clause = &block.clauses[0];
    assert_eq!(clause.span.text(source), "% if  ok :");
    assert_eq!((clause.span.line, clause.span.column), (2, 3));
    assert_eq!(clause.header.span.text(source), "if  ok");
    assert_eq!(clause.rest.span.text(source), "ok");
    assert_eq!(block.end.text(source), "% endif");
    let Node::Text(text) = &clause.body[0] else {
        panic!()
    };
    assert_eq!(text.span.text(source), " ${ v }");
    let Piece::Expression(code) = text.pieces[1] else {
        panic!()
    };
    assert_eq!((code.text, code.span.text(source)), ("v", "v"));
}

#[test]
fn block_structure_errors() {
    check_err(
        "a\n% for x in y:\nb",
        "syntax error at 2:1: `% for` is never closed",
    );
    check_err(
        "% for x in y:\n% if x:\n% endfor",
        "syntax error at 3:1: `% endfor` cannot close `% if` (opened at 2:1)",
    );
    check_err(
        "% if a:\n% for x in y:\n",
        "syntax error at 2:1: `% for` is never closed",
    );
    check_err(
        "a\n% endif",
        "syntax error at 2:1: `% endif` closes no block",
    );
    check_err("a\n% end", "syntax error at 2:1: `% end` closes no block");
    check_err("a\n  %", "syntax error at 2:3: `%` closes no block");
    check_err(
        "% enddef",
        "syntax error at 1:1: `% enddef` closes no block",
    );
    check_err(
        "% else",
        "syntax error at 1:1: `% else` without an open `% if`, `% for`, `% while` or `% try`",
    );
    check_err(
        "x\n% elif y",
        "syntax error at 2:1: `% elif` without an open `% if`",
    );
    check_err(
        "% except:",
        "syntax error at 1:1: `% except` without an open `% try`",
    );
    check_err(
        "% finally",
        "syntax error at 1:1: `% finally` without an open `% try`",
    );
    check_err(
        "% for x in y:\n% elif x",
        "syntax error at 2:1: `% elif` cannot continue `% for` (opened at 1:1)",
    );
    check_err(
        "% with a:\n% else",
        "syntax error at 2:1: `% else` cannot continue `% with` (opened at 1:1)",
    );
    check_err(
        "% if a:\n% for x in y:\n% else\n% except",
        "syntax error at 4:1: `% except` cannot continue `% for` (opened at 2:1)",
    );
    check_err(
        "% if a:\n% else\n% elif b",
        "syntax error at 3:1: `% elif` after `% else`",
    );
    check_err(
        "% if a:\n% else\n% else",
        "syntax error at 3:1: `% else` after `% else`",
    );
    check_err(
        "% for a in b:\n% else\n% else",
        "syntax error at 3:1: `% else` after `% else`",
    );
    check_err(
        "% try:\n% finally:\n% except:",
        "syntax error at 3:1: `% except` after `% finally`",
    );
    check_err(
        "% try:\n% except:\n% else:\n% except:",
        "syntax error at 4:1: `% except` after `% else`",
    );
    check_err(
        "% try:\n% finally:\n% else:",
        "syntax error at 3:1: `% else` after `% finally`",
    );
    check_err(
        "% try:\n% finally:\n% finally:",
        "syntax error at 3:1: `% finally` after `% finally`",
    );
    check_err(
        "% try:\n% else:",
        "syntax error at 2:1: `% else` of `% try` needs an `% except` before it",
    );
    check_err(
        "a\n% try:\nb\n% endtry",
        "syntax error at 2:1: `% try` needs an `% except` or a `% finally`",
    );
}

#[test]
fn header_errors() {
    check_err(
        "% if x: y = 1",
        "syntax error at 1:9: one-line `% if` is not supported: put `y = 1` on the next line",
    );
    check_err(
        "% for x in y: ${x}",
        "syntax error at 1:15: one-line `% for` is not supported: put `${x}` on the next line",
    );
    check_err(
        "% async for x in y:",
        "syntax error at 1:1: `async` blocks are not supported",
    );
    check_err(
        "% match x:",
        "syntax error at 1:1: `match` does not open a block \
         (blocks are for, if, while, with, try, def and class)",
    );
    check_err(
        "% if a:\n% else if b:",
        "syntax error at 2:8: unexpected `if b` after `% else` (use `% elif`)",
    );
    check_err(
        "% try x:",
        "syntax error at 1:7: unexpected `x` after `% try`",
    );
    check_err(
        "% for x in y:\n% endfor x",
        "syntax error at 2:10: unexpected `x` after `% endfor`",
    );
    check_err("% if:", "syntax error at 1:1: `% if` needs a condition");
    check_err(
        "% while",
        "syntax error at 1:1: `% while` needs a condition",
    );
    check_err(
        "% for :",
        "syntax error at 1:1: `% for` needs `target in iterable`",
    );
    check_err(
        "% with",
        "syntax error at 1:1: `% with` needs a context manager",
    );
    check_err(
        "% def:",
        "syntax error at 1:1: `% def` needs a name and parameters",
    );
    check_err("% class", "syntax error at 1:1: `% class` needs a name");
    check_err(
        "% @cache\ntext",
        "syntax error at 1:1: a decorator must be followed by `% def` or `% class`",
    );
    check_err(
        "% @a\n% @b",
        "syntax error at 2:1: a decorator must be followed by `% def` or `% class`",
    );
    check(
        "% @a\n% @b(1)\n% def f():\n% pass\n% end",
        "stmt @a@1:3\nstmt @b(1)@2:3\ndef f()@3:7 [def f()]\n  stmt pass@4:3\nend@5:1\n",
    );
}

#[test]
fn python_code_errors() {
    check_err("a\nb ${x", "syntax error at 2:3: `${` is never closed");
    check_err(
        "${x  # hm}",
        "syntax error at 1:6: a comment (`#`) cannot appear inside `${…}`",
    );
    check_err(
        "${'}",
        "syntax error at 1:3: string literal is never closed",
    );
    check_err("${ f(x }", "syntax error at 1:5: `(` is never closed");
    check_err("${ x) }", "syntax error at 1:5: unmatched `)`");
    check_err("% x = [1,\n2]", "syntax error at 1:7: `[` is never closed");
    check_err(
        "% x = 1 \\",
        "syntax error at 1:9: a backslash can only appear inside a string literal",
    );
    check_err(
        "% x = '''a",
        "syntax error at 1:7: string literal is never closed",
    );
}

#[test]
fn carets_under_the_culprit() {
    check_caret("a ${x", "  |   ^^");
    check_caret("% if x: y = 1", "  |         ^^^^^");
    check_caret("% for x in y:", "  | ^^^^^^^^^^^^^");
    check_caret("  % endif", "  |   ^^^^^^^");
}

#[test]
fn nesting_is_limited() {
    let ok: String = "% if x:\n".repeat(MAX_DEPTH) + &"% endif\n".repeat(MAX_DEPTH);
    Template::parse(&ok).unwrap();
    let deep: String = "% if x:\n".repeat(MAX_DEPTH + 1) + &"% endif\n".repeat(MAX_DEPTH + 1);
    check_err(
        &deep,
        &format!(
            "syntax error at {}:1: blocks are nested more than 64 deep",
            MAX_DEPTH + 1
        ),
    );
}
