//! Inputs found by `cargo fuzz` (and hand-made edge cases) in `tests/fuzz_regressions/`: each
//! goes through the one-shot parser, the packet parser and the framer in several chunkings,
//! must not panic, must give the same framer items whatever the chunking, and any answer to
//! it must be a standard frame.

use lantian_hj212::{FramerConfig, Packet, parse_frame_with};

use crate::chunks::run;

/// Any answer the encoder produces is a standard frame and a packet (the `parse` target's
/// oracle).
fn answer_is_valid(p: &Packet<'_>) {
    if let Ok(Some(a)) = lantian_hj212::encode::answer(p) {
        let f = lantian_hj212::parse_frame(&a).unwrap();
        assert!(Packet::parse(&f.text()).is_ok());
    }
}

#[test]
fn fuzz_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut n = 0;
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.display().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("md") => {}
            // One input per line, hex-encoded (`#` lines are comments).
            Some("hex") => {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if line.starts_with('#') {
                        continue;
                    }
                    inputs.push((format!("{name}:{}", i + 1), unhex(line)));
                }
            }
            _ => inputs.push((name, std::fs::read(&path).unwrap())),
        }
    }
    for (path, bytes) in &inputs {
        let bytes = bytes.as_slice();
        for cfg in [FramerConfig::default(), FramerConfig::lenient()] {
            if let Ok(f) = parse_frame_with(bytes, &cfg)
                && let Ok(p) = Packet::parse(&f.text())
            {
                let _ = format!("{p:?} {:?}", p.message());
                answer_is_valid(&p);
                p.factors().for_each(|f| {
                    let _ = f.validity();
                });
            }
            let whole = run(bytes, &[bytes.len().max(1)], &cfg);
            for sizes in [&[1usize][..], &[2, 3, 5], &[7, 64]] {
                assert_eq!(run(bytes, sizes, &cfg), whole, "{path}");
            }
        }
        if let Ok(s) = std::str::from_utf8(bytes)
            && let Ok(p) = Packet::parse(s)
        {
            let _ = format!("{p:?}");
            answer_is_valid(&p);
        }
        n += 1;
    }
    assert!(n > 600, "only {n} regression inputs in {}", dir.display());
}

fn unhex(s: &str) -> Vec<u8> {
    let b = s.trim().as_bytes();
    b.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}
