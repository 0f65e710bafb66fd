//! What can go wrong while evaluating: a Python exception (with CPython's
//! own message) or a construct the local renderer refuses. A fault gets its
//! span from the innermost expression that knows one.

use crate::{Error, ErrorKind, Span};

/// A fault of the evaluator, turned into an [`Error`] at the top.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) message: String,
    pub(crate) span: Option<Span>,
}

/// Whether Python itself fails, or only the local renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// CPython raises this exception too.
    Python(Exc),
    /// CPython would go on; the local renderer does not know how.
    Unsupported,
}

/// The Python exceptions the evaluator raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exc {
    AttributeError,
    IndexError,
    KeyError,
    NameError,
    OverflowError,
    RuntimeError,
    StopIteration,
    TypeError,
    ValueError,
    ZeroDivisionError,
}

/// The result type of the evaluator.
pub(crate) type Res<T> = Result<T, Fault>;

impl Fault {
    /// CPython raises `exc` with `message`.
    pub(crate) fn py(exc: Exc, message: impl Into<String>) -> Fault {
        Fault {
            kind: FaultKind::Python(exc),
            message: message.into(),
            span: None,
        }
    }

    /// The local renderer does not implement this.
    pub(crate) fn unsupported(message: impl Into<String>) -> Fault {
        Fault {
            kind: FaultKind::Unsupported,
            message: message.into(),
            span: None,
        }
    }

    pub(crate) fn type_error(message: impl Into<String>) -> Fault {
        Fault::py(Exc::TypeError, message)
    }

    pub(crate) fn value_error(message: impl Into<String>) -> Fault {
        Fault::py(Exc::ValueError, message)
    }

    /// Gives the fault `span` unless a more precise one is already set.
    pub(crate) fn at(mut self, span: Span) -> Fault {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    /// The crate's error, for the template `source`.
    pub(crate) fn into_error(self, source: &str, fallback: Span) -> Error {
        let span = self.span.unwrap_or(fallback);
        match self.kind {
            FaultKind::Unsupported => {
                Error::new(ErrorKind::NotSupportedLocally, self.message, span, source)
            }
            FaultKind::Python(exc) => {
                let message = if self.message.is_empty() {
                    format!("{exc:?}")
                } else {
                    format!("{exc:?}: {}", self.message)
                };
                Error::new(ErrorKind::Render, message, span, source)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_python_tracebacks() {
        let src = "${x}";
        let span = Span::at(src, 2, 1);
        let err = Fault::py(Exc::NameError, "name 'x' is not defined")
            .at(span)
            .into_error(src, Span::default());
        assert_eq!(err.kind(), ErrorKind::Render);
        assert_eq!(err.message(), "NameError: name 'x' is not defined");
        assert_eq!(err.span(), span);
        let err = Fault::py(Exc::StopIteration, "").into_error(src, span);
        assert_eq!(err.message(), "StopIteration");
        let err = Fault::unsupported("lambda").into_error(src, span);
        assert_eq!(err.kind(), ErrorKind::NotSupportedLocally);
    }

    #[test]
    fn the_innermost_span_wins() {
        let src = "${a + b}";
        let inner = Span::at(src, 2, 1);
        let outer = Span::at(src, 2, 5);
        let fault = Fault::type_error("x").at(inner).at(outer);
        assert_eq!(fault.span, Some(inner));
    }
}
