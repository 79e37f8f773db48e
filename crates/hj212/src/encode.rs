//! Encoding, byte-exact: frames, any packet ([`PacketBuilder`]), the platform's answers
//! (9011/9012/9013/9014) and its requests (1000-3020).
//!
//! Frames are written as the standard says: 4-digit length, upper-case CRC, CR LF. Header
//! fields in Table 3 order (QN, ST, CN, PW, MN, Flag, PNUM, PNO, CP); absent ones are left out.
//!
//! Answers mirror the packet answered (spec §7.2):
//!
//! * HJ 212-2017/2025 (and unknown versions): `QN=<its QN>;ST=91;CN=9014;PW=<its PW>;MN=<its
//!   MN>;Flag=<version bits only>;CP=&&&&` (Flag 4 for 2017, 8 for 2025).
//! * HJ/T 212-2005 (Flag absent or version 0), HJ/T 212-2005 Appendix C example 6: the QN and
//!   the answered CN go inside CP, no PW/MN/Flag: `ST=91;CN=9014;CP=&&QN=…;CN=2051&&`, with
//!   `;PNO=…;PNUM=…;` for a split packet; without QN (2005 uploads often have none)
//!   `CP=&&CN=2051&&`. 9011/9012 follow the 2005 request-answer example:
//!   `ST=91;CN=9011;PW=…;MN=…;Flag=0;CP=&&QN=…;QnRtn=1&&`.
//!
//! Round trip: re-encoding a parsed standard frame gives the same bytes
//! ([`Frame::is_canonical`](crate::Frame::is_canonical)); not for a lower-case CRC, a missing
//! CR LF, a non-standard CRC variant, a short or wrong length field.

use std::fmt::Write as _;

use crate::command::{ExeRtn, QnRtn, cn};
use crate::crc::{CrcVariant, hex4};
use crate::flag::{PacketFlag, Version};
use crate::packet::Packet;
use crate::time::{DataTimeText, QnText};

/// Why something cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The data segment is longer than a frame allows: 9999 (the 4-digit length field) for
    /// any packet, 1024 (the standard's limit, which devices enforce) for the platform's
    /// answers — an answer echoing a huge QN/PW/MN is refused rather than sent.
    #[error("data segment of {0} bytes is too long for a frame")]
    TooLong(usize),
    /// A key or value contains a character that would break the structure (`;` `,` `&` `=`
    /// in the header, CR or LF anywhere, `;` `,` `&` in a data-area value outside `//…//`).
    #[error("{0:?} contains a structural character")]
    InvalidText(String),
}

/// Append the frame for a data segment to `out`.
///
/// # Errors
///
/// [`EncodeError::TooLong`] beyond 9999 bytes.
pub fn encode_frame_into(data: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_frame_variant_into(data, CrcVariant::Standard, out)
}

/// The frame for a data segment: `##` + 4-digit length + data + upper-case CRC + CR LF.
///
/// ```
/// let f = lantian_hj212::encode::encode_frame(b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&").unwrap();
/// assert!(f.starts_with(b"##0101QN=") && f.ends_with(b"&&1C80\r\n"));
/// ```
///
/// # Errors
///
/// [`EncodeError::TooLong`] beyond 9999 bytes.
pub fn encode_frame(data: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(data.len() + 12);
    encode_frame_into(data, &mut out)?;
    Ok(out)
}

/// Like [`encode_frame_into`] with a non-standard CRC variant (to talk to, or simulate, a device
/// that needs one).
///
/// # Errors
///
/// [`EncodeError::TooLong`] beyond 9999 bytes.
pub fn encode_frame_variant_into(
    data: &[u8],
    variant: CrcVariant,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if data.len() > 9999 {
        return Err(EncodeError::TooLong(data.len()));
    }
    let n = data.len();
    out.reserve(n + 12);
    out.extend_from_slice(b"##");
    out.extend_from_slice(&[
        b'0' + (n / 1000) as u8,
        b'0' + (n / 100 % 10) as u8,
        b'0' + (n / 10 % 10) as u8,
        b'0' + (n % 10) as u8,
    ]);
    out.extend_from_slice(data);
    out.extend_from_slice(&hex4(variant.compute(data)));
    out.extend_from_slice(b"\r\n");
    Ok(())
}

fn check_header(v: &str) -> Result<&str, EncodeError> {
    if v.bytes()
        .any(|c| matches!(c, b';' | b',' | b'&' | b'=' | b'\r' | b'\n'))
    {
        Err(EncodeError::InvalidText(v.to_owned()))
    } else {
        Ok(v)
    }
}

fn check_key(k: &str) -> Result<&str, EncodeError> {
    if k.is_empty()
        || k.bytes()
            .any(|c| matches!(c, b';' | b',' | b'&' | b'=' | b'\r' | b'\n' | b' '))
    {
        Err(EncodeError::InvalidText(k.to_owned()))
    } else {
        Ok(k)
    }
}

fn check_value(v: &str) -> Result<&str, EncodeError> {
    let bad = |c: u8| matches!(c, b'\r' | b'\n');
    let ok = if let Some(inner) = v.strip_prefix("//").and_then(|t| t.strip_suffix("//")) {
        !inner.contains("//") && !inner.contains("&&") && !inner.bytes().any(bad)
    } else {
        !v.bytes().any(|c| bad(c) || matches!(c, b';' | b',' | b'&'))
    };
    if ok {
        Ok(v)
    } else {
        Err(EncodeError::InvalidText(v.to_owned()))
    }
}

/// Separator written between the items of the data area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Sep {
    /// `;` between items.
    Item,
    /// `,` between values of one item.
    Value,
}

/// Builds any packet; [`PacketBuilder::encode`] gives the frame.
///
/// ```
/// use lantian_hj212::{PacketBuilder, PacketFlag};
/// let frame = PacketBuilder::new(2011)
///     .qn("20160801085857223").st("32").pw("123456").mn("AQ01").flag(PacketFlag::new(5))
///     .item("DataTime", "20160801085800")
///     .item("a21026-Rtd", "12.3").value("a21026-Flag", "N")
///     .encode().unwrap();
/// assert!(frame.ends_with(b"CP=&&DataTime=20160801085800;a21026-Rtd=12.3,a21026-Flag=N&&A281\r\n"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct PacketBuilder {
    qn: Option<String>,
    st: Option<String>,
    cn: String,
    pw: Option<String>,
    mn: Option<String>,
    flag: Option<u8>,
    pnum_pno: Option<(String, String)>,
    cp: String,
    raw_cp: Option<String>,
    error: Option<EncodeError>,
}

impl PacketBuilder {
    /// A packet with this CN (written with 4 digits).
    #[must_use]
    pub fn new(cn: u16) -> Self {
        PacketBuilder {
            cn: format!("{cn:04}"),
            ..PacketBuilder::default()
        }
    }

    fn keep<T>(&mut self, r: Result<T, EncodeError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    fn header(mut self, v: &str, set: impl FnOnce(&mut Self, String)) -> Self {
        if let Some(v) = self.keep(check_header(v)) {
            set(&mut self, v.to_owned());
        }
        self
    }

    /// `QN`.
    #[must_use]
    pub fn qn(self, qn: &str) -> Self {
        self.header(qn, |b, v| b.qn = Some(v))
    }
    /// `QN` from a time (`YYYYMMDDhhmmsszzz`).
    #[must_use]
    pub fn qn_time(self, t: jiff::civil::DateTime) -> Self {
        self.qn(&QnText(t).to_string())
    }
    /// `ST`.
    #[must_use]
    pub fn st(self, st: &str) -> Self {
        self.header(st, |b, v| b.st = Some(v))
    }
    /// `PW`.
    #[must_use]
    pub fn pw(self, pw: &str) -> Self {
        self.header(pw, |b, v| b.pw = Some(v))
    }
    /// `MN`.
    #[must_use]
    pub fn mn(self, mn: &str) -> Self {
        self.header(mn, |b, v| b.mn = Some(v))
    }
    /// `Flag`.
    #[must_use]
    pub fn flag(mut self, flag: PacketFlag) -> Self {
        self.flag = Some(flag.raw());
        self
    }
    /// `PNUM` and `PNO` (written with 4 digits, as real devices do).
    #[must_use]
    pub fn pnum_pno(mut self, pnum: u16, pno: u16) -> Self {
        self.pnum_pno = Some((format!("{pnum:04}"), format!("{pno:04}")));
        self
    }

    fn push(mut self, sep: Sep, key: &str, value: &str) -> Self {
        let (Some(k), Some(v)) = (self.keep(check_key(key)), self.keep(check_value(value))) else {
            return self;
        };
        if !self.cp.is_empty() {
            self.cp.push(match sep {
                Sep::Item => ';',
                Sep::Value => ',',
            });
        }
        self.cp.push_str(k);
        self.cp.push('=');
        self.cp.push_str(v);
        self
    }

    /// A data-area field, after a `;` (a new item).
    #[must_use]
    pub fn item(self, key: &str, value: &str) -> Self {
        self.push(Sep::Item, key, value)
    }
    /// A data-area field, after a `,` (another value of the same item).
    #[must_use]
    pub fn value(self, key: &str, value: &str) -> Self {
        self.push(Sep::Value, key, value)
    }
    /// `DataTime=YYYYMMDDhhmmss` as an item.
    #[must_use]
    pub fn data_time(self, t: jiff::civil::DateTime) -> Self {
        self.item("DataTime", &DataTimeText(t).to_string())
    }
    /// Replace the data area by this exact text (for forms the item API cannot write, like the
    /// 2005 trailing `;`). It must not contain `&&`, CR or LF.
    #[must_use]
    pub fn raw_data_area(mut self, text: &str) -> Self {
        if text.contains("&&") || text.bytes().any(|c| c == b'\r' || c == b'\n') {
            self.error
                .get_or_insert(EncodeError::InvalidText(text.to_owned()));
        } else {
            self.raw_cp = Some(text.to_owned());
        }
        self
    }

    /// The data segment text.
    ///
    /// # Errors
    ///
    /// The first [`EncodeError`] met while building.
    pub fn data_segment(&self) -> Result<String, EncodeError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let mut s = String::with_capacity(64 + self.cp.len());
        let mut field = |k: &str, v: &str| {
            s.push_str(k);
            s.push('=');
            s.push_str(v);
            s.push(';');
        };
        if let Some(v) = &self.qn {
            field("QN", v);
        }
        if let Some(v) = &self.st {
            field("ST", v);
        }
        field("CN", &self.cn);
        if let Some(v) = &self.pw {
            field("PW", v);
        }
        if let Some(v) = &self.mn {
            field("MN", v);
        }
        if let Some(v) = self.flag {
            let _ = write!(s, "Flag={v};");
        }
        if let Some((pnum, pno)) = &self.pnum_pno {
            let _ = write!(s, "PNUM={pnum};PNO={pno};");
        }
        s.push_str("CP=&&");
        s.push_str(self.raw_cp.as_deref().unwrap_or(&self.cp));
        s.push_str("&&");
        Ok(s)
    }

    /// The complete frame.
    ///
    /// # Errors
    ///
    /// The first [`EncodeError`] met while building, or [`EncodeError::TooLong`].
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode_frame(self.data_segment()?.as_bytes())
    }
}

/// Which answer a packet needs from the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKind {
    /// 9013 通知应答.
    Notification,
    /// 9014 数据应答.
    Data,
}

/// The answer the platform owes a received packet, by the rules of spec §7:
///
/// * never answer an answer (9013/9014);
/// * notifications: 1013 time-calibration request and 2005's 2072 alarm event always get 9013;
///   2025's 1014 key request always, its 9015 heartbeat when A=1 (2025, secondary source);
/// * anything else with Flag's A bit set gets 9014 (uploads, and 9011/9012 with A=1, which
///   2005 calls 结果应答); without A nothing (most 2005 devices send no Flag: no answer).
///
/// The platform's own requests are answered by the device, not by this function.
#[must_use]
pub fn required_answer(p: &Packet<'_>) -> Option<AnswerKind> {
    match p.cn_code() {
        cn::NOTIFICATION_ANSWER | cn::DATA_ANSWER => None,
        cn::TIME_CALIBRATION_REQUEST | cn::ALARM_EVENT_2005 | cn::KEY_EXCHANGE => {
            Some(AnswerKind::Notification)
        }
        cn::HEARTBEAT => p.ack_required().then_some(AnswerKind::Notification),
        _ => p.ack_required().then_some(AnswerKind::Data),
    }
}

/// The answer frame [`required_answer`] calls for, if any.
///
/// # Errors
///
/// [`EncodeError`] if the packet's QN/PW/MN cannot be echoed.
pub fn answer(p: &Packet<'_>) -> Result<Option<Vec<u8>>, EncodeError> {
    match required_answer(p) {
        None => Ok(None),
        Some(AnswerKind::Data) => data_answer(p).map(Some),
        Some(AnswerKind::Notification) => notification_answer(p).map(Some),
    }
}

fn is_2005(p: &Packet<'_>) -> bool {
    p.version() == Version::V2005
}

/// Header of a 2017/2025 answer: QN, ST=91, CN, PW, MN, Flag = version bits of `p`.
fn answer_2017(p: &Packet<'_>, cn: u16) -> PacketBuilder {
    let mut b = PacketBuilder::new(cn);
    if let Some(qn) = p.qn() {
        b = b.qn(qn);
    }
    b = b.st("91");
    if let Some(pw) = p.pw() {
        b = b.pw(pw);
    }
    if let Some(mn) = p.mn() {
        b = b.mn(mn);
    }
    b.flag(p.version().flag(false, false))
}

/// 2005 data/notification answer: `ST=91;CN=…;CP=&&QN=…;CN=…[;PNO=…;PNUM=…;]&&`.
fn answer_2005_ack(p: &Packet<'_>, cn: u16) -> PacketBuilder {
    let mut cp = String::new();
    if let Some(qn) = p.qn() {
        let _ = write!(cp, "QN={qn};");
    }
    let _ = write!(cp, "CN={}", p.cn());
    if let (Some(pno), Some(pnum)) = (p.header("PNO"), p.header("PNUM")) {
        let _ = write!(cp, ";PNO={pno};PNUM={pnum};");
    }
    PacketBuilder::new(cn).st("91").raw_data_area(&cp)
}

/// 2005 request answer / execution result: `ST=91;CN=…;PW=…;MN=…;Flag=0;CP=&&QN=…;X=n&&`.
fn answer_2005_rtn(p: &Packet<'_>, cn: u16, key: &str, n: u16) -> PacketBuilder {
    let mut b = PacketBuilder::new(cn).st("91");
    if let Some(pw) = p.pw() {
        b = b.pw(pw);
    }
    if let Some(mn) = p.mn() {
        b = b.mn(mn);
    }
    b = b.flag(PacketFlag::new(0));
    if let Some(qn) = p.qn() {
        b = b.item("QN", qn);
    }
    b.item(key, &n.to_string())
}

/// Encode an answer, refusing one longer than the standard's 1024-byte data segment.
fn encode_answer(b: &PacketBuilder) -> Result<Vec<u8>, EncodeError> {
    let seg = b.data_segment()?;
    if seg.len() > crate::frame::STANDARD_MAX_DATA_LEN {
        return Err(EncodeError::TooLong(seg.len()));
    }
    encode_frame(seg.as_bytes())
}

/// 9014 数据应答 to `p`, in `p`'s generation's style.
///
/// ```
/// use lantian_hj212::{Packet, encode};
/// let p = Packet::parse("QN=20201015123632010;ST=32;CN=2011;PW=123456;MN=410183160889201000212505;Flag=5;CP=&&DataTime=20201015123600;a01001-Rtd=1&&").unwrap();
/// assert_eq!(
///     encode::data_answer(&p).unwrap(),
///     b"##0087QN=20201015123632010;ST=91;CN=9014;PW=123456;MN=410183160889201000212505;Flag=4;CP=&&&&F001\r\n"
/// );
/// ```
///
/// # Errors
///
/// [`EncodeError`] if the packet's QN/PW/MN cannot be echoed.
pub fn data_answer(p: &Packet<'_>) -> Result<Vec<u8>, EncodeError> {
    if is_2005(p) {
        encode_answer(&answer_2005_ack(p, cn::DATA_ANSWER))
    } else {
        encode_answer(&answer_2017(p, cn::DATA_ANSWER))
    }
}

/// 9013 通知应答 to `p`.
///
/// # Errors
///
/// [`EncodeError`] if the packet's QN/PW/MN cannot be echoed.
pub fn notification_answer(p: &Packet<'_>) -> Result<Vec<u8>, EncodeError> {
    if is_2005(p) {
        encode_answer(&answer_2005_ack(p, cn::NOTIFICATION_ANSWER))
    } else {
        encode_answer(&answer_2017(p, cn::NOTIFICATION_ANSWER))
    }
}

/// 9011 请求应答 (`QnRtn`) to a request `p`.
///
/// # Errors
///
/// [`EncodeError`] if the packet's QN/PW/MN cannot be echoed.
pub fn request_answer(p: &Packet<'_>, rtn: QnRtn) -> Result<Vec<u8>, EncodeError> {
    if is_2005(p) {
        encode_answer(&answer_2005_rtn(p, cn::REQUEST_ANSWER, "QnRtn", rtn.code()))
    } else {
        encode_answer(&answer_2017(p, cn::REQUEST_ANSWER).item("QnRtn", &rtn.code().to_string()))
    }
}

/// 9012 执行结果 (`ExeRtn`) of a request `p`.
///
/// # Errors
///
/// [`EncodeError`] if the packet's QN/PW/MN cannot be echoed.
pub fn execution_result(p: &Packet<'_>, rtn: ExeRtn) -> Result<Vec<u8>, EncodeError> {
    if is_2005(p) {
        encode_answer(&answer_2005_rtn(
            p,
            cn::EXECUTION_RESULT,
            "ExeRtn",
            rtn.code(),
        ))
    } else {
        encode_answer(&answer_2017(p, cn::EXECUTION_RESULT).item("ExeRtn", &rtn.code().to_string()))
    }
}

/// How `BeginTime` and `EndTime` are separated in history requests.
///
/// The HJ 212-2017 (C.23, C.41) and HJ/T 212-2005 (example 6) examples print
/// `BeginTime=…,EndTime=…`; by the data-area syntax they are two items (`;`). The default
/// follows the printed examples, which devices were tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RangeSeparator {
    /// `BeginTime=…,EndTime=…` (the standards' examples). Default.
    #[default]
    Comma,
    /// `BeginTime=…;EndTime=…`.
    Semicolon,
}

/// The addressing of a platform request: the device's ST, PW, MN, the QN the caller assigns
/// (the library has no clock), and the generation to speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// QN, `YYYYMMDDhhmmsszzz` (see [`QnText`]). The device echoes it in 9011/9012.
    pub qn: &'a str,
    /// The device's ST.
    pub st: &'a str,
    /// The device's PW.
    pub pw: &'a str,
    /// The device's MN.
    pub mn: &'a str,
    /// Generation (Flag version bits; 2005 requests use Flag 1 or, as its examples, 3).
    pub version: Version,
    /// Ask for a 9011 answer (Flag A bit). The standard's requests set it.
    pub ack: bool,
    /// `BeginTime`/`EndTime` separator.
    pub range_separator: RangeSeparator,
}

impl<'a> Request<'a> {
    /// A 2017-style request (Flag=5).
    #[must_use]
    pub fn new(qn: &'a str, st: &'a str, pw: &'a str, mn: &'a str) -> Self {
        Request {
            qn,
            st,
            pw,
            mn,
            version: Version::V2017,
            ack: true,
            range_separator: RangeSeparator::Comma,
        }
    }

    /// The builder with this header and `cn`, to add data-area items to.
    #[must_use]
    pub fn builder(&self, cn: u16) -> PacketBuilder {
        PacketBuilder::new(cn)
            .qn(self.qn)
            .st(self.st)
            .pw(self.pw)
            .mn(self.mn)
            .flag(self.version.flag(self.ack, false))
    }

    /// 1000 设置超时时间及重发次数.
    #[must_use]
    pub fn set_timeout(&self, over_time_s: u8, re_count: u8) -> PacketBuilder {
        self.builder(cn::SET_TIMEOUT)
            .item("OverTime", &over_time_s.to_string())
            .item("ReCount", &re_count.to_string())
    }
    /// 1011 提取现场机时间 (of instrument `pol_id`, or the logger's).
    #[must_use]
    pub fn get_time(&self, pol_id: Option<&str>) -> PacketBuilder {
        let b = self.builder(cn::GET_TIME);
        match pol_id {
            Some(p) => b.item("PolId", p),
            None => b,
        }
    }
    /// 1012 设置现场机时间 (time calibration, 校时).
    #[must_use]
    pub fn set_time(
        &self,
        pol_id: Option<&str>,
        system_time: jiff::civil::DateTime,
    ) -> PacketBuilder {
        let b = self.builder(cn::SET_TIME);
        let b = match pol_id {
            Some(p) => b.item("PolId", p),
            None => b,
        };
        b.item("SystemTime", &DataTimeText(system_time).to_string())
    }
    /// 1061 提取实时数据间隔.
    #[must_use]
    pub fn get_rtd_interval(&self) -> PacketBuilder {
        self.builder(cn::GET_RTD_INTERVAL)
    }
    /// 1062 设置实时数据间隔 (seconds, 30-3600).
    #[must_use]
    pub fn set_rtd_interval(&self, seconds: u16) -> PacketBuilder {
        self.builder(cn::SET_RTD_INTERVAL)
            .item("RtdInterval", &seconds.to_string())
    }
    /// 1063 提取分钟数据间隔.
    #[must_use]
    pub fn get_min_interval(&self) -> PacketBuilder {
        self.builder(cn::GET_MIN_INTERVAL)
    }
    /// 1064 设置分钟数据间隔 (minutes: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30).
    #[must_use]
    pub fn set_min_interval(&self, minutes: u8) -> PacketBuilder {
        self.builder(cn::SET_MIN_INTERVAL)
            .item("MinInterval", &minutes.to_string())
    }
    /// 1072 设置现场机密码 (`NewPW`; 2005 carried `PW` inside CP).
    #[must_use]
    pub fn set_password(&self, new_pw: &str) -> PacketBuilder {
        let key = if self.version == Version::V2005 {
            "PW"
        } else {
            "NewPW"
        };
        self.builder(cn::SET_PASSWORD).item(key, new_pw)
    }
    /// 2011 取污染物实时数据 (start) or 2012 停止察看 (stop).
    #[must_use]
    pub fn realtime_data(&self, start: bool) -> PacketBuilder {
        self.builder(if start {
            cn::REALTIME_DATA
        } else {
            cn::STOP_REALTIME_DATA
        })
    }
    /// 2021 取设备运行状态数据 (start) or 2022 停止察看 (stop).
    #[must_use]
    pub fn running_status(&self, start: bool) -> PacketBuilder {
        self.builder(if start {
            cn::RUNNING_STATUS
        } else {
            cn::STOP_RUNNING_STATUS
        })
    }
    /// History retrieval: 2031 day, 2041 running time, 2051 minute, 2061 hour data between
    /// `begin` and `end` (补发/取历史数据).
    #[must_use]
    pub fn history(
        &self,
        cn: u16,
        begin: jiff::civil::DateTime,
        end: jiff::civil::DateTime,
    ) -> PacketBuilder {
        let b = self
            .builder(cn)
            .item("BeginTime", &DataTimeText(begin).to_string());
        let end = DataTimeText(end).to_string();
        match self.range_separator {
            RangeSeparator::Comma => b.value("EndTime", &end),
            RangeSeparator::Semicolon => b.item("EndTime", &end),
        }
    }
    /// 3020 提取现场机信息 (`[PolId;]InfoId[;BeginTime,EndTime]`).
    #[must_use]
    pub fn field_info(
        &self,
        pol_id: Option<&str>,
        info_id: &str,
        range: Option<(jiff::civil::DateTime, jiff::civil::DateTime)>,
    ) -> PacketBuilder {
        let mut b = self.builder(cn::FIELD_INFO);
        if let Some(p) = pol_id {
            b = b.item("PolId", p);
        }
        b = b.item("InfoId", info_id);
        if let Some((begin, end)) = range {
            b = b.item("BeginTime", &DataTimeText(begin).to_string());
            let end = DataTimeText(end).to_string();
            b = match self.range_separator {
                RangeSeparator::Comma => b.value("EndTime", &end),
                RangeSeparator::Semicolon => b.item("EndTime", &end),
            };
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn standard_example_frame() {
        let r = Request::new(
            "20160801085857223",
            "32",
            "100000",
            "010000A8900016F000169DC0",
        );
        assert_eq!(
            s(r.set_rtd_interval(30).encode().unwrap()),
            "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
        );
    }

    #[test]
    fn answers_2005() {
        let p = Packet::parse("QN=20040516010101001;ST=32;CN=2051;PW=123456;MN=88888880000001;Flag=3;PNUM=1;PNO=1;CP=&&DataTime=20040516010000&&").unwrap();
        let a = s(data_answer(&p).unwrap());
        assert!(
            a.contains("ST=91;CN=9014;CP=&&QN=20040516010101001;CN=2051;PNO=1;PNUM=1;&&"),
            "{a}"
        );
        let a = s(request_answer(&p, QnRtn::Ready).unwrap());
        assert!(a.contains("ST=91;CN=9011;PW=123456;MN=88888880000001;Flag=0;CP=&&QN=20040516010101001;QnRtn=1&&"), "{a}");
        let p = Packet::parse("ST=31;CN=2011;PW=123456;MN=88888880000001;CP=&&&&").unwrap();
        assert_eq!(required_answer(&p), None);
        assert!(s(data_answer(&p).unwrap()).contains("ST=91;CN=9014;CP=&&CN=2011&&"));
    }

    #[test]
    fn answers_follow_version() {
        let p = Packet::parse("QN=1;ST=32;CN=2011;PW=1;MN=X;Flag=9;CP=&&&&").unwrap();
        assert!(
            s(data_answer(&p).unwrap()).contains("QN=1;ST=91;CN=9014;PW=1;MN=X;Flag=8;CP=&&&&")
        );
        let hb = Packet::parse("QN=1;ST=32;CN=9015;PW=1;MN=X;Flag=9;CP=&&&&").unwrap();
        assert_eq!(required_answer(&hb), Some(AnswerKind::Notification));
        let ack = Packet::parse("QN=1;ST=91;CN=9014;PW=1;MN=X;Flag=5;CP=&&&&").unwrap();
        assert_eq!(required_answer(&ack), None);
    }

    #[test]
    fn answers_stay_within_the_standard_limit() {
        // Found by fuzzing: a (lenient-framed) packet with a 1100-byte QN.
        let seg = format!("QN={};ST=91;CN=9014;CP=&&&&", "v".repeat(1100));
        let p = Packet::parse(&seg).unwrap();
        assert!(matches!(
            request_answer(&p, QnRtn::Ready),
            Err(EncodeError::TooLong(_))
        ));
    }

    #[test]
    fn rejects_structural_text() {
        assert!(matches!(
            PacketBuilder::new(2011).mn("a;b").encode(),
            Err(EncodeError::InvalidText(_))
        ));
        assert!(
            PacketBuilder::new(2011)
                .item("a-Rtd", "1,2")
                .encode()
                .is_err()
        );
        assert!(
            PacketBuilder::new(3020)
                .item("i11001-Info", "//a;b,c=d//")
                .encode()
                .is_ok()
        );
        assert!(matches!(
            encode_frame(&[b'x'; 10_000]),
            Err(EncodeError::TooLong(10_000))
        ));
    }
}
