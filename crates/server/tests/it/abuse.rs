//! Bad input over real sockets: each abuse is bounded or refused, counted, and the rest of the
//! fleet is unaffected.

use std::time::Duration;

use lantian_core::{Device, DeviceKind, Intervals, Owner};
use lantian_server::{ServeConfig, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::{beijing, now};

pub(crate) fn device(mn: &str) -> Device {
    Device {
        mn: mn.to_owned(),
        password: "123456".to_owned(),
        name: String::new(),
        kind: DeviceKind::AirMicroStation,
        generation: "2017".to_owned(),
        crc: "standard".to_owned(),
        st: "22".to_owned(),
        owner: Owner::default(),
        factors: Vec::new(),
        intervals: Intervals::default(),
        limits: Vec::new(),
        active: true,
    }
}

pub(crate) fn frame(mn: &str, data_time: i64) -> Vec<u8> {
    let seg = format!(
        "QN={}000;ST=22;CN=2011;PW=123456;MN={mn};Flag=5;CP=&&DataTime={};a34004-Rtd=35,a34004-Flag=N&&",
        beijing(data_time),
        beijing(data_time)
    );
    lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap()
}

pub(crate) async fn start(
    tweak: impl FnOnce(&mut ServeConfig),
) -> (
    std::net::SocketAddr,
    crate::TestStore,
    CancellationToken,
    tokio::task::JoinHandle<()>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::TestStore::new(dir.path());
    store
        .st(|s| s.upsert_devices(&[device("GOOD"), device("FLOOD")]))
        .unwrap();
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().unwrap(), None);
    tweak(&mut cfg);
    let server = Server::bind(store.arc(), cfg).await.unwrap();
    let addr = server.hj212_addr().unwrap();
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    let task = tokio::spawn(async move { server.run(s).await.unwrap() });
    (addr, store, shutdown, task, dir)
}

/// Reads until the server closes the connection; `true` if it did within `within`.
pub(crate) async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// A well-behaved device: one frame answered with 9014.
pub(crate) async fn good_device_works(addr: std::net::SocketAddr, t: i64) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&frame("GOOD", t)).await.unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("CN=9014"));
}

/// Reads `n` answer frames (text), failing after 10 s without them.
pub(crate) async fn read_answers(s: &mut TcpStream, n: usize) -> Vec<String> {
    let mut framer = lantian_hj212::Framer::new(lantian_hj212::FramerConfig::default());
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < n {
        let r = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("{} of {n} answers", got.len()))
            .unwrap();
        assert!(r > 0, "closed after {} of {n} answers", got.len());
        framer.push(&buf[..r]);
        while let Some(f) = framer.next_frame() {
            got.push(String::from_utf8_lossy(f.unwrap().as_bytes()).into_owned());
        }
    }
    got
}

/// A well-behaved device `mn` connecting from the loopback address `from`: one frame answered
/// with 9014.
pub(crate) async fn good_device_works_from(
    addr: std::net::SocketAddr,
    from: &str,
    mn: &str,
    t: i64,
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    s.write_all(&frame(mn, t)).await.unwrap();
    let got = read_answers(&mut s, 1).await;
    assert!(got[0].contains("CN=9014"), "{mn} from {from}: {got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_idle_and_garbage_are_closed() {
    let (addr, store, shutdown, task, _dir) = start(|c| {
        c.limits.frame_timeout = Duration::from_millis(800);
        c.limits.idle_timeout = Duration::from_millis(800);
        c.limits.max_garbage_bytes = 16 * 1024;
    })
    .await;
    // Slow-loris: a frame started and never finished.
    let mut loris = TcpStream::connect(addr).await.unwrap();
    loris.write_all(b"##0200QN=2024").await.unwrap();
    // Idle: connected, silent.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    // Garbage: bytes that are never a frame.
    let mut junk = TcpStream::connect(addr).await.unwrap();
    let garbage: Vec<u8> = (0..64 * 1024).map(|i| b"abc#xyz\r\n"[i % 9]).collect();
    let _ = junk.write_all(&garbage).await;

    // Meanwhile the fleet is served.
    good_device_works(addr, now()).await;

    assert!(
        closed_within(&mut loris, Duration::from_secs(10)).await,
        "slow-loris kept open"
    );
    assert!(
        closed_within(&mut idle, Duration::from_secs(10)).await,
        "idle kept open"
    );
    assert!(
        closed_within(&mut junk, Duration::from_secs(10)).await,
        "garbage kept open"
    );
    good_device_works(addr, now() + 1).await;
    let metrics = lantian_server::telemetry::render();
    for reason in ["frame_timeout", "idle", "garbage"] {
        assert!(
            metrics.contains(&format!(
                "lantian_hj212_connections_closed_total{{reason=\"{reason}\"}}"
            )),
            "{reason} not counted:\n{metrics}"
        );
    }
    assert_eq!(store.st(|s| s.monitoring_counts()).unwrap().frames, 2);
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_out_of_range_frames_are_refused() {
    let (addr, store, shutdown, task, _dir) = start(|c| {
        c.limits.max_data_len = 1024;
    })
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    // A declared length above the cap, then a frame dated two days ahead, then one from 1990.
    let mut bytes = b"##5000QN=1;ST=22;CN=2011;".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 5000));
    bytes.extend_from_slice(b"\r\n");
    bytes.extend(frame("GOOD", now() + 2 * 86_400));
    bytes.extend(frame("GOOD", 631_152_000));
    s.write_all(&bytes).await.unwrap();
    // The two dated frames are refused with 9011 QnRtn=2 (请求被拒绝), so the device stops
    // resending them; never a 9014, since nothing was stored.
    let answers = read_answers(&mut s, 2).await;
    for a in &answers {
        assert!(a.contains("CN=9011") && a.contains("QnRtn=2"), "{a}");
    }
    let mut buf = [0u8; 256];
    assert!(
        tokio::time::timeout(Duration::from_millis(800), s.read(&mut buf))
            .await
            .is_err(),
        "an answer too many"
    );
    let counts = store.st(|s| s.monitoring_counts()).unwrap();
    assert_eq!(counts.frames, 0);
    let reasons: Vec<String> = store
        .st(|s| s.rejects(10))
        .unwrap()
        .into_iter()
        .map(|r| r.reason)
        .collect();
    assert_eq!(reasons, ["time_out_of_range", "time_out_of_range"]);
    assert!(lantian_server::telemetry::render().contains("kind=\"length_too_large\""));
    good_device_works(addr, now()).await;
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_trickle_password_guessing_and_nul_bytes_are_stopped() {
    let (addr, store, shutdown, task, _dir) = start(|c| {
        c.limits.idle_timeout = Duration::from_millis(800);
        c.limits.max_auth_failures = 5;
    })
    .await;
    // A byte of junk every 200 ms does not keep a connection open.
    let mut trickle = TcpStream::connect(addr).await.unwrap();
    let keep = tokio::spawn(async move {
        for _ in 0..40 {
            if trickle.write_all(b"x").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        closed_within(&mut trickle, Duration::from_millis(100)).await
    });
    // Password guessing: closed after the allowed failures.
    let mut guess = TcpStream::connect(addr).await.unwrap();
    let t = now();
    for i in 0..20 {
        let seg = format!(
            "QN={}000;ST=22;CN=2011;PW=guess{i};MN=GOOD;Flag=5;CP=&&DataTime={};a34004-Rtd=35&&",
            beijing(t),
            beijing(t)
        );
        if guess
            .write_all(&lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap())
            .await
            .is_err()
        {
            break;
        }
    }
    assert!(
        closed_within(&mut guess, Duration::from_secs(10)).await,
        "password guessing kept open"
    );
    // A NUL in a field: refused before anything is stored (PostgreSQL keeps no NUL in text).
    let mut nul = TcpStream::connect(addr).await.unwrap();
    let seg = format!(
        "QN=\u{0}1;ST=22;CN=2011;PW=123456;MN=GOOD;Flag=5;CP=&&DataTime={};a34004-Rtd=35&&",
        beijing(t)
    );
    nul.write_all(&lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap())
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), nul.read(&mut buf))
            .await
            .is_err()
    );
    assert!(
        keep.await.unwrap(),
        "a junk trickle kept the connection open"
    );

    good_device_works(addr, now()).await;
    assert_eq!(store.st(|s| s.monitoring_counts()).unwrap().frames, 1);
    let reasons: Vec<String> = store
        .st(|s| s.rejects(100))
        .unwrap()
        .into_iter()
        .map(|r| r.reason)
        .collect();
    assert!(
        reasons.contains(&"control_characters".to_owned()),
        "{reasons:?}"
    );
    assert!(lantian_server::telemetry::render().contains("reason=\"auth_failures\""));
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_throttled_not_dropped() {
    let (addr, store, shutdown, task, _dir) = start(|c| {
        c.limits.frames_per_second = 200;
        c.limits.burst = 20;
    })
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let t0 = now() - 3600;
    let flood: Vec<u8> = (0..300).flat_map(|i| frame("FLOOD", t0 + i)).collect();
    s.write_all(&flood).await.unwrap();
    // Every frame is stored and answered, at the allowed rate.
    let mut framer = lantian_hj212::Framer::new(lantian_hj212::FramerConfig::default());
    let mut answers = 0;
    let mut buf = [0u8; 8192];
    while answers < 300 {
        let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0);
        framer.push(&buf[..n]);
        while let Some(f) = framer.next_frame() {
            f.unwrap();
            answers += 1;
        }
    }
    assert_eq!(
        store.st(|s| s.monitoring_counts()).unwrap().readings[0],
        300
    );
    assert!(lantian_server::telemetry::render().contains("lantian_hj212_throttled_total"));
    shutdown.cancel();
    task.await.unwrap();
}
