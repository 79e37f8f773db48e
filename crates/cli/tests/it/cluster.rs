//! Three `lantian serve` nodes on one PostgreSQL: a device fleet spread across them, the node
//! holding the periodic jobs killed with SIGKILL mid-load, its devices reconnecting to the
//! others and re-sending what was not answered. Afterwards every frame answered before (and
//! after) the kill is stored exactly once, no alarm is raised twice, the jobs moved to a
//! surviving node and kept running, and the evidence chains verify.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lantian_core::AlarmKind;
use lantian_hj212::{Framer, FramerConfig, Packet};
use lantian_store::{AlarmFilter, Store};

use crate::{KillOnDrop, PgDb, beijing, lantian, run};

const DEVICES: usize = 24;
/// Devices whose every value exceeds the limit (one exceedance alarm each, across nodes).
const EXCEEDING: usize = 4;
/// Devices that fall silent after the kill (one offline alarm each, from the moved job).
const SILENT: usize = 3;

fn mn(i: usize) -> String {
    format!("CLUS{i:04}")
}

/// Dust monitors: real-time every second, offline after 3 s, PM10 sample limit 80.
fn register(db: &str, dir: &std::path::Path) {
    let mut devices = String::from(
        "mn,password,name,kind,owner_kind,owner_name,address,town,lon,lat,realtime_s,offline_after\n",
    );
    let mut factors =
        String::from("mn,code,name,unit,range_max,limit,window,converted,allowed_per_day,basis\n");
    for i in 0..DEVICES {
        let m = mn(i);
        devices.push_str(&format!(
            "{m},123456,工地{i},construction_dust,construction_site,工地{i},海门区,海门街道,121.17,31.89,1,3\n"
        ));
        factors.push_str(&format!(
            "{m},a34002,PM10,ug/m3,5000,80,sample,false,0,测试限值\n"
        ));
    }
    std::fs::write(dir.join("devices.csv"), devices).unwrap();
    std::fs::write(dir.join("factors.csv"), factors).unwrap();
    let (out, _, stderr) = run(lantian(db)
        .args(["device", "import"])
        .arg(dir.join("devices.csv"))
        .arg("--factors")
        .arg(dir.join("factors.csv")));
    assert!(out.status.success(), "{stderr}");
}

/// Starts a node; returns it and its HJ 212 and HTTP addresses.
fn node(db: &str, name: &str) -> (KillOnDrop, SocketAddr, SocketAddr) {
    let s = crate::serve(db, &["--node", name, "--tick", "1", "--lease-periods", "2"]);
    (s.child, s.hj212, s.http)
}

/// One HTTP/1.1 request (`Connection: close`): status and body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

fn frame(mn: &str, data_time: i64, value: u32) -> Vec<u8> {
    let seg = format!(
        "QN={}000;ST=22;CN=2011;PW=123456;MN={mn};Flag=5;CP=&&DataTime={};a34002-Rtd={value},a34002-Flag=N&&",
        beijing(data_time),
        beijing(data_time)
    );
    lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap()
}

/// Sends `f` on `s` and waits for its 9014; `None` if the connection failed.
fn send(s: &mut TcpStream, framer: &mut Framer, f: &[u8]) -> Option<()> {
    s.write_all(f).ok()?;
    let mut buf = [0u8; 2048];
    loop {
        if let Some(r) = framer.next_frame() {
            let r = r.unwrap();
            let p = Packet::parse_bytes(r.data()).unwrap();
            assert_eq!(p.cn_code(), 9014, "{}", String::from_utf8_lossy(r.data()));
            return Some(());
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => framer.push(&buf[..n]),
        }
    }
}

/// One device: a frame per second of `DataTime`, each after the previous one's answer; on a
/// lost connection it connects to the next node and sends the unanswered frame again (what a
/// real data logger does). Records the `DataTime` of every answered frame.
fn device(
    i: usize,
    nodes: Vec<SocketAddr>,
    stop: Arc<AtomicBool>,
    silent: Arc<AtomicBool>,
    comply: Arc<AtomicBool>,
    acked: Arc<Mutex<HashMap<String, Vec<i64>>>>,
    moves: Arc<Mutex<HashSet<usize>>>,
) {
    let m = mn(i);
    let start = jiff::Timestamp::now().as_second() - 600;
    let mut at = i % nodes.len();
    let mut conn: Option<(TcpStream, Framer)> = None;
    let mut seq = 0i64;
    while !stop.load(Ordering::Relaxed) {
        if i >= DEVICES - SILENT && silent.load(Ordering::Relaxed) {
            return;
        }
        if conn.is_none() {
            match TcpStream::connect(nodes[at]) {
                Ok(s) => {
                    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    conn = Some((s, Framer::new(FramerConfig::default())));
                }
                Err(_) => {
                    at = (at + 1) % nodes.len();
                    continue;
                }
            }
        }
        let t = start + seq;
        // The exceeding devices comply from the kill on: those that were on the killed node
        // end on another node an episode that node never saw begin.
        let value = if i < EXCEEDING && !comply.load(Ordering::Relaxed) {
            120
        } else {
            40
        };
        let (s, framer) = conn.as_mut().unwrap();
        if send(s, framer, &frame(&m, t, value)).is_some() {
            acked.lock().unwrap().entry(m.clone()).or_default().push(t);
            seq += 1;
            std::thread::sleep(Duration::from_millis(10));
        } else {
            conn = None;
            at = (at + 1) % nodes.len();
            moves.lock().unwrap().insert(i);
        }
    }
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn three_nodes_survive_a_sigkill_without_loss_or_duplicates() {
    let Some(pg) = PgDb::new("cluster") else {
        return;
    };
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    register(&url, dir.path());

    let plan = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/plans/haimen.toml"
    );
    let (out, _, stderr) = run(lantian(&url).args(["plan", "load", plan]));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = run(lantian(&url)
        .args(["user", "add", "ops", "--role", "office", "--password-stdin"])
        .stdin(
            std::fs::File::open({
                let p = dir.path().join("pw");
                std::fs::write(&p, "cluster-password\n").unwrap();
                p
            })
            .unwrap(),
        ));
    assert!(out.status.success(), "{stderr}");
    let mut nodes: Vec<(KillOnDrop, SocketAddr, String, SocketAddr)> = (1..=3)
        .map(|n| {
            let name = format!("node{n}");
            let (c, a, h) = node(&url, &name);
            (c, a, name, h)
        })
        .collect();
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.1).collect();
    let store = Store::open(&url).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let silent = Arc::new(AtomicBool::new(false));
    let comply = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(HashMap::new()));
    let moves = Arc::new(Mutex::new(HashSet::new()));
    let fleet: Vec<_> = (0..DEVICES)
        .map(|i| {
            let (addrs, stop, silent, comply, acked, moves) = (
                addrs.clone(),
                stop.clone(),
                silent.clone(),
                comply.clone(),
                acked.clone(),
                moves.clone(),
            );
            std::thread::spawn(move || device(i, addrs, stop, silent, comply, acked, moves))
        })
        .collect();

    // The jobs run on one node; kill that one mid-load.
    let mut holder = String::new();
    wait_until(
        "a node to take the offline job",
        Duration::from_secs(20),
        || {
            store
                .leases()
                .unwrap()
                .into_iter()
                .find(|l| l.name == "offline")
                .is_some_and(|l| {
                    holder = l.holder;
                    true
                })
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    let answered_before_kill: usize = acked.lock().unwrap().values().map(Vec::len).sum();
    let victim = nodes.iter().position(|n| n.2 == holder).unwrap();
    let (mut killed, _, killed_name, _) = nodes.remove(victim);
    comply.store(true, Ordering::Relaxed);
    killed.0.kill().unwrap(); // SIGKILL
    killed.0.wait().unwrap();
    let killed_at_ms = jiff::Timestamp::now().as_millisecond();
    assert!(answered_before_kill > 100, "{answered_before_kill}");

    // The jobs move to a surviving node.
    wait_until("the offline job to move", Duration::from_secs(20), || {
        store
            .job_runs(Some("offline"), 5)
            .unwrap()
            .iter()
            .any(|r| r.run.started_at_ms > killed_at_ms && r.run.node != killed_name)
    });
    std::thread::sleep(Duration::from_secs(2));
    // Some devices fall silent: the moved job finds them offline, once each.
    silent.store(true, Ordering::Relaxed);
    let silent_mns: HashSet<String> = (DEVICES - SILENT..DEVICES).map(mn).collect();
    wait_until(
        "the silent devices to go offline",
        Duration::from_secs(30),
        || {
            let offline: HashSet<String> = store
                .alarms(&AlarmFilter {
                    limit: 1000,
                    ..AlarmFilter::default()
                })
                .unwrap()
                .into_iter()
                .filter(|a| a.kind == AlarmKind::Offline)
                .map(|a| a.mn)
                .collect();
            silent_mns.is_subset(&offline)
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    // The alarms while the fleet still sends (once it stops, every device goes offline).
    let alarms = store
        .alarms(&AlarmFilter {
            limit: 1000,
            ..AlarmFilter::default()
        })
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    for d in fleet {
        d.join().unwrap();
    }
    // The console and the API on PostgreSQL, from a surviving node, logged in on another.
    let (h1, h2) = (nodes[0].3, nodes[1].3);
    let (status, body) = http(
        h1,
        "POST",
        "/api/v1/session",
        None,
        r#"{"username":"ops","password":"cluster-password"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let token: String = body
        .split("\"token\":\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_owned();
    for path in [
        "/",
        "/monitoring",
        "/alarms",
        "/plan",
        "/api/v1/devices",
        "/api/v1/alarms?open=true",
    ] {
        let (status, body) = http(h2, "GET", path, Some(&token), "");
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, devices) = http(h2, "GET", "/api/v1/devices", Some(&token), "");
    assert!(devices.contains("CLUS0000"), "{devices}");
    assert_eq!(http(h2, "GET", "/healthz", None, "").0, 200);

    for (mut n, _, _, _) in nodes {
        let _ = std::process::Command::new("kill")
            .arg(n.0.id().to_string())
            .status();
        assert!(n.0.wait().unwrap().success(), "a node did not stop cleanly");
    }

    // Every answered frame is stored, and each exactly once.
    let acked = Arc::try_unwrap(acked).unwrap().into_inner().unwrap();
    let (total, readings_total) = crate::assert_answered_stored(&store, &acked);
    let counts = store.monitoring_counts().unwrap();
    assert_eq!(
        counts.frames as usize, readings_total,
        "a frame re-sent after the kill was stored twice"
    );
    let moved = moves.lock().unwrap().clone();
    eprintln!(
        "{total} frames answered ({answered_before_kill} before the kill), {} devices moved to another node",
        moved.len()
    );
    assert_eq!(moved.len(), DEVICES / 3, "the killed node's devices moved");
    assert!(
        (0..EXCEEDING).any(|i| moved.contains(&i)),
        "an exceeding device moved"
    );

    // No alarm twice: one exceedance per exceeding device, one offline per silent device, no
    // offline for the devices that moved.
    let mut per: HashMap<(String, AlarmKind), usize> = HashMap::new();
    for a in &alarms {
        // Every exceedance ended, also those raised on the killed node and ended on another.
        if a.kind == AlarmKind::Exceedance {
            assert!(
                a.recovered_at_ms.is_some(),
                "{}: exceedance not recovered",
                a.mn
            );
        }
        *per.entry((a.mn.clone(), a.kind)).or_default() += 1;
    }
    for i in 0..DEVICES {
        let m = mn(i);
        let exceed = per
            .get(&(m.clone(), AlarmKind::Exceedance))
            .copied()
            .unwrap_or(0);
        let offline = per
            .get(&(m.clone(), AlarmKind::Offline))
            .copied()
            .unwrap_or(0);
        assert_eq!(exceed, usize::from(i < EXCEEDING), "{m}: exceedance alarms");
        assert_eq!(
            offline,
            usize::from(i >= DEVICES - SILENT),
            "{m}: offline alarms"
        );
    }

    // The jobs kept running on the survivors, and the lease left the dead node.
    let runs = store.job_runs(Some("offline"), 10_000).unwrap();
    let after: Vec<_> = runs
        .iter()
        .filter(|r| r.run.started_at_ms > killed_at_ms)
        .collect();
    assert!(
        after.len() >= 3,
        "{} offline runs after the kill",
        after.len()
    );
    assert!(after.iter().all(|r| r.run.node != killed_name && r.run.ok));

    let (out, stdout, _) = run(lantian(&url).args(["verify", "frames"]));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(" 0 broken chains"), "{stdout}");
}
