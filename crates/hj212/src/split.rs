//! Reassembly of split packets (拆分包, HJ 212-2017 Appendix C part 2).
//!
//! A message too long for one packet is sent as PNUM packets numbered PNO = 1..=PNUM, each with
//! its own QN (each needs its own 9014 when A=1), each repeating `DataTime`, each carrying
//! whole items. The key that ties them together is `(MN, CN, DataTime, PNUM)`.
//!
//! [`Reassembler`] is pure: the caller passes the time (any monotonic number, e.g. Unix
//! seconds) and expires stale messages with [`Reassembler::expire`]; the store is bounded.

use crate::packet::{Field, OwnedPacket, Packet};

/// What ties the packets of one split message together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SplitKey {
    /// Device.
    pub mn: String,
    /// Command.
    pub cn: String,
    /// `DataTime` as sent (empty when absent).
    pub data_time: String,
    /// Total packets.
    pub pnum: u32,
}

/// Why a packet cannot be reassembled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// The packet has no PNUM/PNO: it is not part of a split message.
    #[error("packet has no PNUM/PNO")]
    NotSplit,
    /// PNO is 0 or larger than PNUM.
    #[error("PNO {pno} outside 1..={pnum}")]
    PnoOutOfRange {
        /// PNO.
        pno: u32,
        /// PNUM.
        pnum: u32,
    },
    /// PNUM is above the configured maximum.
    #[error("PNUM {0} above the limit")]
    TooManyParts(u32),
}

/// A split message, complete or abandoned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMessage {
    /// The key.
    pub key: SplitKey,
    /// The packets received, by PNO (`None` for missing ones in an incomplete message).
    pub parts: Vec<Option<OwnedPacket>>,
}

impl SplitMessage {
    /// Whether every part arrived.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.parts.iter().all(Option::is_some)
    }

    /// The data-area fields of all received parts, in PNO order.
    pub fn fields(&self) -> impl Iterator<Item = Field<'_>> + '_ {
        self.parts
            .iter()
            .flatten()
            .flat_map(|p| p.as_packet().fields())
    }
}

/// The outcome of [`Reassembler::push`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assembly {
    /// Stored; `received` of `total` parts so far.
    Pending {
        /// Parts received.
        received: u32,
        /// PNUM.
        total: u32,
    },
    /// This PNO was already stored (a retransmission): ignored.
    Duplicate,
    /// The last part arrived: the whole message.
    Complete(SplitMessage),
}

#[derive(Debug, Clone)]
struct Pending {
    key: SplitKey,
    first_seen: u64,
    parts: Vec<Option<OwnedPacket>>,
    received: u32,
}

/// A bounded store of incomplete split messages.
#[derive(Debug, Clone)]
pub struct Reassembler {
    max_messages: usize,
    max_parts: u32,
    pending: Vec<Pending>,
    evicted: Vec<SplitMessage>,
}

impl Default for Reassembler {
    fn default() -> Self {
        Reassembler::new(256, 256)
    }
}

impl Reassembler {
    /// At most `max_messages` incomplete messages (the oldest is evicted beyond) of at most
    /// `max_parts` packets each.
    #[must_use]
    pub fn new(max_messages: usize, max_parts: u32) -> Self {
        Reassembler {
            max_messages: max_messages.max(1),
            max_parts,
            pending: Vec::new(),
            evicted: Vec::new(),
        }
    }

    /// Incomplete messages held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Add a packet received at `now`.
    ///
    /// # Errors
    ///
    /// [`SplitError`] for a packet without usable PNUM/PNO.
    pub fn push(&mut self, p: &Packet<'_>, now: u64) -> Result<Assembly, SplitError> {
        let (Some(pnum), Some(pno)) = (p.pnum(), p.pno()) else {
            return Err(SplitError::NotSplit);
        };
        if pnum > self.max_parts {
            return Err(SplitError::TooManyParts(pnum));
        }
        if pno == 0 || pno > pnum {
            return Err(SplitError::PnoOutOfRange { pno, pnum });
        }
        let key = SplitKey {
            mn: p.mn().unwrap_or("").to_owned(),
            cn: p.cn().to_owned(),
            data_time: p
                .value("DataTime")
                .map(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            pnum,
        };
        let i = match self.pending.iter().position(|m| m.key == key) {
            Some(i) => i,
            None => {
                if self.pending.len() >= self.max_messages
                    && let Some(oldest) =
                        (0..self.pending.len()).min_by_key(|&i| self.pending[i].first_seen)
                {
                    let m = self.pending.swap_remove(oldest);
                    self.evicted.push(SplitMessage {
                        key: m.key,
                        parts: m.parts,
                    });
                }
                self.pending.push(Pending {
                    key,
                    first_seen: now,
                    parts: vec![None; pnum as usize],
                    received: 0,
                });
                self.pending.len() - 1
            }
        };
        let m = &mut self.pending[i];
        let slot = &mut m.parts[(pno - 1) as usize];
        if slot.is_some() {
            return Ok(Assembly::Duplicate);
        }
        *slot = Some(p.to_owned_packet());
        m.received += 1;
        if m.received == pnum {
            let m = self.pending.swap_remove(i);
            return Ok(Assembly::Complete(SplitMessage {
                key: m.key,
                parts: m.parts,
            }));
        }
        Ok(Assembly::Pending {
            received: m.received,
            total: pnum,
        })
    }

    /// Remove and return the messages first seen before `now - max_age`, and any evicted for
    /// lack of room. Each part can still be stored on its own: every part carries whole items.
    pub fn expire(&mut self, now: u64, max_age: u64) -> Vec<SplitMessage> {
        let mut out = std::mem::take(&mut self.evicted);
        let mut i = 0;
        while i < self.pending.len() {
            if now.saturating_sub(self.pending[i].first_seen) > max_age {
                let m = self.pending.swap_remove(i);
                out.push(SplitMessage {
                    key: m.key,
                    parts: m.parts,
                });
            } else {
                i += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(qn: &str, pno: u32) -> String {
        format!(
            "QN={qn};ST=32;CN=2051;PW=1;MN=M;Flag=7;PNUM=2;PNO={pno};CP=&&DataTime=20160801084000;w0{pno}-Avg={pno}&&"
        )
    }

    #[test]
    fn reassembles_in_any_order_and_ignores_duplicates() {
        let (a, b) = (part("534", 1), part("535", 2));
        let (a, b) = (Packet::parse(&a).unwrap(), Packet::parse(&b).unwrap());
        let mut r = Reassembler::default();
        assert_eq!(
            r.push(&b, 0),
            Ok(Assembly::Pending {
                received: 1,
                total: 2
            })
        );
        assert_eq!(r.push(&b, 1), Ok(Assembly::Duplicate));
        let Ok(Assembly::Complete(m)) = r.push(&a, 2) else {
            panic!("not complete")
        };
        assert!(m.is_complete());
        let keys: Vec<_> = m.fields().map(|f| f.key).collect();
        assert_eq!(keys, ["DataTime", "w01-Avg", "DataTime", "w02-Avg"]);
        assert!(r.is_empty());
    }

    #[test]
    fn bounded_and_expiring() {
        let mut r = Reassembler::new(1, 4);
        let a = part("1", 1);
        let a = Packet::parse(&a).unwrap();
        r.push(&a, 0).unwrap();
        let other = a.text().replace("MN=M", "MN=N");
        r.push(&Packet::parse(&other).unwrap(), 5).unwrap();
        assert_eq!(r.len(), 1);
        let gone = r.expire(100, 10);
        assert_eq!(gone.len(), 2);
        assert!(!gone[0].is_complete());
        assert!(r.is_empty());
        let bad = a.text().replace("PNO=1", "PNO=3");
        assert_eq!(
            r.push(&Packet::parse(&bad).unwrap(), 0),
            Err(SplitError::PnoOutOfRange { pno: 3, pnum: 2 })
        );
    }
}
