//! The one error type of this crate: every error points at the template's
//! own line and column, never at generated code.

use std::fmt;

use crate::Span;

/// What went wrong, and where in the template.
///
/// `{}` prints one line (`syntax error at 3:7: …`); the alternate form `{:#}`
/// adds the template line with a caret under the culprit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    span: Span,
    excerpt: String,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The template is malformed (an unclosed `${`, an unclosed block, a bad
    /// expression).
    Syntax,
    /// The template is valid but uses Python the local renderer does not
    /// implement: render it remotely instead.
    NotSupportedLocally,
    /// Rendering failed (a missing variable, a wrong type, division by zero).
    Render,
}

impl Error {
    /// An error of `kind` at `span` of `source`.
    pub fn new(kind: ErrorKind, message: impl Into<String>, span: Span, source: &str) -> Error {
        Error {
            kind,
            message: message.into(),
            excerpt: span.excerpt(source),
            span,
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the template.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The template line with a caret under the culprit.
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::Syntax => "syntax error",
            ErrorKind::NotSupportedLocally => "not supported locally",
            ErrorKind::Render => "render error",
        };
        write!(f, "{what} at {}: {}", self.span, self.message)?;
        if f.alternate() {
            write!(f, "\n{}", self.excerpt)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_or_with_the_excerpt() {
        let src = "a\n% for x in\nb";
        let span = Span::at(src, 2, 12);
        let err = Error::new(ErrorKind::Syntax, "`% for` is never closed", span, src);
        assert_eq!(
            err.to_string(),
            "syntax error at 2:1: `% for` is never closed"
        );
        assert_eq!(
            format!("{err:#}"),
            "syntax error at 2:1: `% for` is never closed\n2 | % for x in\n  | ^^^^^^^^^^"
        );
    }
}
