//! Tools (a Python class and its stable key) and calls of their methods.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;

use serde::de::DeserializeOwned;
use serde::Serialize;

use rmote_wire::{CallBody, Value};

/// A tool: the source of a Python module (standard library only) and the
/// name of the class in it whose methods are called.
///
/// Its key is the class name plus a hash of the name and source, so two tools
/// with the same class name never collide and an edited tool is re-sent.
/// A `Tool` can be a `static`:
///
/// ```
/// use rmote_session::{Call, Tool};
///
/// static GREETER: Tool = Tool::new("Greeter", r#"
/// class Greeter:
///     @staticmethod
///     def hello(name):
///         return "hello " + name
/// "#);
///
/// /// A typed wrapper is one function per method.
/// fn hello(name: &str) -> Call<String> {
///     Call::new(&GREETER, "hello").arg(name)
/// }
/// # let _ = hello("x");
/// ```
pub struct Tool {
    name: Cow<'static, str>,
    source: Cow<'static, str>,
    hash: u64,
    key: OnceLock<Arc<str>>,
}

impl Tool {
    /// A tool from static text (usually `include_str!` of a `.py` file).
    pub const fn new(class_name: &'static str, source: &'static str) -> Tool {
        Tool {
            name: Cow::Borrowed(class_name),
            source: Cow::Borrowed(source),
            hash: fnv1a(class_name.as_bytes(), source.as_bytes()),
            key: OnceLock::new(),
        }
    }

    /// A tool from text known only at run time (read from a file, generated).
    pub fn from_source(class_name: impl Into<String>, source: impl Into<String>) -> Tool {
        let name: String = class_name.into();
        let source: String = source.into();
        let hash = fnv1a(name.as_bytes(), source.as_bytes());
        Tool {
            name: Cow::Owned(name),
            source: Cow::Owned(source),
            hash,
            key: OnceLock::new(),
        }
    }

    /// The class name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Python source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The stable key: `<ClassName>-<16 hex digits>`.
    pub fn key(&self) -> &Arc<str> {
        self.key
            .get_or_init(|| format!("{}-{:016x}", self.name, self.hash).into())
    }
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .field("key", self.key())
            .finish_non_exhaustive()
    }
}

/// 64-bit FNV-1a over the class name, a separator and the source.
const fn fnv1a(name: &[u8], source: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < name.len() {
        hash = (hash ^ name[i] as u64).wrapping_mul(PRIME);
        i += 1;
    }
    hash = (hash ^ 0xff).wrapping_mul(PRIME);
    let mut i = 0;
    while i < source.len() {
        hash = (hash ^ source[i] as u64).wrapping_mul(PRIME);
        i += 1;
    }
    hash
}

/// A reference to a tool: a `&'static Tool` or a shared one.
#[derive(Clone, Debug)]
pub struct ToolRef(Repr);

#[derive(Clone, Debug)]
enum Repr {
    Static(&'static Tool),
    Shared(Arc<Tool>),
}

impl std::ops::Deref for ToolRef {
    type Target = Tool;

    fn deref(&self) -> &Tool {
        match &self.0 {
            Repr::Static(t) => t,
            Repr::Shared(t) => t,
        }
    }
}

impl From<&'static Tool> for ToolRef {
    fn from(tool: &'static Tool) -> ToolRef {
        ToolRef(Repr::Static(tool))
    }
}

impl From<Arc<Tool>> for ToolRef {
    fn from(tool: Arc<Tool>) -> ToolRef {
        ToolRef(Repr::Shared(tool))
    }
}

impl From<&Arc<Tool>> for ToolRef {
    fn from(tool: &Arc<Tool>) -> ToolRef {
        ToolRef(Repr::Shared(tool.clone()))
    }
}

impl From<Tool> for ToolRef {
    fn from(tool: Tool) -> ToolRef {
        ToolRef(Repr::Shared(Arc::new(tool)))
    }
}

pub(crate) type Decoder<T> = Box<dyn FnOnce(Bytes) -> Result<T, rmote_wire::Error> + Send>;

/// One call of a tool method, ready to be sent with
/// [`Connection::call`](crate::Connection::call): the arguments are encoded
/// as they are added, and `T` is what the result decodes into.
///
/// ```
/// use rmote_session::{Call, Tool, Value};
/// static T: Tool = Tool::new("T", "class T:\n    pass\n");
///
/// let typed: Call<Vec<String>> = Call::new(&T, "list").arg("/etc").kwarg("hidden", &true);
/// let dynamic: Call<Value> = Call::new(&T, "anything").arg(&Value::from(1));
/// ```
#[must_use = "a call does nothing until it is passed to Connection::call"]
pub struct Call<T> {
    pub(crate) tool: ToolRef,
    pub(crate) method: Cow<'static, str>,
    pub(crate) args: CallBody,
    pub(crate) error: Option<rmote_wire::Error>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) decode: Decoder<T>,
    _result: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + 'static> Call<T> {
    /// A call of `method` on `tool` whose result decodes into `T` (structs
    /// from maps by field name).
    pub fn new(tool: impl Into<ToolRef>, method: impl Into<Cow<'static, str>>) -> Call<T> {
        Call::with_decoder(tool, method, |body| rmote_wire::decode(&body))
    }
}

impl<T> Call<T> {
    /// A call whose result is decoded by `decode` instead of serde's default;
    /// it gets the whole result body, which it may keep slices of without
    /// copying (see [`rmote_wire::decode_bin`]).
    pub fn with_decoder(
        tool: impl Into<ToolRef>,
        method: impl Into<Cow<'static, str>>,
        decode: impl FnOnce(Bytes) -> Result<T, rmote_wire::Error> + Send + 'static,
    ) -> Call<T> {
        let tool: ToolRef = tool.into();
        let method: Cow<'static, str> = method.into();
        Call {
            args: CallBody::new(tool.key(), &method),
            tool,
            method,
            error: None,
            timeout: None,
            decode: Box::new(decode),
            _result: PhantomData,
        }
    }

    /// Appends a positional argument.
    pub fn arg<A: Serialize + ?Sized>(mut self, value: &A) -> Call<T> {
        if self.error.is_none() {
            self.error = self.args.push(value).err();
        }
        self
    }

    /// Appends a keyword argument.
    pub fn kwarg<A: Serialize + ?Sized>(mut self, name: &str, value: &A) -> Call<T> {
        if self.error.is_none() {
            self.error = self.args.push_kw(name, value).err();
        }
        self
    }

    /// Appends every field of a struct (or entry of a map) as a keyword
    /// argument.
    pub fn kwargs<A: Serialize + ?Sized>(mut self, fields: &A) -> Call<T> {
        if self.error.is_none() {
            self.error = self.args.push_kwargs(fields).err();
        }
        self
    }

    /// Fails the call with [`Error::Timeout`](crate::Error::Timeout) (and
    /// cancels it on the remote) when it takes longer than `limit`.
    pub fn timeout(mut self, limit: Duration) -> Call<T> {
        self.timeout = Some(limit);
        self
    }

    /// Transforms the result once it has been decoded.
    pub fn map<U>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Call<U>
    where
        T: 'static,
    {
        let decode = self.decode;
        Call {
            tool: self.tool,
            method: self.method,
            args: self.args,
            error: self.error,
            timeout: self.timeout,
            decode: Box::new(move |body| decode(body).map(f)),
            _result: PhantomData,
        }
    }

    /// The tool this call is for.
    pub fn tool(&self) -> &Tool {
        &self.tool
    }

    /// The method name.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// `Tool.method`, for messages.
    pub fn label(&self) -> String {
        format!("{}.{}", self.tool.name(), self.method)
    }
}

impl Call<Bytes> {
    /// A call whose result is `bytes` on the remote, returned as a slice of
    /// the message it arrived in: a large result is not copied again.
    pub fn bytes(tool: impl Into<ToolRef>, method: impl Into<Cow<'static, str>>) -> Call<Bytes> {
        Call::with_decoder(tool, method, rmote_wire::decode_bin)
    }
}

impl Call<Value> {
    /// A call whose result is the dynamic [`Value`].
    pub fn dynamic(tool: impl Into<ToolRef>, method: impl Into<Cow<'static, str>>) -> Call<Value> {
        Call::new(tool, method)
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("tool", &self.tool.name())
            .field("method", &self.method)
            .field("args", &self.args.len())
            .field("kwargs", &self.args.kw_len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: Tool = Tool::new("Same", "class Same:\n    x = 1\n");
    static B: Tool = Tool::new("Same", "class Same:\n    x = 2\n");

    #[test]
    fn keys_differ_by_source_and_are_stable() {
        assert_ne!(A.key(), B.key());
        assert!(A.key().starts_with("Same-"));
        assert_eq!(A.key().len(), "Same-".len() + 16);
        let again = Tool::from_source("Same", "class Same:\n    x = 1\n");
        assert_eq!(again.key(), A.key());
    }

    #[test]
    fn a_bad_argument_is_kept_for_the_call() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("nope"))
            }
        }
        let call: Call<()> = Call::new(&A, "m").arg(&Bad).arg(&1);
        assert!(call.error.is_some());
        assert_eq!(call.label(), "Same.m");
    }
}
