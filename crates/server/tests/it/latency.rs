//! Console work does not slow the devices (issue #22, finding 6): while two office users upload
//! large workbooks over HTTP, a device's frames are still answered, and the answer latency is
//! measured beside the same device's latency with nothing else going on. Every upload parse,
//! export and report build runs on the blocking pool, so the async workers that answer the
//! devices stay free. The figures are printed (`--nocapture`) for `docs/security.md`; what is
//! asserted is that every frame was answered and both uploads were answered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lantian_server::{ServeConfig, Server};
use lantian_store::{AuditEntry, NewUser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::{beijing, now};

/// A workbook of `rows` rows × 20 text columns (about 7.6 MB at 60,000 rows).
fn big_workbook(rows: u32) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for c in 0..20u16 {
        sheet.write_string(0, c, format!("列{c}")).unwrap();
    }
    for r in 1..=rows {
        for c in 0..20u16 {
            sheet
                .write_string(r, c, format!("单位{r}-{c}-演示数据"))
                .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// One HTTP/1.1 exchange with `Connection: close`; the status and the body.
async fn http(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    (status, body.unwrap_or_default())
}

/// Sends frames one at a time until `stop` (or `at_most`), each waiting for its 9014; the
/// answer latencies.
async fn device_round_trips(
    addr: std::net::SocketAddr,
    first_second: i64,
    at_most: usize,
    stop: Option<tokio::sync::watch::Receiver<bool>>,
) -> Vec<Duration> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    for i in 0..at_most {
        if stop.as_ref().is_some_and(|s| *s.borrow()) {
            break;
        }
        let t = first_second + i as i64;
        let seg = format!(
            "QN={}000;ST=22;CN=2011;PW=123456;MN=LATENCY1;Flag=5;CP=&&DataTime={};a34004-Rtd=35,a34004-Flag=N&&",
            beijing(t),
            beijing(t)
        );
        let frame = lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap();
        let sent = Instant::now();
        s.write_all(&frame).await.unwrap();
        let mut got = Vec::new();
        while !got.ends_with(b"\r\n") {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "the receiver closed the connection");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(
            String::from_utf8_lossy(&got).contains("CN=9014"),
            "frame {i} was not acknowledged"
        );
        out.push(sent.elapsed());
    }
    out
}

fn quantiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0;
    format!(
        "n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        v.len(),
        q(0.5),
        q(0.99),
        q(1.0)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_answered_while_workbooks_are_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::TestStore::new(dir.path());
    store
        .st(|s| s.upsert_devices(&[crate::abuse::device("LATENCY1")]))
        .unwrap();
    store
        .st(|s| {
            s.upsert_user(
                &NewUser {
                    username: "office".to_owned(),
                    display_name: "攻坚办".to_owned(),
                    password_hash: lantian_web::auth::hash_password("correct horse").unwrap(),
                    role: "office".to_owned(),
                    scope: None,
                    active: true,
                },
                &AuditEntry {
                    at_ms: 1,
                    actor: "test".into(),
                    action: "user.upsert".into(),
                    target: "user:office".into(),
                    detail: "{}".into(),
                },
            )
        })
        .unwrap();
    let cfg = ServeConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        Some("127.0.0.1:0".parse().unwrap()),
    );
    let server = Server::bind(store.arc(), cfg).await.unwrap();
    let hj = server.hj212_addr().unwrap();
    let web = server.http_addr().unwrap();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn({
        let s = shutdown.clone();
        async move { server.run(s).await.unwrap() }
    });

    let (status, body) = http(
        web,
        "POST /api/v1/session HTTP/1.1\r\nContent-Type: application/json",
        br#"{"username":"office","password":"correct horse"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body
        .split("\"token\":\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_owned();
    let rows: u32 = std::env::var("LANTIAN_LATENCY_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20_000);
    let book = Arc::new(big_workbook(rows));

    let start = now() - 3600;
    let idle = device_round_trips(hj, start, 200, None).await;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let busy = tokio::spawn(device_round_trips(
        hj,
        start + 1000,
        1_000_000,
        Some(stop_rx),
    ));
    let uploads: Vec<_> = (0..2)
        .map(|i| {
            let (book, token) = (book.clone(), token.clone());
            tokio::spawn(async move {
                let began = Instant::now();
                let head = format!(
                    "POST /api/v1/emergency/list/upload?name=big{i}.xlsx HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream"
                );
                let (status, _) = http(web, &head, &book).await;
                (status, began.elapsed())
            })
        })
        .collect();
    let mut took = Vec::new();
    for u in uploads {
        let (status, elapsed) = u.await.unwrap();
        // Not an emergency list (wrong columns): refused, but only after the whole workbook was
        // read, which is the work being measured.
        assert_eq!(status, 400, "the upload was answered");
        took.push(elapsed);
    }
    stop_tx.send(true).unwrap();
    let during = busy.await.unwrap();
    assert!(
        !during.is_empty(),
        "frames were answered during the uploads"
    );
    eprintln!(
        "workbook {} bytes ({rows} rows × 20 columns); uploads took {:?}",
        book.len(),
        took
    );
    eprintln!("answer latency, idle:           {}", quantiles(idle));
    eprintln!("answer latency, during uploads: {}", quantiles(during));
    shutdown.cancel();
    task.await.unwrap();
}
