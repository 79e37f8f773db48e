//! The streaming framer on arbitrary bytes in arbitrary chunks: it must not panic, must yield
//! the same items whatever the chunking, and every frame it accepts must re-check one-shot.
#![no_main]

use lantian_hj212::{CrcPolicy, Framer, FramerConfig, parse_frame_with};
use libfuzzer_sys::fuzz_target;

fn items(
    data: &[u8],
    sizes: &[usize],
    cfg: &FramerConfig,
    flush_every: usize,
) -> Vec<Result<Vec<u8>, String>> {
    let mut f = Framer::new(cfg.clone());
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < data.len() {
        let n = sizes[i % sizes.len()].clamp(1, data.len() - pos);
        f.push(&data[pos..pos + n]);
        pos += n;
        i += 1;
        if flush_every > 0 && i % flush_every == 0 {
            // Idle flushes may accept a frame without trailer earlier: only for no-panic.
            f.flush();
        }
        while let Some(item) = f.next_frame() {
            out.push(match item {
                Ok(fr) => {
                    // An accepted frame checks again on its own.
                    let again = parse_frame_with(fr.as_bytes(), cfg);
                    assert!(again.is_ok() || flush_every > 0, "{:?}", again);
                    Ok(fr.data().to_vec())
                }
                Err(e) => Err(format!("{:?}", e.kind())),
            });
        }
    }
    f.finish();
    while let Some(item) = f.next_frame() {
        out.push(
            item.map(|fr| fr.data().to_vec())
                .map_err(|e| format!("{:?}", e.kind())),
        );
    }
    out
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let (ctl, data) = input.split_at(3);
    let mut cfg = match ctl[0] % 3 {
        0 => FramerConfig::default(),
        1 => FramerConfig::lenient(),
        _ => FramerConfig::default().with_max_data_len(64),
    };
    cfg.short_length = ctl[0] & 4 != 0;
    cfg.require_trailer = ctl[0] & 8 == 0;
    if ctl[0] & 16 != 0 {
        cfg.crc = CrcPolicy::ANY;
    }
    cfg.length_search_window = usize::from(ctl[1] % 80);
    let sizes = [usize::from(ctl[2]).max(1), 1, usize::from(ctl[1]).max(1), 7];
    let whole = items(data, &[data.len().max(1)], &cfg, 0);
    let chunked = items(data, &sizes, &cfg, 0);
    assert_eq!(whole, chunked);
    let _ = items(data, &sizes, &cfg, usize::from(ctl[2] % 5) + 1);
});
