//! Throughput of whole-frame parsing and streaming framing, lantian vs the crate `a` 0.1.1 on
//! the same frames, in the same run.
//!
//! ```sh
//! cargo bench -p lantian-hj212 --bench hj212 -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Data: `hj212_valid.txt` (205 frames, all CNs) and its CN=2011/2051 frames of 300-600 bytes
//! ("typical"), located like the tests (`$LANTIAN_DATA` or `<workspace>/../shared/data`).
//! Throughput is in frames (criterion's "elem/s"); MB/s = frames/s × mean frame size, printed
//! at start. Groups: `parse/*` (whole-frame parse), `stream/*` (framing a byte stream in
//! 1460-byte chunks), `parts/*` (where a typical frame's parse time goes), `crc`.

#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lantian_hj212::{Framer, FramerConfig, Packet, parse_frame};

fn corpus() -> Vec<Vec<u8>> {
    let all = lantian_testdata::read("hj212/hj212_valid.txt");
    let mut out = Vec::new();
    let mut rest = &all[..];
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        out.push(rest[..i + 2].to_vec());
        rest = &rest[i + 2..];
    }
    out
}

fn typical(all: &[Vec<u8>]) -> Vec<Vec<u8>> {
    all.iter()
        .filter(|l| {
            (300..=600).contains(&l.len())
                && (l.windows(8).any(|w| w == b"CN=2011;")
                    || l.windows(8).any(|w| w == b"CN=2051;"))
        })
        .cloned()
        .collect()
}

/// lantian: frame (CRC checked) + packet parse + every field tokenised.
fn lantian_parse(frames: &[Vec<u8>]) -> usize {
    let mut n = 0;
    for l in frames {
        let f = parse_frame(l).unwrap();
        let text = f.text();
        let p = Packet::parse(&text).unwrap();
        for field in p.fields() {
            n += field.key.len() + field.value.as_str().len();
        }
    }
    n
}

/// lantian, more work than `a` does: factors grouped by code, every number read as an exact
/// decimal, flags interpreted.
fn lantian_parse_factors(frames: &[Vec<u8>]) -> usize {
    let mut n = 0;
    for l in frames {
        let f = parse_frame(l).unwrap();
        let text = f.text();
        let p = Packet::parse(&text).unwrap();
        for fac in p.factors() {
            n += usize::from(fac.validity() == lantian_hj212::Validity::Valid);
            for v in [fac.rtd, fac.avg, fac.min, fac.max, fac.cou]
                .into_iter()
                .flatten()
            {
                n += v.decimal().map_or(0, |d| d.scale() as usize);
            }
        }
    }
    n
}

/// `a`: its `parse_frame` (CRC checked, header + `;`-split CP into a BTreeMap).
fn a_parse(frames: &[String]) -> usize {
    let mut n = 0;
    for l in frames {
        let p = a::parse_frame(l).unwrap();
        n += p.cp.len();
    }
    n
}

fn lantian_stream(stream: &[u8], chunk: usize) -> usize {
    let mut f = Framer::new(FramerConfig::default());
    let mut n = 0;
    for c in stream.chunks(chunk) {
        f.push(c);
        while let Some(item) = f.next_frame() {
            n += item.map_or(0, |fr| fr.data().len());
        }
    }
    n
}

fn lantian_stream_parse(stream: &[u8], chunk: usize) -> usize {
    let mut f = Framer::new(FramerConfig::default());
    let mut n = 0;
    for c in stream.chunks(chunk) {
        f.push(c);
        while let Some(item) = f.next_frame() {
            if let Ok(fr) = item {
                let text = fr.text();
                if let Ok(p) = Packet::parse(&text) {
                    n += p.fields().count();
                }
            }
        }
    }
    n
}

/// `a`'s framer (it does not check the CRC; it loses frames whose `##` is split).
fn a_stream(stream: &[u8], chunk: usize) -> usize {
    let mut f = a::Framer::new();
    let mut n = 0;
    for c in stream.chunks(chunk) {
        f.push(c);
        while let Some(fr) = f.next_frame() {
            n += fr.len();
        }
    }
    n
}

fn count_a_frames(stream: &[u8], chunk: usize) -> usize {
    let mut f = a::Framer::new();
    let mut n = 0;
    for c in stream.chunks(chunk) {
        f.push(c);
        while f.next_frame().is_some() {
            n += 1;
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let all = corpus();
    let typ = typical(&all);
    const CHUNK: usize = 1460; // one TCP segment
    for (name, frames) in [("typical", &typ), ("corpus", &all)] {
        let bytes: usize = frames.iter().map(Vec::len).sum();
        let stream: Vec<u8> = frames.concat();
        let strings: Vec<String> = frames
            .iter()
            .map(|l| String::from_utf8(l.clone()).unwrap())
            .collect();
        eprintln!(
            "{name}: {} frames, {bytes} bytes, mean {:.1} bytes/frame; a's framer recovers {} of {} frames in {CHUNK}-byte chunks",
            frames.len(),
            bytes as f64 / frames.len() as f64,
            count_a_frames(&stream, CHUNK),
            frames.len()
        );
        // Our framer yields every frame (data bytes = frame bytes - 12 per frame).
        assert_eq!(lantian_stream(&stream, CHUNK), bytes - 12 * frames.len());

        let mut g = c.benchmark_group(format!("parse/{name}"));
        g.throughput(Throughput::Elements(frames.len() as u64));
        g.bench_function("lantian", |b| b.iter(|| lantian_parse(black_box(frames))));
        g.bench_function("lantian+factors+decimals", |b| {
            b.iter(|| lantian_parse_factors(black_box(frames)))
        });
        g.bench_function("a", |b| b.iter(|| a_parse(black_box(&strings))));
        g.finish();

        let mut g = c.benchmark_group(format!("stream/{name}"));
        g.throughput(Throughput::Elements(frames.len() as u64));
        g.bench_function("lantian", |b| {
            b.iter(|| lantian_stream(black_box(&stream), CHUNK))
        });
        g.bench_function("lantian+parse", |b| {
            b.iter(|| lantian_stream_parse(black_box(&stream), CHUNK))
        });
        g.bench_function("a", |b| b.iter(|| a_stream(black_box(&stream), CHUNK)));
        g.finish();
    }
    {
        let typ_frames = typical(&all);
        let mut g = c.benchmark_group("parts");
        g.throughput(Throughput::Elements(typ_frames.len() as u64));
        g.bench_function("frame", |b| {
            b.iter(|| {
                typ_frames
                    .iter()
                    .map(|l| parse_frame(black_box(l)).unwrap().data().len())
                    .sum::<usize>()
            })
        });
        let datas: Vec<&[u8]> = typ_frames.iter().map(|l| &l[6..l.len() - 6]).collect();
        g.bench_function("utf8", |b| {
            b.iter(|| {
                datas
                    .iter()
                    .map(|d| std::str::from_utf8(black_box(d)).unwrap().len())
                    .sum::<usize>()
            })
        });
        let texts: Vec<&str> = datas
            .iter()
            .map(|d| std::str::from_utf8(d).unwrap())
            .collect();
        g.bench_function("packet", |b| {
            b.iter(|| {
                texts
                    .iter()
                    .map(|t| Packet::parse(black_box(t)).unwrap().cn_code() as usize)
                    .sum::<usize>()
            })
        });
        let pk: Vec<Packet<'_>> = texts.iter().map(|t| Packet::parse(t).unwrap()).collect();
        g.bench_function("fields", |b| {
            b.iter(|| {
                pk.iter()
                    .map(|p| {
                        black_box(p)
                            .fields()
                            .map(|f| f.value.as_str().len())
                            .sum::<usize>()
                    })
                    .sum::<usize>()
            })
        });
        g.bench_function("factors", |b| {
            b.iter(|| {
                pk.iter()
                    .map(|p| black_box(p).factors().map(|f| f.code.len()).sum::<usize>())
                    .sum::<usize>()
            })
        });
        g.finish();
    }
    let mut g = c.benchmark_group("crc");
    let data = &all[0]; // 295 bytes
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("lantian sliced", |b| {
        b.iter(|| lantian_hj212::crc::crc16(black_box(data)))
    });
    g.bench_function("lantian bytewise", |b| {
        b.iter(|| lantian_hj212::crc::crc16_reference(black_box(data)))
    });
    g.bench_function("a", |b| b.iter(|| a::crc16_ansi(black_box(data))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
