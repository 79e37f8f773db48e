//! One-shot frame check and packet parse of arbitrary bytes: no panic; every accessor works;
//! any answer the encoder produces is itself a valid frame and packet.
#![no_main]

use lantian_hj212::{FramerConfig, Packet, encode, parse_frame, parse_frame_with};
use libfuzzer_sys::fuzz_target;

fn exercise(p: &Packet<'_>) {
    let _ = format!("{p:?} {:?}", p.message());
    for f in p.factors() {
        let _ = format!("{f:?}");
        let _ = (f.validity(), f.extras().count(), f.fields().count());
        for v in [f.rtd, f.avg, f.min, f.max, f.cou, f.zs_rtd]
            .into_iter()
            .flatten()
        {
            let _ = (v.decimal(), v.to_f64());
        }
    }
    for f in p.fields() {
        let _ = (f.value.decimal(), f.info_text(), f.suffix());
    }
    let _ = (
        p.data_time(),
        p.qn_time(),
        p.header_fields().count(),
        p.version(),
    );
    if let Ok(Some(answer)) = encode::answer(p) {
        let fr = parse_frame(&answer).expect("our answer frames");
        let text = fr.text();
        Packet::parse(&text).expect("our answer parses");
    }
}

fuzz_target!(|data: &[u8]| {
    for cfg in [FramerConfig::default(), FramerConfig::lenient()] {
        if let Ok(f) = parse_frame_with(data, &cfg) {
            let text = f.text();
            if let Ok(p) = Packet::parse(&text) {
                exercise(&p);
            }
        }
    }
    if let Ok(p) = Packet::parse_bytes(data) {
        exercise(&p);
        let owned = p.to_owned_packet();
        assert_eq!(owned.as_packet(), p);
    }
    // The data as a data segment, framed by us: must frame back.
    if let Ok(w) = encode::encode_frame(data) {
        let f = parse_frame_with(&w, &FramerConfig::lenient()).expect("our frame");
        assert_eq!(f.data(), data);
    }
});
