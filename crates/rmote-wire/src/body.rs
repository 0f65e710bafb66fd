//! Message bodies as plain serde data (PROTOCOL.md §1.4, §3, §5).

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{Error, Value};

/// The remote's report once its runtime is ready (HELLO body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// Protocol version the runtime speaks.
    pub protocol: u32,
    /// `sys.version_info` of the remote interpreter.
    pub python: PythonVersion,
    /// `sys.implementation.name`, such as `cpython`.
    pub implementation: String,
    /// `sys.platform`, such as `linux`.
    pub platform: String,
    /// `os.uname().machine`, such as `x86_64`.
    pub machine: String,
    /// `os.uname().nodename`.
    pub hostname: String,
    /// The process id of the remote interpreter.
    pub pid: u32,
    /// `sys.executable`.
    pub executable: String,
}

/// `sys.version_info` of a remote interpreter (decoded from its 5-item array).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonVersion {
    /// Major version (3).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Micro version.
    pub micro: u32,
    /// `final`, `candidate`, `beta` or `alpha`.
    pub releaselevel: String,
    /// Serial of a pre-release.
    pub serial: u32,
}

impl std::fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)?;
        match self.releaselevel.as_str() {
            "final" => Ok(()),
            "alpha" => write!(f, "a{}", self.serial),
            "beta" => write!(f, "b{}", self.serial),
            "candidate" => write!(f, "rc{}", self.serial),
            other => write!(f, "-{other}{}", self.serial),
        }
    }
}

/// An exception raised on the remote (ERR body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteException {
    /// Qualified class name, such as `builtins.FileNotFoundError`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Qualified names of the class and its bases, most derived first.
    #[serde(default)]
    pub mro: Vec<String>,
    /// `str(exception)`.
    #[serde(default)]
    pub message: String,
    /// `errno`, when the exception has one.
    #[serde(default)]
    pub errno: Option<i64>,
    /// The symbolic errno (`ENOENT`), portable across platforms.
    #[serde(default)]
    pub errno_name: Option<String>,
    /// The file name an `OSError` names.
    #[serde(default)]
    pub filename: Option<String>,
    /// The formatted remote traceback.
    #[serde(default)]
    pub traceback: String,
    /// Encodable attributes of the exception (`returncode`, `stdout`, …).
    #[serde(default)]
    pub attrs: BTreeMap<String, Value>,
}

/// A `logging` record emitted on the remote (LOG body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// The logger name (`root`, `myapp.db`).
    pub name: String,
    /// The Python level number (10 DEBUG … 50 CRITICAL).
    pub level: i64,
    /// The formatted message.
    pub message: String,
    /// Seconds since the epoch.
    #[serde(default)]
    pub created: f64,
    /// Name of the thread that logged it.
    #[serde(default)]
    pub thread: Option<String>,
    /// Source file of the logging call.
    #[serde(default)]
    pub file: Option<String>,
    /// Source line of the logging call.
    #[serde(default)]
    pub line: Option<u32>,
    /// Function of the logging call.
    #[serde(default)]
    pub function: Option<String>,
    /// The formatted exception attached with `exc_info`.
    #[serde(default)]
    pub exc: Option<String>,
}

/// The body of a CALL, `[key, method, args, kwargs]`, built as arguments are
/// added: each value is encoded once, straight into the body, so a large
/// argument is copied once on its way to the wire.
///
/// ```
/// let mut call = rmote_wire::CallBody::new("FileSystem-0123456789abcdef", "write");
/// call.push("/etc/motd").unwrap();
/// call.push_kw("mode", &0o644).unwrap();
/// assert_eq!((call.len(), call.kw_len()), (1, 1));
/// let body = call.finish();
/// ```
#[derive(Debug, Clone)]
pub struct CallBody {
    /// `[key, method, ` then an array32 header (patched in `finish`) and the
    /// positional arguments.
    buf: Vec<u8>,
    count_at: usize,
    n_positional: u32,
    keyword: Vec<u8>,
    n_keyword: u32,
}

impl CallBody {
    /// A call of `method` on the tool with `key`, with no arguments yet.
    pub fn new(key: &str, method: &str) -> CallBody {
        let mut buf = Vec::with_capacity(32 + key.len() + method.len());
        // Writing into a Vec cannot fail.
        rmp::encode::write_array_len(&mut buf, 4).expect("vec write");
        rmp::encode::write_str(&mut buf, key).expect("vec write");
        rmp::encode::write_str(&mut buf, method).expect("vec write");
        let count_at = buf.len();
        // An array32 header whatever the count (valid msgpack), so arguments
        // can follow it before their number is known.
        buf.extend_from_slice(&[0xdd, 0, 0, 0, 0]);
        CallBody {
            buf,
            count_at,
            n_positional: 0,
            keyword: Vec::new(),
            n_keyword: 0,
        }
    }

    /// Appends a positional argument.
    pub fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let mark = self.buf.len();
        if let Err(err) = rmp_serde::encode::write_named(&mut self.buf, value) {
            self.buf.truncate(mark);
            return Err(Error::Encode(err));
        }
        self.n_positional += 1;
        Ok(())
    }

    /// Appends a keyword argument.
    pub fn push_kw<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        let mark = self.keyword.len();
        rmp::encode::write_str(&mut self.keyword, name).expect("writing to a Vec cannot fail");
        if let Err(err) = rmp_serde::encode::write_named(&mut self.keyword, value) {
            self.keyword.truncate(mark);
            return Err(Error::Encode(err));
        }
        self.n_keyword += 1;
        Ok(())
    }

    /// Appends every field of a struct (or entry of a map) as a keyword
    /// argument.
    pub fn push_kwargs<T: Serialize + ?Sized>(&mut self, fields: &T) -> Result<(), Error> {
        let syntax = |msg: &str| Error::Encode(rmp_serde::encode::Error::Syntax(msg.into()));
        let encoded = rmp_serde::to_vec_named(fields).map_err(Error::Encode)?;
        let value = rmpv::decode::read_value(&mut &encoded[..])
            .map_err(|e| Error::Decode(rmp_serde::decode::Error::Syntax(e.to_string())))?;
        let Value::Map(entries) = value else {
            return Err(syntax("keyword arguments must serialize as a map"));
        };
        for (key, value) in entries {
            let Value::String(key) = key else {
                return Err(syntax("keyword argument names must be strings"));
            };
            let key = key
                .into_str()
                .ok_or_else(|| syntax("keyword argument names must be UTF-8"))?;
            self.push_kw(&key, &value)?;
        }
        Ok(())
    }

    /// Number of positional arguments.
    pub fn len(&self) -> usize {
        self.n_positional as usize
    }

    /// Whether there are no arguments at all.
    pub fn is_empty(&self) -> bool {
        self.n_positional == 0 && self.n_keyword == 0
    }

    /// Number of keyword arguments.
    pub fn kw_len(&self) -> usize {
        self.n_keyword as usize
    }

    /// The encoded body.
    pub fn finish(mut self) -> Bytes {
        let at = self.count_at + 1;
        self.buf[at..at + 4].copy_from_slice(&self.n_positional.to_be_bytes());
        self.buf.reserve(5 + self.keyword.len());
        rmp::encode::write_map_len(&mut self.buf, self.n_keyword).expect("vec write");
        self.buf.extend_from_slice(&self.keyword);
        Bytes::from(self.buf)
    }
}

/// Encodes a SYNC body: `[key, class_name, source]`.
pub fn encode_sync(key: &str, class_name: &str, source: &str) -> Bytes {
    let mut out = Vec::with_capacity(16 + key.len() + class_name.len() + source.len());
    rmp::encode::write_array_len(&mut out, 3).expect("vec write");
    rmp::encode::write_str(&mut out, key).expect("vec write");
    rmp::encode::write_str(&mut out, class_name).expect("vec write");
    rmp::encode::write_str(&mut out, source).expect("vec write");
    Bytes::from(out)
}

/// Decodes a body that is one msgpack `bin` into the bytes it holds, without
/// copying them (the result is a slice of `body`).
pub fn decode_bin(body: Bytes) -> Result<Bytes, Error> {
    let syntax = |msg: String| Error::Decode(rmp_serde::decode::Error::Syntax(msg));
    let (start, len) = match body.first() {
        Some(0xc4) if body.len() >= 2 => (2, body[1] as usize),
        Some(0xc5) if body.len() >= 3 => (3, u16::from_be_bytes([body[1], body[2]]) as usize),
        Some(0xc6) if body.len() >= 5 => (
            5,
            u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize,
        ),
        Some(&marker) => {
            return Err(syntax(format!(
                "expected bytes, found msgpack marker {marker:#04x}"
            )))
        }
        None => return Err(syntax("expected bytes, found an empty body".into())),
    };
    if body.len() != start + len {
        return Err(syntax(format!(
            "a bin of {len} bytes in a body of {} bytes",
            body.len()
        )));
    }
    Ok(body.slice(start..))
}

/// Decodes a body into any deserializable type (structs from maps by name).
pub fn decode<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T, Error> {
    rmp_serde::from_slice(body).map_err(Error::Decode)
}

/// Encodes a value as a body (structs as maps by field name).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, Error> {
    rmp_serde::to_vec_named(value)
        .map(Bytes::from)
        .map_err(Error::Encode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_body_is_a_four_item_array() {
        let mut args = CallBody::new("Tool-1", "run");
        args.push("a").unwrap();
        args.push(&5u8).unwrap();
        args.push_kw("flag", &true).unwrap();
        let body = args.finish();
        let value: Value = decode(&body).unwrap();
        let expected = Value::Array(vec![
            "Tool-1".into(),
            "run".into(),
            Value::Array(vec!["a".into(), 5.into()]),
            Value::Map(vec![("flag".into(), true.into())]),
        ]);
        assert_eq!(value, expected);
    }

    #[test]
    fn kwargs_from_a_struct_by_field_name() {
        #[derive(Serialize)]
        struct Opts {
            mode: u32,
            owner: Option<String>,
        }
        let mut args = CallBody::new("T", "m");
        args.push_kwargs(&Opts {
            mode: 0o600,
            owner: None,
        })
        .unwrap();
        let body = args.finish();
        let value: Value = decode(&body).unwrap();
        assert_eq!(
            value[3],
            Value::Map(vec![
                ("mode".into(), 0o600.into()),
                ("owner".into(), Value::Nil),
            ])
        );
    }

    #[test]
    fn kwargs_must_be_a_map() {
        assert!(CallBody::new("T", "m").push_kwargs(&[1, 2]).is_err());
    }

    #[test]
    fn a_failed_argument_leaves_the_body_intact() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element(&1)?;
                Err(serde::ser::Error::custom("nope"))
            }
        }
        let mut args = CallBody::new("T", "m");
        args.push(&1).unwrap();
        assert!(args.push(&Bad).is_err());
        assert!(args.push_kw("x", &Bad).is_err());
        let value: Value = decode(&args.finish()).unwrap();
        assert_eq!(value[2], Value::Array(vec![1.into()]));
        assert_eq!(value[3], Value::Map(vec![]));
    }

    #[test]
    fn sync_body() {
        let body = encode_sync("K", "Cls", "class Cls: pass");
        let (k, c, s): (String, String, String) = decode(&body).unwrap();
        assert_eq!(
            (k.as_str(), c.as_str(), s.as_str()),
            ("K", "Cls", "class Cls: pass")
        );
    }

    #[test]
    fn bins_decode_without_copying() {
        for len in [0usize, 5, 300, 70_000] {
            let data = vec![7u8; len];
            let body = encode(serde_bytes::Bytes::new(&data)).unwrap();
            let got = decode_bin(body.clone()).unwrap();
            assert_eq!(&got[..], &data[..]);
            assert_eq!(got.as_ptr(), body[body.len() - len..].as_ptr());
        }
        assert!(decode_bin(encode("text").unwrap()).is_err());
        assert!(decode_bin(Bytes::from_static(&[0xc4, 3, 1])).is_err());
        assert!(decode_bin(Bytes::new()).is_err());
    }

    #[test]
    fn python_version_display() {
        let v: PythonVersion = decode(&encode(&(3, 13, 0, "candidate", 2)).unwrap()).unwrap();
        assert_eq!(v.to_string(), "3.13.0rc2");
    }
}
