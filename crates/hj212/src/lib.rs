//! HJ 212 (污染物在线监控（监测）系统数据传输标准) protocol library: HJ/T 212-2005, HJ 212-2017
//! and HJ 212-2025 on one wire. Pure: no IO, no clock, no async in the core; nothing panics on
//! input. Specification with sources: `shared/docs/hj212.md`.
//!
//! Frame a connection's bytes, parse each data segment, answer what needs an answer:
//!
//! ```
//! use lantian_hj212::{Framer, FramerConfig, Packet, Validity, encode};
//!
//! let wire = b"##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181\r\n";
//! let mut framer = Framer::new(FramerConfig::default()); // one per connection
//! framer.push(&wire[..100]); // bytes as the socket gives them, in any chunks
//! framer.push(&wire[100..]);
//! while let Some(item) = framer.next_frame() {
//!     let frame = item?; // or log the FrameError (reason + bytes) and go on
//!     let text = frame.text();
//!     let packet = Packet::parse(&text)?;
//!     for f in packet.factors().filter(|f| f.validity() == Validity::Valid) {
//!         let _avg = f.avg.map(|v| v.decimal()); // exact decimal, original text kept
//!     }
//!     if let Some(answer) = encode::answer(&packet)? {
//!         assert!(answer.starts_with(b"##0096QN=20190925181031464;ST=91;CN=9014;")); // write it back
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//!
//! * [`crc`]: the standard's CRC16 (not CRC-16/MODBUS) and the variants real devices send,
//!   accepted per device by a [`CrcPolicy`].
//! * [`frame`]: [`Framer`] (streaming, resynchronising, bounded) and [`parse_frame`]
//!   (one-shot); rejected bytes become [`FrameError`]s with a [`FrameErrorKind`].
//! * [`packet`]: zero-copy [`Packet`] (header as an unordered set; data area tokenised on `;`
//!   and `,`), [`Field`]s, [`Factor`]s grouped by code.
//! * [`value`]: [`Value`] (original text) and exact [`Decimal`].
//! * [`flag`]: packet [`PacketFlag`] / [`Version`]; data flags [`DataFlag`] and their
//!   [`Validity`].
//! * [`time`]: `DataTime` and QN times (civil, China Standard Time).
//! * [`message`]: typed views by CN ([`Message`]).
//! * [`encode`]: byte-exact frames, [`PacketBuilder`], answers 9011-9014 (2005 and 2017/2025
//!   styles), platform requests ([`encode::Request`]).
//! * [`split`]: split-packet reassembly ([`split::Reassembler`]).
//! * [`command`], [`codes`]: CN, QnRtn/ExeRtn, ST and factor-code tables as data (with the
//!   2005 → 2017 code mapping).
//! * [`v2025`]: what is known of HJ 212-2025 (heartbeat, key exchange, the UNVERIFIED
//!   encryption hook; feature `sm4`).
//! * `codec` (feature `codec`): `Hj212Codec`, a tokio-util `Decoder`/`Encoder`.
//!
//! # Features
//!
//! * `codec`: tokio-util codec (`tokio-util`, `bytes`).
//! * `sm4`: SM4 block cipher for the 2025 encryption hook.

pub mod codes;
pub mod command;
pub mod crc;
pub mod encode;
pub mod flag;
pub mod frame;
pub mod mask;
pub mod message;
pub mod packet;
mod scan;
pub mod split;
pub mod time;
pub mod v2025;
pub mod value;

#[cfg(feature = "codec")]
pub mod codec;

pub use command::{ExeRtn, QnRtn};
pub use crc::{CrcPolicy, CrcVariant};
pub use encode::PacketBuilder;
pub use flag::{DataFlag, PacketFlag, Validity, Version};
pub use frame::{
    Frame, FrameError, FrameErrorKind, Framer, FramerConfig, FramerStats, OwnedFrame, Trailer,
    parse_frame, parse_frame_with,
};
pub use mask::mask_passwords;
pub use message::{DataKind, DataUpload, Message};
pub use packet::{Factor, Field, FieldIssue, OwnedPacket, Packet, PacketError, Suffix};
pub use value::{Decimal, Value, ValueError};
