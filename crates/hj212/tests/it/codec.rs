//! The tokio-util codec over an in-memory duplex stream.

use futures_util::{SinkExt, StreamExt};
use lantian_hj212::{FrameErrorKind, FramerConfig, Packet, codec::Hj212Codec, encode};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::data;

#[tokio::test(flavor = "current_thread")]
async fn frames_a_duplex_stream_and_answers() {
    let lines = data::lines("hj212_valid.txt");
    let mut stream = b"AT+OK\r\n".to_vec();
    stream.extend(lines.concat());
    stream.extend_from_slice(b"##0050QN=cut");
    let (mut device, platform) = tokio::io::duplex(257);
    let writer = tokio::spawn(async move {
        for chunk in stream.chunks(333) {
            device.write_all(chunk).await.unwrap();
        }
        device.shutdown().await.unwrap();
    });
    let mut frames = FramedRead::new(platform, Hj212Codec::new(FramerConfig::default()));
    let mut answers = FramedWrite::new(Vec::new(), Hj212Codec::default());
    let (mut ok, mut errors) = (0, Vec::new());
    while let Some(item) = frames.next().await {
        match item.unwrap() {
            Ok(frame) => {
                ok += 1;
                let text = frame.as_frame().text().into_owned();
                let p = Packet::parse(&text).unwrap();
                if let Some(a) = encode::answer(&p).unwrap() {
                    answers.send(a).await.unwrap();
                }
            }
            Err(e) => errors.push(e.kind().clone()),
        }
    }
    writer.await.unwrap();
    assert_eq!(ok, lines.len());
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], FrameErrorKind::Junk { len: 7 });
    assert!(matches!(errors[1], FrameErrorKind::Truncated { .. }));
    let written = answers.into_inner();
    let mut check = lantian_hj212::Framer::default();
    check.push(&written);
    let mut n = 0;
    while let Some(a) = check.next_frame() {
        assert!(a.unwrap().is_canonical());
        n += 1;
    }
    assert!(n > 0);
    assert_eq!(frames.decoder().framer().stats().frames, lines.len() as u64);
}

#[tokio::test(flavor = "current_thread")]
async fn encodes_packet_builders() {
    let mut w = FramedWrite::new(Vec::new(), Hj212Codec::default());
    let b = lantian_hj212::PacketBuilder::new(2011).st("22").mn("M");
    w.send(&b).await.unwrap();
    assert_eq!(w.into_inner(), b.encode().unwrap());
}
