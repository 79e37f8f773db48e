//! Crash test: `lantian serve` is killed with SIGKILL in the middle of a load; after a restart,
//! every frame that had been answered with 9014 before the kill is in the store, and the
//! evidence hash chains verify.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lantian_hj212::{Framer, FramerConfig, Packet};
use lantian_store::Store;

use crate::{beijing, lantian, run};

const DEVICES: usize = 24;

fn frame(mn: &str, data_time: i64, seq: u64) -> Vec<u8> {
    let seg = format!(
        "QN={}{:03};ST=22;CN=2011;PW=123456;MN={mn};Flag=5;CP=&&DataTime={};a34004-Rtd={}.{},a34004-Flag=N;a34002-Rtd=61,a34002-Flag=N&&",
        beijing(data_time),
        seq % 1000,
        beijing(data_time),
        20 + seq % 30,
        seq % 10
    );
    lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap()
}

/// One device: sends frames one after another, each after the previous one's 9014; records
/// the DataTime of every answered frame.
fn device(
    addr: SocketAddr,
    mn: String,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<HashMap<String, Vec<i64>>>>,
) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return;
    };
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let start = jiff::Timestamp::now().as_second() - 3600;
    let mut framer = Framer::new(FramerConfig::default());
    let mut buf = [0u8; 4096];
    for seq in 0u64.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let t = start + seq as i64;
        if s.write_all(&frame(&mn, t, seq)).is_err() {
            return;
        }
        loop {
            if let Some(f) = framer.next_frame() {
                let f = f.unwrap();
                let p = Packet::parse_bytes(f.data()).unwrap();
                assert_eq!(p.cn_code(), 9014);
                acked.lock().unwrap().entry(mn.clone()).or_default().push(t);
                break;
            }
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return, // the server is gone
                Ok(n) => framer.push(&buf[..n]),
            }
        }
    }
}

/// Registers the `DEVICES` simulated air micro-stations `CRASHA000001…` in `db`.
fn register(db: &std::path::Path) {
    let (out, stdout, _) = run(lantian(db).args([
        "simulate",
        "--register-only",
        "--prefix",
        "CRASH",
        "--cems",
        "0",
        "--vocs",
        "0",
        "--dust",
        "0",
        "--fume",
        "0",
        "--air",
        &DEVICES.to_string(),
    ]));
    assert!(out.status.success(), "{stdout}");
}

/// Runs `DEVICES` device threads against `addr` until every one has lost its server (or 30 s
/// have passed), returning what was answered.
fn load(addr: SocketAddr) -> HashMap<String, Vec<i64>> {
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(HashMap::new()));
    let clients: Vec<_> = (1..=DEVICES)
        .map(|i| {
            let (stop, acked) = (stop.clone(), acked.clone());
            let mn = format!("CRASHA{i:06}");
            std::thread::spawn(move || device(addr, mn, stop, acked))
        })
        .collect();
    let started = Instant::now();
    while !clients.iter().all(std::thread::JoinHandle::is_finished)
        && started.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

/// Every answered frame is in the store.
fn assert_stored(db: &std::path::Path, acked: &HashMap<String, Vec<i64>>) -> usize {
    let store = Store::open(db.to_str().unwrap()).unwrap();
    crate::assert_answered_stored(&store, acked).0
}

#[test]
fn sigterm_under_load_drains() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("term.db");
    register(&db);
    let crate::Served {
        child: mut server,
        hj212: addr,
        ..
    } = crate::serve(&db, &[]);
    let pid = server.0.id();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        let _ = std::process::Command::new("kill")
            .arg(pid.to_string())
            .status();
    });
    let acked = load(addr);
    killer.join().unwrap();
    // A clean exit after draining, and nothing answered is missing.
    assert!(server.0.wait().unwrap().success());
    let total = assert_stored(&db, &acked);
    assert!(total > 0);
    let (out, stdout, _) = run(lantian(&db).args(["verify", "frames"]));
    assert!(out.status.success(), "{stdout}");
}

#[test]
fn answered_frames_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    register(&db);

    let crate::Served {
        child: mut server,
        hj212: addr,
        ..
    } = crate::serve(&db, &[]);
    // Let the load run, then kill the server without warning.
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        server.0.kill().unwrap(); // SIGKILL
        server.0.wait().unwrap();
    });
    let acked = load(addr);
    killer.join().unwrap();
    let total = assert_stored(&db, &acked);
    assert!(total >= 100, "only {total} frames answered before the kill");
    eprintln!("{total} answered frames before SIGKILL, all stored");

    // The restarted server serves, and the chains verify.
    let crate::Served {
        child: mut server,
        hj212: addr,
        ..
    } = crate::serve(&db, &[]);
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&frame(
        "CRASHA000001",
        jiff::Timestamp::now().as_second(),
        1,
    ))
    .unwrap();
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("CN=9014"));
    drop(s);
    // SIGTERM: a graceful stop.
    let _ = std::process::Command::new("kill")
        .arg(server.0.id().to_string())
        .status();
    assert!(server.0.wait().unwrap().success());
    let (out, stdout, _) = run(lantian(&db).args(["verify", "frames"]));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(" 0 broken chains"), "{stdout}");
}
