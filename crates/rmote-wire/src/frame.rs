//! One frame on the wire: a fixed header and a body (PROTOCOL.md §2).

use std::fmt;

use bytes::Bytes;

/// Length of the frame header in bytes: `length:u32 kind:u8 flags:u8 id:u32`.
pub const HEADER_LEN: usize = 10;

/// The largest frame body either side sends by default (256 KiB).
pub const DEFAULT_MAX_FRAME: usize = 256 * 1024;

/// The largest reassembled message accepted by default (256 MiB).
pub const DEFAULT_MAX_MESSAGE: usize = 256 * 1024 * 1024;

/// What a frame carries (PROTOCOL.md §3).
///
/// Unknown kinds are representable so that a receiver can report them instead
/// of failing to parse the header.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind(pub u8);

impl Kind {
    /// Remote → controller, id 0: the readiness report.
    pub const HELLO: Kind = Kind(1);
    /// Controller → remote, id 0: the source of a tool.
    pub const SYNC: Kind = Kind(2);
    /// Controller → remote: call a method of a tool.
    pub const CALL: Kind = Kind(3);
    /// Controller → remote: stop the call with this id.
    pub const CANCEL: Kind = Kind(4);
    /// Remote → controller: the value a call returned.
    pub const OK: Kind = Kind(5);
    /// Remote → controller: the exception a call raised.
    pub const ERR: Kind = Kind(6);
    /// Remote → controller: a `logging` record.
    pub const LOG: Kind = Kind(7);

    /// The protocol name of this kind, or `None` for an unknown one.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Kind::HELLO => "HELLO",
            Kind::SYNC => "SYNC",
            Kind::CALL => "CALL",
            Kind::CANCEL => "CANCEL",
            Kind::OK => "OK",
            Kind::ERR => "ERR",
            Kind::LOG => "LOG",
            _ => return None,
        })
    }
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Kind({})", self.0),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The flag bits of a frame header.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// No flag set.
    pub const NONE: Flags = Flags(0);
    /// The message body is a zlib stream.
    pub const ZLIB: Flags = Flags(0x01);
    /// More frames of this message follow.
    pub const MORE: Flags = Flags(0x02);
    const KNOWN: u8 = 0x03;

    /// Parses a flags byte, refusing reserved bits.
    pub fn from_bits(bits: u8) -> Option<Flags> {
        (bits & !Self::KNOWN == 0).then_some(Flags(bits))
    }

    /// The raw byte.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether every bit of `other` is set in `self`.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// `self` with the bits of `other` set (`on`) or cleared.
    #[must_use]
    pub fn with(self, other: Flags, on: bool) -> Flags {
        if on {
            Flags(self.0 | other.0)
        } else {
            Flags(self.0 & !other.0)
        }
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = Vec::new();
        if self.contains(Flags::ZLIB) {
            names.push("ZLIB");
        }
        if self.contains(Flags::MORE) {
            names.push("MORE");
        }
        write!(f, "Flags({})", names.join("|"))
    }
}

/// One frame: a header and its (possibly partial, possibly compressed) body.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// What the frame carries.
    pub kind: Kind,
    /// `ZLIB` and `MORE`.
    pub flags: Flags,
    /// The call id, or 0 for connection-level frames.
    pub id: u32,
    /// The body bytes of this frame.
    pub body: Bytes,
}

impl Frame {
    /// A single, uncompressed frame.
    pub fn new(kind: Kind, id: u32, body: impl Into<Bytes>) -> Frame {
        Frame {
            kind,
            flags: Flags::NONE,
            id,
            body: body.into(),
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("kind", &self.kind)
            .field("flags", &self.flags)
            .field("id", &self.id)
            .field("len", &self.body.len())
            .finish()
    }
}
