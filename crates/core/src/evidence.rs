//! The evidence hash chain (取证哈希链).
//!
//! Every stored raw frame of a device gets `hash = SHA-256(previous hash ‖ received_at ‖ raw)`,
//! the first one chained to [`GENESIS`]. An alarm's evidence is the verbatim frames plus their
//! hashes; recomputing the chain from the stored frames shows whether any was edited, removed
//! or reordered since it was stored.

use sha2::{Digest, Sha256};

/// A chain hash.
pub type ChainHash = [u8; 32];

/// The hash a device's first frame is chained to.
pub const GENESIS: ChainHash = [0; 32];

/// The chain hash of a frame received at `received_at_ms` (Unix milliseconds) with bytes `raw`,
/// following `prev`.
#[must_use]
pub fn chain_hash(prev: &ChainHash, received_at_ms: i64, raw: &[u8]) -> ChainHash {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(received_at_ms.to_be_bytes());
    h.update(raw);
    h.finalize().into()
}

/// Lower-case hex of a hash.
#[must_use]
pub fn hex(h: &[u8]) -> String {
    use std::fmt::Write;
    h.iter()
        .fold(String::with_capacity(h.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Where a chain stops verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("frame #{index} (sequence {seq}) does not match its stored hash")]
pub struct ChainBreak {
    /// Position in the checked list.
    pub index: usize,
    /// The frame's sequence number.
    pub seq: i64,
}

/// Checks stored frames `(seq, received_at_ms, raw, stored_hash)` in sequence order, starting
/// from `prev` (the hash before the first one, [`GENESIS`] for a whole chain).
///
/// # Errors
///
/// [`ChainBreak`] at the first frame whose hash differs.
pub fn verify_chain<'a>(
    mut prev: ChainHash,
    frames: impl IntoIterator<Item = (i64, i64, &'a [u8], &'a [u8])>,
) -> Result<usize, ChainBreak> {
    let mut n = 0;
    for (index, (seq, at, raw, stored)) in frames.into_iter().enumerate() {
        let h = chain_hash(&prev, at, raw);
        if h.as_slice() != stored {
            return Err(ChainBreak { index, seq });
        }
        prev = h;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_an_edit() {
        let frames: Vec<(i64, i64, Vec<u8>)> = (0..5)
            .map(|i| (i, 1000 + i, format!("##frame{i}").into_bytes()))
            .collect();
        let mut prev = GENESIS;
        let mut hashes = Vec::new();
        for (_, at, raw) in &frames {
            prev = chain_hash(&prev, *at, raw);
            hashes.push(prev);
        }
        let ok = verify_chain(
            GENESIS,
            frames
                .iter()
                .zip(&hashes)
                .map(|((s, a, r), h)| (*s, *a, r.as_slice(), h.as_slice())),
        );
        assert_eq!(ok, Ok(5));
        let mut edited = frames.clone();
        edited[3].2[2] = b'F';
        let bad = verify_chain(
            GENESIS,
            edited
                .iter()
                .zip(&hashes)
                .map(|((s, a, r), h)| (*s, *a, r.as_slice(), h.as_slice())),
        );
        assert_eq!(bad, Err(ChainBreak { index: 3, seq: 3 }));
        assert_eq!(hex(&[0xab, 0x01]), "ab01");
    }
}
