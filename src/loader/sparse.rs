//! Reading a large model without reading its weights.
//!
//! A browser must copy a whole file into memory before [`super::wire`] can
//! walk it: for a 100 MB ResNet-50 that copy is most of the load time and all
//! of the memory. Here the protobuf is walked through random-access reads
//! instead ([`ReadAt`], `Blob.slice` in the page), and every length-delimited
//! field of an initializer that is longer than [`BIG_FIELD`] (its
//! `raw_data`, or packed `float_data`) is emitted empty without being read.
//! The result is a small, valid ONNX model that the ordinary loader prices
//! exactly like the original: initializers that large are shape-only there
//! anyway ([`super::wire::KEEP_MAX_ELEMENTS`] elements are at most 64 kB).
//!
//! Only `ModelProto.graph` and `GraphProto.initializer` are descended into;
//! everything else (nodes, inputs, Constant values) is copied as it is.

use super::walk::{put_varint, read_varint, WireError};
use super::wire::KEEP_MAX_ELEMENTS;
use std::future::Future as _;

/// Initializer fields longer than this are not read. It exceeds the largest
/// kept initializer (4096 elements of at most 16 bytes), so nothing the loader
/// reads is lost.
pub const BIG_FIELD: u64 = 64 << 10;
const _: () = assert!(KEEP_MAX_ELEMENTS * 16 <= BIG_FIELD);

/// Bytes fetched per read when walking headers.
pub const WINDOW: usize = 64 << 10;

/// Random access to the model file.
#[allow(async_fn_in_trait)]
pub trait ReadAt {
    /// Total size in bytes.
    fn size(&self) -> u64;
    /// `len` bytes from `offset`; `offset + len` never exceeds [`ReadAt::size`].
    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, String>;
}

impl ReadAt for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, String> {
        Ok(self[offset as usize..offset as usize + len].to_vec())
    }
}

/// The compacted model and what it took.
#[derive(Debug)]
pub struct Compacted {
    pub model: Vec<u8>,
    /// Bytes of the file that were read.
    pub read: u64,
    /// Number of reads.
    pub reads: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Model,
    Graph,
    Tensor,
}

struct Source<'r, R: ReadAt + ?Sized> {
    r: &'r R,
    size: u64,
    win_start: u64,
    win: Vec<u8>,
    read: u64,
    reads: u64,
}

fn wire_err(offset: u64, what: impl Into<String>) -> WireError {
    WireError { offset: usize::try_from(offset).unwrap_or(usize::MAX), what: what.into() }
}

impl<R: ReadAt + ?Sized> Source<'_, R> {
    /// `len` bytes at `off`, from the window or a new read.
    async fn bytes(&mut self, off: u64, len: usize) -> Result<&[u8], WireError> {
        let end = off.checked_add(len as u64).filter(|&e| e <= self.size).ok_or_else(|| {
            wire_err(
                off,
                format!(
                    "a field needs {len} bytes but the file ends {} bytes later: the file is truncated",
                    self.size.saturating_sub(off)
                ),
            )
        })?;
        let covered = off >= self.win_start && end <= self.win_start + self.win.len() as u64;
        if !covered {
            let want = (len.max(WINDOW) as u64).min(self.size - off) as usize;
            self.win = self
                .r
                .read_at(off, want)
                .await
                .map_err(|e| wire_err(off, format!("the file could not be read: {e}")))?;
            self.win_start = off;
            self.read += want as u64;
            self.reads += 1;
            if self.win.len() < len {
                return Err(wire_err(off, "the file changed while it was read"));
            }
        }
        let from = (off - self.win_start) as usize;
        Ok(&self.win[from..from + len])
    }

    /// A varint at `off`: (value, its length).
    async fn varint(&mut self, off: u64) -> Result<(u64, u64), WireError> {
        let n = (self.size.saturating_sub(off)).min(10) as usize;
        let b = self.bytes(off, n).await?;
        read_varint(b).map(|(v, len)| (v, len as u64)).map_err(|e| wire_err(off, e))
    }

    /// Copies `[from, to)` into `out`.
    async fn copy(&mut self, from: u64, to: u64, out: &mut Vec<u8>) -> Result<(), WireError> {
        let mut at = from;
        while at < to {
            let n = ((to - at) as usize).min(8 << 20);
            out.extend_from_slice(self.bytes(at, n).await?);
            at += n as u64;
        }
        Ok(())
    }
}

/// The fields of the message in `[start, end)` of kind `kind`, compacted.
async fn message<R: ReadAt + ?Sized>(
    src: &mut Source<'_, R>,
    start: u64,
    end: u64,
    kind: Kind,
) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos < end {
        let (tag, tag_len) = src.varint(pos).await?;
        let number = tag >> 3;
        if number == 0 {
            return Err(wire_err(pos, "field number 0"));
        }
        let body = pos + tag_len;
        let next = match tag & 7 {
            0 => body + src.varint(body).await?.1,
            1 => body + 8,
            5 => body + 4,
            2 => {
                let (len, len_len) = src.varint(body).await?;
                let payload = body + len_len;
                let next = payload.checked_add(len).filter(|&n| n <= end).ok_or_else(|| {
                    wire_err(
                        body,
                        format!(
                            "a field needs {len} bytes but its enclosing message ends {} bytes later",
                            end.saturating_sub(payload)
                        ),
                    )
                })?;
                let inner = match (kind, number) {
                    (Kind::Model, 7) => Some(Kind::Graph),
                    (Kind::Graph, 5) => Some(Kind::Tensor),
                    _ => None,
                };
                if let Some(inner) = inner {
                    let sub = Box::pin(message(src, payload, next, inner)).await?;
                    put_varint(&mut out, tag);
                    put_varint(&mut out, sub.len() as u64);
                    out.extend_from_slice(&sub);
                    pos = next;
                    continue;
                }
                if kind == Kind::Tensor && len > BIG_FIELD {
                    // The weight's values: never read.
                    put_varint(&mut out, tag);
                    put_varint(&mut out, 0);
                    pos = next;
                    continue;
                }
                next
            }
            _ => return Err(wire_err(pos, "unsupported wire type (groups or invalid)")),
        };
        if next > end {
            return Err(wire_err(pos, "a field runs past the end of its enclosing message"));
        }
        src.copy(pos, next, &mut out).await?;
        pos = next;
    }
    Ok(out)
}

/// Reads the model behind `r`, skipping the contents of large initializers.
pub async fn compact<R: ReadAt + ?Sized>(r: &R) -> Result<Compacted, WireError> {
    let size = r.size();
    let mut src = Source { r, size, win_start: 0, win: Vec::new(), read: 0, reads: 0 };
    let model = message(&mut src, 0, size, Kind::Model).await?;
    Ok(Compacted { model, read: src.read, reads: src.reads })
}

/// Drives [`compact`] over an in-memory or otherwise synchronous source.
pub fn compact_now<R: ReadAt + ?Sized>(r: &R) -> Result<Compacted, WireError> {
    let mut fut = std::pin::pin!(compact(r));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => Err(wire_err(0, "the source is not synchronous")),
    }
}
