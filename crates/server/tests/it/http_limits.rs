//! Issue #22, finding 5 (HTTP): slow, idle and piled-up HTTP clients over real sockets. Each
//! test reproduces the attack; on `axum::serve` without limits the connections stayed open.

use std::time::{Duration, Instant};

use lantian_server::{HttpLimits, ServeConfig, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

struct Running {
    http: std::net::SocketAddr,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    _store: crate::TestStore,
    _dir: tempfile::TempDir,
}

async fn start(limits: HttpLimits) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::TestStore::new(dir.path());
    let mut cfg = ServeConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        Some("127.0.0.1:0".parse().unwrap()),
    );
    cfg.http_limits = limits;
    let server = Server::bind(store.arc(), cfg).await.unwrap();
    let http = server.http_addr().unwrap();
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    let task = tokio::spawn(async move { server.run(s).await.unwrap() });
    Running {
        http,
        shutdown,
        task,
        _store: store,
        _dir: dir,
    }
}

/// Reads until the server closes the connection; what it sent, or `None` if it was still
/// open at `deadline` (a bound for a stuck test, not a measurement).
async fn read_until_closed(s: &mut TcpStream, deadline: tokio::time::Instant) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn in_secs(s: u64) -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(s)
}

/// A whole request; the answer's status line.
async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: lantian\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let answer = read_until_closed(&mut s, in_secs(30))
        .await
        .unwrap_or_default();
    answer.lines().next().unwrap_or("").to_owned()
}

/// 200 clients that send half their headers and stop (slowloris) are closed after the header
/// timeout, while a normal request is answered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_are_closed_after_the_header_timeout() {
    let limits = HttpLimits {
        header_read_timeout: Duration::from_secs(1),
        ..HttpLimits::default()
    };
    let r = start(limits).await;
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(r.http).await.unwrap();
        s.write_all(b"GET /api/v1/stations HTTP/1.1\r\nHost: lantian\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push((Instant::now(), s));
    }
    // One that sends nothing at all (an idle keep-alive looks the same).
    slow.push((Instant::now(), TcpStream::connect(r.http).await.unwrap()));
    assert_eq!(get(r.http, "/healthz").await, "HTTP/1.1 200 OK");
    let deadline = in_secs(20);
    let mut closed = 0;
    let mut held_longest = Duration::ZERO;
    for (opened, s) in &mut slow {
        if read_until_closed(s, deadline).await.is_some() {
            closed += 1;
            held_longest = held_longest.max(opened.elapsed());
        }
    }
    assert_eq!(
        closed,
        slow.len(),
        "connections closed by the header timeout"
    );
    eprintln!(
        "MEASURED: {} half-header connections, header timeout 1 s: each held at most {:.2} s",
        slow.len(),
        held_longest.as_secs_f64()
    );
    assert_eq!(get(r.http, "/healthz").await, "HTTP/1.1 200 OK");
    // Counted by reason (the recorder is per process: other tests' connections may add).
    let mut s = TcpStream::connect(r.http).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: lantian\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let metrics = read_until_closed(&mut s, in_secs(30)).await.unwrap();
    let timeouts: u64 = metrics
        .lines()
        .find(|l| {
            l.starts_with("lantian_http_connections_closed_total")
                && l.contains(r#"reason="header_timeout""#)
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(timeouts >= 201, "{metrics}");
    r.shutdown.cancel();
    r.task.await.unwrap();
}

/// Past the connection cap a new connection is answered 503 and closed; once the held
/// connections go, requests are served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_are_refused() {
    let limits = HttpLimits {
        max_connections: 8,
        header_read_timeout: Duration::from_secs(60),
        ..HttpLimits::default()
    };
    let r = start(limits).await;
    let mut held = Vec::new();
    for _ in 0..8 {
        let mut s = TcpStream::connect(r.http).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    // The cap is counted on accept; give the accept loop the held ones first.
    let mut refused = 0;
    for _ in 0..20 {
        let mut s = TcpStream::connect(r.http).await.unwrap();
        let _ = s
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: lantian\r\n\r\n")
            .await;
        let answer = read_until_closed(&mut s, in_secs(20)).await;
        let answer = answer.expect("a connection over the cap is closed");
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 503"),
            "{answer}"
        );
        refused += 1;
    }
    assert_eq!(refused, 20);
    drop(held);
    // The server sees the held connections close; then it serves again.
    let mut status = String::new();
    for _ in 0..100 {
        status = get(r.http, "/healthz").await;
        if status == "HTTP/1.1 200 OK" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "HTTP/1.1 200 OK");
    r.shutdown.cancel();
    r.task.await.unwrap();
}

/// A request whose body never finishes arriving is answered 408 after the request timeout
/// (with the security headers), and shutdown does not wait on an idle connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_finishes_is_answered_408() {
    let limits = HttpLimits {
        request_timeout: Duration::from_secs(1),
        ..HttpLimits::default()
    };
    let r = start(limits).await;
    let mut s = TcpStream::connect(r.http).await.unwrap();
    s.write_all(
        b"POST /api/v1/session HTTP/1.1\r\nHost: lantian\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"username\":",
    )
    .await
    .unwrap();
    let started = Instant::now();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).to_lowercase();
    eprintln!(
        "MEASURED: unfinished body, request timeout 1 s: answered after {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert!(answer.starts_with("http/1.1 408"), "{answer}");
    assert!(answer.contains("content-security-policy:"), "{answer}");
    // An idle connection open: shutdown still completes.
    let _idle = TcpStream::connect(r.http).await.unwrap();
    r.shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(30), r.task)
        .await
        .expect("shutdown with an idle connection")
        .unwrap();
}
