//! Starting the runtime: the stage-1 command line, the stage-2 bytes, and
//! reading the readiness line and HELLO (PROTOCOL.md §1).

use std::ffi::OsString;
use std::sync::OnceLock;

use base64::Engine as _;
use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::bundle::RUNTIME_ZLIB_BASE64;

/// Bytes of output tolerated before the readiness line (banners, motd).
const MAX_JUNK: usize = 1 << 20;

/// How much of the junk before the readiness line is kept for messages.
const JUNK_TAIL: usize = 2048;

/// Exit status of stage 1 on a Python older than 3.6.
pub(crate) const EXIT_TOO_OLD: i32 = 90;

/// Exit status of stage 1 when stdin closed before the runtime arrived.
pub(crate) const EXIT_NO_RUNTIME: i32 = 91;

/// The compressed runtime, decoded once from the embedded artifact.
pub(crate) fn runtime() -> &'static [u8] {
    static RUNTIME: OnceLock<Vec<u8>> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        base64::engine::general_purpose::STANDARD
            .decode(RUNTIME_ZLIB_BASE64)
            .expect("the embedded runtime is valid base64 (checked by xtask)")
    })
}

/// Settings passed to the runtime in stage 1 (PROTOCOL.md §1.3).
#[derive(Debug, Clone)]
pub(crate) struct Stage1 {
    pub nonce: String,
    pub max_frame: usize,
    pub max_message: usize,
    pub compress: usize,
    pub log_level: u32,
    pub max_threads: usize,
}

impl Stage1 {
    /// The program passed with `-c`: valid Python 2 and 3, it refuses old
    /// interpreters, reads exactly the runtime's bytes unbuffered, and runs
    /// it piece by piece (NUL-separated; see `cargo xtask bundle-bootstrap`).
    pub(crate) fn program(&self) -> String {
        format!(
            "import os,sys,zlib\n\
             if sys.version_info<(3,6):sys.stderr.write('rmote: Python 3.6 or newer is required; this is Python %s\\n'%sys.version.split()[0]);sys.exit({too_old})\n\
             n={len};b=b''\n\
             while len(b)<n:\n \
             c=os.read(0,n-len(b))\n \
             if not c:sys.exit({no_runtime})\n \
             b+=c\n\
             g={{'RMOTE':{{'nonce':'{nonce}','max_frame':{max_frame},'max_message':{max_message},'compress':{compress},'log_level':{log_level},'max_threads':{max_threads}}}}}\n\
             for s in zlib.decompress(b).split(b'\\0'):exec(s,g)\n",
            too_old = EXIT_TOO_OLD,
            no_runtime = EXIT_NO_RUNTIME,
            len = runtime().len(),
            nonce = self.nonce,
            max_frame = self.max_frame,
            max_message = self.max_message,
            compress = self.compress,
            log_level = self.log_level,
            max_threads = self.max_threads,
        )
    }

    /// The program as one line of safe characters: it survives any shell
    /// (sh, bash, zsh, fish, csh) and any quoting layer unchanged, because it
    /// holds no quote, backslash, `$`, `!` or newline of its own.
    pub(crate) fn one_line(&self) -> String {
        let encoded = base64::engine::general_purpose::STANDARD.encode(self.program());
        // binascii, not base64: base64 imports `re`, which costs milliseconds
        // and a megabyte on every remote.
        format!("exec(__import__(\"binascii\").a2b_base64(\"{encoded}\"))")
    }

    /// The interpreter's arguments: `python_args`, then `-c PROGRAM`.
    pub(crate) fn argv(&self, python_args: &[OsString]) -> Vec<OsString> {
        let mut argv = python_args.to_vec();
        argv.push("-c".into());
        argv.push(self.one_line().into());
        argv
    }
}

/// Stage 1 with the default settings and a nonce of the usual length.
pub(crate) fn default_stage1() -> Stage1 {
    Stage1 {
        nonce: nonce(),
        max_frame: rmote_wire::DEFAULT_MAX_FRAME,
        max_message: rmote_wire::DEFAULT_MAX_MESSAGE,
        compress: rmote_wire::Compression::DEFAULT.threshold,
        log_level: 30,
        max_threads: 256,
    }
}

/// A fresh nonce: unique per connection (not a secret).
pub(crate) fn nonce() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let seed = RandomState::new().hash_one((n, std::process::id(), std::time::SystemTime::now()));
    format!("{seed:016x}")
}

/// What reading up to the readiness line found.
#[derive(Debug)]
pub(crate) enum Readiness {
    /// The line was found; the bytes after it (frames) are returned.
    Ready(BytesMut),
    /// The output ended first; the last bytes seen before the end.
    Eof(String),
    /// Over `MAX_JUNK` bytes came without the line.
    TooMuchJunk(String),
}

/// Reads `reader` until `rmote-ready <nonce>\n`, skipping anything before it.
pub(crate) async fn await_ready<R: AsyncRead + Unpin>(
    reader: &mut R,
    nonce: &str,
) -> std::io::Result<Readiness> {
    let marker = format!("rmote-ready {nonce}\n");
    let marker = marker.as_bytes();
    let mut buf = BytesMut::with_capacity(8192);
    let mut skipped = 0usize;
    loop {
        if let Some(at) = find(&buf, marker) {
            let _junk = buf.split_to(at + marker.len());
            return Ok(Readiness::Ready(buf));
        }
        // Keep only what could still be the start of the marker.
        let keep = marker.len() - 1;
        if buf.len() > keep + JUNK_TAIL {
            let drop = buf.len() - keep - JUNK_TAIL;
            let _ = buf.split_to(drop);
            skipped += drop;
        }
        if skipped + buf.len() > MAX_JUNK {
            return Ok(Readiness::TooMuchJunk(lossy_tail(&buf)));
        }
        buf.reserve(8192);
        if reader.read_buf(&mut buf).await? == 0 {
            return Ok(Readiness::Eof(lossy_tail(&buf)));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn lossy_tail(buf: &[u8]) -> String {
    let start = buf.len().saturating_sub(JUNK_TAIL);
    String::from_utf8_lossy(&buf[start..]).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Stage1 {
        Stage1 {
            nonce: "00ff".into(),
            max_frame: 1,
            max_message: 2,
            compress: 3,
            log_level: 30,
            max_threads: 4,
        }
    }

    #[test]
    fn the_one_line_form_needs_no_quoting_care() {
        let line = settings().one_line();
        assert!(line.len() < 600, "{} bytes", line.len());
        assert!(
            line.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_().\"+/=".contains(c)),
            "{line}"
        );
    }

    #[test]
    fn stage1_is_short_and_carries_the_settings() {
        let program = settings().program();
        assert!(program.len() < 400, "{} bytes", program.len());
        assert!(program.contains("'nonce':'00ff','max_frame':1,'max_message':2,'compress':3,'log_level':30,'max_threads':4"));
        assert!(program.contains(&format!("n={};", runtime().len())));
    }

    #[tokio::test]
    async fn junk_before_the_line_is_skipped() {
        let input = b"motd\nrmote-ready 0\nrmote-ready 00ff\n\x00\x01rest".to_vec();
        let mut r = &input[..];
        match await_ready(&mut r, "00ff").await.unwrap() {
            Readiness::Ready(rest) => assert_eq!(&rest[..], b"\x00\x01rest"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn eof_keeps_the_last_output() {
        let input = b"bash: python3: command not found\n".to_vec();
        let mut r = &input[..];
        match await_ready(&mut r, "00ff").await.unwrap() {
            Readiness::Eof(tail) => assert_eq!(tail, "bash: python3: command not found"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn endless_junk_is_bounded() {
        let input = vec![b'x'; MAX_JUNK + 100];
        let mut r = &input[..];
        assert!(matches!(
            await_ready(&mut r, "00ff").await.unwrap(),
            Readiness::TooMuchJunk(_)
        ));
    }

    #[tokio::test]
    async fn marker_split_across_reads_is_found() {
        let input = [vec![b'j'; 10_000], b"rmote-ready 00ff\nX".to_vec()].concat();
        let mut r = tokio_test_chunks(input, 7);
        match await_ready(&mut r, "00ff").await.unwrap() {
            Readiness::Ready(rest) => assert!(b"X".starts_with(&rest)),
            other => panic!("{other:?}"),
        }
    }

    fn tokio_test_chunks(data: Vec<u8>, size: usize) -> impl AsyncRead + Unpin {
        struct Chunks(Vec<u8>, usize, usize);
        impl AsyncRead for Chunks {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let (pos, size) = (self.1, self.2);
                let n = size.min(self.0.len() - pos).min(buf.remaining());
                buf.put_slice(&self.0[pos..pos + n]);
                self.1 += n;
                std::task::Poll::Ready(Ok(()))
            }
        }
        Chunks(data, 0, size)
    }
}
