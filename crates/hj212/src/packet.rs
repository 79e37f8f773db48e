//! The data segment (数据段, HJ 212-2017 Table 3): header fields and the `CP=&&…&&` data area
//! (数据区), parsed without copying.
//!
//! * The header is an **unordered** `KEY=value` set up to `CP=` (real packets swap MN and PW,
//!   put PNO before PNUM, use `,` between QN and ST, omit the `;` before `CP`, pad with spaces).
//!   QN, PW and Flag may be missing (2005 uploads); ST and CN are required, and MN too except on
//!   interaction packets (CN 9xxx), which 2005 sends without it. Unknown keys are kept.
//! * The data area is tokenised on both `;` and `,`; each token splits at its first `=`, and a
//!   field name at its first `-` into factor code and suffix (`a21026-Rtd`). `-Info=//…//` text
//!   is scanned to its closing `//` first (it may contain `;`, `,`, `=`). Trailing separators,
//!   spaces, empty values, duplicate keys and unknown suffixes are kept, never fatal.
//! * [`Packet::factors`] groups consecutive fields by factor code into [`Factor`]s; a bare
//!   `Flag=N` right after a factor (seen from dust monitors) becomes that factor's flag.

use std::fmt;

use crate::flag::{DataFlag, PacketFlag, Validity, Version};
use crate::scan::{find2, find3};
use crate::time::{TimeError, WireTime, parse_data_time, parse_qn};
use crate::value::Value;

/// Why a data segment is not a packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PacketError {
    /// The data segment is not UTF-8 ([`Packet::parse_bytes`]; use
    /// [`Frame::text`](crate::Frame::text) for a lossy view).
    #[error("data segment is not UTF-8")]
    NotUtf8,
    /// Longer than 4 GiB (cannot come from a frame).
    #[error("data segment too long")]
    TooLong,
    /// No `CP=&&` (指令参数) in the data segment.
    #[error("no CP=&& in the data segment")]
    MissingCp,
    /// `CP=&&` is not closed by `&&` at the end of the data segment (a cut frame).
    #[error("CP data area not closed by && at the end")]
    UnterminatedCp,
    /// A required header field is absent (or empty).
    #[error("header field {0} missing")]
    MissingField(&'static str),
    /// A header field has an impossible value (Flag not 0-255, CN not 4 digits, PNUM/PNO not a
    /// number).
    #[error("header field {0} malformed")]
    BadField(&'static str),
}

impl PacketError {
    /// A short stable name for counting and logging (`missing_cp`, …).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            PacketError::NotUtf8 => "not_utf8",
            PacketError::TooLong => "too_long",
            PacketError::MissingCp => "missing_cp",
            PacketError::UnterminatedCp => "unterminated_cp",
            PacketError::MissingField(_) => "missing_field",
            PacketError::BadField(_) => "bad_field",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(base: &str, part: &str) -> Span {
        let start = part.as_ptr() as usize - base.as_ptr() as usize;
        Span {
            start: start as u32,
            end: (start + part.len()) as u32,
        }
    }
    fn get(self, s: &str) -> &str {
        s.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// Deviations from the standard seen while parsing the header (for counting; none is fatal).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PacketNotes(u16);

macro_rules! notes {
    ($($(#[$m:meta])* $name:ident = $bit:expr;)*) => {
        impl PacketNotes {
            $(const $name: u16 = $bit;)*
            fn names(self) -> impl Iterator<Item = &'static str> {
                [$((Self::$name, stringify!($name))),*]
                    .into_iter()
                    .filter(move |(b, _)| self.0 & b != 0)
                    .map(|(_, n)| n)
            }
        }
    };
}

notes! {
    NO_SEPARATOR_BEFORE_CP = 1;
    DUPLICATE_HEADER_KEY = 2;
    EXTRA_HEADER_KEY = 4;
    MALFORMED_HEADER_TOKEN = 8;
    COMMA_IN_HEADER = 16;
    SPLIT_WITHOUT_NUMBERS = 32;
    NUMBERS_WITHOUT_SPLIT_FLAG = 64;
    NO_FLAG = 128;
}

impl PacketNotes {
    /// No `;` between the last header field and `CP=` (`Flag=5CP=&&`, HJ 212-2017 C.19).
    #[must_use]
    pub fn no_separator_before_cp(self) -> bool {
        self.0 & Self::NO_SEPARATOR_BEFORE_CP != 0
    }
    /// A header key appeared twice (the first is used).
    #[must_use]
    pub fn duplicate_header_key(self) -> bool {
        self.0 & Self::DUPLICATE_HEADER_KEY != 0
    }
    /// The header has keys outside Table 3 (vendor keys; see [`Packet::header_fields`]).
    #[must_use]
    pub fn extra_header_key(self) -> bool {
        self.0 & Self::EXTRA_HEADER_KEY != 0
    }
    /// A header token without `=`.
    #[must_use]
    pub fn malformed_header_token(self) -> bool {
        self.0 & Self::MALFORMED_HEADER_TOKEN != 0
    }
    /// `,` used between header fields (`QN=…,ST=32;`, HJ 212-2017 C.22).
    #[must_use]
    pub fn comma_in_header(self) -> bool {
        self.0 & Self::COMMA_IN_HEADER != 0
    }
    /// Flag has D=1 but PNUM/PNO are missing (E12).
    #[must_use]
    pub fn split_without_numbers(self) -> bool {
        self.0 & Self::SPLIT_WITHOUT_NUMBERS != 0
    }
    /// PNUM/PNO present although Flag's D bit is 0 or Flag is absent (E5).
    #[must_use]
    pub fn numbers_without_split_flag(self) -> bool {
        self.0 & Self::NUMBERS_WITHOUT_SPLIT_FLAG != 0
    }
    /// No Flag field (2005-style upload; version assumed 2005, no answer).
    #[must_use]
    pub fn no_flag(self) -> bool {
        self.0 & Self::NO_FLAG != 0
    }
    /// Whether nothing was noted.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for PacketNotes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Layout {
    header: Span,
    data_area: Span,
    qn: Option<Span>,
    st: Option<Span>,
    cn: Option<Span>,
    pw: Option<Span>,
    mn: Option<Span>,
    flag: Option<u8>,
    pnum: Option<u32>,
    pno: Option<u32>,
    cn_code: u16,
    notes: PacketNotes,
}

/// A parsed data segment, borrowing the text.
///
/// ```
/// use lantian_hj212::{Packet, Version};
/// let p = Packet::parse("QN=20160801085857223;ST=22;CN=2011;PW=123456;MN=AQ01;Flag=5;CP=&&DataTime=20160801085857;a34004-Rtd=33,a34004-Flag=N&&").unwrap();
/// assert_eq!((p.cn(), p.mn(), p.version()), ("2011", Some("AQ01"), Version::V2017));
/// let pm25 = p.factor("a34004").unwrap();
/// assert_eq!(pm25.rtd.unwrap().decimal().unwrap().to_string(), "33");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Packet<'a> {
    text: &'a str,
    layout: Layout,
}

/// The `key=value` pairs of a data segment's header, up to `CP=` or the end (a trailing `&&` is
/// ignored), without any validation: the hook for vendor registration packets that
/// [`Packet::parse`] rejects, e.g. a dust monitor's login with no MN and no CP
/// (`QN=…;ST=39;CN=2011;PW=123456;USCC=91440101MA59F70720;IMEI=867732039951777&&`).
///
/// ```
/// let seg = "QN=20180904160638000;ST=39;CN=2011;PW=123456;USCC=91440101MA59F70720;IMEI=867732039951777&&";
/// assert!(lantian_hj212::Packet::parse(seg).is_err());
/// let imei = lantian_hj212::packet::header_fields(seg).find(|(k, _)| *k == "IMEI");
/// assert_eq!(imei, Some(("IMEI", "867732039951777")));
/// ```
pub fn header_fields(segment: &str) -> impl Iterator<Item = (&str, &str)> {
    let end = find_cp(segment.as_bytes()).map_or(segment.len(), |(at, _)| at);
    let head = &segment[..end];
    let head = head.trim_ascii_end();
    let head = head.strip_suffix("&&").unwrap_or(head);
    head.split([';', ','])
        .filter_map(split_kv)
        .filter(|(k, _)| !k.is_empty())
}

/// Split `s` at the first `=`, trimming spaces around key and value.
fn split_kv(s: &str) -> Option<(&str, &str)> {
    let (k, v) = s.split_once('=')?;
    Some((k.trim_ascii(), v.trim_ascii()))
}

/// Position of `CP=` (followed by optional spaces and `&&`) in the data segment.
fn find_cp(b: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'C', &b[from..]) {
        let p = from + i;
        if b.get(p + 1..p + 3) == Some(b"P=") {
            let mut q = p + 3;
            while b.get(q) == Some(&b' ') {
                q += 1;
            }
            if b.get(q..q + 2) == Some(b"&&") {
                return Some((p, q + 2));
            }
        }
        from = p + 1;
    }
    None
}

fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl<'a> Packet<'a> {
    /// Parse a data segment (the bytes between the length field and the CRC).
    ///
    /// # Errors
    ///
    /// [`PacketError`] when the structure is broken (no closed `CP=&&…&&`, no ST/CN/MN,
    /// impossible Flag/CN/PNUM/PNO). Other deviations are only noted ([`Packet::notes`]).
    pub fn parse(text: &'a str) -> Result<Packet<'a>, PacketError> {
        if text.len() > u32::MAX as usize {
            return Err(PacketError::TooLong);
        }
        let b = text.as_bytes();
        let (cp_at, open) = find_cp(b).ok_or(PacketError::MissingCp)?;
        let trimmed = text.trim_ascii_end();
        if trimmed.len() < open + 2 || !trimmed.ends_with("&&") {
            return Err(PacketError::UnterminatedCp);
        }
        let mut l = Layout {
            header: Span::of(text, &text[..cp_at]),
            data_area: Span::of(text, &text[open..trimmed.len() - 2]),
            ..Layout::default()
        };
        let header = &text[..cp_at];
        match header.trim_ascii_end().as_bytes().last() {
            None | Some(b';') | Some(b',') => {}
            Some(_) => l.notes.0 |= PacketNotes::NO_SEPARATOR_BEFORE_CP,
        }
        let mut flag_text = None;
        let mut pnum_text = None;
        let mut pno_text = None;
        let hb = header.as_bytes();
        let mut i = 0;
        while i < hb.len() {
            let start = i;
            i = find3(hb, i, b'=', b';', b',');
            let eq = if hb.get(i) == Some(&b'=') {
                let e = i;
                i = find2(hb, i, b';', b',');
                e
            } else {
                usize::MAX
            };
            if hb.get(i) == Some(&b',') {
                l.notes.0 |= PacketNotes::COMMA_IN_HEADER;
            }
            let tok = &header[start..i];
            i += 1;
            if eq == usize::MAX {
                if !tok.trim_ascii().is_empty() {
                    l.notes.0 |= PacketNotes::MALFORMED_HEADER_TOKEN;
                }
                continue;
            }
            let k = header[start..eq].trim_ascii();
            let v = tok[eq - start + 1..].trim_ascii();
            let slot = match k {
                "QN" => &mut l.qn,
                "ST" => &mut l.st,
                "CN" => &mut l.cn,
                "PW" => &mut l.pw,
                "MN" => &mut l.mn,
                "Flag" => &mut flag_text,
                "PNUM" => &mut pnum_text,
                "PNO" => &mut pno_text,
                _ => {
                    l.notes.0 |= PacketNotes::EXTRA_HEADER_KEY;
                    continue;
                }
            };
            if slot.is_some() {
                l.notes.0 |= PacketNotes::DUPLICATE_HEADER_KEY;
            } else {
                *slot = Some(Span::of(text, v));
            }
        }
        let st = l.st.map(|s| s.get(text)).unwrap_or("");
        if st.is_empty() {
            return Err(PacketError::MissingField("ST"));
        }
        let cn = l.cn.map(|s| s.get(text)).unwrap_or("");
        if cn.is_empty() {
            return Err(PacketError::MissingField("CN"));
        }
        if cn.len() != 4 || !cn.bytes().all(|c| c.is_ascii_digit()) {
            return Err(PacketError::BadField("CN"));
        }
        l.cn_code = cn.parse().map_err(|_| PacketError::BadField("CN"))?;
        let mn_empty = l.mn.is_none_or(|s| s.get(text).is_empty());
        if mn_empty && !cn.starts_with('9') {
            return Err(PacketError::MissingField("MN"));
        }
        if let Some(f) = flag_text {
            let f = f.get(text);
            let v = parse_u32(f)
                .filter(|v| *v <= 255)
                .ok_or(PacketError::BadField("Flag"))?;
            l.flag = Some(v as u8);
        } else {
            l.notes.0 |= PacketNotes::NO_FLAG;
        }
        if let Some(s) = pnum_text {
            l.pnum = Some(parse_u32(s.get(text)).ok_or(PacketError::BadField("PNUM"))?);
        }
        if let Some(s) = pno_text {
            l.pno = Some(parse_u32(s.get(text)).ok_or(PacketError::BadField("PNO"))?);
        }
        let split = l.flag.is_some_and(|f| PacketFlag(f).split());
        let numbered = l.pnum.is_some() || l.pno.is_some();
        if split && !numbered {
            l.notes.0 |= PacketNotes::SPLIT_WITHOUT_NUMBERS;
        }
        if numbered && !split {
            l.notes.0 |= PacketNotes::NUMBERS_WITHOUT_SPLIT_FLAG;
        }
        Ok(Packet { text, layout: l })
    }

    /// [`Packet::parse`] on bytes that must be UTF-8.
    ///
    /// # Errors
    ///
    /// [`PacketError::NotUtf8`], or as [`Packet::parse`].
    pub fn parse_bytes(data: &'a [u8]) -> Result<Packet<'a>, PacketError> {
        Packet::parse(std::str::from_utf8(data).map_err(|_| PacketError::NotUtf8)?)
    }

    /// The whole data segment.
    #[must_use]
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn get(&self, s: Option<Span>) -> Option<&'a str> {
        s.map(|s| s.get(self.text))
    }

    /// `QN` (请求编码), opaque (17 digits by the standard; 13, 14, 18 digits and empty occur).
    #[must_use]
    pub fn qn(&self) -> Option<&'a str> {
        self.get(self.layout.qn)
    }
    /// The time in a 17-digit QN, with milliseconds.
    #[must_use]
    pub fn qn_time(&self) -> Option<jiff::civil::DateTime> {
        self.qn().and_then(parse_qn)
    }
    /// `ST` (系统编码).
    #[must_use]
    pub fn st(&self) -> &'a str {
        self.get(self.layout.st).unwrap_or("")
    }
    /// `CN` (命令编码), 4 digits.
    #[must_use]
    pub fn cn(&self) -> &'a str {
        self.get(self.layout.cn).unwrap_or("")
    }
    /// `CN` as a number.
    #[must_use]
    pub fn cn_code(&self) -> u16 {
        self.layout.cn_code
    }
    /// `PW` (访问密码).
    #[must_use]
    pub fn pw(&self) -> Option<&'a str> {
        self.get(self.layout.pw)
    }
    /// `MN` (设备唯一标识), the device key. Absent only on 2005 interaction packets.
    #[must_use]
    pub fn mn(&self) -> Option<&'a str> {
        self.get(self.layout.mn).filter(|s| !s.is_empty())
    }
    /// `Flag`, if present.
    #[must_use]
    pub fn flag(&self) -> Option<PacketFlag> {
        self.layout.flag.map(PacketFlag)
    }
    /// Protocol version: `Flag >> 2`, or 2005 when Flag is absent.
    #[must_use]
    pub fn version(&self) -> Version {
        self.flag().map_or(Version::V2005, PacketFlag::version)
    }
    /// Flag's A bit: the sender wants an answer.
    #[must_use]
    pub fn ack_required(&self) -> bool {
        self.flag().is_some_and(PacketFlag::ack_required)
    }
    /// `PNUM` (总包数), whenever present (whatever the D bit says).
    #[must_use]
    pub fn pnum(&self) -> Option<u32> {
        self.layout.pnum
    }
    /// `PNO` (包号), whenever present.
    #[must_use]
    pub fn pno(&self) -> Option<u32> {
        self.layout.pno
    }
    /// Header deviations noted.
    #[must_use]
    pub fn notes(&self) -> PacketNotes {
        self.layout.notes
    }
    /// The header text (before `CP=`).
    #[must_use]
    pub fn header_text(&self) -> &'a str {
        self.layout.header.get(self.text)
    }
    /// All header `key=value` pairs in order, vendor keys included (e.g. a registration packet's
    /// `USCC`, `IMEI`).
    pub fn header_fields(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.header_text()
            .split([';', ','])
            .filter_map(split_kv)
            .filter(|(k, _)| !k.is_empty())
    }
    /// A header value by key (first occurrence), standard or vendor key.
    #[must_use]
    pub fn header(&self, key: &str) -> Option<&'a str> {
        self.header_fields()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
    /// The data area inside `CP=&&…&&`.
    #[must_use]
    pub fn data_area(&self) -> &'a str {
        self.layout.data_area.get(self.text)
    }
    /// All data-area fields in order.
    #[must_use]
    pub fn fields(&self) -> Fields<'a> {
        Fields::new(self.data_area())
    }
    /// Fields grouped by factor code, one [`Factor`] per run of consecutive fields.
    #[must_use]
    pub fn factors(&self) -> Factors<'a> {
        Factors {
            fields: self.fields(),
            st: self.st(),
            pending: None,
        }
    }
    /// All fields of one factor code merged (also when they are not consecutive).
    #[must_use]
    pub fn factor(&self, code: &str) -> Option<Factor<'a>> {
        let mut out: Option<Factor<'a>> = None;
        for f in self.factors().filter(|f| f.code == code) {
            match &mut out {
                None => out = Some(f),
                Some(o) => o.merge(&f),
            }
        }
        out
    }
    /// The first data-area value whose full name is `key` (`DataTime`, `QnRtn`, `a21026-Rtd` …).
    #[must_use]
    pub fn value(&self, key: &str) -> Option<Value<'a>> {
        self.fields().find(|f| f.key == key).map(|f| f.value)
    }
    /// `DataTime`, parsed (`None` when absent).
    #[must_use]
    pub fn data_time(&self) -> Option<Result<WireTime, TimeError>> {
        self.value("DataTime").map(|v| parse_data_time(v.as_str()))
    }
    /// An owned copy.
    #[must_use]
    pub fn to_owned_packet(&self) -> OwnedPacket {
        OwnedPacket {
            text: self.text.to_owned(),
            layout: self.layout,
        }
    }
}

impl fmt::Debug for Packet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Packet");
        d.field("qn", &self.qn())
            .field("st", &self.st())
            .field("cn", &self.cn())
            .field("pw", &self.pw())
            .field("mn", &self.mn())
            .field("flag", &self.layout.flag)
            .field("version", &self.version());
        if self.pnum().is_some() || self.pno().is_some() {
            d.field("pnum", &self.pnum()).field("pno", &self.pno());
        }
        if !self.notes().is_empty() {
            d.field("notes", &self.notes());
        }
        d.field("data_area", &self.data_area()).finish()
    }
}

/// An owned [`Packet`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OwnedPacket {
    text: String,
    layout: Layout,
}

impl OwnedPacket {
    /// Borrow as a [`Packet`].
    #[must_use]
    pub fn as_packet(&self) -> Packet<'_> {
        Packet {
            text: &self.text,
            layout: self.layout,
        }
    }
}

impl fmt::Debug for OwnedPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_packet().fmt(f)
    }
}

/// The standard field suffixes (HJ 212-2017 Table 4, plus 2005 extras).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    /// `-Rtd` 污染物实时采样数据 (real-time value).
    Rtd,
    /// `-Min` 指定时间内最小值.
    Min,
    /// `-Avg` 指定时间内平均值.
    Avg,
    /// `-Max` 指定时间内最大值.
    Max,
    /// `-Cou` 指定时间内累计值 (emission amount or flow volume).
    Cou,
    /// `-ZsRtd` 折算实时值 (converted to reference O2).
    ZsRtd,
    /// `-ZsMin` 折算最小值.
    ZsMin,
    /// `-ZsAvg` 折算平均值.
    ZsAvg,
    /// `-ZsMax` 折算最大值.
    ZsMax,
    /// `-Flag` 监测仪器数据标记 (data flag).
    Flag,
    /// `-EFlag` 监测仪器扩充数据标记 (extended flag).
    EFlag,
    /// `-SampleTime` 污染物采样时间.
    SampleTime,
    /// `-Data` 噪声时间段数据.
    Data,
    /// `-DayData` 噪声昼间数据.
    DayData,
    /// `-NightData` 噪声夜间数据.
    NightData,
    /// `-Info` 现场端信息.
    Info,
    /// `-SN` 在线监控仪器仪表编码.
    Sn,
    /// `-RS` 污染治理设施运行状态.
    Rs,
    /// `-RT` 污染治理设施一日内运行时间.
    Rt,
    /// `-Ala` (2005) 报警期间内采样值.
    Ala,
    /// `-UpValue` (2005) 报警上限.
    UpValue,
    /// `-LowValue` (2005) 报警下限.
    LowValue,
}

impl Suffix {
    /// Recognise a suffix (case-sensitive, as the standard says).
    #[must_use]
    pub fn from_name(s: &str) -> Option<Suffix> {
        Some(match s {
            "Rtd" => Suffix::Rtd,
            "Min" => Suffix::Min,
            "Avg" => Suffix::Avg,
            "Max" => Suffix::Max,
            "Cou" => Suffix::Cou,
            "ZsRtd" => Suffix::ZsRtd,
            "ZsMin" => Suffix::ZsMin,
            "ZsAvg" => Suffix::ZsAvg,
            "ZsMax" => Suffix::ZsMax,
            "Flag" => Suffix::Flag,
            "EFlag" => Suffix::EFlag,
            "SampleTime" => Suffix::SampleTime,
            "Data" => Suffix::Data,
            "DayData" => Suffix::DayData,
            "NightData" => Suffix::NightData,
            "Info" => Suffix::Info,
            "SN" => Suffix::Sn,
            "RS" => Suffix::Rs,
            "RT" => Suffix::Rt,
            "Ala" => Suffix::Ala,
            "UpValue" => Suffix::UpValue,
            "LowValue" => Suffix::LowValue,
            _ => return None,
        })
    }

    /// The suffix as written.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Suffix::Rtd => "Rtd",
            Suffix::Min => "Min",
            Suffix::Avg => "Avg",
            Suffix::Max => "Max",
            Suffix::Cou => "Cou",
            Suffix::ZsRtd => "ZsRtd",
            Suffix::ZsMin => "ZsMin",
            Suffix::ZsAvg => "ZsAvg",
            Suffix::ZsMax => "ZsMax",
            Suffix::Flag => "Flag",
            Suffix::EFlag => "EFlag",
            Suffix::SampleTime => "SampleTime",
            Suffix::Data => "Data",
            Suffix::DayData => "DayData",
            Suffix::NightData => "NightData",
            Suffix::Info => "Info",
            Suffix::Sn => "SN",
            Suffix::Rs => "RS",
            Suffix::Rt => "RT",
            Suffix::Ala => "Ala",
            Suffix::UpValue => "UpValue",
            Suffix::LowValue => "LowValue",
        }
    }
}

/// Something odd about one data-area token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldIssue {
    /// The token has no `=` (its text is the key; the value is empty).
    NoEquals,
    /// The suffix contains another `-` (`LA-Rtd-Rtd`).
    MalformedSuffix,
    /// `//` opened an information text that is never closed.
    UnterminatedInfo,
    /// Text between the closing `//` of an information text and the next separator.
    TextAfterInfo,
}

/// One `name=value` of the data area.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field<'a> {
    /// The full name as sent (trimmed): `DataTime`, `a21026-Rtd`.
    pub key: &'a str,
    /// The factor / device / info code before the first `-`; `None` for plain keys.
    pub code: Option<&'a str>,
    /// The suffix after the first `-`, or the whole key for plain keys.
    pub name: &'a str,
    /// The value (trimmed; `//…//` included for information texts).
    pub value: Value<'a>,
    /// Oddity, if any.
    pub issue: Option<FieldIssue>,
}

impl<'a> Field<'a> {
    /// The standard suffix, for code fields.
    #[must_use]
    pub fn suffix(&self) -> Option<Suffix> {
        self.code.and(Suffix::from_name(self.name))
    }

    /// For `-Info=//text//`: the text between the slashes.
    #[must_use]
    pub fn info_text(&self) -> Option<&'a str> {
        let v = self.value.as_str();
        v.strip_prefix("//")
            .map(|t| t.strip_suffix("//").unwrap_or(t))
    }
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}", self.key, self.value.as_str())?;
        if let Some(i) = self.issue {
            write!(f, " ({i:?})")?;
        }
        Ok(())
    }
}

/// Iterator over the data-area fields (no allocation).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    data: &'a str,
    pos: usize,
}

impl<'a> Fields<'a> {
    /// Tokenise a data area (the text inside `CP=&&…&&`).
    #[must_use]
    pub fn new(data_area: &'a str) -> Self {
        Fields {
            data: data_area,
            pos: 0,
        }
    }

    /// Byte offset reached in the data area.
    fn offset(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        let s = self.data;
        let b = s.as_bytes();
        let n = b.len();
        let mut i = self.pos;
        while i < n && matches!(b[i], b';' | b',' | b' ') {
            i += 1;
        }
        if i >= n {
            self.pos = n;
            return None;
        }
        let start = i;
        i = find3(b, i, b'=', b';', b',');
        let mut issue = None;
        let key = s[start..i].trim_ascii_end();
        let value = if b.get(i) == Some(&b'=') {
            i += 1;
            while i < n && b[i] == b' ' {
                i += 1;
            }
            let vstart = i;
            if b.get(i) == Some(&b'/') && b.get(i + 1) == Some(&b'/') {
                match memchr::memmem::find(&b[i + 2..], b"//") {
                    Some(j) => {
                        let vend = i + 2 + j + 2;
                        i = find2(b, vend, b';', b',');
                        if !s[vend..i].trim_ascii().is_empty() {
                            issue = Some(FieldIssue::TextAfterInfo);
                        }
                        &s[vstart..vend]
                    }
                    None => {
                        issue = Some(FieldIssue::UnterminatedInfo);
                        i = find2(b, i, b';', b',');
                        s[vstart..i].trim_ascii_end()
                    }
                }
            } else {
                i = find2(b, i, b';', b',');
                s[vstart..i].trim_ascii_end()
            }
        } else {
            issue = Some(FieldIssue::NoEquals);
            ""
        };
        self.pos = i;
        let kb = key.as_bytes();
        let (code, name) = match kb.iter().position(|&c| c == b'-') {
            Some(d) => {
                // A byte loop: suffixes are a few bytes, shorter than a memchr call is worth.
                let mut second_dash = false;
                for &c in &kb[d + 1..] {
                    if c == b'-' {
                        second_dash = true;
                        break;
                    }
                }
                if issue.is_none() && second_dash {
                    issue = Some(FieldIssue::MalformedSuffix);
                }
                (Some(&key[..d]), &key[d + 1..])
            }
            None => (None, key),
        };
        Some(Field {
            key,
            code,
            name,
            value: Value::new(value),
            issue,
        })
    }
}

/// The fields of one factor code (监测因子), from one run of consecutive fields.
///
/// The standard suffixes have slots (first occurrence wins; later duplicates are counted in
/// [`Factor::duplicates`] and still listed by [`Factor::fields`]); other suffixes are listed by
/// [`Factor::extras`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Factor<'a> {
    /// The code as sent (`a21026`, 2005 `02`, vendor codes).
    pub code: &'a str,
    /// `-Rtd`.
    pub rtd: Option<Value<'a>>,
    /// `-Min`.
    pub min: Option<Value<'a>>,
    /// `-Avg`.
    pub avg: Option<Value<'a>>,
    /// `-Max`.
    pub max: Option<Value<'a>>,
    /// `-Cou`.
    pub cou: Option<Value<'a>>,
    /// `-ZsRtd`.
    pub zs_rtd: Option<Value<'a>>,
    /// `-ZsMin`.
    pub zs_min: Option<Value<'a>>,
    /// `-ZsAvg`.
    pub zs_avg: Option<Value<'a>>,
    /// `-ZsMax`.
    pub zs_max: Option<Value<'a>>,
    /// `-Flag` (or a bare `Flag` right after the factor, see [`Factor::bare_flag`]).
    pub flag: Option<Value<'a>>,
    /// `-EFlag`.
    pub eflag: Option<Value<'a>>,
    /// `-SampleTime`.
    pub sample_time: Option<Value<'a>>,
    /// `-Data` (noise).
    pub data: Option<Value<'a>>,
    /// `-DayData` (noise).
    pub day_data: Option<Value<'a>>,
    /// `-NightData` (noise).
    pub night_data: Option<Value<'a>>,
    /// `-Info`.
    pub info: Option<Value<'a>>,
    /// `-SN`.
    pub sn: Option<Value<'a>>,
    /// `-RS`.
    pub rs: Option<Value<'a>>,
    /// `-RT`.
    pub rt: Option<Value<'a>>,
    /// `-Ala` (2005).
    pub ala: Option<Value<'a>>,
    /// `-UpValue` (2005).
    pub up_value: Option<Value<'a>>,
    /// `-LowValue` (2005).
    pub low_value: Option<Value<'a>>,
    /// The flag came from a bare `Flag=…` after the factor's fields.
    pub bare_flag: bool,
    /// Standard suffixes seen more than once.
    pub duplicates: u16,
    /// Fields with a non-standard suffix.
    pub extra_count: u16,
    st: &'a str,
    runs: [(u32, u32); 2],
    area: &'a str,
}

impl<'a> Factor<'a> {
    fn slot(&mut self, s: Suffix) -> &mut Option<Value<'a>> {
        match s {
            Suffix::Rtd => &mut self.rtd,
            Suffix::Min => &mut self.min,
            Suffix::Avg => &mut self.avg,
            Suffix::Max => &mut self.max,
            Suffix::Cou => &mut self.cou,
            Suffix::ZsRtd => &mut self.zs_rtd,
            Suffix::ZsMin => &mut self.zs_min,
            Suffix::ZsAvg => &mut self.zs_avg,
            Suffix::ZsMax => &mut self.zs_max,
            Suffix::Flag => &mut self.flag,
            Suffix::EFlag => &mut self.eflag,
            Suffix::SampleTime => &mut self.sample_time,
            Suffix::Data => &mut self.data,
            Suffix::DayData => &mut self.day_data,
            Suffix::NightData => &mut self.night_data,
            Suffix::Info => &mut self.info,
            Suffix::Sn => &mut self.sn,
            Suffix::Rs => &mut self.rs,
            Suffix::Rt => &mut self.rt,
            Suffix::Ala => &mut self.ala,
            Suffix::UpValue => &mut self.up_value,
            Suffix::LowValue => &mut self.low_value,
        }
    }

    fn add(&mut self, f: &Field<'a>) {
        match Suffix::from_name(f.name) {
            Some(s) => {
                let slot = self.slot(s);
                if slot.is_none() {
                    *slot = Some(f.value);
                } else {
                    self.duplicates += 1;
                }
            }
            None => self.extra_count += 1,
        }
    }

    /// The value of a standard suffix.
    #[must_use]
    pub fn get(&self, s: Suffix) -> Option<Value<'a>> {
        match s {
            Suffix::Rtd => self.rtd,
            Suffix::Min => self.min,
            Suffix::Avg => self.avg,
            Suffix::Max => self.max,
            Suffix::Cou => self.cou,
            Suffix::ZsRtd => self.zs_rtd,
            Suffix::ZsMin => self.zs_min,
            Suffix::ZsAvg => self.zs_avg,
            Suffix::ZsMax => self.zs_max,
            Suffix::Flag => self.flag,
            Suffix::EFlag => self.eflag,
            Suffix::SampleTime => self.sample_time,
            Suffix::Data => self.data,
            Suffix::DayData => self.day_data,
            Suffix::NightData => self.night_data,
            Suffix::Info => self.info,
            Suffix::Sn => self.sn,
            Suffix::Rs => self.rs,
            Suffix::Rt => self.rt,
            Suffix::Ala => self.ala,
            Suffix::UpValue => self.up_value,
            Suffix::LowValue => self.low_value,
        }
    }

    fn merge(&mut self, other: &Factor<'a>) {
        for s in ALL_SUFFIXES {
            let v = other.get(s);
            let slot = self.slot(s);
            match (slot.is_some(), v) {
                (false, Some(v)) => *slot = Some(v),
                (true, Some(_)) => self.duplicates += 1,
                _ => {}
            }
        }
        self.duplicates += other.duplicates;
        self.extra_count += other.extra_count;
        self.bare_flag |= other.bare_flag && self.flag == other.flag;
        // Fields of later runs: one span from the second run's start to the last run's end
        // (`fields()` filters it by code).
        let (start, mut end) = other.runs[0];
        if other.runs[1] != (0, 0) {
            end = end.max(other.runs[1].1);
        }
        self.runs[1] = if self.runs[1] == (0, 0) {
            (start, end)
        } else {
            (self.runs[1].0.min(start), self.runs[1].1.max(end))
        };
    }

    /// The data flag read from [`Factor::flag`] (ST-aware for 2005 ambient digits).
    #[must_use]
    pub fn data_flag(&self) -> Option<DataFlag> {
        self.flag
            .map(|v| DataFlag::parse(v.as_str(), Some(self.st)))
    }

    /// Whether to use the values: by the flag; [`Validity::Valid`] when there is no flag (2005
    /// devices often omit it — check [`Factor::flag`] if that matters).
    #[must_use]
    pub fn validity(&self) -> Validity {
        self.data_flag().map_or(Validity::Valid, DataFlag::validity)
    }

    /// Every field of this factor, duplicates and extras included (and a bare flag).
    pub fn fields(&self) -> impl Iterator<Item = Field<'a>> + '_ {
        let area = self.area;
        let code = self.code;
        let bare = self.bare_flag;
        self.runs
            .into_iter()
            .filter(|r| *r != (0, 0))
            .flat_map(move |(a, b)| Fields::new(area.get(a as usize..b as usize).unwrap_or("")))
            .filter(move |f| f.code == Some(code) || (bare && f.code.is_none() && f.name == "Flag"))
    }

    /// Fields with a suffix outside the standard table (`-ValidNum`, `-Ori`, typos like `-td`).
    pub fn extras(&self) -> impl Iterator<Item = Field<'a>> + '_ {
        self.fields()
            .filter(|f| f.code.is_some() && Suffix::from_name(f.name).is_none())
    }
}

const ALL_SUFFIXES: [Suffix; 22] = [
    Suffix::Rtd,
    Suffix::Min,
    Suffix::Avg,
    Suffix::Max,
    Suffix::Cou,
    Suffix::ZsRtd,
    Suffix::ZsMin,
    Suffix::ZsAvg,
    Suffix::ZsMax,
    Suffix::Flag,
    Suffix::EFlag,
    Suffix::SampleTime,
    Suffix::Data,
    Suffix::DayData,
    Suffix::NightData,
    Suffix::Info,
    Suffix::Sn,
    Suffix::Rs,
    Suffix::Rt,
    Suffix::Ala,
    Suffix::UpValue,
    Suffix::LowValue,
];

impl fmt::Debug for Factor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {{", self.code)?;
        let mut first = true;
        for s in ALL_SUFFIXES {
            if let Some(v) = self.get(s) {
                write!(f, "{}{}: {:?}", if first { " " } else { ", " }, s.name(), v)?;
                first = false;
            }
        }
        for e in self.extras() {
            write!(
                f,
                "{}{}: {:?}",
                if first { " " } else { ", " },
                e.name,
                e.value
            )?;
            first = false;
        }
        if self.bare_flag {
            f.write_str(", bare_flag")?;
        }
        if self.duplicates > 0 {
            write!(f, ", duplicates: {}", self.duplicates)?;
        }
        f.write_str(" }")
    }
}

/// Iterator over [`Factor`]s (no allocation).
#[derive(Debug, Clone)]
pub struct Factors<'a> {
    fields: Fields<'a>,
    st: &'a str,
    /// A field read ahead (with its start and end offsets) that belongs to the next factor.
    pending: Option<(Field<'a>, usize, usize)>,
}

impl<'a> Factors<'a> {
    fn pull(&mut self) -> Option<(Field<'a>, usize, usize)> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        let before = self.fields.offset();
        let f = self.fields.next()?;
        Some((f, before, self.fields.offset()))
    }
}

impl<'a> Iterator for Factors<'a> {
    type Item = Factor<'a>;

    fn next(&mut self) -> Option<Factor<'a>> {
        let (first, run_start, mut run_end) = loop {
            let (f, start, end) = self.pull()?;
            if f.code.is_some() {
                break (f, start, end);
            }
        };
        let code = first.code.unwrap_or("");
        let mut fac = Factor {
            code,
            st: self.st,
            area: self.fields.data,
            ..Factor::default()
        };
        fac.add(&first);
        while let Some((f, start, end)) = self.pull() {
            if f.code == Some(code) {
                fac.add(&f);
            } else if f.code.is_none() && f.name == "Flag" && fac.flag.is_none() {
                fac.flag = Some(f.value);
                fac.bare_flag = true;
            } else {
                self.pending = Some((f, start, end));
                break;
            }
            run_end = end;
        }
        fac.runs[0] = (run_start as u32, run_end as u32);
        Some(fac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_variants() {
        let p =
            Packet::parse("QN=20160801085857534,ST=32;CN=2051;MN=X;PW=1; Flag = 5CP=&&&&").unwrap();
        assert_eq!(p.qn(), Some("20160801085857534"));
        assert_eq!(p.st(), "32");
        assert_eq!(p.flag(), Some(PacketFlag(5)));
        assert!(p.notes().comma_in_header());
        assert!(p.notes().no_separator_before_cp());
        assert_eq!(p.data_area(), "");
    }

    #[test]
    fn structure_errors() {
        assert_eq!(
            Packet::parse("ST=32;CN=2011;MN=X"),
            Err(PacketError::MissingCp)
        );
        assert_eq!(
            Packet::parse("ST=32;CN=2011;MN=X;CP=&&a=1;Flag=N65C0"),
            Err(PacketError::UnterminatedCp)
        );
        assert_eq!(
            Packet::parse("ST=32;CN=2011;MN=X;CP=&&"),
            Err(PacketError::UnterminatedCp)
        );
        assert_eq!(
            Packet::parse("CN=2011;MN=X;CP=&&&&"),
            Err(PacketError::MissingField("ST"))
        );
        assert_eq!(
            Packet::parse("ST=1;MN=X;CP=&&&&"),
            Err(PacketError::MissingField("CN"))
        );
        assert_eq!(
            Packet::parse("ST=1;CN=2011;CP=&&&&"),
            Err(PacketError::MissingField("MN"))
        );
        assert!(Packet::parse("ST=91;CN=9014;CP=&&QN=1;CN=2051&&").is_ok());
        assert_eq!(
            Packet::parse("ST=1;CN=2011;MN=X;Flag=256;CP=&&&&"),
            Err(PacketError::BadField("Flag"))
        );
        assert_eq!(
            Packet::parse("ST=1;CN=20;MN=X;CP=&&&&"),
            Err(PacketError::BadField("CN"))
        );
    }

    #[test]
    fn info_text_with_separators() {
        let p = Packet::parse("ST=32;CN=3020;MN=X;CP=&&DataTime=20160801085857;PolId=w01018;i11001-Info=//a;b,c=d//;i12001-Info=0&&").unwrap();
        let f: Vec<_> = p.fields().collect();
        assert_eq!(f.len(), 4);
        assert_eq!(f[2].info_text(), Some("a;b,c=d"));
        assert_eq!(f[3].value.as_str(), "0");
    }

    #[test]
    fn factors_group_and_bare_flag() {
        let p =
            Packet::parse("ST=39;CN=2011;MN=X;CP=&&DataTime=20250131202809;a34001-Rtd=92;Flag=N&&")
                .unwrap();
        let f: Vec<_> = p.factors().collect();
        assert_eq!(f.len(), 1);
        assert!(f[0].bare_flag);
        assert_eq!(f[0].data_flag(), Some(DataFlag::Normal));
        assert_eq!(f[0].fields().count(), 2);
    }

    #[test]
    fn merge_non_consecutive_and_duplicates() {
        let p = Packet::parse("ST=32;CN=2011;MN=X;CP=&&e01001-Rtd=1.1;e01001-Rtd=2.2;a-Rtd=1;e01001-Flag=N;e01001-X=1&&").unwrap();
        let f = p.factor("e01001").unwrap();
        assert_eq!(f.rtd.unwrap().as_str(), "1.1");
        assert_eq!(f.duplicates, 1);
        assert_eq!(f.flag.unwrap().as_str(), "N");
        assert_eq!(f.fields().count(), 4);
        assert_eq!(f.extras().count(), 1);
    }

    #[test]
    fn odd_tokens() {
        let p = Packet::parse("ST=32;CN=2011;MN=X;CP=&& PolId=a ; i12003-Info =0;VaseNo=1 ;LA-Rtd-Rtd=71.0;FOO;a21026-Rtd=;&&").unwrap();
        let f: Vec<_> = p.fields().collect();
        assert_eq!(f[0].key, "PolId");
        assert_eq!(f[0].value.as_str(), "a");
        assert_eq!(f[1].key, "i12003-Info");
        assert_eq!(f[2].value.as_str(), "1");
        assert_eq!(f[3].issue, Some(FieldIssue::MalformedSuffix));
        assert_eq!((f[3].code, f[3].name), (Some("LA"), "Rtd-Rtd"));
        assert_eq!(f[4].issue, Some(FieldIssue::NoEquals));
        assert!(f[5].value.is_empty());
        assert_eq!(f.len(), 6);
    }
}
