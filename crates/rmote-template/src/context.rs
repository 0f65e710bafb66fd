//! The rendering context: any `serde::Serialize` value turned into
//! [`Value`]s the way the remote side sees it after msgpack (rmote sends
//! structs as maps, so they arrive as dicts; tuples arrive as lists).
//!
//! | Rust (serde)                         | Python                         |
//! |--------------------------------------|--------------------------------|
//! | `bool`, integers, floats             | `bool`, `int`, `float`         |
//! | `char`, `&str`, `String`             | `str`                          |
//! | bytes (`serde_bytes`)                | `bytes`                        |
//! | `None`, `()`, unit structs           | `None`                         |
//! | `Some(x)`, newtype structs           | `x`                            |
//! | sequences, tuples, tuple structs     | `list`                         |
//! | maps, structs                        | `dict`                         |
//! | unit enum variants                   | the variant's name, a `str`    |
//!
//! What the local renderer cannot hold (integers beyond 64 bits, enum
//! variants with data, maps with unhashable keys) becomes a value that is
//! refused only when a template uses it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::ser::{self, Serialize};

use crate::value::{Dict, Key, Value};

/// Why a context could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContextError(pub(crate) String);

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ContextError {}

impl ser::Error for ContextError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ContextError(msg.to_string())
    }
}

/// Converts any serializable value into a [`Value`].
pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, ContextError> {
    value.serialize(ValueSerializer)
}

/// Converts a serializable map or struct into the namespace of a render.
pub(crate) fn to_namespace<T: Serialize + ?Sized>(
    value: &T,
) -> Result<HashMap<Arc<str>, Value>, ContextError> {
    match to_value(value)? {
        Value::Dict(dict) => {
            let mut names = HashMap::new();
            for (k, v) in dict.items() {
                match k {
                    Value::Str(name) => {
                        names.insert(name, v);
                    }
                    other => {
                        return Err(ContextError(format!(
                            "the context's keys must be strings, found {}",
                            other.type_name()
                        )))
                    }
                }
            }
            Ok(names)
        }
        Value::None => Ok(HashMap::new()),
        other => Err(ContextError(format!(
            "the context must be a map or a struct, found {}",
            other.type_name()
        ))),
    }
}

impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self {
            Value::None => serializer.serialize_none(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bytes(b) => serializer.serialize_bytes(b),
            Value::List(list) => {
                let items = list.to_vec();
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in &items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Tuple(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Dict(dict) => {
                let items = dict.items();
                let mut map = serializer.serialize_map(Some(items.len()))?;
                for (k, v) in &items {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Object(_) => Err(ser::Error::custom(format!(
                "a '{}' object cannot be serialized",
                self.type_name()
            ))),
        }
    }
}

struct ValueSerializer;

fn int_value<T: TryInto<i64> + fmt::Display + Copy>(v: T) -> Value {
    match v.try_into() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::unsupported(format!("the context integer {v}, beyond 64 bits")),
    }
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = ContextError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = Refused;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = Refused;

    fn serialize_bool(self, v: bool) -> Result<Value, ContextError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, ContextError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, ContextError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, ContextError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, ContextError> {
        Ok(Value::Int(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, ContextError> {
        Ok(int_value(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, ContextError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, ContextError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, ContextError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, ContextError> {
        Ok(int_value(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Value, ContextError> {
        Ok(int_value(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, ContextError> {
        Ok(Value::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, ContextError> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, ContextError> {
        Ok(Value::str(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<Value, ContextError> {
        Ok(Value::str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, ContextError> {
        Ok(Value::Bytes(Arc::from(v)))
    }
    fn serialize_none(self) -> Result<Value, ContextError> {
        Ok(Value::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ContextError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, ContextError> {
        Ok(Value::None)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, ContextError> {
        Ok(Value::None)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ContextError> {
        Ok(Value::str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, ContextError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<Value, ContextError> {
        Ok(variant_with_data(name, variant))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, ContextError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0).min(4096))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, ContextError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, ContextError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Refused, ContextError> {
        Ok(Refused(variant_with_data(name, variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, ContextError> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<MapBuilder, ContextError> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Refused, ContextError> {
        Ok(Refused(variant_with_data(name, variant)))
    }
}

fn variant_with_data(name: &str, variant: &str) -> Value {
    Value::unsupported(format!(
        "the enum variant {name}::{variant} of the context, which carries data"
    ))
}

struct SeqBuilder(Vec<Value>);

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ContextError> {
        self.0.push(value.serialize(ValueSerializer)?);
        Ok(())
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = ContextError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ContextError> {
        self.push(value)
    }
    fn end(self) -> Result<Value, ContextError> {
        Ok(Value::list(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = ContextError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ContextError> {
        self.push(value)
    }
    fn end(self) -> Result<Value, ContextError> {
        Ok(Value::list(self.0))
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = ContextError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ContextError> {
        self.push(value)
    }
    fn end(self) -> Result<Value, ContextError> {
        Ok(Value::list(self.0))
    }
}

#[derive(Default)]
struct MapBuilder {
    entries: Vec<(Value, Value)>,
    key: Option<Value>,
}

impl MapBuilder {
    fn finish(self) -> Value {
        let dict = Dict::default();
        for (k, v) in self.entries {
            match Key::of(&k) {
                Ok(hashed) => dict.0.lock().insert(hashed, k, v),
                Err(_) => {
                    return Value::unsupported(format!(
                        "a context map with a '{}' key (Python cannot hash it)",
                        k.type_name()
                    ))
                }
            }
        }
        Value::Dict(dict)
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = ContextError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ContextError> {
        self.key = Some(key.serialize(ValueSerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ContextError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ContextError("a map value without a key".into()))?;
        self.entries.push((key, value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value, ContextError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = ContextError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ContextError> {
        self.entries
            .push((Value::str(key), value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value, ContextError> {
        Ok(self.finish())
    }
}

/// An enum variant with data: its fields are ignored, the value refused
/// when used.
struct Refused(Value);

impl ser::SerializeTupleVariant for Refused {
    type Ok = Value;
    type Error = ContextError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _value: &T) -> Result<(), ContextError> {
        Ok(())
    }
    fn end(self) -> Result<Value, ContextError> {
        Ok(self.0)
    }
}

impl ser::SerializeStructVariant for Refused {
    type Ok = Value;
    type Error = ContextError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _key: &'static str,
        _value: &T,
    ) -> Result<(), ContextError> {
        Ok(())
    }
    fn end(self) -> Result<Value, ContextError> {
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    struct Host {
        name: String,
        port: u16,
        tags: Vec<&'static str>,
        pair: (i32, bool),
        alias: Option<String>,
        mode: Mode,
    }

    #[derive(serde::Serialize)]
    enum Mode {
        Fast,
        #[allow(dead_code)]
        Custom(u32),
    }

    #[test]
    fn structs_become_dicts() {
        let host = Host {
            name: "web".into(),
            port: 80,
            tags: vec!["a", "b"],
            pair: (1, true),
            alias: None,
            mode: Mode::Fast,
        };
        assert_eq!(
            to_value(&host).unwrap().to_repr().unwrap(),
            "{'name': 'web', 'port': 80, 'tags': ['a', 'b'], 'pair': [1, True], 'alias': None, 'mode': 'Fast'}"
        );
    }

    #[derive(serde::Serialize)]
    struct Odd {
        big: u64,
        variant: Mode,
        fine: i8,
    }

    #[test]
    fn what_cannot_be_held_fails_only_when_used() {
        let odd = Odd {
            big: u64::MAX,
            variant: Mode::Custom(3),
            fine: -1,
        };
        let names = to_namespace(&odd).unwrap();
        assert_eq!(names.len(), 3);
        assert!(names["big"].check_supported().is_err());
        assert!(names["variant"].check_supported().is_err());
        assert_eq!(names["fine"].to_repr().unwrap(), "-1");
        let mut map = BTreeMap::new();
        map.insert(vec![1], 2);
        assert!(to_value(&map).unwrap().check_supported().is_err());
    }

    #[test]
    fn the_context_must_be_a_map() {
        assert!(to_namespace(&[1, 2]).is_err());
        assert!(to_namespace(&()).unwrap().is_empty());
    }
}
