//! Zero allocations per frame on the borrowed hot path (frame → packet → factors → decimals).
//! `allocation_counter` counts this thread's allocations only.

use lantian_hj212::{Framer, FramerConfig, Packet, parse_frame};

use crate::data;

fn work(frame_data: &[u8]) -> usize {
    let text = std::str::from_utf8(frame_data).unwrap();
    let p = Packet::parse(text).unwrap();
    let mut n = 0;
    for f in p.factors() {
        n += usize::from(f.validity() == lantian_hj212::Validity::Valid);
        for v in [f.rtd, f.avg, f.min, f.max, f.cou].into_iter().flatten() {
            n += usize::from(v.decimal().is_ok());
        }
    }
    n + usize::from(p.data_time().is_some())
}

#[test]
fn borrowed_parse_allocates_nothing() {
    let lines = data::lines("hj212_valid.txt");
    let stream = lines.concat();
    // One-shot.
    let info = allocation_counter::measure(|| {
        for l in &lines {
            let f = parse_frame(l).unwrap();
            let text = f.text(); // borrowed: the data is UTF-8
            assert!(matches!(text, std::borrow::Cow::Borrowed(_)));
            std::hint::black_box(work(f.data()));
        }
    });
    assert_eq!(info.count_total, 0, "one-shot path allocated");
    // Streaming, once the framer's buffer has grown (the first push).
    let mut framer = Framer::new(FramerConfig::default());
    framer.push(&stream);
    while framer.next_frame().is_some() {}
    let info = allocation_counter::measure(|| {
        for chunk in stream.chunks(1460) {
            framer.push(chunk);
            while let Some(item) = framer.next_frame() {
                std::hint::black_box(work(item.unwrap().data()));
            }
        }
    });
    assert_eq!(info.count_total, 0, "streaming path allocated");
}
