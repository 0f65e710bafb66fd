//! Just enough JSON for the test contexts: parsed into a value that
//! serializes the way `serde_json::Value` does (integers as integers, other
//! numbers as floats, objects as maps in their order).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(i) => s.serialize_i64(*i),
            Json::Float(f) => s.serialize_f64(*f),
            Json::Str(t) => s.serialize_str(t),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Parses JSON text.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let value = p.value()?;
    p.space();
    if p.pos != p.chars.len() {
        return Err(format!("trailing text at {}", p.pos));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn space(&mut self) {
        while self.pos < self.chars.len() && self.chars[self.pos].is_whitespace() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.space();
        if self.chars.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self, w: &str) -> bool {
        let end = self.pos + w.chars().count();
        if end <= self.chars.len() && self.chars[self.pos..end].iter().copied().eq(w.chars()) {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.space();
        let c = *self.chars.get(self.pos).ok_or("unexpected end")?;
        match c {
            '{' => {
                self.pos += 1;
                let mut entries = Vec::new();
                if self.eat('}') {
                    return Ok(Json::Object(entries));
                }
                loop {
                    self.space();
                    let Json::Str(key) = self.value()? else {
                        return Err("object keys are strings".into());
                    };
                    if !self.eat(':') {
                        return Err(format!("expected ':' at {}", self.pos));
                    }
                    entries.push((key, self.value()?));
                    if self.eat('}') {
                        return Ok(Json::Object(entries));
                    }
                    if !self.eat(',') {
                        return Err(format!("expected ',' at {}", self.pos));
                    }
                }
            }
            '[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(']') {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.eat(']') {
                        return Ok(Json::Array(items));
                    }
                    if !self.eat(',') {
                        return Err(format!("expected ',' at {}", self.pos));
                    }
                }
            }
            '"' => {
                self.pos += 1;
                let mut out = String::new();
                loop {
                    let c = *self.chars.get(self.pos).ok_or("unterminated string")?;
                    self.pos += 1;
                    match c {
                        '"' => return Ok(Json::Str(out)),
                        '\\' => {
                            let e = *self.chars.get(self.pos).ok_or("bad escape")?;
                            self.pos += 1;
                            out.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                'b' => '\x08',
                                'f' => '\x0c',
                                'u' => {
                                    let hex: String =
                                        self.chars[self.pos..self.pos + 4].iter().collect();
                                    self.pos += 4;
                                    let code =
                                        u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                                    char::from_u32(code).ok_or("a surrogate escape")?
                                }
                                other => other,
                            });
                        }
                        c => out.push(c),
                    }
                }
            }
            't' if self.word("true") => Ok(Json::Bool(true)),
            'f' if self.word("false") => Ok(Json::Bool(false)),
            'n' if self.word("null") => Ok(Json::Null),
            _ => {
                let start = self.pos;
                while self.pos < self.chars.len()
                    && matches!(
                        self.chars[self.pos],
                        '0'..='9' | '-' | '+' | '.' | 'e' | 'E'
                    )
                {
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().collect();
                if text.is_empty() {
                    return Err(format!("unexpected {c:?} at {start}"));
                }
                if text.contains(['.', 'e', 'E']) {
                    text.parse()
                        .map(Json::Float)
                        .map_err(|e| format!("{text}: {e}"))
                } else {
                    text.parse()
                        .map(Json::Int)
                        .map_err(|e| format!("{text}: {e}"))
                }
            }
        }
    }
}
