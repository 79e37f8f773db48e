//! The floor of the HJ 212 load test: a TCP server that frames, parses and answers every data
//! upload with its 9014 at once, storing nothing and checking nothing else.
//!
//! `bench/load_hj212.sh` runs the same simulated fleet against it (`LOAD_PEER=ack-only`) to
//! show what the machine's loopback TCP and the device pattern (one frame, wait for its answer)
//! allow before any storage, so the receiver's numbers can be read as a ratio of this ceiling.
//!
//!   cargo run --release -p lantian-server --example ack_only -- 127.0.0.1:19212

use lantian_hj212::{Framer, FramerConfig, Packet, encode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:19212".to_owned());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await?;
        loop {
            let (mut stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                let mut framer = Framer::new(FramerConfig::lenient());
                let mut buf = vec![0u8; 4096];
                let mut out = Vec::with_capacity(256);
                loop {
                    let n = match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    framer.push(&buf[..n]);
                    out.clear();
                    while let Some(item) = framer.next_frame() {
                        let Ok(frame) = item else { continue };
                        let Ok(packet) = Packet::parse_bytes(frame.data()) else {
                            continue;
                        };
                        if let Ok(answer) = encode::data_answer(&packet) {
                            out.extend_from_slice(&answer);
                        }
                    }
                    if !out.is_empty() && stream.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    })
}
