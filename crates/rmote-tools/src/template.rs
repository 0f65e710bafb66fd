//! `Template`: render templates on the remote, with errors located in the
//! template itself.

use std::fmt;

use rmote_session::{Call, Connection, Tool, Value};
use rmote_template::{Compiled, ErrorKind};
use serde::{Deserialize, Serialize};

use crate::FileSystem;

/// The `Template` tool (`python/template.py`), for calling its methods
/// directly.
pub static TEMPLATE: Tool = Tool::new("Template", include_str!("../python/template.py"));

/// Renders templates of [`rmote_template`] on the remote, in its Python.
///
/// The template is parsed and compiled to Python here, so a malformed one
/// fails before anything is sent; the remote compiles the generated code
/// (once per distinct code: it keeps the 64 most recently used) and runs it
/// with the context, any `Serialize` map or struct, as its globals. Context
/// keys named `template` or `path` are fine; names starting with `__rmote_`
/// are reserved.
///
/// A template rendered here is Python code running with the remote
/// interpreter's rights (`% import os` works): render only templates you
/// would run as scripts there. For templates from a less trusted source,
/// render with [`rmote_template::LocalTemplate`], which runs no code, and
/// write the text with [`FileSystem`].
///
/// A Python error (a `SyntaxError` in an expression, a `NameError` when
/// rendering, …) arrives as a remote `TemplateError` that carries the
/// template line and column; [`Template::error`] turns it into an
/// [`rmote_template::Error`] with the template's own excerpt, and
/// [`Template::render_on`] does it for you:
///
/// ```no_run
/// use rmote_session::Connection;
/// use rmote_template::Compiled;
/// use rmote_tools::Template;
/// use std::collections::BTreeMap;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let conn = Connection::local().await?;
/// let motd = Compiled::new("Welcome to ${host}!\n% for u in users:\n- ${u}\n% endfor")?;
/// let mut context = BTreeMap::new();
/// context.insert("host", serde_json::json!("web1"));
/// context.insert("users", serde_json::json!(["ann", "bob"]));
/// let text = Template::render_on(&conn, &motd, &context).await?;
/// assert_eq!(text, "Welcome to web1!\n- ann\n- bob");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Template;

impl Template {
    /// Compiles `source` here and returns the call that renders it with
    /// `context`. Remote errors of the call can be located with
    /// [`Template::error`] and the same `source`.
    pub fn render<C: Serialize + ?Sized>(
        source: &str,
        context: &C,
    ) -> Result<Call<String>, rmote_template::Error> {
        Ok(Template::render_compiled(&Compiled::new(source)?, context))
    }

    /// The call that renders an already compiled template with `context`:
    /// compile once, render many times, on many remotes.
    pub fn render_compiled<C: Serialize + ?Sized>(
        compiled: &Compiled,
        context: &C,
    ) -> Call<String> {
        Call::new(&TEMPLATE, "render")
            .arg(compiled.code())
            .arg(compiled.line_map())
            .arg(context)
    }

    /// Renders `compiled` with `context` on `conn`; a template error comes
    /// back as [`RenderError::Template`], located in the template.
    pub async fn render_on<C: Serialize + ?Sized>(
        conn: &Connection,
        compiled: &Compiled,
        context: &C,
    ) -> Result<String, RenderError> {
        conn.call(Template::render_compiled(compiled, context))
            .await
            .map_err(|err| RenderError::from_session(compiled.source(), err))
    }

    /// Reads the template file `path` on the remote (as UTF-8), compiles it
    /// here and renders it there with `context`: two calls. Errors are
    /// located in the file's text.
    pub async fn render_file<C: Serialize + ?Sized>(
        conn: &Connection,
        path: impl AsRef<str>,
        context: &C,
    ) -> Result<String, RenderError> {
        let source = conn
            .call(FileSystem::read_str(path))
            .await
            .map_err(RenderError::Session)?;
        let compiled = Compiled::new(source).map_err(RenderError::Template)?;
        Template::render_on(conn, &compiled, context).await
    }

    /// The template error that a call of this tool failed with, located in
    /// `source` (the template the call rendered); `None` when the error is
    /// not one (a lost connection, a context that cannot be encoded).
    pub fn error(source: &str, err: &rmote_session::Error) -> Option<rmote_template::Error> {
        let remote = err.remote()?;
        if remote.short_type_name() != "TemplateError" {
            return None;
        }
        let attrs = remote.attrs();
        let text = |key: &str| attrs.get(key).and_then(Value::as_str).unwrap_or("");
        let number = |key: &str| {
            attrs
                .get(key)
                .and_then(Value::as_u64)
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
        };
        let (kind, error_type, message) = (text("kind"), text("error_type"), text("message"));
        let kind = match kind {
            "syntax" => ErrorKind::Syntax,
            "render" => ErrorKind::Render,
            _ => return None,
        };
        let message = match (kind, message.is_empty()) {
            (ErrorKind::Syntax, _) => message.to_string(),
            (_, true) => error_type.to_string(),
            (_, false) => format!("{error_type}: {message}"),
        };
        Some(rmote_template::error_at(
            source,
            kind,
            number("template_line"),
            number("template_column"),
            number("template_length"),
            &message,
        ))
    }

    /// How this remote's compile cache has been used (for tests and
    /// tuning).
    pub fn cache_info() -> Call<CacheInfo> {
        Call::new(&TEMPLATE, "cache_info")
    }
}

/// The result of [`Template::cache_info`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheInfo {
    /// How many times code was compiled.
    pub compiles: u64,
    /// How many renders found their code compiled already.
    pub hits: u64,
    /// How many compiled codes are kept now.
    pub size: u64,
    /// How many are kept at most.
    pub max_size: u64,
}

/// Why [`Template::render_on`] or [`Template::render_file`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RenderError {
    /// The template is malformed or failed to render; located in the
    /// template (`{:#}` shows the line with a caret).
    Template(rmote_template::Error),
    /// The call failed otherwise: the connection, the context's encoding,
    /// a missing template file.
    Session(rmote_session::Error),
}

impl RenderError {
    fn from_session(source: &str, err: rmote_session::Error) -> RenderError {
        match Template::error(source, &err) {
            Some(located) => RenderError::Template(located),
            None => RenderError::Session(err),
        }
    }

    /// The template error, if it is one.
    pub fn template(&self) -> Option<&rmote_template::Error> {
        match self {
            RenderError::Template(e) => Some(e),
            RenderError::Session(_) => None,
        }
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Template(e) if f.alternate() => write!(f, "{e:#}"),
            RenderError::Template(e) => write!(f, "{e}"),
            RenderError::Session(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // Transparent: the message is the inner error's, so is the cause.
        match self {
            RenderError::Template(e) => e.source(),
            RenderError::Session(e) => e.source(),
        }
    }
}

impl From<rmote_template::Error> for RenderError {
    fn from(err: rmote_template::Error) -> RenderError {
        RenderError::Template(err)
    }
}
