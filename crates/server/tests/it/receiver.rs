//! Every message of the real corpus (`shared/data/hj212/hj212_valid.txt`) sent over a real
//! socket in random chunk sizes is stored exactly once and answered as the standard says;
//! the invalid ones are refused and counted; a second sending changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use lantian_core::{Device, DeviceKind, Intervals, Owner};
use lantian_hj212::{CrcPolicy, Framer, FramerConfig, Packet, QnRtn, encode, parse_frame_with};
use lantian_server::{ServeConfig, Server};
use lantian_store::Store;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let bytes = lantian_testdata::read(format!("hj212/{name}"));
    bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| l.len() > 2)
        .map(<[u8]>::to_vec)
        .collect()
}

fn lenient() -> FramerConfig {
    FramerConfig::lenient().with_crc(CrcPolicy::ANY)
}

/// What the standard asks of the platform for each frame, given that every MN is registered
/// with the password and CRC variant of its first frame.
struct Expected {
    devices: Vec<Device>,
    answers: Vec<Vec<u8>>,
    /// (MN, CN, DataTime text, part of a split message) of stored readings.
    readings: BTreeSet<(String, u16, String, u32)>,
    /// Stored uploads without a DataTime.
    other_frames: usize,
}

fn expected(frames: &[Vec<u8>]) -> Expected {
    let mut registered: BTreeMap<String, (String, lantian_hj212::CrcVariant)> = BTreeMap::new();
    let mut answers = Vec::new();
    let mut readings = BTreeSet::new();
    let mut other_frames = 0;
    for raw in frames {
        let f = parse_frame_with(raw, &lenient()).unwrap();
        let p = Packet::parse_bytes(f.data()).unwrap();
        let cn = p.cn_code();
        if matches!(cn, 9013 | 9014) {
            continue;
        }
        let Some(mn) = p.mn().filter(|m| !m.is_empty()) else {
            continue;
        };
        let (pw, crc) = registered
            .entry(mn.to_owned())
            .or_insert_with(|| (p.pw().unwrap_or("").to_owned(), f.crc_variant()))
            .clone();
        if p.pw().unwrap_or("") != pw {
            answers.push(encode::request_answer(&p, QnRtn::Rejected).unwrap());
            continue;
        }
        if f.crc_variant() != crc {
            answers.push(encode::request_answer(&p, QnRtn::Rejected).unwrap());
            continue;
        }
        if (2000..4000).contains(&cn) {
            let dt = match p.data_time() {
                Some(Ok(_)) => p.value("DataTime").map(|v| v.as_str().to_owned()),
                _ => None,
            };
            let is_reading = matches!(cn, 2011 | 2051 | 2061 | 2031);
            match dt {
                Some(dt) => {
                    let part = match (p.pnum(), p.pno()) {
                        (Some(n), Some(no)) if n > 1 => no,
                        _ => 0,
                    };
                    readings.insert((mn.to_owned(), cn, dt, part));
                }
                None if is_reading => continue, // refused: no DataTime
                None => other_frames += 1,
            }
        }
        if let Some(a) = encode::answer(&p).unwrap() {
            answers.push(a);
        }
        if cn == 1013 {
            // 9013, then the platform sets the device's clock (1012); its text holds our time,
            // so only its CN and MN are compared.
            answers.push(format!("1012 {mn}").into_bytes());
        }
    }
    let devices = registered
        .into_iter()
        .map(|(mn, (password, crc))| Device {
            mn,
            password,
            name: String::new(),
            kind: DeviceKind::Other,
            generation: "2017".to_owned(),
            crc: match crc {
                lantian_hj212::CrcVariant::Standard => "standard",
                lantian_hj212::CrcVariant::Modbus => "modbus",
                lantian_hj212::CrcVariant::ModbusSwapped => "modbus_swapped",
                lantian_hj212::CrcVariant::SignedChar => "signed_char",
            }
            .to_owned(),
            st: String::new(),
            owner: Owner::default(),
            factors: Vec::new(),
            intervals: Intervals::default(),
            limits: Vec::new(),
            active: true,
        })
        .collect();
    Expected {
        devices,
        answers,
        readings,
        other_frames,
    }
}

async fn start(
    store: Arc<Store>,
) -> (
    std::net::SocketAddr,
    CancellationToken,
    tokio::task::JoinHandle<()>,
) {
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().unwrap(), None);
    // The corpus spans 2016–2024: accept any age.
    cfg.limits.max_past_s = i64::MAX / 4;
    // The corpus's wrong passwords all come from this one address: not slowed here (the
    // throttles have their own tests in abuse.rs and auth.rs).
    cfg.limits.auth_by_address.free_failures = 10_000;
    cfg.limits.auth_by_mn.free_failures = 10_000;
    let server = Server::bind(store, cfg).await.unwrap();
    let addr = server.hj212_addr().unwrap();
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    let task = tokio::spawn(async move { server.run(s).await.unwrap() });
    (addr, shutdown, task)
}

/// Sends `frames` over one connection in random chunks and collects `expect` answers.
async fn send(
    addr: std::net::SocketAddr,
    frames: &[Vec<u8>],
    expect: usize,
    seed: u64,
) -> Vec<Vec<u8>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let bytes: Vec<u8> = frames.concat();
    let writer = tokio::spawn(async move {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut i = 0;
        while i < bytes.len() {
            let n = rng.random_range(1..=64).min(bytes.len() - i);
            wr.write_all(&bytes[i..i + n]).await.unwrap();
            i += n;
            if rng.random_bool(0.05) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        wr
    });
    let mut framer = Framer::new(FramerConfig::default());
    let mut got = Vec::new();
    let mut buf = vec![0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while got.len() < expect {
        let n = tokio::time::timeout_at(deadline, rd.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("timed out with {} of {expect} answers", got.len()))
            .unwrap();
        assert!(
            n > 0,
            "connection closed after {} of {expect} answers",
            got.len()
        );
        framer.push(&buf[..n]);
        while let Some(f) = framer.next_frame() {
            got.push(f.unwrap().as_bytes().to_vec());
        }
    }
    // Nothing more arrives (when none were expected, collect whatever does).
    loop {
        match tokio::time::timeout(Duration::from_millis(400), rd.read(&mut buf)).await {
            Err(_) => break,
            Ok(Ok(n)) if n > 0 && expect == 0 => {
                framer.push(&buf[..n]);
                while let Some(f) = framer.next_frame() {
                    got.push(f.unwrap().as_bytes().to_vec());
                }
            }
            Ok(r) => panic!("unexpected after {expect} answers: {r:?}"),
        }
    }
    drop(writer.await.unwrap());
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_is_stored_once_and_answered() {
    let frames = corpus("hj212_valid.txt");
    assert_eq!(frames.len(), 205);
    let exp = expected(&frames);
    let dir = tempfile::tempdir().unwrap();
    let store = crate::TestStore::new(dir.path());
    store.st(|s| s.upsert_devices(&exp.devices)).unwrap();
    let (addr, shutdown, task) = start(store.arc()).await;

    let mut answers: Vec<Vec<u8>> = send(addr, &frames, exp.answers.len(), 7)
        .await
        .into_iter()
        .map(|a| set_time_key(&a).unwrap_or(a))
        .collect();
    let mut want = exp.answers.clone();
    answers.sort();
    want.sort();
    assert_eq!(answers.len(), want.len());
    assert!(
        answers == want,
        "answers differ from what the standard asks"
    );

    let counts = store.st(|s| s.monitoring_counts()).unwrap();
    let stored: u64 = counts.readings.iter().sum();
    assert_eq!(stored, exp.readings.len() as u64);
    assert_eq!(
        counts.frames,
        (exp.readings.len() + exp.other_frames) as u64
    );

    // Everything again, over four connections at once: answered again, nothing new stored.
    let mut handles = Vec::new();
    for k in 0..4u64 {
        let part: Vec<Vec<u8>> = frames.iter().skip(k as usize).step_by(4).cloned().collect();
        let n = expected_count(&part, &exp);
        handles.push(tokio::spawn(async move {
            send(addr, &part, n, 100 + k).await.len()
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    assert_eq!(total, exp.answers.len());
    let again = store.st(|s| s.monitoring_counts()).unwrap();
    assert_eq!(
        (again.frames, again.readings),
        (counts.frames, counts.readings)
    );
    // The wrong-password frames are refused (and recorded) again.
    assert!(again.rejects > counts.rejects);
    assert!(
        store
            .st(|s| s.verify_frames(None))
            .unwrap()
            .iter()
            .all(|c| c.broken_at.is_none())
    );

    shutdown.cancel();
    task.await.unwrap();
}

/// A 1012 set-time request as `1012 <MN>` after checking its time is ours (Beijing, ±60 s).
fn set_time_key(frame: &[u8]) -> Option<Vec<u8>> {
    let f = parse_frame_with(frame, &FramerConfig::default()).ok()?;
    let p = Packet::parse_bytes(f.data()).ok()?;
    if p.cn_code() != 1012 {
        return None;
    }
    let t = p.value("SystemTime").unwrap();
    let t = lantian_hj212::time::parse_data_time(t.as_str()).unwrap();
    let ours = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .datetime();
    let skew = ours.since(t.time).unwrap().get_seconds().abs();
    assert!(skew < 60, "set-time {} vs our {ours}", t.time);
    Some(format!("1012 {}", p.mn().unwrap()).into_bytes())
}

/// Answers owed to a subset (each frame's answer does not depend on the others).
fn expected_count(part: &[Vec<u8>], all: &Expected) -> usize {
    let mut n = 0;
    for raw in part {
        let f = parse_frame_with(raw, &lenient()).unwrap();
        let p = Packet::parse_bytes(f.data()).unwrap();
        let one = expected(std::slice::from_ref(raw));
        // Password/CRC decided against the registered device, not this frame alone.
        let dev = p
            .mn()
            .and_then(|mn| all.devices.iter().find(|d| d.mn == mn));
        match dev {
            Some(d) if p.pw().unwrap_or("") != d.password => n += 1,
            _ => n += one.answers.len(),
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_frames_are_refused_and_unknown_devices_told() {
    let frames = corpus("hj212_invalid.txt");
    let dir = tempfile::tempdir().unwrap();
    let store = crate::TestStore::new(dir.path());
    let (addr, shutdown, task) = start(store.arc()).await;
    // Bad CRC or length: nothing stored. (A frame whose length field is wrong but whose CRC
    // verifies is recovered by the lenient framer; its device is unknown, so it is told so.)
    let got = send(addr, &frames, 0, 1).await;
    for a in &got {
        let p = Packet::parse_bytes(
            parse_frame_with(a, &FramerConfig::default())
                .unwrap()
                .data(),
        )
        .unwrap();
        assert_eq!(
            (p.cn_code(), p.value("QnRtn").map(|v| v.as_str().to_owned())),
            (9011, Some("2".to_owned()))
        );
    }
    // A valid frame from an unregistered device: QnRtn=2 (请求被拒绝, as for a wrong password:
    // the answer does not tell which MNs exist), recorded, not stored.
    let valid = corpus("hj212_valid.txt");
    let got = send(addr, &valid[..1], 1, 2).await;
    let p = Packet::parse_bytes(parse_frame_with(&valid[0], &lenient()).unwrap().data()).unwrap();
    assert_eq!(
        got,
        vec![encode::request_answer(&p, QnRtn::Rejected).unwrap()]
    );
    let counts = store.st(|s| s.monitoring_counts()).unwrap();
    // Frames that parse but cannot be taken (no MN, malformed data segment) are recorded too.
    assert_eq!(counts.frames, 0);
    assert!(counts.rejects > got.len() as u64, "{counts:?}");
    assert_eq!(store.st(|s| s.rejects(10)).unwrap()[0].reason, "unknown_mn");
    let metrics = lantian_server::telemetry::render();
    let framing: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("lantian_hj212_framing_errors_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    // Every invalid frame is accounted for: refused by the framer, or recorded as refused.
    assert!(framing + counts.rejects >= frames.len() as u64, "{metrics}");
    shutdown.cancel();
    task.await.unwrap();
}
