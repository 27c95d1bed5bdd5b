//! The one protobuf wire walker: splits a message into its fields without decoding them, and
//! writes fields back. Weight stripping ([`super::wire`]), the random-access reader
//! ([`super::sparse`]), the what-if file rewrite and the share-link structure
//! ([`super::edit`]) all read and write the wire format through here.
//!
//! Writing uses prost's encoding helpers (`encode_key`, `encode_varint`). Reading is our own
//! because its errors name the byte offset and say whether the file was cut short, which
//! prost's `DecodeError` does not.

use prost::encoding::{encode_key, encode_varint, WireType};

/// A wire-format problem, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub offset: usize,
    pub what: String,
}

pub(crate) type Res<T> = Result<T, WireError>;

/// One field's value, undecoded.
pub(crate) enum Value<'a> {
    Varint(u64),
    Fixed64,
    Fixed32,
    /// A length-delimited payload: a sub-message, a string, packed numbers.
    Bytes(&'a [u8]),
}

/// A varint at the start of `buf`: its value and length in bytes.
pub(crate) fn read_varint(buf: &[u8]) -> Result<(u64, usize), &'static str> {
    let mut v: u64 = 0;
    for (i, &b) in buf.iter().take(10).enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    Err(if buf.len() < 10 { "truncated varint" } else { "varint longer than 10 bytes" })
}

/// Walks the fields of one message.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pub(crate) pos: usize,
    base: usize,
    /// True when `buf` is the whole file: running past its end means truncation.
    pub(crate) whole_file: bool,
}

impl<'a> Reader<'a> {
    /// A reader of `buf`, which starts at byte `base` of the file (for error offsets).
    pub(crate) fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base, whole_file: false }
    }
    /// A reader of a sub-message payload this reader returned.
    pub(crate) fn inner(&self, payload: &'a [u8]) -> Reader<'a> {
        Reader::new(payload, self.offset_of(payload))
    }
    fn err(&self, what: &str) -> WireError {
        WireError { offset: self.base + self.pos, what: what.to_string() }
    }
    pub(crate) fn varint(&mut self) -> Res<u64> {
        let rest = &self.buf[self.pos..];
        let (v, len) = read_varint(rest).map_err(|e| {
            // The offset where reading stopped: the end of the buffer, or the tenth byte.
            let read = if rest.len() < 10 { rest.len() } else { 10 };
            WireError { offset: self.base + self.pos + read, what: e.to_string() }
        })?;
        self.pos += len;
        Ok(v)
    }
    /// Next field: (number, value, raw bytes of the whole field incl. tag).
    pub(crate) fn field(&mut self) -> Res<Option<(u32, Value<'a>, &'a [u8])>> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let start = self.pos;
        let tag = self.varint()?;
        let number = (tag >> 3) as u32;
        if number == 0 {
            return Err(self.err("field number 0"));
        }
        let value = match tag & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.skip(8)?;
                Value::Fixed64
            }
            5 => {
                self.skip(4)?;
                Value::Fixed32
            }
            2 => {
                // Checked as u64 first, so a 32-bit target (wasm) gives the same message.
                let len = self.varint()?;
                if len > (self.buf.len() - self.pos) as u64 {
                    return Err(self.past_end(len));
                }
                let from = self.pos;
                self.skip(len as usize)?;
                Value::Bytes(&self.buf[from..self.pos])
            }
            _ => return Err(self.err("unsupported wire type (groups or invalid)")),
        };
        Ok(Some((number, value, &self.buf[start..self.pos])))
    }
    /// Every field of the message, in order.
    pub(crate) fn fields(mut self) -> Res<Vec<Field<'a>>> {
        let mut out = Vec::new();
        while let Some((number, value, raw)) = self.field()? {
            let payload = match value {
                Value::Bytes(b) => Some(b),
                _ => None,
            };
            out.push(Field { number, raw, payload });
        }
        Ok(out)
    }
    fn skip(&mut self, n: usize) -> Res<()> {
        let Some(end) = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()) else {
            return Err(self.past_end(n as u64));
        };
        self.pos = end;
        Ok(())
    }
    fn past_end(&self, n: u64) -> WireError {
        let left = self.buf.len() - self.pos;
        let what = if self.whole_file {
            format!(
                "a field needs {n} bytes but the file ends {left} bytes later, after byte {}: the file is truncated",
                self.base + self.buf.len()
            )
        } else {
            format!("a field needs {n} bytes but its enclosing message ends {left} bytes later")
        };
        WireError { offset: self.base + self.pos, what }
    }
    /// The file offset of a payload this reader returned.
    pub(crate) fn offset_of(&self, inner: &[u8]) -> usize {
        self.base + (inner.as_ptr() as usize - self.buf.as_ptr() as usize)
    }
}

/// One field, undecoded: its number, its bytes with the tag, and a length-delimited payload.
pub(crate) struct Field<'a> {
    pub number: u32,
    pub raw: &'a [u8],
    pub payload: Option<&'a [u8]>,
}

pub(crate) fn put_varint(out: &mut Vec<u8>, v: u64) {
    encode_varint(v, out);
}

/// Writes a length-delimited field.
pub(crate) fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    encode_key(field, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// Writes a varint field.
pub(crate) fn put_int(out: &mut Vec<u8>, field: u32, v: u64) {
    encode_key(field, WireType::Varint, out);
    encode_varint(v, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(Reader::new(&b, 0).varint().unwrap(), v);
            assert_eq!(read_varint(&b).unwrap(), (v, b.len()));
        }
        assert_eq!(read_varint(&[0x80, 0x80]), Err("truncated varint"));
        assert_eq!(read_varint(&[0xff; 11]), Err("varint longer than 10 bytes"));
    }

    #[test]
    fn fields_split_a_message() {
        let mut m = Vec::new();
        put_int(&mut m, 1, 8);
        put_bytes(&mut m, 7, b"abc");
        let f = Reader::new(&m, 0).fields().unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].number, f[0].raw, f[0].payload), (1, &[8u8, 8][..], None));
        assert_eq!((f[1].number, f[1].payload), (7, Some(&b"abc"[..])));
    }
}
