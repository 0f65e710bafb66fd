//! Iterator objects with CPython's step-by-step behaviour: a list iterator
//! sees items appended while it runs, a dict iterator fails when the dict
//! changes size, `zip`, `map` and generators are lazy.
//!
//! Advancing one needs the evaluator (a `map` calls a function, a generator
//! runs its expression), so [`crate::eval::Interp::next`] does it; this
//! module holds the states.

use std::sync::Arc;

use crate::eval::Frame;
use crate::expr::Comprehension;
use crate::value::{Dict, List, Range, Value, View};

/// The state of one iterator object.
pub(crate) enum Iter {
    List {
        list: List,
        index: usize,
    },
    ListReversed {
        list: List,
        /// The next index plus one (0 when done).
        next: usize,
    },
    Tuple {
        items: Arc<[Value]>,
        index: usize,
        reversed: bool,
    },
    Str {
        text: Arc<str>,
        /// Byte offset of the next character.
        offset: usize,
    },
    StrReversed {
        text: Arc<str>,
        /// Byte offset just past the next character.
        offset: usize,
    },
    Bytes {
        data: Arc<[u8]>,
        index: usize,
    },
    Range {
        range: Range,
        index: i128,
    },
    Dict {
        dict: Dict,
        view: View,
        index: usize,
        /// The dict's key layout when iteration started.
        layout: u64,
        len: usize,
    },
    Enumerate {
        inner: Value,
        count: i64,
    },
    Zip {
        inners: Vec<Value>,
    },
    Map {
        func: Value,
        inners: Vec<Value>,
    },
    Filter {
        /// `None` keeps the truthy items.
        func: Option<Value>,
        inner: Value,
    },
    Generator(Box<Generator>),
    /// Being advanced right now (a generator that asks for its own next
    /// item finds it so).
    Running,
    Done {
        type_name: &'static str,
    },
}

/// A generator expression between two items.
pub(crate) struct Generator {
    pub(crate) comp: Arc<Comprehension>,
    /// The generator's own variables (the loop targets).
    pub(crate) frame: Arc<Frame>,
    /// One iterator per `for` clause entered so far.
    pub(crate) iters: Vec<Value>,
}

impl Iter {
    /// The values the state holds, to drop them without recursion.
    pub(crate) fn into_values(self) -> Vec<Value> {
        match self {
            Iter::List { list, .. } | Iter::ListReversed { list, .. } => vec![Value::List(list)],
            Iter::Tuple { items, .. } => vec![Value::Tuple(items)],
            Iter::Dict { dict, .. } => vec![Value::Dict(dict)],
            Iter::Enumerate { inner, .. } => vec![inner],
            Iter::Zip { inners } => inners,
            Iter::Map { func, mut inners } => {
                inners.push(func);
                inners
            }
            Iter::Filter { func, inner } => func.into_iter().chain([inner]).collect(),
            Iter::Generator(generator) => {
                let Generator {
                    frame, mut iters, ..
                } = *generator;
                if let Some(frame) = Arc::into_inner(frame) {
                    iters.extend(frame.into_values());
                }
                iters
            }
            Iter::Str { .. }
            | Iter::StrReversed { .. }
            | Iter::Bytes { .. }
            | Iter::Range { .. }
            | Iter::Running
            | Iter::Done { .. } => Vec::new(),
        }
    }

    /// The Python type name, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Iter::List { .. } => "list_iterator",
            Iter::ListReversed { .. } => "list_reverseiterator",
            Iter::Tuple {
                reversed: false, ..
            } => "tuple_iterator",
            Iter::Tuple { reversed: true, .. } | Iter::StrReversed { .. } => "reversed",
            Iter::Str { .. } => "str_iterator",
            Iter::Bytes { .. } => "bytes_iterator",
            Iter::Range { .. } => "range_iterator",
            Iter::Dict { view, .. } => match view {
                View::Keys => "dict_keyiterator",
                View::Values => "dict_valueiterator",
                View::Items => "dict_itemiterator",
            },
            Iter::Enumerate { .. } => "enumerate",
            Iter::Zip { .. } => "zip",
            Iter::Map { .. } => "map",
            Iter::Filter { .. } => "filter",
            Iter::Generator(_) | Iter::Running => "generator",
            Iter::Done { type_name } => type_name,
        }
    }
}
