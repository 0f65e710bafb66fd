//! Python values as the local renderer sees them: the types, truthiness,
//! equality, ordering and dict keys with Python's rules.
//!
//! Lists and dicts are shared and mutable (`b = a; b.append(1)` changes `a`),
//! like Python objects; everything else is immutable.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::builtins::Builtin;
use crate::fault::{Fault, Res};
use crate::iter::Iter;

/// How deep the evaluator follows nested containers (in `repr`, `==`,
/// ordering and hashing) before it gives up.
pub(crate) const MAX_DEPTH: usize = 200;

/// A Python value.
///
/// The data a context can hold are the public variants; the evaluator's own
/// objects (ranges, iterators, functions) are [`Value::Object`]s.
#[derive(Clone)]
#[non_exhaustive]
pub enum Value {
    /// `None`.
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An `int` (Python's are unbounded; the local renderer stops at 64 bits).
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(Arc<str>),
    /// A `bytes`.
    Bytes(Arc<[u8]>),
    /// A `list`, shared like a Python object.
    List(List),
    /// A `tuple`.
    Tuple(Arc<[Value]>),
    /// A `dict`, insertion-ordered, shared like a Python object.
    Dict(Dict),
    /// Anything else: a `range`, an iterator, a builtin function.
    Object(Object),
}

/// A Python `list`: cloning it shares it, like assigning a Python name.
#[derive(Clone, Default)]
pub struct List(pub(crate) Shared<Vec<Value>>);

/// A Python `dict`: insertion-ordered, cloning it shares it.
#[derive(Clone, Default)]
pub struct Dict(pub(crate) Shared<DictData>);

/// One of the evaluator's own objects (a `range`, an iterator, a builtin
/// function, a bound method).
#[derive(Clone)]
pub struct Object(pub(crate) ObjectKind);

#[derive(Clone)]
pub(crate) enum ObjectKind {
    Range(Range),
    Iter(Shared<Iter>),
    Builtin(Builtin),
    /// `receiver.name`, not called yet.
    Method(Arc<(Value, Arc<str>)>),
    /// `d.keys()`, `d.values()`, `d.items()`: live views of a dict.
    View(View, Dict),
    /// A `set`: the keys of a dict whose values are all `None`. Its
    /// iteration order depends on CPython's hashing, so only what does not
    /// depend on the order is allowed.
    Set(Dict),
    /// A value of the context the local renderer cannot represent (a
    /// 128-bit integer, an enum variant with data): it fails when used.
    Unsupported(Arc<str>),
}

/// A `range(start, stop, step)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) start: i64,
    pub(crate) stop: i64,
    pub(crate) step: i64,
}

/// Which view of a dict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Keys,
    Values,
    Items,
}

/// A value behind a lock, shared by clones (Python object identity).
pub(crate) struct Shared<T>(Arc<Mutex<T>>);

impl<T> Shared<T> {
    pub(crate) fn new(value: T) -> Shared<T> {
        Shared(Arc::new(Mutex::new(value)))
    }

    /// The value. The evaluator never holds this across another call that
    /// could reach the same object.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether both are the same Python object.
    pub(crate) fn same(&self, other: &Shared<T>) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The object's address, to detect cycles.
    pub(crate) fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(T::default())
    }
}

impl Value {
    /// A `str`.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::Str(Arc::from(s.as_ref()))
    }

    /// A new `list`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(List(Shared::new(items)))
    }

    /// A `tuple`.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Arc::from(items))
    }

    pub(crate) fn object(kind: ObjectKind) -> Value {
        Value::Object(Object(kind))
    }

    pub(crate) fn range(start: i64, stop: i64, step: i64) -> Value {
        Value::object(ObjectKind::Range(Range { start, stop, step }))
    }

    /// A new `set` of `items` (unhashable items are Python's `TypeError`).
    pub(crate) fn set(items: Vec<Value>) -> crate::fault::Res<Value> {
        let dict = Dict::default();
        for item in items {
            dict.set(item, Value::None)?;
        }
        Ok(Value::object(ObjectKind::Set(dict)))
    }

    pub(crate) fn unsupported(why: impl Into<String>) -> Value {
        Value::object(ObjectKind::Unsupported(Arc::from(why.into())))
    }

    /// Python's `str()` of the value, or `None` when the local renderer
    /// cannot be sure of CPython's text (see the crate's COMPATIBILITY.md).
    pub fn to_str(&self) -> Option<String> {
        crate::repr::str(self).ok()
    }

    /// Python's `repr()` of the value, or `None` as for [`Value::to_str`].
    pub fn to_repr(&self) -> Option<String> {
        crate::repr::repr(self).ok()
    }

    /// The name of the value's Python type (`'int'`, `'dict'`), as in
    /// CPython's messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Object(Object(kind)) => match kind {
                ObjectKind::Range(_) => "range",
                ObjectKind::Iter(it) => it.lock().type_name(),
                ObjectKind::Builtin(b) => b.type_name(),
                ObjectKind::Method(_) => "builtin_function_or_method",
                ObjectKind::View(View::Keys, _) => "dict_keys",
                ObjectKind::View(View::Values, _) => "dict_values",
                ObjectKind::View(View::Items, _) => "dict_items",
                ObjectKind::Set(_) => "set",
                ObjectKind::Unsupported(_) => "object",
            },
        }
    }

    /// Fails for a context value the local renderer cannot represent.
    pub(crate) fn check_supported(&self) -> Res<()> {
        match self {
            Value::Object(Object(ObjectKind::Unsupported(why))) => {
                Err(Fault::unsupported(why.to_string()))
            }
            _ => Ok(()),
        }
    }

    /// Python's `bool()`.
    pub(crate) fn truthy(&self) -> Res<bool> {
        Ok(match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.0.lock().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Object(Object(kind)) => match kind {
                ObjectKind::Range(r) => r.len() != 0,
                ObjectKind::View(_, d) | ObjectKind::Set(d) => !d.is_empty(),
                ObjectKind::Unsupported(why) => return Err(Fault::unsupported(why.to_string())),
                ObjectKind::Iter(_) | ObjectKind::Builtin(_) | ObjectKind::Method(_) => true,
            },
        })
    }

    /// The number, if the value is a `bool`, `int` or `float`.
    pub(crate) fn as_number(&self) -> Option<Number> {
        match self {
            Value::Bool(b) => Some(Number::Int(*b as i64)),
            Value::Int(i) => Some(Number::Int(*i)),
            Value::Float(f) => Some(Number::Float(*f)),
            _ => None,
        }
    }

    /// The integer, if the value is a `bool` or an `int` (Python's
    /// `__index__`).
    pub(crate) fn as_index(&self) -> Option<i64> {
        match self {
            Value::Bool(b) => Some(*b as i64),
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// A number, with `bool` already turned into `int`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Arc::from(s))
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::list(items)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match crate::repr::repr(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "<{}>", self.type_name()),
        }
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Value::List(self.clone()), f)
    }
}

impl fmt::Debug for Dict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Value::Dict(self.clone()), f)
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Value::Object(self.clone()), f)
    }
}

impl List {
    /// The number of items.
    pub fn len(&self) -> usize {
        self.0.lock().len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the items (the items themselves are shared).
    pub fn to_vec(&self) -> Vec<Value> {
        self.0.lock().clone()
    }

    /// The item at `index`, if there is one.
    pub(crate) fn item(&self, index: usize) -> Option<Value> {
        self.0.lock().get(index).cloned()
    }
}

impl Dict {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.lock().entries.len()
    }

    /// Whether the dict is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the entries in insertion order.
    pub fn items(&self) -> Vec<(Value, Value)> {
        self.0.lock().entries.clone()
    }

    /// The value under the string key `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        let data = self.0.lock();
        data.index
            .get(&Key::Str(Arc::from(key)))
            .map(|&i| data.entries[i].1.clone())
    }

    /// The value under `key` (Python's `d[key]` lookup, without the error).
    pub(crate) fn lookup(&self, key: &Value) -> Res<Option<Value>> {
        let key = Key::of(key)?;
        let data = self.0.lock();
        Ok(data.index.get(&key).map(|&i| data.entries[i].1.clone()))
    }

    /// `d[key] = value`.
    pub(crate) fn set(&self, key: Value, value: Value) -> Res<()> {
        let hashed = Key::of(&key)?;
        self.0.lock().insert(hashed, key, value);
        Ok(())
    }

    /// Removes `key`, returning its value.
    pub(crate) fn remove(&self, key: &Value) -> Res<Option<Value>> {
        let key = Key::of(key)?;
        Ok(self.0.lock().remove(&key).map(|(_, v)| v))
    }

    /// The entry at `position` in insertion order.
    pub(crate) fn entry(&self, position: usize) -> Option<(Value, Value)> {
        self.0.lock().entries.get(position).cloned()
    }

    /// Changes whenever a key is added or removed (not when a value is
    /// replaced): iterating over a dict whose keys change is an error.
    pub(crate) fn layout(&self) -> u64 {
        self.0.lock().layout
    }

    /// A new dict with the same entries.
    pub(crate) fn copy(&self) -> Dict {
        let data = self.0.lock();
        Dict(Shared::new(DictData {
            entries: data.entries.clone(),
            index: data.index.clone(),
            layout: 0,
        }))
    }
}

// Dropping a deeply nested value (a template can build `x = [x]` a
// million times) must not recurse once per level: the last owner of a list,
// dict or tuple moves the items out onto a stack instead.
impl Drop for List {
    fn drop(&mut self) {
        if Arc::strong_count(&(self.0).0) == 1 {
            let items = std::mem::take(&mut *self.0.lock());
            drop_flat(items);
        }
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        if Arc::strong_count(&(self.0).0) == 1 {
            let data = std::mem::take(&mut *self.0.lock());
            drop_flat(data.entries.into_iter().flat_map(|(k, v)| [k, v]).collect());
        }
    }
}

fn drop_flat(mut stack: Vec<Value>) {
    while let Some(value) = stack.pop() {
        match value {
            Value::List(list) if Arc::strong_count(&(list.0).0) == 1 => {
                stack.append(&mut list.0.lock());
            }
            Value::Dict(dict) if Arc::strong_count(&(dict.0).0) == 1 => {
                let data = std::mem::take(&mut *dict.0.lock());
                stack.extend(data.entries.into_iter().flat_map(|(k, v)| [k, v]));
            }
            Value::Tuple(mut items) => {
                if let Some(items) = Arc::get_mut(&mut items) {
                    stack.extend(items.iter_mut().map(|v| std::mem::replace(v, Value::None)));
                }
            }
            Value::Object(Object(ObjectKind::Iter(it))) if Arc::strong_count(&it.0) == 1 => {
                let state = std::mem::replace(&mut *it.lock(), Iter::Running);
                stack.extend(state.into_values());
            }
            Value::Object(Object(ObjectKind::View(_, dict) | ObjectKind::Set(dict))) => {
                stack.push(Value::Dict(dict))
            }
            Value::Object(Object(ObjectKind::Method(mut bound))) => {
                if let Some((receiver, _)) = Arc::get_mut(&mut bound) {
                    stack.push(std::mem::replace(receiver, Value::None));
                }
            }
            _ => {}
        }
    }
}

/// The entries of a dict and an index from hash keys to positions.
#[derive(Clone, Default)]
pub(crate) struct DictData {
    entries: Vec<(Value, Value)>,
    index: HashMap<Key, usize>,
    layout: u64,
}

impl DictData {
    /// Inserts or replaces; a replaced entry keeps its position and its
    /// original key object (`{1: 'a', True: 'b'}` is `{1: 'b'}`).
    pub(crate) fn insert(&mut self, hashed: Key, key: Value, value: Value) {
        match self.index.get(&hashed) {
            Some(&i) => self.entries[i].1 = value,
            None => {
                self.index.insert(hashed, self.entries.len());
                self.entries.push((key, value));
                self.layout += 1;
            }
        }
    }

    fn remove(&mut self, hashed: &Key) -> Option<(Value, Value)> {
        let i = self.index.remove(hashed)?;
        let entry = self.entries.remove(i);
        for position in self.index.values_mut() {
            if *position > i {
                *position -= 1;
            }
        }
        self.layout += 1;
        Some(entry)
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.layout += 1;
    }

    pub(crate) fn pop_last(&mut self) -> Option<(Value, Value)> {
        let (key, _) = self.entries.last()?;
        let hashed = Key::of(key).ok()?;
        self.remove(&hashed)
    }
}

/// A hashable value reduced to what decides dict-key equality: `1`, `1.0`
/// and `True` are the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    None,
    Int(i64),
    /// A float that equals no `int` (its bits).
    Float(u64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    Tuple(Box<[Key]>),
    /// A range, as Python compares them: length, then start, then step.
    Range(i128, i64, i64),
}

impl Key {
    /// The key of `value`, or Python's `TypeError` for unhashable values.
    pub(crate) fn of(value: &Value) -> Res<Key> {
        Key::at(value, 0)
    }

    fn at(value: &Value, depth: usize) -> Res<Key> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(match value {
            Value::None => Key::None,
            Value::Bool(b) => Key::Int(*b as i64),
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) => {
                if f.is_nan() {
                    // Each NaN object is its own key in Python.
                    return Err(Fault::unsupported("NaN as a dict or set key"));
                }
                match float_as_int(*f) {
                    Some(i) => Key::Int(i),
                    None => Key::Float(f.to_bits()),
                }
            }
            Value::Str(s) => Key::Str(s.clone()),
            Value::Bytes(b) => Key::Bytes(b.clone()),
            Value::Tuple(items) => Key::Tuple(
                items
                    .iter()
                    .map(|v| Key::at(v, depth + 1))
                    .collect::<Res<_>>()?,
            ),
            Value::List(_) | Value::Dict(_) => {
                return Err(Fault::type_error(format!(
                    "unhashable type: '{}'",
                    value.type_name()
                )))
            }
            Value::Object(Object(kind)) => match kind {
                ObjectKind::Range(r) => {
                    let len = r.len();
                    match len {
                        0 => Key::Range(0, 0, 0),
                        1 => Key::Range(1, r.start, 0),
                        _ => Key::Range(len, r.start, r.step),
                    }
                }
                ObjectKind::View(View::Keys | View::Items, _) | ObjectKind::Set(_) => {
                    return Err(Fault::type_error(format!(
                        "unhashable type: '{}'",
                        value.type_name()
                    )))
                }
                ObjectKind::Unsupported(why) => return Err(Fault::unsupported(why.to_string())),
                _ => {
                    return Err(Fault::unsupported(format!(
                        "a '{}' object as a dict or set key",
                        value.type_name()
                    )))
                }
            },
        })
    }
}

/// The `int` equal to `f`, if there is one within 64 bits.
pub(crate) fn float_as_int(f: f64) -> Option<i64> {
    // -2**63 is exact as a float; 2**63 is the first float past i64::MAX.
    if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

pub(crate) fn too_deep() -> Fault {
    Fault::unsupported(format!("values nested more than {MAX_DEPTH} levels deep"))
}

impl Range {
    /// The number of items (an `i128`, since `range(-2**63, 2**63-1)` has
    /// more than `i64::MAX`).
    pub(crate) fn len(&self) -> i128 {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        if step > 0 && start < stop {
            (stop - start - 1) / step + 1
        } else if step < 0 && start > stop {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    }

    /// The item at `index` (`0 <= index < len`).
    pub(crate) fn item(&self, index: i128) -> i64 {
        (self.start as i128 + index * self.step as i128) as i64
    }
}

/// Python's `==` (never fails in Python for these types; fails here only
/// where identity would decide, or for too deep values).
pub(crate) fn eq(a: &Value, b: &Value) -> Res<bool> {
    eq_at(a, b, 0)
}

fn eq_at(a: &Value, b: &Value, depth: usize) -> Res<bool> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    a.check_supported()?;
    b.check_supported()?;
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return Ok(num_cmp(x, y) == Some(Ordering::Equal));
    }
    Ok(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            if x.0.same(&y.0) && x.is_empty() {
                return Ok(true);
            }
            let (x, y) = (x.to_vec(), y.to_vec());
            seq_eq(&x, &y, depth)?
        }
        (Value::Tuple(x), Value::Tuple(y)) => seq_eq(x, y, depth)?,
        (Value::Dict(x), Value::Dict(y)) => dict_eq(x, y, depth)?,
        (Value::Object(Object(x)), Value::Object(Object(y))) => match (x, y) {
            (ObjectKind::Range(x), ObjectKind::Range(y)) => {
                let len = x.len();
                len == y.len()
                    && (len == 0 || (x.start == y.start && (len == 1 || x.step == y.step)))
            }
            (ObjectKind::Builtin(x), ObjectKind::Builtin(y)) => x == y,
            (ObjectKind::Iter(x), ObjectKind::Iter(y)) => x.same(y),
            (ObjectKind::Set(x), ObjectKind::Set(y)) => x.len() == y.len() && subset(x, y)?,
            (ObjectKind::View(..), _) | (_, ObjectKind::View(..)) => {
                return Err(Fault::unsupported("comparing dict views"))
            }
            (ObjectKind::Method(_), ObjectKind::Method(_)) => {
                return Err(Fault::unsupported("comparing bound methods"))
            }
            _ => false,
        },
        (Value::Object(Object(ObjectKind::View(..))), _)
        | (_, Value::Object(Object(ObjectKind::View(..)))) => {
            return Err(Fault::unsupported("comparing dict views"))
        }
        _ => false,
    })
}

/// `==` between two items of containers: Python tries identity first,
/// which the local renderer cannot see for NaN.
pub(crate) fn item_eq(a: &Value, b: &Value, depth: usize) -> Res<bool> {
    if let (Value::Float(x), Value::Float(y)) = (a, b) {
        if x.is_nan() && y.is_nan() {
            return Err(Fault::unsupported(
                "comparing NaN with NaN inside containers (Python compares object identity first)",
            ));
        }
    }
    eq_at(a, b, depth + 1)
}

/// Whether every element of the set `x` is in the set `y`.
pub(crate) fn subset(x: &Dict, y: &Dict) -> Res<bool> {
    for (k, _) in x.items() {
        if y.lookup(&k)?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

fn seq_eq(x: &[Value], y: &[Value], depth: usize) -> Res<bool> {
    if x.len() != y.len() {
        return Ok(false);
    }
    for (a, b) in x.iter().zip(y) {
        if !item_eq(a, b, depth)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn dict_eq(x: &Dict, y: &Dict, depth: usize) -> Res<bool> {
    if x.len() != y.len() {
        return Ok(false);
    }
    for (key, value) in x.items() {
        match y.lookup(&key)? {
            Some(other) => {
                if !item_eq(&value, &other, depth)? {
                    return Ok(false);
                }
            }
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// The ordering of two numbers, exact between `int` and `float` (`None`
/// when one is NaN).
pub(crate) fn num_cmp(a: Number, b: Number) -> Option<Ordering> {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
        (Number::Float(x), Number::Float(y)) => x.partial_cmp(&y),
        (Number::Int(x), Number::Float(y)) => int_float_cmp(x, y),
        (Number::Float(x), Number::Int(y)) => int_float_cmp(y, x).map(Ordering::reverse),
    }
}

fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= 9.223_372_036_854_776e18 {
        return Some(Ordering::Less);
    }
    if f < -9.223_372_036_854_776e18 {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => (whole).partial_cmp(&f),
        other => Some(other),
    }
}

/// An ordering operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Order {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Order::Lt => "<",
            Order::Le => "<=",
            Order::Gt => ">",
            Order::Ge => ">=",
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Order::Lt => ordering == Ordering::Less,
            Order::Le => ordering != Ordering::Greater,
            Order::Gt => ordering == Ordering::Greater,
            Order::Ge => ordering != Ordering::Less,
        }
    }
}

/// Python's `a < b` (and `<=`, `>`, `>=`), with its `TypeError`s.
pub(crate) fn compare(a: &Value, b: &Value, op: Order) -> Res<bool> {
    compare_at(a, b, op, 0)
}

fn compare_at(a: &Value, b: &Value, op: Order, depth: usize) -> Res<bool> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    a.check_supported()?;
    b.check_supported()?;
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return Ok(num_cmp(x, y).is_some_and(|o| op.holds(o)));
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(op.holds(x.cmp(y))),
        (Value::Bytes(x), Value::Bytes(y)) => Ok(op.holds(x.cmp(y))),
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.to_vec(), y.to_vec());
            seq_compare(&x, &y, op, depth)
        }
        (Value::Tuple(x), Value::Tuple(y)) => seq_compare(x, y, op, depth),
        (Value::Object(Object(ObjectKind::Set(x))), Value::Object(Object(ObjectKind::Set(y)))) => {
            Ok(match op {
                Order::Le => subset(x, y)?,
                Order::Lt => x.len() < y.len() && subset(x, y)?,
                Order::Ge => subset(y, x)?,
                Order::Gt => y.len() < x.len() && subset(y, x)?,
            })
        }
        (Value::Object(Object(ObjectKind::View(..))), _)
        | (_, Value::Object(Object(ObjectKind::View(..)))) => {
            Err(Fault::unsupported("ordering dict views (set comparisons)"))
        }
        _ => Err(Fault::type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        ))),
    }
}

fn seq_compare(x: &[Value], y: &[Value], op: Order, depth: usize) -> Res<bool> {
    for (a, b) in x.iter().zip(y) {
        if !item_eq(a, b, depth)? {
            return compare_at(a, b, op, depth + 1);
        }
    }
    Ok(op.holds(x.len().cmp(&y.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Value {
        Value::Int(i)
    }

    #[test]
    fn numbers_compare_exactly_across_types() {
        assert!(eq(&int(1), &Value::Float(1.0)).unwrap());
        assert!(eq(&Value::Bool(true), &int(1)).unwrap());
        // 2**53 + 1 is not the float 2**53, although `as f64` would say so.
        assert!(!eq(&int((1 << 53) + 1), &Value::Float((1u64 << 53) as f64)).unwrap());
        assert!(compare(
            &int((1 << 53) + 1),
            &Value::Float((1u64 << 53) as f64),
            Order::Gt
        )
        .unwrap());
        assert!(compare(&int(i64::MAX), &Value::Float(9.3e18), Order::Lt).unwrap());
        assert!(compare(&int(-3), &Value::Float(-2.5), Order::Lt).unwrap());
        assert!(!compare(&int(1), &Value::Float(f64::NAN), Order::Le).unwrap());
    }

    #[test]
    fn sequences_compare_lexicographically() {
        let a = Value::list(vec![int(1), Value::str("a")]);
        let b = Value::list(vec![int(1), Value::str("b")]);
        assert!(compare(&a, &b, Order::Lt).unwrap());
        let c = Value::list(vec![int(1), int(2)]);
        assert!(!eq(&a, &c).unwrap());
        let err = compare(&a, &c, Order::Lt).unwrap_err();
        assert_eq!(
            err.message,
            "'<' not supported between instances of 'str' and 'int'"
        );
        let short = Value::tuple(vec![int(1)]);
        let long = Value::tuple(vec![int(1), int(0)]);
        assert!(compare(&short, &long, Order::Lt).unwrap());
        assert!(!eq(&Value::list(vec![]), &Value::tuple(vec![])).unwrap());
    }

    #[test]
    fn one_and_true_and_one_point_oh_are_one_key() {
        let d = Dict::default();
        d.set(int(1), Value::str("a")).unwrap();
        d.set(Value::Bool(true), Value::str("b")).unwrap();
        d.set(Value::Float(1.0), Value::str("c")).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(format!("{:?}", Value::Dict(d)), "{1: 'c'}");
        let err = Key::of(&Value::list(vec![])).unwrap_err();
        assert_eq!(err.message, "unhashable type: 'list'");
    }

    #[test]
    fn ranges_equal_as_sequences() {
        assert!(eq(&Value::range(0, 0, 1), &Value::range(5, 2, 3)).unwrap());
        assert!(eq(&Value::range(0, 3, 2), &Value::range(0, 4, 2)).unwrap());
        assert!(!eq(&Value::range(0, 3, 1), &Value::range(0, 3, 2)).unwrap());
        assert_eq!(
            Range {
                start: i64::MIN,
                stop: i64::MAX,
                step: 1
            }
            .len(),
            u64::MAX as i128
        );
    }

    #[test]
    fn deep_values_drop_without_recursion() {
        let mut value = Value::list(Vec::new());
        for i in 0..1_000_000 {
            value = if i % 3 == 0 {
                Value::tuple(vec![value])
            } else if i % 3 == 1 {
                let d = Dict::default();
                d.set(Value::Int(0), value).unwrap();
                Value::Dict(d)
            } else {
                Value::list(vec![value])
            };
        }
        assert!(crate::repr::repr(&value).is_err());
        drop(value);
    }

    #[test]
    fn deep_iterator_chains_drop_without_recursion() {
        let mut value = Value::list(Vec::new());
        for i in 0..1_000_000 {
            let state = if i % 2 == 0 {
                Iter::Enumerate {
                    inner: value,
                    count: 0,
                }
            } else {
                Iter::List {
                    list: List(Shared::new(vec![value])),
                    index: 0,
                }
            };
            value = crate::eval::iterator(state);
        }
        drop(value);
    }

    #[test]
    fn nan_inside_containers_is_refused() {
        let a = Value::list(vec![Value::Float(f64::NAN)]);
        assert!(eq(&a, &a.clone()).is_err());
        assert!(!eq(&Value::Float(f64::NAN), &Value::Float(f64::NAN)).unwrap());
    }
}
