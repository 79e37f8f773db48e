//! Framing (通讯包结构, HJ 212-2017 Table 2): `##` + 4-digit length + data segment + 4 hex CRC +
//! CR LF, found in a TCP byte stream.
//!
//! * [`Framer`]: a per-connection streaming framer. Push bytes as they arrive, pull items
//!   ([`Frame`] or [`FrameError`]) until it returns `None`. Frames borrow the framer's buffer: no
//!   allocation per frame.
//! * [`parse_frame`]: a one-shot check of one complete frame.
//!
//! The state machine follows spec §2.1 and makes every decision from the bytes alone, never from
//! how they were chunked, so a stream gives the same items whatever the TCP reads were:
//!
//! 1. **Hunt** for `##`; bytes before it are junk (reported once, as [`FrameErrorKind::Junk`],
//!    before the next item). A trailing single `#` is kept: the next read may complete the header.
//! 2. **Length**: 4 ASCII digits (2-3 followed by a letter in [`FramerConfig::short_length`]
//!    compat mode), at most [`FramerConfig::max_data_len`]. Otherwise drop the first `#` and resync.
//! 3. **Body**: wait for length + 4 CRC bytes + 2 trailer bytes. The buffer therefore never holds
//!    more than one maximal frame plus the last pushed chunk.
//! 4. **Check**: 4 hex digits (any case) matching an allowed [`CrcVariant`], then CR LF. A missing
//!    CR LF is accepted when the next bytes are `##`, or at [`Framer::flush`] / [`Framer::finish`].
//! 5. **On failure** drop only the first `#` and resynchronise: a corrupted length field must not
//!    swallow the frames after it. Before reporting, look for the CR LF the frame really ends at:
//!    if it is elsewhere, the reason is [`FrameErrorKind::LengthMismatch`], and with
//!    [`FramerConfig::recover_length_mismatch`] a frame whose CRC verifies there is accepted and
//!    marked [`Frame::length_mismatch`].
//! 6. **Never stop**: every input gives items and the framer keeps going.

use std::borrow::Cow;
use std::fmt;

use crate::crc::{CrcPolicy, CrcVariant, crc16, parse_hex4};

/// Data segment limit of HJ 212-2017 Table 2 (and HJ/T 212-2005).
pub const STANDARD_MAX_DATA_LEN: usize = 1024;
/// The most a 4-digit length field can say.
pub const MAX_DATA_LEN: usize = 9999;

/// Framer settings. `FramerConfig::default()` is the standard: data segment ≤ 1024 bytes,
/// standard CRC only, CR LF required, 4-digit length, no length-mismatch recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FramerConfig {
    /// Largest declared data-segment length accepted (clamped to 9999). Real devices exceed the
    /// standard's 1024 (E9 sends 1025); raise it for them.
    pub max_data_len: usize,
    /// Accepted CRC variants.
    pub crc: CrcPolicy,
    /// Require CR LF after the CRC (or `##` right after it). When `false` a frame whose CRC
    /// verifies is accepted whatever follows, and a following CR LF is skipped.
    pub require_trailer: bool,
    /// Compat: accept a 2- or 3-digit length followed by a letter (`##453QN=…`).
    pub short_length: bool,
    /// Accept a frame whose length field is wrong when its CRC verifies at the CR LF where it
    /// really ends (hand-built frames counting characters instead of bytes).
    pub recover_length_mismatch: bool,
    /// How far past the declared end to look for the real end of a failed frame (at least as
    /// far as a frame of `max_data_len` would reach, whatever the length field says).
    pub length_search_window: usize,
    /// How many bytes of a rejected frame or of junk an error keeps for the log.
    pub excerpt_len: usize,
}

impl Default for FramerConfig {
    fn default() -> Self {
        FramerConfig {
            max_data_len: STANDARD_MAX_DATA_LEN,
            crc: CrcPolicy::STANDARD,
            require_trailer: true,
            short_length: false,
            recover_length_mismatch: false,
            length_search_window: 64,
            excerpt_len: 64,
        }
    }
}

impl FramerConfig {
    /// Settings for real-world devices: lengths up to 9999 and length-mismatch recovery. Still
    /// the standard CRC only (allow other variants per device with [`FramerConfig::crc`]).
    #[must_use]
    pub fn lenient() -> Self {
        FramerConfig {
            max_data_len: MAX_DATA_LEN,
            recover_length_mismatch: true,
            ..FramerConfig::default()
        }
    }

    /// Set [`FramerConfig::max_data_len`] (clamped to 9999).
    #[must_use]
    pub fn with_max_data_len(mut self, n: usize) -> Self {
        self.max_data_len = n.min(MAX_DATA_LEN);
        self
    }

    /// Set [`FramerConfig::crc`].
    #[must_use]
    pub fn with_crc(mut self, crc: CrcPolicy) -> Self {
        self.crc = crc;
        self
    }
}

/// How a frame ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trailer {
    /// CR LF, as the standard says.
    CrLf,
    /// No CR LF: the next frame's `##` followed at once, the stream was flushed or ended, or
    /// [`FramerConfig::require_trailer`] is off. Count these ("no trailer").
    Missing,
}

/// Where the parts of a frame are, relative to the frame's first `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// Offset of the data segment (6 normally, 4-5 with a short length field).
    data_start: u16,
    /// Length of the data segment in bytes (the real one, also after length recovery).
    data_len: u16,
    /// The declared length when it differed and the frame was recovered.
    declared_len: Option<u16>,
    crc: u16,
    crc_lower: bool,
    variant: CrcVariant,
    trailer: Trailer,
}

/// One framed message, borrowed from the framer's buffer (or the one-shot input).
///
/// The CRC has been checked; the data segment has not been parsed yet
/// ([`Packet::parse`](crate::Packet::parse)).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    bytes: &'a [u8],
    layout: Layout,
}

impl<'a> Frame<'a> {
    /// The whole frame as received, from `##` to the CRC or CR LF.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The data segment (数据段): the bytes the CRC covers.
    #[must_use]
    pub fn data(&self) -> &'a [u8] {
        let s = usize::from(self.layout.data_start);
        &self.bytes[s..s + usize::from(self.layout.data_len)]
    }

    /// The data segment as text: borrowed when it is UTF-8 (always for ASCII traffic), else a
    /// lossy copy (legacy GBK text becomes U+FFFD; the raw bytes stay in [`Frame::data`]).
    #[must_use]
    pub fn text(&self) -> Cow<'a, str> {
        // `from_utf8` has the word-at-a-time ASCII fast path; `from_utf8_lossy` does not.
        match std::str::from_utf8(self.data()) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(self.data()),
        }
    }

    /// The declared CRC value.
    #[must_use]
    pub fn crc(&self) -> u16 {
        self.layout.crc
    }

    /// Which CRC variant matched ([`CrcVariant::Standard`] unless the policy allows others).
    #[must_use]
    pub fn crc_variant(&self) -> CrcVariant {
        self.layout.variant
    }

    /// The CRC was written with lower-case hex digits (accepted; re-encoding writes upper case).
    #[must_use]
    pub fn crc_lower_case(&self) -> bool {
        self.layout.crc_lower
    }

    /// How the frame ended.
    #[must_use]
    pub fn trailer(&self) -> Trailer {
        self.layout.trailer
    }

    /// The declared data-segment length when it was wrong and the frame was recovered
    /// ([`FramerConfig::recover_length_mismatch`]); `None` for a correct length field.
    #[must_use]
    pub fn length_mismatch(&self) -> Option<usize> {
        self.layout.declared_len.map(usize::from)
    }

    /// The length field had fewer than 4 digits ([`FramerConfig::short_length`]).
    #[must_use]
    pub fn short_length(&self) -> bool {
        self.layout.data_start != 6
    }

    /// Whether re-encoding the data segment with [`encode_frame`](crate::encode::encode_frame)
    /// gives these bytes exactly: true for a standard frame (4-digit length, standard CRC in
    /// upper case, CR LF).
    #[must_use]
    pub fn is_canonical(&self) -> bool {
        self.layout.data_start == 6
            && self.layout.declared_len.is_none()
            && !self.layout.crc_lower
            && self.layout.variant == CrcVariant::Standard
            && self.layout.trailer == Trailer::CrLf
    }

    /// An owned copy.
    #[must_use]
    pub fn to_owned_frame(&self) -> OwnedFrame {
        OwnedFrame {
            bytes: self.bytes.to_vec(),
            layout: self.layout,
        }
    }
}

impl fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("data", &self.text())
            .field("crc", &format_args!("{:04X}", self.layout.crc))
            .field("crc_variant", &self.layout.variant)
            .field("trailer", &self.layout.trailer)
            .field("length_mismatch", &self.layout.declared_len)
            .finish()
    }
}

/// An owned [`Frame`] (what the tokio codec yields).
#[derive(Clone, PartialEq, Eq)]
pub struct OwnedFrame {
    bytes: Vec<u8>,
    layout: Layout,
}

impl OwnedFrame {
    /// Borrow as a [`Frame`].
    #[must_use]
    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            bytes: &self.bytes,
            layout: self.layout,
        }
    }

    /// The data segment.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        self.as_frame().data()
    }

    /// The whole frame as received.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for OwnedFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_frame().fmt(f)
    }
}

/// Why bytes were rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum FrameErrorKind {
    /// Bytes outside any frame (no `##` before them): modem echoes, half frames, noise.
    #[error("{len} junk bytes outside any frame")]
    Junk {
        /// How many bytes were discarded.
        len: usize,
    },
    /// One-shot parse: the input does not start with `##` (包头).
    #[error("no ## header")]
    NoHeader,
    /// The length field (数据段长度) after `##` is not 4 decimal digits.
    #[error("length field is not 4 decimal digits")]
    BadLength,
    /// The declared data-segment length exceeds the configured maximum.
    #[error("declared data length {declared} exceeds the maximum {max}")]
    LengthTooLarge {
        /// The declared length.
        declared: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The length field disagrees with where the frame really ends (its CR LF).
    #[error("declared data length {declared} but the frame ends after {actual}")]
    LengthMismatch {
        /// The declared length.
        declared: usize,
        /// The length up to the CRC before the real CR LF.
        actual: usize,
    },
    /// The 4 bytes after the data segment are not hex digits.
    #[error("CRC field is not 4 hex digits")]
    BadCrcField,
    /// The CRC (CRC 校验) does not match the data segment.
    #[error("CRC mismatch: declared {declared:04X}, computed {computed:04X}")]
    CrcMismatch {
        /// The CRC the frame carries.
        declared: u16,
        /// The standard CRC of the data segment.
        computed: u16,
    },
    /// The CRC verifies but no CR LF (包尾) follows, nor the next `##`.
    #[error("no CR LF after the CRC")]
    NoTrailer,
    /// The stream (or one-shot input) ended inside a frame.
    #[error("input ends inside a frame: {available} of {needed} bytes")]
    Truncated {
        /// Bytes of the frame that arrived.
        available: usize,
        /// Bytes the length field asks for (without CR LF).
        needed: usize,
    },
    /// One-shot parse: bytes follow the frame.
    #[error("{len} bytes after the frame")]
    TrailingBytes {
        /// How many.
        len: usize,
    },
}

impl FrameErrorKind {
    /// A short stable name for counting and logging (`crc_mismatch`, `junk`, …).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            FrameErrorKind::Junk { .. } => "junk",
            FrameErrorKind::NoHeader => "no_header",
            FrameErrorKind::BadLength => "bad_length",
            FrameErrorKind::LengthTooLarge { .. } => "length_too_large",
            FrameErrorKind::LengthMismatch { .. } => "length_mismatch",
            FrameErrorKind::BadCrcField => "bad_crc_field",
            FrameErrorKind::CrcMismatch { .. } => "crc_mismatch",
            FrameErrorKind::NoTrailer => "no_trailer",
            FrameErrorKind::Truncated { .. } => "truncated",
            FrameErrorKind::TrailingBytes { .. } => "trailing_bytes",
        }
    }
}

/// A rejected frame or discarded junk: the reason, where it started and the first bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at stream offset {offset})")]
pub struct FrameError {
    kind: FrameErrorKind,
    offset: u64,
    excerpt: Vec<u8>,
}

impl FrameError {
    /// The reason.
    #[must_use]
    pub fn kind(&self) -> &FrameErrorKind {
        &self.kind
    }

    /// Stream offset of the first rejected byte (0 for one-shot parses).
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The first bytes of the rejected frame or junk (at most
    /// [`FramerConfig::excerpt_len`]), for logs.
    #[must_use]
    pub fn excerpt(&self) -> &[u8] {
        &self.excerpt
    }
}

/// Counters of one framer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FramerStats {
    /// Frames accepted.
    pub frames: u64,
    /// Items rejected (junk items included).
    pub errors: u64,
    /// Bytes discarded outside frames (also those after a rejected frame's `#`).
    pub junk_bytes: u64,
    /// Frames accepted without CR LF.
    pub no_trailer: u64,
    /// Frames accepted with a wrong length field.
    pub length_mismatch: u64,
    /// Frames accepted with a non-standard CRC variant.
    pub non_standard_crc: u64,
}

/// How much of the input is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// More bytes may come.
    Stream,
    /// Idle: a complete frame at the end of the buffer need not wait for its trailer.
    Idle,
    /// End of input: nothing more will come.
    Eof,
}

/// One decision of the scanner over the unconsumed bytes.
#[derive(Debug)]
pub(crate) enum Scan {
    /// Nothing can be decided without more bytes.
    NeedMore,
    /// `n` bytes before the next header are junk.
    Skip(usize),
    /// A frame occupying `consumed` bytes (trailer included).
    Frame { consumed: usize, layout: LayoutOut },
    /// Reject the frame starting here; drop `consume` bytes.
    Reject {
        kind: FrameErrorKind,
        consume: usize,
        excerpt: usize,
    },
}

/// Opaque frame layout handed from the scanner to frame constructors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LayoutOut(Layout);

pub(crate) fn frame_from(bytes: &[u8], layout: LayoutOut) -> Frame<'_> {
    Frame {
        bytes,
        layout: layout.0,
    }
}

/// Position of the first `##`, or `None`.
#[inline]
fn find_header(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'#', &buf[from..]) {
        let p = from + i;
        match buf.get(p + 1) {
            Some(b'#') => return Some(p),
            Some(_) => from = p + 1,
            None => return None,
        }
    }
    None
}

/// The scanner: one decision over `buf` (the unconsumed bytes).
pub(crate) fn scan(buf: &[u8], cfg: &FramerConfig, mode: Mode) -> Scan {
    if !buf.starts_with(b"##") {
        return match find_header(buf) {
            Some(p) => Scan::Skip(p),
            None => {
                let keep = usize::from(buf.last() == Some(&b'#') && mode != Mode::Eof);
                if buf.len() > keep {
                    Scan::Skip(buf.len() - keep)
                } else {
                    Scan::NeedMore
                }
            }
        };
    }
    // Length field.
    let mut declared = 0usize;
    let mut digits = 0usize;
    while digits < 4 {
        match buf.get(2 + digits) {
            Some(c) if c.is_ascii_digit() => {
                declared = declared * 10 + usize::from(c - b'0');
                digits += 1;
            }
            Some(c) if cfg.short_length && digits >= 2 && c.is_ascii_alphabetic() => break,
            Some(_) => return reject(FrameErrorKind::BadLength, buf, cfg),
            None if mode == Mode::Eof => {
                return reject(
                    FrameErrorKind::Truncated {
                        available: buf.len(),
                        needed: 6,
                    },
                    buf,
                    cfg,
                );
            }
            None => return Scan::NeedMore,
        }
    }
    let max = cfg.max_data_len.min(MAX_DATA_LEN);
    if declared > max {
        return reject(FrameErrorKind::LengthTooLarge { declared, max }, buf, cfg);
    }
    let data_start = 2 + digits;
    let crc_at = data_start + declared;
    let crc_end = crc_at + 4;
    if buf.len() < crc_end + 2 && mode == Mode::Stream {
        return Scan::NeedMore;
    }
    if buf.len() < crc_end {
        if mode == Mode::Idle {
            return Scan::NeedMore;
        }
        let kind = FrameErrorKind::Truncated {
            available: buf.len(),
            needed: crc_end,
        };
        return failure(kind, buf, cfg, mode, data_start, declared);
    }
    let Some(crc) = parse_hex4(&buf[crc_at..crc_end]) else {
        return failure(
            FrameErrorKind::BadCrcField,
            buf,
            cfg,
            mode,
            data_start,
            declared,
        );
    };
    let data = &buf[data_start..crc_at];
    let Some(variant) = cfg.crc.check(data, crc) else {
        let kind = FrameErrorKind::CrcMismatch {
            declared: crc,
            computed: crc16(data),
        };
        return failure(kind, buf, cfg, mode, data_start, declared);
    };
    let (trailer, consumed) = match buf.get(crc_end..crc_end + 2) {
        Some(b"\r\n") => (Trailer::CrLf, crc_end + 2),
        Some(b"##") => (Trailer::Missing, crc_end),
        Some(_) if !cfg.require_trailer => (Trailer::Missing, crc_end),
        // The CRC verified at the declared length: the length is right, only the end is wrong.
        Some(_) => return reject(FrameErrorKind::NoTrailer, buf, cfg),
        // Idle or end of input with 0 or 1 trailer bytes: accept, eating a lone CR.
        None => match &buf[crc_end..] {
            b"\r" => (Trailer::Missing, crc_end + 1),
            b"" => (Trailer::Missing, crc_end),
            _ if !cfg.require_trailer => (Trailer::Missing, crc_end),
            _ => return reject(FrameErrorKind::NoTrailer, buf, cfg),
        },
    };
    Scan::Frame {
        consumed,
        layout: LayoutOut(Layout {
            data_start: data_start as u16,
            data_len: declared as u16,
            declared_len: None,
            crc,
            crc_lower: buf[crc_at..crc_end].iter().any(u8::is_ascii_lowercase),
            variant,
            trailer,
        }),
    }
}

fn reject(kind: FrameErrorKind, buf: &[u8], cfg: &FramerConfig) -> Scan {
    Scan::Reject {
        kind,
        consume: 1,
        excerpt: buf.len().min(cfg.excerpt_len),
    }
}

/// A frame failed at its declared end: find where it really ends before reporting `kind`.
fn failure(
    kind: FrameErrorKind,
    buf: &[u8],
    cfg: &FramerConfig,
    mode: Mode,
    data_start: usize,
    declared: usize,
) -> Scan {
    // Look as far as the longest frame allowed could reach, and at least the window past the
    // declared end: a declared length far below the real one (`##0001` on a 100-byte frame)
    // is still found as a length mismatch, not reported as a bad CRC field (issue #28).
    let longest = cfg.max_data_len.min(MAX_DATA_LEN) + 6;
    let window_end = data_start + (declared + 6 + cfg.length_search_window).max(longest);
    let search_from = data_start + 4;
    let avail = &buf[search_from.min(buf.len())..buf.len().min(window_end)];
    // The real end: the first CR LF after at least 4 bytes, or the end of the input.
    let end = match memchr::memmem::find(avail, b"\r\n") {
        Some(i) => Some(search_from + i),
        None if buf.len() < window_end && mode != Mode::Eof => return Scan::NeedMore,
        None if mode == Mode::Eof && buf.len() <= window_end && buf.len() >= search_from => {
            Some(buf.len())
        }
        None => None,
    };
    if let Some(q) = end {
        let actual = q - 4 - data_start;
        if actual != declared && parse_hex4(&buf[q - 4..q]).is_some() {
            if cfg.recover_length_mismatch && actual <= cfg.max_data_len.min(MAX_DATA_LEN) {
                let data = &buf[data_start..data_start + actual];
                if let Some(crc) = parse_hex4(&buf[q - 4..q])
                    && let Some(variant) = cfg.crc.check(data, crc)
                {
                    let (trailer, consumed) = if q + 2 <= buf.len() {
                        (Trailer::CrLf, q + 2)
                    } else {
                        (Trailer::Missing, q)
                    };
                    return Scan::Frame {
                        consumed,
                        layout: LayoutOut(Layout {
                            data_start: data_start as u16,
                            data_len: actual as u16,
                            declared_len: Some(declared as u16),
                            crc,
                            crc_lower: buf[q - 4..q].iter().any(u8::is_ascii_lowercase),
                            variant,
                            trailer,
                        }),
                    };
                }
            }
            return reject(
                FrameErrorKind::LengthMismatch { declared, actual },
                buf,
                cfg,
            );
        }
    }
    reject(kind, buf, cfg)
}

/// Check one complete frame with the default (standard) settings.
///
/// The input is exactly one frame, with or without its CR LF.
///
/// ```
/// let f = lantian_hj212::parse_frame(
///     b"##0087QN=20201015123632010;ST=91;CN=9014;PW=123456;MN=410183160889201000212505;Flag=4;CP=&&&&f001\r\n",
/// ).unwrap();
/// assert_eq!(f.crc(), 0xF001);
/// assert!(f.crc_lower_case());
/// ```
///
/// # Errors
///
/// A [`FrameError`] whose [`FrameError::kind`] says why.
pub fn parse_frame(input: &[u8]) -> Result<Frame<'_>, FrameError> {
    parse_frame_with(input, &FramerConfig::default())
}

/// [`parse_frame`] with explicit settings.
///
/// # Errors
///
/// A [`FrameError`] whose [`FrameError::kind`] says why.
pub fn parse_frame_with<'a>(input: &'a [u8], cfg: &FramerConfig) -> Result<Frame<'a>, FrameError> {
    let err = |kind, n: usize| FrameError {
        kind,
        offset: 0,
        excerpt: input[..n.min(input.len())].to_vec(),
    };
    if !input.starts_with(b"##") {
        return Err(err(FrameErrorKind::NoHeader, cfg.excerpt_len));
    }
    match scan(input, cfg, Mode::Eof) {
        Scan::Frame { consumed, layout } if consumed == input.len() => {
            Ok(frame_from(input, layout))
        }
        Scan::Frame { consumed, .. } => Err(err(
            FrameErrorKind::TrailingBytes {
                len: input.len() - consumed,
            },
            cfg.excerpt_len,
        )),
        Scan::Reject { kind, excerpt, .. } => Err(err(kind, excerpt)),
        Scan::NeedMore | Scan::Skip(_) => Err(err(
            FrameErrorKind::Truncated {
                available: input.len(),
                needed: input.len() + 1,
            },
            cfg.excerpt_len,
        )),
    }
}

/// Streaming framer for one connection (per-connection state: keep one per socket).
///
/// ```
/// use lantian_hj212::{Framer, FramerConfig};
///
/// let wire = b"##0087QN=20201015123632010;ST=91;CN=9014;PW=123456;MN=410183160889201000212505;Flag=4;CP=&&&&F001\r\n";
/// let mut framer = Framer::new(FramerConfig::default());
/// let mut frames = 0;
/// for chunk in wire.chunks(7) {
///     framer.push(chunk);
///     while let Some(item) = framer.next_frame() {
///         assert!(item.is_ok());
///         frames += 1;
///     }
/// }
/// assert_eq!(frames, 1);
/// ```
#[derive(Debug, Clone)]
pub struct Framer {
    cfg: FramerConfig,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    pos: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    mode: Mode,
    junk_len: usize,
    junk_offset: u64,
    junk_excerpt: Vec<u8>,
    /// The last item was an error: junk right after it is that frame's remainder, not reported.
    after_error: bool,
    stats: FramerStats,
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new(FramerConfig::default())
    }
}

impl Framer {
    /// A framer with the given settings.
    #[must_use]
    pub fn new(cfg: FramerConfig) -> Self {
        Framer {
            cfg,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            mode: Mode::Stream,
            junk_len: 0,
            junk_offset: 0,
            junk_excerpt: Vec::new(),
            after_error: false,
            stats: FramerStats::default(),
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &FramerConfig {
        &self.cfg
    }

    /// Change the settings (e.g. the CRC policy once the device is known).
    pub fn set_config(&mut self, cfg: FramerConfig) {
        self.cfg = cfg;
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> &FramerStats {
        &self.stats
    }

    /// Bytes held, waiting for the rest of a frame.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Append received bytes. Call [`Framer::next_frame`] until it returns `None` afterwards.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.base += self.pos as u64;
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        if self.mode == Mode::Idle {
            self.mode = Mode::Stream;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The connection is idle (e.g. a read timed out): a complete frame at the end of the
    /// buffer is accepted without waiting for its CR LF. Devices that omit CR LF and wait for
    /// an answer need this. Pushing more bytes ends the idle state.
    pub fn flush(&mut self) {
        if self.mode == Mode::Stream {
            self.mode = Mode::Idle;
        }
    }

    /// The connection has closed: what is left is decided now (a partial frame becomes
    /// [`FrameErrorKind::Truncated`], junk is reported).
    pub fn finish(&mut self) {
        self.mode = Mode::Eof;
    }

    /// The next frame or error, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, FrameError>> {
        loop {
            let rest = &self.buf[self.pos..];
            let step = scan(rest, &self.cfg, self.mode);
            match step {
                Scan::Skip(n) => {
                    self.add_junk(n);
                    continue;
                }
                Scan::NeedMore => {
                    if self.mode == Mode::Eof && self.buffered() > 0 {
                        // Only a lone '#' can be left here (Eof never keeps one); treat as junk.
                        let n = self.buffered();
                        self.add_junk(n);
                    }
                    if self.mode == Mode::Eof {
                        return self.take_junk().map(Err);
                    }
                    return None;
                }
                Scan::Frame { consumed, layout } => {
                    if let Some(j) = self.take_junk() {
                        return Some(Err(j));
                    }
                    let start = self.pos;
                    self.pos += consumed;
                    self.after_error = false;
                    self.count_frame(layout);
                    return Some(Ok(frame_from(&self.buf[start..start + consumed], layout)));
                }
                Scan::Reject {
                    kind,
                    consume,
                    excerpt,
                } => {
                    if let Some(j) = self.take_junk() {
                        return Some(Err(j));
                    }
                    let err = FrameError {
                        kind,
                        offset: self.base + self.pos as u64,
                        excerpt: self.buf[self.pos..self.pos + excerpt].to_vec(),
                    };
                    self.pos += consume;
                    self.stats.junk_bytes += consume as u64;
                    self.stats.errors += 1;
                    self.after_error = true;
                    return Some(Err(err));
                }
            }
        }
    }

    fn count_frame(&mut self, layout: LayoutOut) {
        let l = layout.0;
        self.stats.frames += 1;
        if l.trailer == Trailer::Missing {
            self.stats.no_trailer += 1;
        }
        if l.declared_len.is_some() {
            self.stats.length_mismatch += 1;
        }
        if l.variant != CrcVariant::Standard {
            self.stats.non_standard_crc += 1;
        }
    }

    fn add_junk(&mut self, n: usize) {
        self.stats.junk_bytes += n as u64;
        if !self.after_error {
            if self.junk_len == 0 {
                self.junk_offset = self.base + self.pos as u64;
            }
            let room = self.cfg.excerpt_len.saturating_sub(self.junk_excerpt.len());
            let take = room.min(n);
            self.junk_excerpt
                .extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.junk_len += n;
        }
        self.pos += n;
    }

    fn take_junk(&mut self) -> Option<FrameError> {
        if self.junk_len == 0 {
            return None;
        }
        let err = FrameError {
            kind: FrameErrorKind::Junk { len: self.junk_len },
            offset: self.junk_offset,
            excerpt: std::mem::take(&mut self.junk_excerpt),
        };
        self.junk_len = 0;
        self.stats.errors += 1;
        // Junk is reported; a frame error right after it is a new event.
        Some(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::encode_frame;

    fn items(cfg: &FramerConfig, chunks: &[&[u8]], finish: bool) -> Vec<Result<Vec<u8>, String>> {
        let mut f = Framer::new(cfg.clone());
        let mut out = Vec::new();
        let mut drain = |f: &mut Framer| {
            while let Some(it) = f.next_frame() {
                out.push(match it {
                    Ok(fr) => Ok(fr.data().to_vec()),
                    Err(e) => Err(e.kind().name().to_string()),
                });
            }
        };
        for c in chunks {
            f.push(c);
            drain(&mut f);
        }
        if finish {
            f.finish();
            drain(&mut f);
        }
        out
    }

    const D: &[u8] = b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";

    #[test]
    fn keeps_a_trailing_hash() {
        let fr = encode_frame(D).unwrap();
        let (a, b) = fr.split_at(1);
        let got = items(&FramerConfig::default(), &[b"xx", a, b], false);
        assert_eq!(got, vec![Err("junk".into()), Ok(D.to_vec())]);
    }

    #[test]
    fn bad_length_resyncs() {
        let fr = encode_frame(D).unwrap();
        let mut s = b"##AB".to_vec();
        s.extend_from_slice(&fr);
        let got = items(&FramerConfig::default(), &[&s], false);
        assert_eq!(got, vec![Err("bad_length".into()), Ok(D.to_vec())]);
    }

    #[test]
    fn crc_failure_drops_one_hash_only() {
        // A corrupted length swallowing the next frame must not lose it.
        let fr = encode_frame(D).unwrap();
        let mut bad = fr.clone();
        bad[3] = b'5'; // 0101 -> 0501
        bad.extend_from_slice(&fr);
        let got = items(&FramerConfig::default(), &[&bad], true);
        assert_eq!(got.last(), Some(&Ok(D.to_vec())));
        assert!(got[0].is_err());
    }

    #[test]
    fn missing_trailer_accepted_before_next_header_and_at_eof() {
        let fr = encode_frame(D).unwrap();
        let bare = &fr[..fr.len() - 2];
        let mut s = bare.to_vec();
        s.extend_from_slice(bare);
        let got = items(&FramerConfig::default(), &[&s], false);
        assert_eq!(got, vec![Ok(D.to_vec())]);
        let got = items(&FramerConfig::default(), &[&s], true);
        assert_eq!(got, vec![Ok(D.to_vec()), Ok(D.to_vec())]);
    }

    #[test]
    fn flush_accepts_a_frame_without_trailer() {
        let fr = encode_frame(D).unwrap();
        let mut f = Framer::default();
        f.push(&fr[..fr.len() - 2]);
        assert!(f.next_frame().is_none());
        f.flush();
        assert!(matches!(f.next_frame(), Some(Ok(_))));
        assert!(f.next_frame().is_none());
        assert_eq!(f.stats().no_trailer, 1);
    }

    #[test]
    fn garbage_after_crc_is_no_trailer() {
        let fr = encode_frame(D).unwrap();
        let mut s = fr[..fr.len() - 2].to_vec();
        s.extend_from_slice(b"xyz");
        let got = items(&FramerConfig::default(), &[&s], true);
        assert_eq!(got[0], Err("no_trailer".into()));
        let lax = FramerConfig {
            require_trailer: false,
            ..FramerConfig::default()
        };
        let got = items(&lax, &[&s], true);
        assert_eq!(got, vec![Ok(D.to_vec()), Err("junk".into())]);
    }

    #[test]
    fn short_length_compat() {
        let mut s = b"##101".to_vec();
        s.extend_from_slice(D);
        s.extend_from_slice(b"1c80\r\n");
        assert!(items(&FramerConfig::default(), &[&s], true)[0].is_err());
        let c = FramerConfig {
            short_length: true,
            ..FramerConfig::default()
        };
        assert_eq!(items(&c, &[&s], true), vec![Ok(D.to_vec())]);
    }

    #[test]
    fn length_mismatch_is_diagnosed_and_optionally_recovered() {
        let mut s = b"##0103".to_vec();
        s.extend_from_slice(D);
        s.extend_from_slice(b"1C80\r\n");
        let e = parse_frame(&s).unwrap_err();
        assert_eq!(
            e.kind(),
            &FrameErrorKind::LengthMismatch {
                declared: 103,
                actual: 101
            }
        );
        let f = parse_frame_with(&s, &FramerConfig::lenient()).unwrap();
        assert_eq!(f.length_mismatch(), Some(103));
        assert_eq!(f.data(), D);
    }

    /// Issue #28: a declared length far below the real one is a length mismatch, in one piece
    /// and fed byte by byte, not a bad CRC field.
    #[test]
    fn a_length_far_too_short_is_a_length_mismatch() {
        let mut s = b"##0001".to_vec();
        s.extend_from_slice(D);
        s.extend_from_slice(b"1C80\r\n");
        let want = FrameErrorKind::LengthMismatch {
            declared: 1,
            actual: D.len(),
        };
        assert_eq!(parse_frame(&s).unwrap_err().kind(), &want);
        let mut framer = Framer::new(FramerConfig::default());
        let mut kinds = Vec::new();
        for b in &s {
            framer.push(std::slice::from_ref(b));
            while let Some(item) = framer.next_frame() {
                if let Err(e) = item {
                    kinds.push(e.kind().clone());
                }
            }
        }
        framer.finish();
        while let Some(item) = framer.next_frame() {
            if let Err(e) = item {
                kinds.push(e.kind().clone());
            }
        }
        assert_eq!(kinds.first(), Some(&want), "{kinds:?}");
        // Recovered where the configuration allows it.
        let f = parse_frame_with(&s, &FramerConfig::lenient()).unwrap();
        assert_eq!(f.length_mismatch(), Some(1));
        assert_eq!(f.data(), D);
    }

    #[test]
    fn one_shot_errors() {
        let fr = encode_frame(D).unwrap();
        assert_eq!(
            parse_frame(&fr[1..]).unwrap_err().kind(),
            &FrameErrorKind::NoHeader
        );
        let mut t = fr.clone();
        t.push(b'x');
        assert_eq!(
            parse_frame(&t).unwrap_err().kind(),
            &FrameErrorKind::TrailingBytes { len: 1 }
        );
        assert!(matches!(
            parse_frame(b"##01").unwrap_err().kind(),
            FrameErrorKind::Truncated { .. }
        ));
        assert!(parse_frame(b"").is_err());
    }
}
