//! Property tests: encode → decode round trips; nothing panics on any input; chunking never
//! changes what the framer yields.

use lantian_hj212::{
    Decimal, Framer, FramerConfig, Packet, PacketBuilder, PacketFlag, encode, parse_frame,
    parse_frame_with,
};
use proptest::prelude::*;

use crate::chunks::run;

fn code_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][0-9a-z]{1,6}-(Rtd|Min|Avg|Max|Cou|Flag|ZsRtd|EFlag|SampleTime|ValidNum)",
        "[A-Z][a-zA-Z]{1,11}",
        "[0-9]{2,3}-(Rtd|Flag)",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn build_encode_frame_parse_round_trip(
        qn in proptest::option::of("[0-9]{0,18}"),
        st in "[0-9A-Z]{1,3}",
        cn in 0u16..=9999,
        pw in proptest::option::of("[0-9A-Za-z]{0,24}"),
        mn in "[0-9A-Za-z_-]{1,32}",
        flag in proptest::option::of(any::<u8>()),
        split in proptest::option::of((1u16..=9999, 1u16..=9999)),
        items in proptest::collection::vec((code_key(), "[-+0-9.A-Za-z]{0,14}", any::<bool>()), 0..40),
    ) {
        let mut b = PacketBuilder::new(cn).st(&st).mn(&mn);
        if let Some(q) = &qn { b = b.qn(q); }
        if let Some(p) = &pw { b = b.pw(p); }
        if let Some(f) = flag { b = b.flag(PacketFlag::new(f)); }
        if let Some((n, o)) = split { b = b.pnum_pno(n, o); }
        for (k, v, comma) in &items {
            b = if *comma { b.value(k, v) } else { b.item(k, v) };
        }
        let wire = b.encode().unwrap();
        let frame = parse_frame(&wire).unwrap();
        prop_assert!(frame.is_canonical());
        prop_assert_eq!(encode::encode_frame(frame.data()).unwrap(), wire.clone());
        let text = frame.text();
        let p = Packet::parse(&text).unwrap();
        prop_assert_eq!(p.qn(), qn.as_deref());
        prop_assert_eq!(p.st(), st.as_str());
        prop_assert_eq!(p.cn_code(), cn);
        prop_assert_eq!(p.pw(), pw.as_deref());
        prop_assert_eq!(p.mn(), Some(mn.as_str()));
        prop_assert_eq!(p.flag(), flag.map(PacketFlag::new));
        prop_assert_eq!(p.pnum(), split.map(|s| u32::from(s.0)));
        prop_assert_eq!(p.pno(), split.map(|s| u32::from(s.1)));
        let got: Vec<(String, String)> = p.fields().map(|f| (f.key.to_owned(), f.value.as_str().to_owned())).collect();
        let want: Vec<(String, String)> = items.iter().map(|(k, v, _)| (k.clone(), v.clone())).collect();
        prop_assert_eq!(got, want);
        // Every field lands in exactly one factor or is a plain key.
        let in_factors: usize = p.factors().map(|f| f.fields().count()).sum();
        let coded = p.fields().filter(|f| f.code.is_some()).count();
        prop_assert!(in_factors >= coded);
    }

    #[test]
    fn decimal_display_parse_round_trip(m in -999_999_999_999_999_999i64..=999_999_999_999_999_999, s in 0u8..=18) {
        let d = Decimal::new(m, s).unwrap();
        let back: Decimal = d.to_string().parse().unwrap();
        prop_assert_eq!(back.mantissa(), m);
        prop_assert_eq!(back.scale(), s);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_frame(&bytes);
        let _ = parse_frame_with(&bytes, &FramerConfig::lenient());
        if let Ok(p) = Packet::parse_bytes(&bytes) {
            exercise(&p);
        }
        let s = String::from_utf8_lossy(&bytes);
        if let Ok(p) = Packet::parse(&s) {
            exercise(&p);
        }
        let mut f = Framer::default();
        f.push(&bytes);
        while f.next_frame().is_some() {}
        f.finish();
        while f.next_frame().is_some() {}
    }

    #[test]
    fn structured_garbage_never_panics(parts in proptest::collection::vec(prop_oneof![
        Just("##".to_owned()), Just("#".to_owned()), "[0-9]{1,4}", Just("CP=&&".to_owned()),
        Just("&&".to_owned()), Just(";".to_owned()), Just(",".to_owned()), Just("=".to_owned()),
        Just("-".to_owned()), Just("//".to_owned()), Just("\r\n".to_owned()), "[A-F0-9]{4}",
        Just("QN=".to_owned()), Just("ST=32;".to_owned()), Just("CN=2011;".to_owned()),
        Just("MN=X;".to_owned()), Just("Flag=".to_owned()), Just("PNUM=".to_owned()),
        Just("a21026-Rtd=".to_owned()), Just("Flag=N".to_owned()), "[ -~]{0,6}",
    ], 0..60)) {
        let s = parts.concat();
        if let Ok(p) = Packet::parse(&s) {
            exercise(&p);
        }
        let framed = encode::encode_frame(s.as_bytes());
        if let Ok(w) = framed {
            let f = parse_frame(&w).unwrap();
            if let Ok(p) = Packet::parse(&f.text()) {
                exercise(&p);
            }
        }
        let _ = run(s.as_bytes(), &[3, 1, 7], &FramerConfig::lenient());
    }

    #[test]
    fn chunking_never_changes_the_items(
        bytes in proptest::collection::vec(prop_oneof![Just(b'#'), Just(b'0'), Just(b'\r'), Just(b'\n'), any::<u8>()], 0..400),
        frames in proptest::collection::vec(0usize..4, 0..4),
        sizes in proptest::collection::vec(1usize..50, 1..10),
    ) {
        // Valid frames spliced into noise.
        let mut stream = bytes.clone();
        for (i, k) in frames.iter().enumerate() {
            let f = PacketBuilder::new(2011).st("22").mn("M").item("a", &i.to_string()).encode().unwrap();
            let at = (k * 97 + i * 13).min(stream.len());
            stream.splice(at..at, f);
        }
        for cfg in [FramerConfig::default(), FramerConfig::lenient()] {
            let whole = run(&stream, &[stream.len().max(1)], &cfg);
            let chunked = run(&stream, &sizes, &cfg);
            prop_assert_eq!(chunked, whole);
        }
    }
}

fn exercise(p: &Packet<'_>) {
    let _ = format!("{p:?}");
    for f in p.factors() {
        let _ = format!("{f:?}");
        let _ = f.validity();
        let _ = f.extras().count();
        if let Some(v) = f.rtd {
            let _ = v.decimal();
        }
    }
    for f in p.fields() {
        let _ = f.value.decimal();
        let _ = f.info_text();
    }
    let _ = p.data_time();
    let _ = p.qn_time();
    let _ = format!("{:?}", p.message());
    let _ = encode::answer(p);
    let _ = p.header_fields().count();
}
