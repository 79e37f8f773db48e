//! CRC16 of the data segment (CRC 校验, HJ 212-2017 Appendix A; unchanged in HJ/T 212-2005 and
//! HJ 212-2025).
//!
//! The standard calls it "ANSI CRC16". It is **not** CRC-16/MODBUS although it shares the
//! polynomial constant `0xA001` and the initial value `0xFFFF`: step 3 of the appendix replaces
//! the register by `(crc >> 8) ^ byte` (MODBUS keeps the high byte: `crc ^ byte`). Check values
//! for the ASCII string `123456789`: HJ 212 = `2F80`, CRC-16/MODBUS = `4B37`.
//!
//! Because the register holds only 8 significant bits after step 3, the check is an 8-bit check
//! in disguise (256 possible values). A passing CRC is weak evidence; the framer therefore also
//! checks the length and the trailer, and the parser checks the structure.
//!
//! Implementation: the per-byte map `x -> T[x] >> 8` is a GF(2)-linear bijection `H` of bytes.
//! With tables of `H^k` the register can be advanced 16 bytes at a time with one dependent
//! load (slicing-by-16), several times faster than the byte-serial table form.
//!
//! Variants seen in real traffic ([`CrcVariant`]) are computed on request and accepted only when
//! a [`CrcPolicy`] allows them (per device).

use std::fmt;

/// The 256-entry table `T[x]` = steps 4-7 of Appendix A applied to `x` (the usual
/// CRC-16/ARC/MODBUS table).
const TABLE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u16;
        let mut k = 0;
        while k < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
            k += 1;
        }
        t[i] = crc;
        i += 1;
    }
    t
};

/// Number of bytes advanced per step of the sliced loop.
const SLICE: usize = 16;

/// `POW[k][x]` = `H^k(x)` where `H(x) = T[x] >> 8`; `POW[0]` is the identity.
const POW: [[u8; 256]; SLICE + 1] = {
    let mut p = [[0u8; 256]; SLICE + 1];
    let mut x = 0;
    while x < 256 {
        p[0][x] = x as u8;
        x += 1;
    }
    let mut k = 1;
    while k <= SLICE {
        let mut x = 0;
        while x < 256 {
            p[k][x] = (TABLE[p[k - 1][x] as usize] >> 8) as u8;
            x += 1;
        }
        k += 1;
    }
    p
};

/// The HJ 212 CRC16 of `data` (the data segment only: not `##`, the length, the CRC or CR LF).
///
/// ```
/// assert_eq!(lantian_hj212::crc::crc16(b"123456789"), 0x2F80);
/// assert_eq!(lantian_hj212::crc::crc16(b""), 0xFFFF);
/// ```
#[must_use]
pub fn crc16(data: &[u8]) -> u16 {
    let Some((&first, rest)) = data.split_first() else {
        return 0xFFFF;
    };
    // `idx` is the table index used for the last processed byte; the register is `T[idx]`.
    let mut idx: u8 = 0xFF ^ first;
    let mut chunks = rest.chunks_exact(SLICE);
    for c in &mut chunks {
        let Ok(c) = <&[u8; SLICE]>::try_from(c) else {
            continue; // unreachable: chunks_exact yields SLICE bytes
        };
        // idx' = H^16(idx) ^ H^15(c0) ^ ... ^ H^0(c15)
        let mut acc = POW[SLICE][usize::from(idx)];
        for (j, &b) in c.iter().enumerate() {
            acc ^= POW[SLICE - 1 - j][usize::from(b)];
        }
        idx = acc;
    }
    for &b in chunks.remainder() {
        idx = POW[1][idx as usize] ^ b;
    }
    TABLE[idx as usize]
}

/// The byte-serial table form of Appendix A: `crc = T[(crc >> 8) ^ byte]`.
///
/// Same result as [`crc16`]; kept as the readable reference (tests compare the two).
#[must_use]
pub fn crc16_reference(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc = TABLE[((crc >> 8) ^ u16::from(b)) as usize];
    }
    crc
}

/// CRC-16/MODBUS (`crc = (crc >> 8) ^ T[(crc ^ byte) & 0xFF]`), sent high byte first by some
/// devices and low byte first by others.
#[must_use]
pub fn crc16_modbus(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc = (crc >> 8) ^ TABLE[((crc ^ u16::from(b)) & 0xFF) as usize];
    }
    crc
}

/// The Appendix A C listing compiled with `char *` instead of `unsigned char *`: bytes ≥ 0x80
/// are sign-extended into the 32-bit `unsigned int` register, whose high bits then leak back
/// into the index two bytes later. The low 16 bits are sent. Identical to [`crc16`] for ASCII.
#[must_use]
pub fn crc16_signed_char(data: &[u8]) -> u16 {
    let mut crc: u32 = 0xFFFF;
    for &b in data {
        // `b as i8 as i32 as u32` sign-extends: 0x80..=0xFF become 0xFFFF_FF80..=0xFFFF_FFFF.
        crc = (crc >> 8) ^ (b as i8 as i32 as u32);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc as u16
}

/// A way of computing the 4 CRC hex digits of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrcVariant {
    /// HJ 212 Appendix A ("ANSI CRC16"), the only one the standard allows. Default.
    Standard,
    /// CRC-16/MODBUS sent high byte first (one public sample).
    Modbus,
    /// CRC-16/MODBUS sent low byte first (a real CEMS logger: E8, E9 in the spec).
    ModbusSwapped,
    /// Appendix A over signed `char` in a 32-bit register (differs only for bytes ≥ 0x80, i.e.
    /// Chinese text). Modelled on C code, not seen on the wire here.
    SignedChar,
}

impl CrcVariant {
    /// All variants, standard first.
    pub const ALL: [CrcVariant; 4] = [
        CrcVariant::Standard,
        CrcVariant::Modbus,
        CrcVariant::ModbusSwapped,
        CrcVariant::SignedChar,
    ];

    /// The 16-bit value as it must appear in the 4 hex digits.
    #[must_use]
    pub fn compute(self, data: &[u8]) -> u16 {
        match self {
            CrcVariant::Standard => crc16(data),
            CrcVariant::Modbus => crc16_modbus(data),
            CrcVariant::ModbusSwapped => crc16_modbus(data).swap_bytes(),
            CrcVariant::SignedChar => crc16_signed_char(data),
        }
    }

    const fn bit(self) -> u8 {
        match self {
            CrcVariant::Standard => 1,
            CrcVariant::Modbus => 2,
            CrcVariant::ModbusSwapped => 4,
            CrcVariant::SignedChar => 8,
        }
    }
}

impl fmt::Display for CrcVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CrcVariant::Standard => "standard",
            CrcVariant::Modbus => "modbus",
            CrcVariant::ModbusSwapped => "modbus-swapped",
            CrcVariant::SignedChar => "signed-char",
        })
    }
}

/// The set of [`CrcVariant`]s a framer accepts. The default accepts only the standard CRC.
///
/// Configure variants per device: run a connection with the variants its device is known to
/// use, or accept several and check [`Frame::crc_variant`](crate::Frame::crc_variant) against
/// the per-MN configuration after parsing the MN.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CrcPolicy(u8);

impl CrcPolicy {
    /// Only the standard CRC (the default).
    pub const STANDARD: CrcPolicy = CrcPolicy(1);
    /// Every known variant (diagnostics only; weakens the check further).
    pub const ANY: CrcPolicy = CrcPolicy(0x0F);
    /// Policy with exactly the given variants. (There is no "no check" policy: a frame always
    /// needs a matching variant.)
    #[must_use]
    pub fn only(variants: &[CrcVariant]) -> CrcPolicy {
        CrcPolicy(variants.iter().fold(0, |m, v| m | v.bit()))
    }
    /// This policy plus `v`.
    #[must_use]
    pub const fn with(self, v: CrcVariant) -> CrcPolicy {
        CrcPolicy(self.0 | v.bit())
    }
    /// Whether `v` is accepted.
    #[must_use]
    pub const fn allows(self, v: CrcVariant) -> bool {
        self.0 & v.bit() != 0
    }
    /// The first accepted variant (standard first) whose value equals `declared`.
    #[must_use]
    pub fn check(self, data: &[u8], declared: u16) -> Option<CrcVariant> {
        if self.allows(CrcVariant::Standard) && crc16(data) == declared {
            return Some(CrcVariant::Standard);
        }
        CrcVariant::ALL[1..]
            .iter()
            .copied()
            .find(|v| self.allows(*v) && v.compute(data) == declared)
    }
}

impl Default for CrcPolicy {
    fn default() -> Self {
        CrcPolicy::STANDARD
    }
}

impl fmt::Debug for CrcPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(CrcVariant::ALL.iter().filter(|v| self.allows(**v)))
            .finish()
    }
}

/// Parse 4 hex digits, upper or lower case.
#[must_use]
pub fn parse_hex4(b: &[u8]) -> Option<u16> {
    if b.len() != 4 {
        return None;
    }
    let mut v: u16 = 0;
    for &c in b {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u16::from(d);
    }
    Some(v)
}

/// The 4 upper-case hex digits the standard transmits (high byte first).
#[must_use]
pub fn hex4(crc: u16) -> [u8; 4] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    [
        HEX[(crc >> 12) as usize & 0xF],
        HEX[(crc >> 8) as usize & 0xF],
        HEX[(crc >> 4) as usize & 0xF],
        HEX[crc as usize & 0xF],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1: &[u8] = b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";
    const S2: &[u8] =
        b"QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&";

    #[test]
    fn check_values() {
        assert_eq!(crc16(b"123456789"), 0x2F80);
        assert_eq!(crc16_modbus(b"123456789"), 0x4B37);
        assert_eq!(crc16(b""), 0xFFFF);
        assert_eq!(crc16(b"A"), 0x7080);
        assert_eq!(S1.len(), 101);
        assert_eq!(crc16(S1), 0x1C80);
        assert_eq!(crc16_modbus(S1), 0x0759);
        assert_eq!(crc16(S2), 0x2200);
    }

    #[test]
    fn table_corners() {
        assert_eq!(TABLE[0], 0x0000);
        assert_eq!(TABLE[1], 0xC0C1);
        assert_eq!(TABLE[2], 0xC181);
        assert_eq!(TABLE[3], 0x0140);
        assert_eq!(TABLE[0x80], 0xA001);
        assert_eq!(TABLE[0xFF], 0x4040);
    }

    #[test]
    fn trace_of_the_standard_example() {
        // Spec §2.4 register trace.
        let mut crc: u16 = 0xFFFF;
        let mut after = Vec::new();
        for &b in S1 {
            crc = TABLE[((crc >> 8) ^ u16::from(b)) as usize];
            after.push(crc);
        }
        assert_eq!(&after[..4], &[0xBC81, 0x8581, 0x7200, 0xF001]);
        assert_eq!(&after[98..], &[0x3840, 0x0880, 0x1C80]);
    }

    #[test]
    fn sliced_equals_reference_on_all_lengths() {
        let data: Vec<u8> = (0..600u32).map(|i| (i * 7 + i / 3) as u8).collect();
        for n in 0..data.len() {
            assert_eq!(crc16(&data[..n]), crc16_reference(&data[..n]), "len {n}");
        }
    }

    #[test]
    fn signed_char_equals_standard_on_ascii() {
        assert_eq!(crc16_signed_char(S1), crc16(S1));
        let utf8 = "CP=&&i11001-Info=//清洗管路//&&".as_bytes();
        assert_ne!(crc16_signed_char(utf8), crc16(utf8));
    }

    #[test]
    fn policy() {
        let e8_like = b"ST=31;CN=2011";
        let swapped = crc16_modbus(e8_like).swap_bytes();
        assert_eq!(CrcPolicy::STANDARD.check(e8_like, swapped), None);
        assert_eq!(
            CrcPolicy::STANDARD
                .with(CrcVariant::ModbusSwapped)
                .check(e8_like, swapped),
            Some(CrcVariant::ModbusSwapped)
        );
        assert_eq!(format!("{:?}", CrcPolicy::default()), "{Standard}");
    }

    #[test]
    fn hex() {
        assert_eq!(parse_hex4(b"cc01"), Some(0xCC01));
        assert_eq!(parse_hex4(b"CC01"), Some(0xCC01));
        assert_eq!(parse_hex4(b"CC0G"), None);
        assert_eq!(parse_hex4(b"CC0"), None);
        assert_eq!(&hex4(0x0B40), b"0B40");
    }
}
