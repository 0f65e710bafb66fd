//! rmote's Mako-like template language.
//!
//! A template is text with Python in it: `${expr}` inserts `str()` of a
//! Python expression, and a line whose first non-blank character is `%`
//! runs a Python statement or opens, continues or closes a block:
//!
//! ```text
//! ## A comment line: it leaves nothing behind.
//! Hosts of ${site}:
//! % for name, ip in hosts:
//!   ${name.ljust(8)} ${ip}
//! % endfor
//! %% is a literal percent at the start of a line; \${ is a literal ${.
//! ```
//!
//! The output is the text lines that ran, joined by `\n`, without a
//! trailing newline. Blocks are `for`, `if`/`elif`/`else`, `while`,
//! `with`, `try`/`except`/`else`/`finally`, `def` and `class` (with `else`
//! on loops), closed by `% end`, a bare `%`, or `% end<keyword>`; headers
//! take an optional `:`. A `% def` whose body has text lines returns its
//! text, so `${greet("ann")}` inserts it. The block structure is checked
//! when parsing: a block never closed, a terminator that closes nothing or
//! the wrong block, a clause out of place are errors at the template's line
//! and column. `COMPATIBILITY.md` lists every difference from Mako and from
//! the reference implementation.
//!
//! [`Template::parse`] builds the tree of [`Node`]s, with a [`Span`] on
//! everything. Two back ends render it: [`Compiled`] is Python code (with a
//! line map back to the template) that the `Template` tool of `rmote-tools`
//! runs on a remote, and the local renderer evaluates a subset of Python in
//! Rust.
//!
//! ```
//! use rmote_template::{Compiled, Node, Template};
//!
//! let source = "Hello ${name}!\n% for i in range(n):\n${i}\n% endfor";
//! let template = Template::parse(source)?;
//! assert_eq!(template.nodes().len(), 2);
//! assert!(matches!(template.nodes()[1], Node::Block(_)));
//!
//! let compiled = Compiled::from_template(&template);
//! assert!(compiled.code().contains("for i in range(n):"));
//!
//! let err = Template::parse("a\n% endif").unwrap_err();
//! assert_eq!(err.to_string(), "syntax error at 2:1: `% endif` closes no block");
//! # Ok::<(), rmote_template::Error>(())
//! ```
//!
//! # Local rendering
//!
//! [`LocalTemplate`] renders a template in Rust, without Python. For every
//! template in its subset of Python the output is byte for byte what the
//! Python back end gives on CPython 3.6 to 3.15 (a test renders thousands of
//! cases both ways); a Python exception is a render error carrying
//! CPython's own text (`NameError: name 'x' is not defined`, as `python3`
//! words it); and anything outside the subset is an
//! [`ErrorKind::NotSupportedLocally`] error at the construct, never a
//! different answer. [`LocalTemplate::new`] parses all the code first, so
//! syntax errors and unsupported syntax are found before anything renders.
//!
//! The subset:
//!
//! - blocks `for` (targets unpack, `else` allowed), `if`/`elif`/`else`,
//!   `while` (with `else`); statements `x = …`, `a, b = …`, `a = b = …`,
//!   `d[k] = …`, augmented assignments (`+=` extends a list in place), calls
//!   such as `% items.append(x)`, `pass`, `break`, `continue`;
//! - literals (`None`, `True`, `False`, 64-bit ints, floats, strings with
//!   every prefix but `f`, bytes, lists, tuples, dicts, sets) and list, dict,
//!   set and generator comprehensions;
//! - every operator but `@` and `:=`, chained comparisons, `is` where the
//!   answer does not depend on CPython's object caches (`None`, `True`,
//!   `False`, the same list or dict), subscripts and slices, calls with `*`
//!   and `**`, `%`-formatting;
//! - the builtins `abs all any bin bool chr dict divmod enumerate filter
//!   float format hex int isinstance iter len list map max min next oct ord
//!   pow range repr reversed round set sorted str sum tuple type zip`;
//! - the methods of `str`, `list`, `dict`, `tuple`, `set` and `range` that
//!   exist in every CPython from 3.6 on (case changes with full Unicode
//!   mappings), `bytes.decode`, `float.is_integer`; the format spec
//!   mini-language with the types `s d b o x X e E f F g G %`.
//!
//! Outside it: `def`, `class`, `try`, `with`, `import`, `del`, `lambda`,
//! f-strings, integers beyond 64 bits, and whatever CPython versions answer
//! differently (the order of a set, `sum()` of floats that needs rounding,
//! `repr` and case of characters newer than Unicode 9). `COMPATIBILITY.md` has the
//! complete list. The context is any `serde::Serialize` map or struct,
//! converted the way the remote side receives it.
//!
//! ```
//! use rmote_template::{ErrorKind, LocalTemplate, Template};
//! use std::collections::BTreeMap;
//!
//! let template = Template::parse("% for k, v in sorted(opts.items()):\n${k}=${repr(v)}\n% endfor")?;
//! let local = LocalTemplate::new(&template)?;
//! let mut opts = BTreeMap::new();
//! opts.insert("port", "22");
//! opts.insert("host", "web");
//! let context = BTreeMap::from([("opts", opts)]);
//! assert_eq!(local.render(&context)?, "host='web'\nport='22'");
//!
//! let template = Template::parse("${lambda: 1}")?;
//! let err = LocalTemplate::new(&template).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::NotSupportedLocally);
//! # Ok::<(), rmote_template::Error>(())
//! ```
//!
//! ## A realistic template: an nginx virtual host
//!
//! Loops, conditionals, assignments and the string methods config files
//! need, rendered locally (the same text renders remotely, see below):
//!
//! ```
//! use rmote_template::{LocalTemplate, Template};
//! use serde::Serialize;
//!
//! #[derive(Serialize)]
//! struct Site<'a> {
//!     server_names: Vec<&'a str>,
//!     root: &'a str,
//!     tls: Option<&'a str>,
//!     upstreams: Vec<(&'a str, u16)>,
//!     locations: Vec<(&'a str, &'a str)>,
//! }
//!
//! const VHOST: &str = r#"## nginx vhost, generated: do not edit by hand
//! % primary = server_names[0]
//! upstream ${primary.replace('.', '_')} {
//! % for host, port in upstreams:
//!     server ${host}:${port} weight=${3 if loop_first(host) else 1};
//! % endfor
//! }
//!
//! server {
//! % if tls:
//!     listen 443 ssl;
//!     ssl_certificate     /etc/ssl/${tls}.crt;
//!     ssl_certificate_key /etc/ssl/private/${tls}.key;
//! % else:
//!     listen 80;
//! % endif
//!     server_name ${' '.join(server_names)};
//!     root ${root};
//!
//! % for path, target in sorted(locations):
//!     location ${path} {
//! %   if target.startswith('http'):
//!         proxy_pass ${target};
//! %   else:
//!         try_files $uri ${target};
//! %   endif
//!     }
//! % endfor
//! }"#;
//!
//! let site = Site {
//!     server_names: vec!["example.com", "www.example.com"],
//!     root: "/srv/example",
//!     tls: Some("example.com"),
//!     upstreams: vec![("10.0.0.1", 8080), ("10.0.0.2", 8080)],
//!     locations: vec![("/api/", "http://example_com"), ("/", "/index.html")],
//! };
//! // `loop_first` is not a builtin: templates get only what the context
//! // gives them, so the template above fails, clearly, at its own line.
//! let template = Template::parse(VHOST)?;
//! let err = LocalTemplate::new(&template)?.render(&site).unwrap_err();
//! assert_eq!(err.to_string(), "render error at 5:42: NameError: name 'loop_first' is not defined");
//!
//! // Fixed: the first upstream gets more weight.
//! let fixed = VHOST.replace("loop_first(host)", "host == upstreams[0][0]");
//! let template = Template::parse(&fixed)?;
//! let text = LocalTemplate::new(&template)?.render(&site)?;
//! assert_eq!(text, "\
//! upstream example_com {
//!     server 10.0.0.1:8080 weight=3;
//!     server 10.0.0.2:8080 weight=1;
//! }
//!
//! server {
//!     listen 443 ssl;
//!     ssl_certificate     /etc/ssl/example.com.crt;
//!     ssl_certificate_key /etc/ssl/private/example.com.key;
//!     server_name example.com www.example.com;
//!     root /srv/example;
//!
//!     location / {
//!         try_files $uri /index.html;
//!     }
//!     location /api/ {
//!         proxy_pass http://example_com;
//!     }
//! }");
//! # Ok::<(), rmote_template::Error>(())
//! ```
//!
//! ## Rendering remotely
//!
//! [`Compiled`] turns a template into Python with a map back to the
//! template's lines; the `Template` tool of `rmote-tools` renders it in the
//! remote interpreter with full Python semantics (imports, `def`, `try`…),
//! and reports any error at the template's own line and column (this
//! example runs as the test `template::the_crate_guides_remote_example_renders`
//! of `rmote-tools`, which depends on this crate):
//!
//! ```ignore
//! # async fn demo(conn: rmote_session::Connection) -> Result<(), Box<dyn std::error::Error>> {
//! use rmote_template::Compiled;
//! use rmote_tools::Template;
//!
//! let compiled = Compiled::new("% import socket\nI am ${socket.gethostname()}, ${who}.")?;
//! let context = std::collections::BTreeMap::from([("who", "rendered remotely")]);
//! let text = Template::render_on(&conn, &compiled, &context).await?;
//! # Ok(()) }
//! ```
//!
//! ## A template rendered remotely is code
//!
//! Remotely, a template is a Python program: `% import os` works, and so
//! does `${open('/etc/shadow').read()}` when the interpreter runs as root.
//! Render remotely only templates you would run as scripts on that host. The
//! local renderer runs no code but its own: it reads its context and nothing
//! else (no imports, no files, no `eval`, no dunder attributes; each is
//! refused as `not supported locally`), so it is the one to use for
//! templates from a less trusted source, sending only the rendered text.
//!
//! The public interface is:

mod ast;
mod builtins;
mod case;
mod context;
mod error;
mod eval;
mod expr;
mod fault;
mod format;
mod iter;
mod lexer;
mod lines;
mod local;
mod methods;
mod number;
mod ops;
mod parser;
mod pyscan;
mod python;
mod pytoken;
mod repr;
mod span;
mod unicode;
mod unicode_case;
mod value;

pub use ast::{Block, Clause, Code, Keyword, Node, Piece, Template, Text};
pub use error::{Error, ErrorKind};
pub use lines::{is_py_space, split_lines, Line, SplitLines};
pub use local::{render_local, LocalTemplate};
pub use parser::MAX_DEPTH;
pub use python::{error_at, Compiled, Origin, APPEND, LINE_MAP_STRIDE, STR};
pub use span::Span;
pub use value::{Dict, List, Object, Value};
