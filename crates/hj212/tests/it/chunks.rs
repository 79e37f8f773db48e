//! Streaming: the valid corpus through the framer in every chunk size from 1 to 1500 bytes,
//! and with junk between frames.

use lantian_hj212::{Framer, FramerConfig};
use proptest::prelude::*;

use crate::data;

/// Items of a stream pushed in the given chunk sizes (cycled): data segments of frames, and
/// error names.
pub(crate) fn run(
    stream: &[u8],
    sizes: &[usize],
    cfg: &FramerConfig,
) -> Vec<Result<Vec<u8>, String>> {
    let mut f = Framer::new(cfg.clone());
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    let drain = |f: &mut Framer, out: &mut Vec<_>| {
        while let Some(item) = f.next_frame() {
            out.push(match item {
                Ok(fr) => Ok(fr.data().to_vec()),
                Err(e) => Err(e.kind().name().to_owned()),
            });
        }
    };
    while pos < stream.len() {
        let n = sizes[i % sizes.len()].max(1).min(stream.len() - pos);
        f.push(&stream[pos..pos + n]);
        pos += n;
        i += 1;
        drain(&mut f, &mut out);
    }
    f.finish();
    drain(&mut f, &mut out);
    out
}

fn corpus() -> (Vec<u8>, Vec<Result<Vec<u8>, String>>) {
    let lines = data::lines("hj212_valid.txt");
    let stream = lines.concat();
    let expected = lines
        .iter()
        .map(|l| {
            let f = lantian_hj212::parse_frame(l).unwrap();
            Ok(f.data().to_vec())
        })
        .collect();
    (stream, expected)
}

#[test]
fn valid_corpus_in_every_chunk_size_from_1_to_1500() {
    let (stream, expected) = corpus();
    for n in 1..=1500 {
        let got = run(&stream, &[n], &FramerConfig::default());
        // Every frame, in order, none twice, none lost, no error.
        assert!(got == expected, "chunk size {n}: {} items", got.len());
    }
}

#[test]
fn single_hash_at_every_chunk_edge() {
    // Chunks that end exactly after the first '#' of each frame.
    let (stream, expected) = corpus();
    let mut sizes = Vec::new();
    let mut last = 0;
    for (i, w) in stream.windows(2).enumerate() {
        if w == b"##" {
            sizes.push(i + 1 - last);
            last = i + 1;
        }
    }
    sizes.push(stream.len() - last);
    let got = run(&stream, &sizes, &FramerConfig::default());
    assert!(got == expected);
}

/// Junk that may contain lone '#', "##" followed by non-digits, or a bogus header.
fn junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![
                Just(b'#'),
                Just(b'x'),
                Just(b'\r'),
                Just(b'\n'),
                any::<u8>()
            ],
            0..40
        ),
        Just(b"##AT+CSQ\r\n".to_vec()),
        Just(b"##0040QN=cut-off".to_vec()),
        Just(b"#".to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn junk_between_frames_loses_no_frame(
        junks in proptest::collection::vec(junk(), 206),
        sizes in proptest::collection::vec(1usize..700, 1..20),
    ) {
        let lines = data::lines("hj212_valid.txt");
        let mut stream = Vec::new();
        for (l, j) in lines.iter().zip(&junks) {
            stream.extend_from_slice(j);
            stream.extend_from_slice(l);
        }
        stream.extend_from_slice(&junks[205]);
        let got = run(&stream, &sizes, &FramerConfig::default());
        let frames: Vec<Vec<u8>> = got.iter().filter_map(|r| r.clone().ok()).collect();
        let expected: Vec<Vec<u8>> = lines
            .iter()
            .map(|l| lantian_hj212::parse_frame(l).unwrap().data().to_vec())
            .collect();
        prop_assert_eq!(frames, expected);
        // Chunking never changes the items.
        let whole = run(&stream, &[stream.len()], &FramerConfig::default());
        prop_assert_eq!(got, whole);
    }
}
