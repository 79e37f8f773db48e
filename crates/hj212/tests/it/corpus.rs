//! The shared corpus: every valid message parses and re-encodes, every invalid one is rejected
//! for the right reason, the whole 12,255-message corpus is summarised.

use std::collections::BTreeMap;

use lantian_hj212::{
    CrcPolicy, CrcVariant, FrameErrorKind, FramerConfig, Packet, PacketBuilder, Trailer,
    encode::encode_frame, parse_frame, parse_frame_with,
};

use crate::data;

/// Frame and packet verdict for one wire message: `Ok(cn)` or `Err(reason)`.
fn classify(wire: &[u8], cfg: &FramerConfig) -> Result<String, String> {
    let frame = parse_frame_with(wire, cfg).map_err(|e| e.kind().name().to_owned())?;
    let text = frame.text();
    let p = Packet::parse(&text).map_err(|e| format!("packet:{}", e.name()))?;
    Ok(p.cn().to_owned())
}

#[test]
fn every_valid_message_parses_checks_and_re_encodes() {
    let lines = data::lines("hj212_valid.txt");
    assert_eq!(lines.len(), 205, "hj212_valid.txt has 205 messages");
    let (mut exact, mut case_only, mut rebuilt) = (0, 0, 0);
    for line in &lines {
        let shown = String::from_utf8_lossy(line);
        let f = parse_frame(line).unwrap_or_else(|e| panic!("{e}: {shown}"));
        assert_eq!(f.crc_variant(), CrcVariant::Standard);
        assert_eq!(f.trailer(), Trailer::CrLf);
        assert_eq!(lantian_hj212::crc::crc16(f.data()), f.crc(), "{shown}");
        let text = f.text();
        let p = Packet::parse(&text).unwrap_or_else(|e| panic!("{e}: {shown}"));
        // Every field tokenises, every factor groups.
        assert!(p.fields().count() > 0 || p.data_area().is_empty());
        let _ = p.factors().count();
        let again = encode_frame(f.data()).unwrap();
        if f.is_canonical() {
            assert_eq!(&again, line, "{shown}");
            exact += 1;
        } else {
            // Only the CRC's letter case differs (lower case in the input).
            assert!(f.crc_lower_case(), "{shown}");
            assert!(again.eq_ignore_ascii_case(line), "{shown}");
            case_only += 1;
        }
        // Rebuilt from the parsed header in Table 3 order and the data area.
        let mut b = PacketBuilder::new(p.cn_code()).st(p.st());
        if let Some(v) = p.qn() {
            b = b.qn(v);
        }
        if let Some(v) = p.pw() {
            b = b.pw(v);
        }
        if let Some(v) = p.mn() {
            b = b.mn(v);
        }
        if let Some(v) = p.flag() {
            b = b.flag(v);
        }
        if let (Some(n), Some(o)) = (p.header("PNUM"), p.header("PNO")) {
            b = b.pnum_pno(n.parse().unwrap(), o.parse().unwrap());
        }
        let seg = b.raw_data_area(p.data_area()).data_segment().unwrap();
        if seg.as_bytes() == f.data() {
            rebuilt += 1;
        }
    }
    assert_eq!(exact + case_only, 205);
    assert_eq!(
        case_only,
        lines
            .iter()
            .filter(|l| parse_frame(l).unwrap().crc_lower_case())
            .count()
    );
    // Headers in another order (MN before PW, PNO before PNUM) cannot be rebuilt byte for byte.
    assert!(rebuilt >= 200, "rebuilt {rebuilt} of 205");
}

/// The reason each line of hj212_invalid.txt must be rejected for (data README: hand-edited
/// fixtures, a truncated/corrupted log line, a line with one byte too many, a line missing its
/// `&&`, real packets with a MODBUS-swapped CRC).
fn expected_invalid() -> Vec<(&'static str, FrameErrorKind)> {
    use FrameErrorKind::*;
    let crc = |declared, computed| CrcMismatch { declared, computed };
    vec![
        ("##0136ST=32", crc(0x4980, 0x3C00)),
        ("##0275QN=20190901181526940", crc(0x1100, 0x2D00)),
        ("##0213QN=20191012133710130", crc(0xF9C1, 0x7340)),
        ("##0204QN=20191112091100598", crc(0x2800, 0xD801)),
        (
            "##0121QN=20250131202809340",
            LengthMismatch {
                declared: 121,
                actual: 119,
            },
        ),
        (
            "##0215QN=202411123203230940",
            LengthMismatch {
                declared: 215,
                actual: 202,
            },
        ),
        ("##0868ST=31", crc(0xA6EC, 0x0440)),
        (
            "##1025ST=31",
            LengthTooLarge {
                declared: 1025,
                max: 1024,
            },
        ),
        (
            "##1623QN=20200924101500117",
            LengthTooLarge {
                declared: 1623,
                max: 1024,
            },
        ),
        (
            "##0596QN=20210320163106355",
            LengthMismatch {
                declared: 596,
                actual: 496,
            },
        ),
        (
            "##0175QN=20241203172603223",
            LengthMismatch {
                declared: 175,
                actual: 176,
            },
        ),
    ]
}

#[test]
fn every_invalid_message_is_rejected_for_its_reason() {
    let lines = data::lines("hj212_invalid.txt");
    let expected = expected_invalid();
    assert_eq!(lines.len(), expected.len());
    for (line, (prefix, kind)) in lines.iter().zip(&expected) {
        assert!(line.starts_with(prefix.as_bytes()), "{prefix}");
        let e = parse_frame(line).unwrap_err();
        assert_eq!(e.kind(), kind, "{prefix}");
    }
    // Lengths up to 9999 allowed: the two long ones are CRC failures.
    let long = FramerConfig::default().with_max_data_len(9999);
    for line in &lines[7..9] {
        assert!(matches!(
            parse_frame_with(line, &long).unwrap_err().kind(),
            FrameErrorKind::CrcMismatch { .. }
        ));
    }
    // The three real rx.log packets carry CRC-16/MODBUS low byte first: accepted only when
    // configured for that device.
    let swapped = long
        .clone()
        .with_crc(CrcPolicy::STANDARD.with(CrcVariant::ModbusSwapped));
    for line in [&lines[6], &lines[7], &lines[8]] {
        let f = parse_frame_with(line, &swapped).unwrap();
        assert_eq!(f.crc_variant(), CrcVariant::ModbusSwapped);
        assert!(Packet::parse(&f.text()).is_ok());
    }
    // With every leniency but the CRC, the frame + packet pipeline still rejects all 11: the
    // line without `&&` frames after length recovery but is not a packet.
    let lenient = FramerConfig::lenient();
    let verdicts: Vec<_> = lines.iter().map(|l| classify(l, &lenient)).collect();
    assert!(verdicts.iter().all(Result::is_err), "{verdicts:?}");
    assert_eq!(verdicts[4], Err("packet:unterminated_cp".to_owned()));
}

#[test]
fn curated_set_agrees_with_its_columns() {
    let rows = data::tsv("hj212_curated.tsv");
    assert_eq!(rows.len(), 216);
    let mut ok = 0;
    for r in &rows {
        let mut wire = data::col(r, "message").as_bytes().to_vec();
        wire.extend_from_slice(b"\r\n");
        let good = data::col(r, "len_ok") == "1" && data::col(r, "crc_ok") == "1";
        let got = classify(&wire, &FramerConfig::default());
        assert_eq!(got.is_ok(), good, "{} {got:?}", data::col(r, "id"));
        if let Ok(cn) = got {
            assert_eq!(cn, data::col(r, "cn"));
            ok += 1;
        }
    }
    assert_eq!(ok, 205);
}

/// Parsed / rejected-by-reason counts of the whole corpus (the data README: 12,244 of 12,255
/// verify; the 11 others are hj212_invalid.txt).
pub(crate) fn summary(cfg: &FramerConfig) -> BTreeMap<String, usize> {
    let rows = data::tsv("hj212_messages_all.tsv.gz");
    assert_eq!(rows.len(), 12_255);
    let mut out = BTreeMap::new();
    for r in &rows {
        let mut wire = data::col(r, "message").as_bytes().to_vec();
        wire.extend_from_slice(b"\r\n");
        let key = match classify(&wire, cfg) {
            Ok(_) => "parsed".to_owned(),
            Err(reason) => format!("rejected:{reason}"),
        };
        *out.entry(key).or_insert(0) += 1;
        let good = data::col(r, "len_ok") == "1" && data::col(r, "crc_ok") == "1";
        assert_eq!(classify(&wire, cfg).is_ok(), good, "{}", data::col(r, "id"));
    }
    out
}

#[test]
fn whole_corpus_summary() {
    let s = summary(&FramerConfig::default());
    let expect: BTreeMap<String, usize> = [
        ("parsed", 12_244),
        ("rejected:crc_mismatch", 5),
        ("rejected:length_mismatch", 4),
        ("rejected:length_too_large", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(s, expect);
}
