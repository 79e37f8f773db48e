//! tokio-util codec (feature `codec`): [`Hj212Codec`] decodes a connection's bytes into
//! `Result<OwnedFrame, FrameError>` items with the same state machine as [`Framer`], and
//! encodes frames (from [`crate::encode`]) or [`PacketBuilder`]s.
//!
//! Rejected frames are items (`Ok(Err(FrameError))`), not stream errors: the stream goes on.
//! At end of input the framer is finished (a partial frame becomes
//! [`FrameErrorKind::Truncated`](crate::FrameErrorKind::Truncated)).

use bytes::{BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::encode::{EncodeError, PacketBuilder};
use crate::frame::{FrameError, Framer, FramerConfig, OwnedFrame};

/// HJ 212 codec for `tokio_util::codec::Framed`.
#[derive(Debug, Clone, Default)]
pub struct Hj212Codec {
    framer: Framer,
}

impl Hj212Codec {
    /// A codec with these framer settings.
    #[must_use]
    pub fn new(cfg: FramerConfig) -> Self {
        Hj212Codec {
            framer: Framer::new(cfg),
        }
    }

    /// The framer (settings, counters).
    #[must_use]
    pub fn framer(&self) -> &Framer {
        &self.framer
    }

    /// The framer, to change settings (e.g. the CRC policy once the MN is known).
    pub fn framer_mut(&mut self) -> &mut Framer {
        &mut self.framer
    }

    fn pull(&mut self, src: &mut BytesMut) -> Option<Result<OwnedFrame, FrameError>> {
        if !src.is_empty() {
            self.framer.push(src);
            src.clear();
        }
        self.framer
            .next_frame()
            .map(|r| r.map(|f| f.to_owned_frame()))
    }
}

impl Decoder for Hj212Codec {
    type Item = Result<OwnedFrame, FrameError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(self.pull(src))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if !src.is_empty() {
            self.framer.push(src);
            src.clear();
        }
        self.framer.finish();
        Ok(self.pull(src))
    }
}

/// Encodes a complete frame as produced by [`crate::encode`] functions.
impl Encoder<Vec<u8>> for Hj212Codec {
    type Error = std::io::Error;

    fn encode(&mut self, frame: Vec<u8>, dst: &mut BytesMut) -> Result<(), Self::Error> {
        dst.put_slice(&frame);
        Ok(())
    }
}

/// Encodes a packet into its frame.
impl Encoder<&PacketBuilder> for Hj212Codec {
    type Error = std::io::Error;

    fn encode(&mut self, p: &PacketBuilder, dst: &mut BytesMut) -> Result<(), Self::Error> {
        let frame = p
            .encode()
            .map_err(|e: EncodeError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        dst.put_slice(&frame);
        Ok(())
    }
}
