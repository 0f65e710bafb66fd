//! The protocol state of one connection, free of I/O and clocks.
//!
//! Inputs are `handle_*` calls; outputs are drained with `poll_transmit`
//! (frames to write) and `poll_event` (replies and log records). The driver
//! owns the pipes and pumps this; tests drive it with plain data.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use rmote_wire::{Assembler, Compression, Fragments, Frame, Kind, Message};

use crate::tool::Tool;

/// What the core hands back to the driver.
#[derive(Debug)]
pub(crate) enum Event<W> {
    /// A call completed with OK (`ok`) or ERR; the message body is the value
    /// or the exception map, still compressed if it was sent so (the caller
    /// inflates it, not the driver).
    Reply {
        waiter: W,
        ok: bool,
        message: Message,
    },
    /// A log record emitted on the remote, for call `id` (0: none).
    Log { id: u32, body: Bytes },
    /// A message the controller does not act on (never executed).
    Unexpected { kind: Kind, id: u32, body: Bytes },
}

/// A large CALL being sent one frame at a time, between smaller messages.
struct Lane {
    id: u32,
    frames: Fragments,
    started: bool,
    /// A CANCEL to send once the whole call has gone out.
    then: Option<Frame>,
}

pub(crate) struct Core<W> {
    max_frame: usize,
    max_message: usize,
    compression: Compression,
    assembler: Assembler,
    pending: HashMap<u32, W>,
    synced: HashSet<Arc<str>>,
    /// Single-frame messages and SYNCs, in order; always sent first.
    express: VecDeque<Frame>,
    /// Multi-frame CALLs, interleaved frame by frame.
    bulk: VecDeque<Lane>,
    events: VecDeque<Event<W>>,
    syncs_sent: u64,
}

impl<W> Core<W> {
    pub(crate) fn new(max_frame: usize, max_message: usize, compression: Compression) -> Core<W> {
        Core {
            max_frame,
            max_message,
            compression,
            assembler: Assembler::new(max_message),
            pending: HashMap::new(),
            synced: HashSet::new(),
            express: VecDeque::new(),
            bulk: VecDeque::new(),
            events: VecDeque::new(),
            syncs_sent: 0,
        }
    }

    /// Queues call `id` (its CALL message already encoded, and compressed when
    /// it pays), preceded by the tool's SYNC the first time the tool is used
    /// on this connection.
    pub(crate) fn handle_call(&mut self, tool: &Tool, call: Message, waiter: W) {
        let id = call.id;
        if !self.synced.contains(tool.key()) {
            self.synced.insert(tool.key().clone());
            self.syncs_sent += 1;
            let sync = rmote_wire::encode_sync(tool.key(), tool.name(), tool.source());
            // A SYNC goes out whole and in order, before any call that needs it.
            self.express.extend(Fragments::new(
                Message::new(Kind::SYNC, 0, sync).compress(self.compression),
                self.max_frame,
            ));
        }
        self.pending.insert(id, waiter);
        let frames = Fragments::new(call, self.max_frame);
        if frames.remaining() <= self.max_frame {
            self.express.extend(frames);
        } else {
            self.bulk.push_back(Lane {
                id,
                frames,
                started: false,
                then: None,
            });
        }
    }

    /// Forgets call `id` and tells the remote to stop it. Returns the waiter
    /// when the call was still pending.
    pub(crate) fn handle_cancel(&mut self, id: u32) -> Option<W> {
        let waiter = self.pending.remove(&id)?;
        let cancel = Frame::new(Kind::CANCEL, id, Bytes::new());
        match self.bulk.iter().position(|lane| lane.id == id) {
            // Not a byte of it was sent: the remote never needs to know.
            Some(i) if !self.bulk[i].started => {
                self.bulk.remove(i);
            }
            // Half sent: finish it (a message cannot be cut), then cancel.
            Some(i) => self.bulk[i].then = Some(cancel),
            None => self.express.push_back(cancel),
        }
        Some(waiter)
    }

    /// Takes one frame read from the remote. An error means the stream can
    /// no longer be trusted.
    pub(crate) fn handle_frame(&mut self, frame: Frame) -> Result<(), rmote_wire::Error> {
        let Some(msg) = self.assembler.push(frame)? else {
            return Ok(());
        };
        match msg.kind {
            Kind::OK | Kind::ERR if msg.id != 0 => {
                // A reply for an id we no longer track answers a cancelled call.
                if let Some(waiter) = self.pending.remove(&msg.id) {
                    self.events.push_back(Event::Reply {
                        waiter,
                        ok: msg.kind == Kind::OK,
                        message: msg,
                    });
                }
            }
            kind => {
                let msg = match msg.decompress(self.max_message) {
                    Ok(msg) => msg,
                    Err(err) => {
                        // The framing is intact: drop this message, keep the stream.
                        tracing::warn!(target: "rmote::session", "dropping a {kind} message from the remote: {err}");
                        return Ok(());
                    }
                };
                self.events.push_back(if msg.kind == Kind::LOG {
                    Event::Log {
                        id: msg.id,
                        body: msg.body,
                    }
                } else {
                    Event::Unexpected {
                        kind: msg.kind,
                        id: msg.id,
                        body: msg.body,
                    }
                });
            }
        }
        Ok(())
    }

    /// The next frame to write: queued small messages first, then one frame
    /// of each large call in turn.
    pub(crate) fn poll_transmit(&mut self) -> Option<Frame> {
        if let Some(frame) = self.express.pop_front() {
            return Some(frame);
        }
        let mut lane = self.bulk.pop_front()?;
        let frame = lane.frames.next();
        lane.started = true;
        if lane.frames.remaining() == 0 {
            self.express.extend(lane.then.take());
        } else {
            self.bulk.push_back(lane);
        }
        frame
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event<W>> {
        self.events.pop_front()
    }

    /// Takes every pending waiter (the connection is over).
    pub(crate) fn drain_pending(&mut self) -> impl Iterator<Item = W> + '_ {
        self.express.clear();
        self.bulk.clear();
        self.pending.drain().map(|(_, w)| w)
    }

    pub(crate) fn syncs_sent(&self) -> u64 {
        self.syncs_sent
    }

    #[cfg(test)]
    fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: Tool = Tool::new("T", "class T:\n    pass\n");
    static U: Tool = Tool::new("U", "class U:\n    pass\n");

    fn call(id: u32, body: impl Into<Bytes>) -> Message {
        Message::new(Kind::CALL, id, body)
    }

    fn core() -> Core<&'static str> {
        Core::new(64, 1 << 20, Compression::OFF)
    }

    fn drain(core: &mut Core<&'static str>) -> Vec<(Kind, u32, usize)> {
        std::iter::from_fn(|| core.poll_transmit())
            .map(|f| (f.kind, f.id, f.body.len()))
            .collect()
    }

    #[test]
    fn first_calls_of_a_tool_share_one_sync() {
        let mut c = core();
        for id in 1..=5 {
            c.handle_call(&T, call(id, Bytes::from_static(b"x")), "w");
        }
        c.handle_call(&U, call(6, Bytes::from_static(b"y")), "w");
        let kinds: Vec<_> = drain(&mut c)
            .into_iter()
            .map(|(k, id, _)| (k, id))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::SYNC, 0),
                (Kind::CALL, 1),
                (Kind::CALL, 2),
                (Kind::CALL, 3),
                (Kind::CALL, 4),
                (Kind::CALL, 5),
                (Kind::SYNC, 0),
                (Kind::CALL, 6),
            ]
        );
        assert_eq!(c.syncs_sent(), 2);
        c.handle_call(&T, call(7, Bytes::from_static(b"x")), "w");
        assert_eq!(drain(&mut c), vec![(Kind::CALL, 7, 1)]);
    }

    #[test]
    fn replies_complete_pending_calls_in_any_order() {
        let mut c = core();
        c.handle_call(&T, call(1, Bytes::new()), "one");
        c.handle_call(&T, call(2, Bytes::new()), "two");
        drain(&mut c);
        c.handle_frame(Frame::new(Kind::ERR, 2, &b"e"[..])).unwrap();
        c.handle_frame(Frame::new(Kind::OK, 1, &b"v"[..])).unwrap();
        let got: Vec<_> = std::iter::from_fn(|| c.poll_event())
            .map(|e| match e {
                Event::Reply {
                    waiter,
                    ok,
                    message,
                } => (waiter, ok, message.body),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("two", false, Bytes::from_static(b"e")),
                ("one", true, Bytes::from_static(b"v"))
            ]
        );
        assert_eq!(c.pending_len(), 0);
    }

    #[test]
    fn cancel_sends_cancel_and_drops_the_late_reply() {
        let mut c = core();
        c.handle_call(&T, call(1, Bytes::new()), "w");
        drain(&mut c);
        assert_eq!(c.handle_cancel(1), Some("w"));
        assert_eq!(c.handle_cancel(1), None);
        assert_eq!(drain(&mut c), vec![(Kind::CANCEL, 1, 0)]);
        c.handle_frame(Frame::new(Kind::OK, 1, &b"late"[..]))
            .unwrap();
        assert!(c.poll_event().is_none());
    }

    #[test]
    fn large_calls_interleave_with_small_ones() {
        let mut c = core();
        c.handle_call(&T, call(1, Bytes::from(vec![0u8; 200])), "big");
        c.handle_call(&T, call(2, Bytes::from(vec![0u8; 10])), "small");
        let mut sent = Vec::new();
        sent.extend(c.poll_transmit().map(|f| (f.kind, f.id)));
        sent.extend(c.poll_transmit().map(|f| (f.kind, f.id)));
        sent.extend(c.poll_transmit().map(|f| (f.kind, f.id)));
        c.handle_call(&T, call(3, Bytes::from(vec![0u8; 10])), "later");
        sent.extend(std::iter::from_fn(|| c.poll_transmit()).map(|f| (f.kind, f.id)));
        assert_eq!(
            sent,
            vec![
                (Kind::SYNC, 0),
                (Kind::CALL, 2),
                (Kind::CALL, 1),
                (Kind::CALL, 3),
                (Kind::CALL, 1),
                (Kind::CALL, 1),
                (Kind::CALL, 1),
            ]
        );
    }

    #[test]
    fn cancelling_a_large_call_before_it_starts_sends_nothing() {
        let mut c = core();
        c.handle_call(&T, call(1, Bytes::new()), "warm");
        drain(&mut c);
        c.handle_call(&T, call(2, Bytes::from(vec![0u8; 200])), "big");
        c.handle_cancel(2);
        assert_eq!(drain(&mut c), vec![]);
    }

    #[test]
    fn cancelling_a_half_sent_call_cancels_after_its_last_frame() {
        let mut c = core();
        c.handle_call(&T, call(1, Bytes::new()), "warm");
        drain(&mut c);
        c.handle_call(&T, call(2, Bytes::from(vec![0u8; 200])), "big");
        assert_eq!(c.poll_transmit().map(|f| f.id), Some(2));
        c.handle_cancel(2);
        let rest = drain(&mut c);
        assert_eq!(rest.last(), Some(&(Kind::CANCEL, 2, 0)));
        assert_eq!(rest.len(), 4);
    }

    #[test]
    fn logs_and_unexpected_kinds_become_events() {
        let mut c = core();
        c.handle_frame(Frame::new(Kind::LOG, 0, &b"l"[..])).unwrap();
        c.handle_frame(Frame::new(Kind::CALL, 9, &b"x"[..]))
            .unwrap();
        c.handle_frame(Frame::new(Kind::ERR, 0, &b"e"[..])).unwrap();
        assert!(matches!(c.poll_event(), Some(Event::Log { id: 0, .. })));
        assert!(matches!(
            c.poll_event(),
            Some(Event::Unexpected {
                kind: Kind::CALL,
                id: 9,
                ..
            })
        ));
        assert!(matches!(
            c.poll_event(),
            Some(Event::Unexpected {
                kind: Kind::ERR,
                id: 0,
                ..
            })
        ));
    }

    #[test]
    fn a_bad_stream_is_an_error() {
        let mut c = Core::<&str>::new(64, 100, Compression::OFF);
        let frame = Frame::new(Kind::OK, 1, vec![0u8; 101]);
        assert!(c.handle_frame(frame).is_err());
    }

    #[test]
    fn a_corrupt_compressed_reply_reaches_its_caller() {
        let mut c = core();
        c.handle_call(&T, call(1, Bytes::new()), "w");
        let frame = Frame {
            kind: Kind::OK,
            flags: rmote_wire::Flags::ZLIB,
            id: 1,
            body: Bytes::from_static(b"garbage"),
        };
        c.handle_frame(frame).unwrap();
        let Some(Event::Reply { message, .. }) = c.poll_event() else {
            panic!("a reply")
        };
        assert!(message.decompress(100).is_err());
    }

    #[test]
    fn drain_pending_takes_every_waiter() {
        let mut c = core();
        c.handle_call(&T, call(1, Bytes::new()), "a");
        c.handle_call(&T, call(2, Bytes::new()), "b");
        let mut got: Vec<_> = c.drain_pending().collect();
        got.sort();
        assert_eq!(got, vec!["a", "b"]);
        assert!(c.poll_transmit().is_none());
    }
}
