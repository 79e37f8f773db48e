//! HJ 212-2025 (污染物自动监测监控系统数据传输技术要求, in force 2026-01-01).
//!
//! **The text of the 2025 standard was not available.** What is here comes from public
//! implementations that cite it clause by clause (spec §12, "(2025, secondary source)"):
//!
//! * framing and CRC unchanged (its CRC example `2200` verifies); Flag version bits `000010`
//!   ([`crate::Version::V2025`], Flag 8-11) — handled everywhere;
//! * 9015 heartbeat (answer 9013 when A=1) — [`heartbeat`], [`crate::encode::required_answer`];
//! * 1014 key exchange (`SKCreateTime`, `NewSK`) — [`KeyExchange`], [`send_new_key`];
//! * data-area encryption (Appendix A): each 16 characters form one block, NoPadding, a
//!   remainder shorter than 16 stays plaintext, on the wire `{0xE4,0x3E,…}` followed by the
//!   plaintext tail; the CRC and length are computed before encryption. The cipher is not named
//!   in what was seen (SM4 is the national block cipher and is what Appendix H uses for HTTPS
//!   authorization). **UNVERIFIED**: the scope (here the CP data area, as the secondary source's
//!   example `CP=&&{0x…}g=N&&` suggests), the mode (ECB or CBC with which IV) and the cipher are
//!   configurable ([`Encryption`]) until the official text is read. The hook
//!   ([`decrypt_data_segment`]) goes between framing and [`Packet::parse`](crate::Packet::parse).
//!   With feature `sm4`, [`Sm4Cipher`] provides the block cipher.

use crate::command::cn;
use crate::encode::{PacketBuilder, Request};
use crate::flag::Version;
use crate::packet::Packet;
use crate::value::Value;

/// The fields of a 1014 key exchange packet (2025, secondary source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyExchange<'a> {
    /// `SKCreateTime`: when the key was made.
    pub sk_create_time: Option<Value<'a>>,
    /// `NewSK`: the new key (present when the platform sends one).
    pub new_sk: Option<Value<'a>>,
}

impl<'a> KeyExchange<'a> {
    /// Read the fields from a 1014 packet.
    #[must_use]
    pub fn from_packet(p: &Packet<'a>) -> Self {
        KeyExchange {
            sk_create_time: p.value("SKCreateTime"),
            new_sk: p.value("NewSK"),
        }
    }
}

/// A 9015 heartbeat as a 2025 device sends it (for simulators and tests).
#[must_use]
pub fn heartbeat(qn: &str, st: &str, pw: &str, mn: &str, ack: bool) -> PacketBuilder {
    Request {
        version: Version::V2025,
        ack,
        ..Request::new(qn, st, pw, mn)
    }
    .builder(cn::HEARTBEAT)
}

/// 1014 上位机下发新密钥: the platform sends a new key (`SKCreateTime`, `NewSK`).
#[must_use]
pub fn send_new_key(req: &Request<'_>, sk_create_time: &str, new_sk: &str) -> PacketBuilder {
    req.builder(cn::KEY_EXCHANGE)
        .item("SKCreateTime", sk_create_time)
        .item("NewSK", new_sk)
}

/// A 16-byte block cipher (the encryption hook).
pub trait BlockCipher16 {
    /// Encrypt one block in place.
    fn encrypt_block(&self, block: &mut [u8; 16]);
    /// Decrypt one block in place.
    fn decrypt_block(&self, block: &mut [u8; 16]);
}

/// Block chaining mode (UNVERIFIED which one HJ 212-2025 uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherMode {
    /// Each block on its own.
    Ecb,
    /// Cipher block chaining with this IV.
    Cbc([u8; 16]),
}

/// What is encrypted (UNVERIFIED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncryptionScope {
    /// The data area inside `CP=&&…&&` (the secondary source's example).
    DataArea,
    /// The whole data segment.
    DataSegment,
}

/// Encryption settings for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encryption {
    /// Chaining.
    pub mode: CipherMode,
    /// Scope.
    pub scope: EncryptionScope,
}

impl Default for Encryption {
    fn default() -> Self {
        Encryption {
            mode: CipherMode::Ecb,
            scope: EncryptionScope::DataArea,
        }
    }
}

/// Why a data segment cannot be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The `{0x..,…}` list is malformed (missing `}`, not `0xHH`).
    #[error("malformed encrypted byte list")]
    Format,
    /// The encrypted bytes are not a whole number of 16-byte blocks.
    #[error("encrypted length {0} is not a multiple of 16")]
    Length(usize),
    /// The decrypted text is not UTF-8 (wrong key or settings).
    #[error("decrypted text is not UTF-8")]
    NotUtf8,
    /// Only ASCII text can be encrypted in 16-character blocks.
    #[error("only ASCII text can be encrypted")]
    NotAscii,
    /// No `CP=&&…&&` to decrypt in [`EncryptionScope::DataArea`].
    #[error("no CP data area")]
    NoDataArea,
}

fn parse_wire(s: &str) -> Result<(Vec<u8>, &str), CryptoError> {
    let Some(rest) = s.strip_prefix('{') else {
        return Ok((Vec::new(), s));
    };
    let close = rest.find('}').ok_or(CryptoError::Format)?;
    let mut bytes = Vec::new();
    for tok in rest[..close]
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let hex = tok
            .strip_prefix("0x")
            .or_else(|| tok.strip_prefix("0X"))
            .filter(|h| h.len() == 2)
            .ok_or(CryptoError::Format)?;
        bytes.push(u8::from_str_radix(hex, 16).map_err(|_| CryptoError::Format)?);
    }
    if bytes.len() % 16 != 0 {
        return Err(CryptoError::Length(bytes.len()));
    }
    Ok((bytes, &rest[close + 1..]))
}

fn apply(cipher: &dyn BlockCipher16, mode: CipherMode, data: &mut [u8], decrypt: bool) {
    let mut chain = match mode {
        CipherMode::Ecb => None,
        CipherMode::Cbc(iv) => Some(iv),
    };
    for chunk in data.chunks_exact_mut(16) {
        let mut block = [0u8; 16];
        block.copy_from_slice(chunk);
        if decrypt {
            let cipher_text = block;
            cipher.decrypt_block(&mut block);
            if let Some(prev) = &mut chain {
                block.iter_mut().zip(prev.iter()).for_each(|(b, p)| *b ^= p);
                *prev = cipher_text;
            }
        } else {
            if let Some(prev) = &chain {
                block.iter_mut().zip(prev.iter()).for_each(|(b, p)| *b ^= p);
            }
            cipher.encrypt_block(&mut block);
            if let Some(prev) = &mut chain {
                *prev = block;
            }
        }
        chunk.copy_from_slice(&block);
    }
}

/// Decrypt an encrypted text (`{0x..,…}tail`); text without `{` is returned as is.
///
/// # Errors
///
/// [`CryptoError`].
pub fn decrypt_text(
    wire: &str,
    cipher: &dyn BlockCipher16,
    mode: CipherMode,
) -> Result<String, CryptoError> {
    let (mut bytes, tail) = parse_wire(wire)?;
    apply(cipher, mode, &mut bytes, true);
    let mut s = String::from_utf8(bytes).map_err(|_| CryptoError::NotUtf8)?;
    s.push_str(tail);
    Ok(s)
}

/// Encrypt ASCII text into the wire form (`{0x..,…}tail`).
///
/// # Errors
///
/// [`CryptoError::NotAscii`].
pub fn encrypt_text(
    plain: &str,
    cipher: &dyn BlockCipher16,
    mode: CipherMode,
) -> Result<String, CryptoError> {
    if !plain.is_ascii() {
        return Err(CryptoError::NotAscii);
    }
    let full = plain.len() / 16 * 16;
    if full == 0 {
        return Ok(plain.to_owned());
    }
    let mut bytes = plain.as_bytes()[..full].to_vec();
    apply(cipher, mode, &mut bytes, false);
    let mut out = String::with_capacity(full * 5 + 2 + plain.len() - full);
    out.push('{');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("0x{b:02X}"));
    }
    out.push('}');
    out.push_str(&plain[full..]);
    Ok(out)
}

fn split_area(segment: &str) -> Option<(&str, &str, &str)> {
    let open = segment.find("CP=&&")? + 5;
    let close = segment.rfind("&&").filter(|c| *c >= open)?;
    Some((&segment[..open], &segment[open..close], &segment[close..]))
}

/// The hook between framing and parsing: the plaintext data segment of an encrypted one.
///
/// # Errors
///
/// [`CryptoError`].
pub fn decrypt_data_segment(
    segment: &str,
    cipher: &dyn BlockCipher16,
    enc: Encryption,
) -> Result<String, CryptoError> {
    match enc.scope {
        EncryptionScope::DataSegment => decrypt_text(segment, cipher, enc.mode),
        EncryptionScope::DataArea => {
            let (head, area, tail) = split_area(segment).ok_or(CryptoError::NoDataArea)?;
            Ok(format!(
                "{head}{}{tail}",
                decrypt_text(area, cipher, enc.mode)?
            ))
        }
    }
}

/// The encrypted form of a plaintext data segment (to simulate a device).
///
/// # Errors
///
/// [`CryptoError`].
pub fn encrypt_data_segment(
    segment: &str,
    cipher: &dyn BlockCipher16,
    enc: Encryption,
) -> Result<String, CryptoError> {
    match enc.scope {
        EncryptionScope::DataSegment => encrypt_text(segment, cipher, enc.mode),
        EncryptionScope::DataArea => {
            let (head, area, tail) = split_area(segment).ok_or(CryptoError::NoDataArea)?;
            Ok(format!(
                "{head}{}{tail}",
                encrypt_text(area, cipher, enc.mode)?
            ))
        }
    }
}

/// SM4 (GB/T 32907) as the [`BlockCipher16`] of the hook (feature `sm4`).
#[cfg(feature = "sm4")]
pub struct Sm4Cipher(sm4::Sm4);

#[cfg(feature = "sm4")]
impl std::fmt::Debug for Sm4Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm4Cipher(..)")
    }
}

#[cfg(feature = "sm4")]
impl Sm4Cipher {
    /// A cipher with this 128-bit key.
    #[must_use]
    pub fn new(key: &[u8; 16]) -> Self {
        use sm4::cipher::KeyInit;
        Sm4Cipher(sm4::Sm4::new(&(*key).into()))
    }
}

#[cfg(feature = "sm4")]
impl BlockCipher16 for Sm4Cipher {
    fn encrypt_block(&self, block: &mut [u8; 16]) {
        use sm4::cipher::BlockCipherEncrypt;
        let mut b = (*block).into();
        self.0.encrypt_block(&mut b);
        *block = b.into();
    }
    fn decrypt_block(&self, block: &mut [u8; 16]) {
        use sm4::cipher::BlockCipherDecrypt;
        let mut b = (*block).into();
        self.0.decrypt_block(&mut b);
        *block = b.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Xor(u8);
    impl BlockCipher16 for Xor {
        fn encrypt_block(&self, b: &mut [u8; 16]) {
            b.iter_mut().for_each(|x| *x ^= self.0);
        }
        fn decrypt_block(&self, b: &mut [u8; 16]) {
            self.encrypt_block(b);
        }
    }

    const SEG: &str = "QN=20240601085857223;ST=22;CN=2011;PW=123456;MN=X;Flag=8;CP=&&DataTime=20240601085800;a34004-Rtd=33,a34004-Flag=N&&";

    #[test]
    fn round_trips_in_both_modes_and_scopes() {
        for mode in [CipherMode::Ecb, CipherMode::Cbc([7; 16])] {
            for scope in [EncryptionScope::DataArea, EncryptionScope::DataSegment] {
                let enc = Encryption { mode, scope };
                let wire = encrypt_data_segment(SEG, &Xor(0x5A), enc).unwrap();
                assert!(wire.contains("{0x"));
                assert_eq!(decrypt_data_segment(&wire, &Xor(0x5A), enc).unwrap(), SEG);
            }
        }
        let wire = encrypt_data_segment(SEG, &Xor(1), Encryption::default()).unwrap();
        assert!(wire.ends_with("g=N&&"), "{wire}");
        assert!(
            Packet::parse(&decrypt_data_segment(&wire, &Xor(1), Encryption::default()).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn rejects_malformed() {
        let x = Xor(0);
        assert_eq!(
            decrypt_text("{0x01", &x, CipherMode::Ecb),
            Err(CryptoError::Format)
        );
        assert_eq!(
            decrypt_text("{0x01}", &x, CipherMode::Ecb),
            Err(CryptoError::Length(1))
        );
        assert_eq!(
            decrypt_text("{zz}", &x, CipherMode::Ecb),
            Err(CryptoError::Format)
        );
        assert_eq!(decrypt_text("plain", &x, CipherMode::Ecb).unwrap(), "plain");
    }

    #[test]
    fn key_exchange_and_heartbeat() {
        let hb = heartbeat("20260101000000000", "31", "123456", "M", true)
            .data_segment()
            .unwrap();
        assert_eq!(
            hb,
            "QN=20260101000000000;ST=31;CN=9015;PW=123456;MN=M;Flag=9;CP=&&&&"
        );
        let req = Request {
            version: Version::V2025,
            ..Request::new("1", "31", "p", "M")
        };
        let s = send_new_key(&req, "20260101000000", "0123456789ABCDEF")
            .data_segment()
            .unwrap();
        let p = Packet::parse(&s).unwrap();
        let k = KeyExchange::from_packet(&p);
        assert_eq!(k.new_sk.map(|v| v.as_str()), Some("0123456789ABCDEF"));
    }

    #[cfg(feature = "sm4")]
    #[test]
    fn sm4_known_answer() {
        // GB/T 32907-2016 Appendix A example 1.
        let key = [
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
            0x32, 0x10,
        ];
        let c = Sm4Cipher::new(&key);
        let mut b = key;
        c.encrypt_block(&mut b);
        assert_eq!(
            b,
            [
                0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e, 0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e,
                0x42, 0x46
            ]
        );
        c.decrypt_block(&mut b);
        assert_eq!(b, key);
        let enc = Encryption::default();
        let wire = encrypt_data_segment(SEG, &c, enc).unwrap();
        assert_eq!(decrypt_data_segment(&wire, &c, enc).unwrap(), SEG);
    }
}
