//! Alarms end to end: frames over a real socket raise an exceedance with the offending frame as
//! evidence, recover when the value is back at the limit, and a silent device goes offline and
//! comes back.

use std::time::Duration;

use lantian_core::{
    AlarmKind, Averaging, Device, DeviceFactor, DeviceKind, Intervals, Limit, Owner,
};
use lantian_server::{ServeConfig, Server};
use lantian_store::{AlarmFilter, AlarmRecord};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::beijing;

fn fume() -> Device {
    Device {
        mn: "FUME01".to_owned(),
        password: "123456".to_owned(),
        name: "某饭店油烟".to_owned(),
        kind: DeviceKind::OilFume,
        generation: "2017".to_owned(),
        crc: "standard".to_owned(),
        st: "99".to_owned(),
        owner: Owner::default(),
        factors: vec![DeviceFactor {
            code: "CONC".to_owned(),
            name: "油烟浓度".to_owned(),
            unit: "mg/m3".to_owned(),
            range_max: None,
        }],
        intervals: Intervals {
            realtime_s: Some(1),
            minute_s: None,
            hourly: false,
            offline_after: 2,
        },
        limits: vec![Limit {
            factor: "CONC".to_owned(),
            averaging: Averaging::Sample,
            max: 2_000_000,
            converted: false,
            allowed_per_day: 0,
            basis: "GB 18483-2001".to_owned(),
        }],
        active: true,
    }
}

fn frame(t: i64, value: &str) -> Vec<u8> {
    let seg = format!(
        "QN={}000;ST=99;CN=2011;PW=123456;MN=FUME01;Flag=5;CP=&&DataTime={};CONC-Rtd={value},CONC-Flag=N&&",
        beijing(t),
        beijing(t)
    );
    lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap()
}

async fn send_all(s: &mut TcpStream, frames: &[Vec<u8>]) {
    let mut buf = [0u8; 4096];
    for f in frames {
        s.write_all(f).await.unwrap();
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).contains("CN=9014"));
    }
}

/// Polls until an alarm of `kind` satisfies `done`.
async fn wait_for(
    store: &crate::TestStore,
    kind: AlarmKind,
    done: impl Fn(&AlarmRecord) -> bool,
) -> AlarmRecord {
    for _ in 0..100 {
        if let Some(a) = store
            .st(|s| s.alarms(&AlarmFilter::default()))
            .unwrap()
            .into_iter()
            .find(|a| a.kind == kind && done(a))
        {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no {kind:?} alarm: {:?}",
        store.st(|s| s.alarms(&AlarmFilter::default())).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceedance_with_evidence_then_offline() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::TestStore::new(dir.path());
    store.st(|s| s.upsert_devices(&[fume()])).unwrap();
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().unwrap(), None);
    cfg.tick = Duration::from_millis(200);
    let server = Server::bind(store.arc(), cfg).await.unwrap();
    let addr = server.hj212_addr().unwrap();
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    let task = tokio::spawn(async move { server.run(s).await.unwrap() });

    let t = crate::now() - 10;
    let over = frame(t + 1, "2.35");
    let mut conn = TcpStream::connect(addr).await.unwrap();
    // 1.5 complies, 2.35 exceeds, exactly 2 (the limit) complies again.
    send_all(
        &mut conn,
        &[frame(t, "1.5"), over.clone(), frame(t + 2, "2")],
    )
    .await;

    let a = wait_for(&store, AlarmKind::Exceedance, |a| {
        a.recovered_at_ms.is_some()
    })
    .await;
    assert_eq!(
        (a.mn.as_str(), a.factor.as_deref()),
        ("FUME01", Some("CONC"))
    );
    assert_eq!((a.value, a.limit), (Some(2_350_000), Some(2_000_000)));
    let evidence = store.st(|s| s.alarm_evidence(a.id)).unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(
        evidence[0].raw, over,
        "the evidence is the frame as received"
    );
    let alarms = store.st(|s| s.alarms(&AlarmFilter::default())).unwrap();
    assert_eq!(
        alarms
            .iter()
            .filter(|a| a.kind == AlarmKind::Exceedance)
            .count(),
        1
    );

    // Silence: offline after 2 expected intervals, back online with the next frame.
    let off = wait_for(&store, AlarmKind::Offline, |_| true).await;
    assert!(off.recovered_at_ms.is_none());
    send_all(&mut conn, &[frame(crate::now(), "1.1")]).await;
    wait_for(&store, AlarmKind::Offline, |a| a.recovered_at_ms.is_some()).await;

    drop(conn);
    shutdown.cancel();
    task.await.unwrap();
}
