//! The HJ 212 TCP receiver.
//!
//! One task per connection reads bytes into a [`Framer`], checks each frame (device known,
//! password, CRC variant, `DataTime` in range) and hands data to the writer; a second task per
//! connection writes the answers, in the order the frames came, each only once the writer says
//! the frame is committed. Limits: a connection cap, overall and per address, a deadline for
//! the first authenticated frame, an idle timeout, a deadline for completing a started frame
//! (slow-loris), a per-connection frame rate (excess frames wait: the device is slowed, nothing
//! is dropped), a frame-size cap, and a cap on consecutive refused bytes (garbage), after which
//! the connection is closed.
//!
//! Authentication is throttled across connections ([`lantian_core::AuthThrottle`]), per peer
//! address and per MN, before the password is looked at: failures beyond the free ones make
//! the next attempt of that address or MN wait (the frame is held, the connection not read);
//! an address with too many failures is banned, and its frames are refused without their
//! password being checked (so guessing during a ban learns nothing) and its connections
//! closed. An MN is only slowed, never banned, so a guesser cannot lock a real device out.
//!
//! Every authentication failure (unknown MN, wrong password, wrong CRC variant, banned address)
//! gets the same answer, 9011 `QnRtn=2` (请求被拒绝, HJ 212-2017 Table 7): answering `QnRtn=4`
//! (MN错误) to an unknown MN and `QnRtn=3` (PW错误) to a wrong password told a prober which MNs
//! exist, and `QnRtn=9` to a wrong CRC variant told it the password was right. The reason is
//! kept for the operators in the refused-frames record.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lantian_core::{AuthThrottle, Reading, Refusal, ThrottlePolicy};
use lantian_hj212::{Framer, FramerConfig, Packet, QnRtn, encode};
use lantian_store::{IngestFrame, IngestOutcome, Reject};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::registry::Registry;
use crate::telemetry;
use crate::writer::{PendingFrame, WriterMsg};

/// Receiver limits.
#[derive(Debug, Clone)]
pub struct ReceiverLimits {
    /// Most simultaneous connections; more are closed on accept.
    pub max_connections: usize,
    /// Most simultaneous connections from one peer address; more are closed on accept.
    /// Devices behind one carrier NAT share an address, hence not much lower.
    pub max_connections_per_address: usize,
    /// Close a connection that has not sent an authenticated frame (registered MN, right
    /// password) this long after it was accepted. Devices send their first upload within a
    /// data interval of connecting (at most a minute for real-time data).
    pub first_frame_timeout: Duration,
    /// Close a connection that delivers no frame for this long (bytes that are not frames do
    /// not count).
    pub idle_timeout: Duration,
    /// Close a connection that leaves a started frame incomplete for this long (slow-loris).
    pub frame_timeout: Duration,
    /// Frames per second one connection may send (token bucket); excess frames wait.
    pub frames_per_second: u32,
    /// Burst of the token bucket.
    pub burst: u32,
    /// Largest data segment accepted (bytes; the standard says 1024, real devices send more).
    pub max_data_len: usize,
    /// Consecutive refused bytes (garbage, bad frames) after which the connection is closed.
    pub max_garbage_bytes: usize,
    /// Refuse data whose `DataTime` is further ahead of our clock than this (seconds).
    pub max_future_s: i64,
    /// Refuse data whose `DataTime` is older than this (seconds).
    pub max_past_s: i64,
    /// Answers a connection may have waiting for commits (frames read ahead).
    pub pipeline: usize,
    /// Refused frames recorded in the store per connection (further ones are only counted).
    pub rejects_recorded: u32,
    /// Close a connection whose peer does not take an answer within this long.
    pub write_timeout: Duration,
    /// Bytes of frames that may wait for the writer, all connections together (frames beyond
    /// wait before they are read further).
    pub max_queued_bytes: usize,
    /// Refused frames recorded per second, all connections together (beyond: only counted).
    pub rejects_per_second: u32,
    /// Close a connection after this many frames with an unknown MN, a wrong password or a
    /// wrong CRC variant (password guessing, MN probing).
    pub max_auth_failures: u32,
    /// Authentication failures per peer address (IP, not port), across connections: growing
    /// waits, then a ban during which the address's frames are refused unchecked.
    pub auth_by_address: ThrottlePolicy,
    /// Authentication failures per MN, across connections and addresses: growing waits only
    /// (no ban, so a guesser cannot lock the real device out; a right password waits out the
    /// current delay like any attempt).
    pub auth_by_mn: ThrottlePolicy,
    /// Failed authentications of a registered MN (wrong password or CRC variant, from any
    /// address, counted by `auth_by_mn`) after which a 认证失败 alarm is raised; one alarm per
    /// episode, recovered when the device authenticates again.
    pub auth_alarm_after: u32,
    /// Peer addresses of TCP load balancers in front of the receiver (`docs/deploy.md`):
    /// every device behind one shares its address, so the per-address limits (connection cap,
    /// throttle, ban) are not applied to them; the per-MN throttle still is. Empty by default.
    pub proxies: Vec<IpAddr>,
}

impl Default for ReceiverLimits {
    fn default() -> Self {
        ReceiverLimits {
            max_connections: 20_000,
            idle_timeout: Duration::from_secs(600),
            frame_timeout: Duration::from_secs(60),
            frames_per_second: 100,
            burst: 1_000,
            max_data_len: 9_999,
            max_garbage_bytes: 64 * 1024,
            max_future_s: 24 * 3600,
            max_past_s: 400 * 86_400,
            pipeline: 64,
            rejects_recorded: 20,
            write_timeout: Duration::from_secs(30),
            max_queued_bytes: 64 * 1024 * 1024,
            rejects_per_second: 100,
            max_auth_failures: 10,
            max_connections_per_address: 64,
            first_frame_timeout: Duration::from_secs(90),
            auth_by_address: ThrottlePolicy {
                free_failures: 10,
                base_delay_ms: 1_000,
                max_delay_ms: 60_000,
                ban_after: Some(30),
                ban_ms: 3_600_000,
                forget_ms: 3_600_000,
                capacity: 100_000,
            },
            auth_by_mn: ThrottlePolicy {
                free_failures: 5,
                base_delay_ms: 1_000,
                max_delay_ms: 30_000,
                ban_after: None,
                ban_ms: 0,
                forget_ms: 3_600_000,
                capacity: 100_000,
            },
            auth_alarm_after: 10,
            proxies: Vec::new(),
        }
    }
}

/// What every connection shares.
#[derive(Debug)]
pub struct Shared {
    registry: Arc<Registry>,
    writer: flume::Sender<WriterMsg>,
    limits: ReceiverLimits,
    permits: Arc<Semaphore>,
    /// Bytes of frames waiting for the writer (one permit per byte).
    queued_bytes: Arc<Semaphore>,
    /// Refused frames recorded in the store, across connections (a token bucket).
    reject_budget: std::sync::Mutex<Bucket>,
    /// Open connections per peer address.
    per_address: std::sync::Mutex<HashMap<IpAddr, usize>>,
    /// Authentication failures across connections.
    auth: std::sync::Mutex<DeviceAuth>,
}

/// The two authentication throttles, behind one lock so an attempt is counted against both
/// or neither.
#[derive(Debug)]
struct DeviceAuth {
    by_address: AuthThrottle,
    by_mn: AuthThrottle,
    /// Registered MNs with a 认证失败 alarm raised by this node and not yet recovered (at
    /// most the registry's size).
    alarmed: std::collections::HashSet<String>,
}

/// What the throttles say about one frame's authentication.
enum Admit {
    /// Check the password; the attempt is counted against the address (unless it is a
    /// listed proxy) and the MN.
    Go(Option<lantian_core::Attempt>, lantian_core::Attempt),
    /// The address (or MN) is banned: refuse without checking.
    Banned,
    /// The server is stopping.
    Stopping,
}

/// Holds one connection's place in [`Shared::per_address`].
struct AddressSlot<'a> {
    shared: &'a Shared,
    ip: IpAddr,
    /// False for a listed proxy (not counted).
    counted: bool,
}

impl Drop for AddressSlot<'_> {
    fn drop(&mut self) {
        if !self.counted {
            return;
        }
        if let Ok(mut m) = self.shared.per_address.lock()
            && let Some(n) = m.get_mut(&self.ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

impl Shared {
    /// Takes a place for a connection from `ip`; `None` when it has its most already.
    fn address_slot(&self, ip: IpAddr) -> Option<AddressSlot<'_>> {
        if self.limits.proxies.contains(&ip) {
            return Some(AddressSlot {
                shared: self,
                ip,
                counted: false,
            });
        }
        let mut m = self.per_address.lock().ok()?;
        let n = m.entry(ip).or_insert(0);
        if *n >= self.limits.max_connections_per_address.max(1) {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            shared: self,
            ip,
            counted: true,
        })
    }
}

impl Shared {
    /// Bundles the registry, the writer's channel and the limits.
    #[must_use]
    pub fn new(
        registry: Arc<Registry>,
        writer: flume::Sender<WriterMsg>,
        limits: ReceiverLimits,
    ) -> Self {
        let permits = Arc::new(Semaphore::new(limits.max_connections));
        let queued_bytes = Arc::new(Semaphore::new(limits.max_queued_bytes.max(64 * 1024)));
        let reject_budget = std::sync::Mutex::new(Bucket::new(
            limits.rejects_per_second,
            limits.rejects_per_second.saturating_mul(10),
        ));
        let auth = std::sync::Mutex::new(DeviceAuth {
            by_address: AuthThrottle::new(limits.auth_by_address),
            by_mn: AuthThrottle::new(limits.auth_by_mn),
            alarmed: std::collections::HashSet::new(),
        });
        Shared {
            registry,
            writer,
            limits,
            permits,
            queued_bytes,
            reject_budget,
            per_address: std::sync::Mutex::default(),
            auth,
        }
    }
}

/// Accepts connections until `shutdown`.
pub async fn accept_loop(
    listener: TcpListener,
    shared: Shared,
    tasks: &TaskTracker,
    shutdown: CancellationToken,
) {
    let shared = Arc::new(shared);
    while let Some((stream, peer)) = crate::accept(&listener, &shutdown, "hj212").await {
        let Ok(permit) = shared.permits.clone().try_acquire_owned() else {
            metrics::counter!("lantian_hj212_connections_closed_total", "reason" => "over_capacity").increment(1);
            drop(stream);
            continue;
        };
        metrics::counter!("lantian_hj212_connections_opened_total").increment(1);
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            // Counted in the task: the accept loop takes no lock but the semaphore's.
            let Some(slot) = shared.address_slot(peer.ip()) else {
                metrics::counter!("lantian_hj212_connections_closed_total", "reason" => "address_over_capacity").increment(1);
                drop(stream);
                drop(permit);
                return;
            };
            let reason = connection(stream, peer, &shared, shutdown).await;
            drop(slot);
            metrics::counter!("lantian_hj212_connections_closed_total", "reason" => reason)
                .increment(1);
            drop(permit);
        });
    }
}

/// An answer owed to the device, in frame order.
enum Answer {
    /// Send now.
    Now(Vec<u8>),
    /// Send when the frame is committed (nothing if the commit failed).
    AfterCommit {
        outcome: oneshot::Receiver<Result<IngestOutcome, ()>>,
        answer: Option<Vec<u8>>,
        read_at: Instant,
    },
}

async fn answer_loop(
    mut wr: tokio::net::tcp::OwnedWriteHalf,
    mut rx: mpsc::Receiver<Answer>,
    write_timeout: Duration,
) {
    // One registry lookup per connection, not per frame.
    let latency = metrics::histogram!("lantian_answer_latency_seconds");
    while let Some(a) = rx.recv().await {
        let bytes = match a {
            Answer::Now(b) => Some(b),
            Answer::AfterCommit {
                outcome,
                answer,
                read_at,
            } => match outcome.await {
                Ok(Ok(_)) => {
                    if answer.is_some() {
                        latency.record(read_at.elapsed().as_secs_f64());
                    }
                    answer
                }
                // Not committed: no answer, so the device sends it again.
                _ => None,
            },
        };
        if let Some(b) = bytes {
            // A peer that does not read its answers is closed, not waited for.
            match tokio::time::timeout(write_timeout, wr.write_all(&b)).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
    }
    let _ = tokio::time::timeout(write_timeout, wr.shutdown()).await;
}

/// Token bucket for the per-connection frame rate.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: u32, burst: u32) -> Self {
        Bucket {
            tokens: f64::from(burst.max(1)),
            rate: f64::from(rate.max(1)),
            burst: f64::from(burst.max(1)),
            last: Instant::now(),
        }
    }

    /// How long to wait before the next frame may be handled.
    fn take(&mut self) -> Duration {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

/// Per-connection state of the frame checks.
struct Conn<'a> {
    shared: &'a Shared,
    peer: String,
    answers: mpsc::Sender<Answer>,
    rejects_left: u32,
    auth_failures: u32,
    /// The peer's address: the key of the per-address throttle (`None` for a listed proxy).
    ip: Option<String>,
    /// The MN and password this connection has proven: its further frames with them skip the
    /// throttles (nothing is learnt by checking a password already known to be right).
    proven: Option<(String, String)>,
    /// Set when the connection must be closed after this frame (its address is banned).
    close: Option<&'static str>,
    shutdown: CancellationToken,
}

/// Serves one connection; returns why it ended (a metric label).
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    shutdown: CancellationToken,
) -> &'static str {
    let limits = &shared.limits;
    let (mut rd, wr) = stream.into_split();
    let (answers, answer_rx) = mpsc::channel(limits.pipeline.max(1));
    let answer_task = tokio::spawn(answer_loop(wr, answer_rx, limits.write_timeout));
    let mut conn = Conn {
        shared,
        peer: peer.to_string(),
        answers,
        rejects_left: limits.rejects_recorded,
        auth_failures: 0,
        ip: (!limits.proxies.contains(&peer.ip())).then(|| peer.ip().to_string()),
        proven: None,
        close: None,
        shutdown: shutdown.clone(),
    };
    let opened = Instant::now();
    let cfg = FramerConfig::lenient()
        .with_max_data_len(limits.max_data_len)
        .with_crc(lantian_hj212::CrcPolicy::ANY);
    let mut framer = Framer::new(cfg);
    let mut bucket = Bucket::new(limits.frames_per_second, limits.burst);
    let mut buf = vec![0u8; 4 * 1024];
    let mut partial_since: Option<Instant> = None;
    let mut garbage = 0usize;
    let mut junk_seen = 0u64;
    let mut last_frame = Instant::now();
    let reason = 'conn: loop {
        // Wait for bytes: until the idle deadline (counted from the last frame, so a trickle of
        // junk does not keep a connection), or the rest of the frame deadline when a frame is
        // half-received (short quiet periods flush devices that send no CR LF).
        let idle_left = limits.idle_timeout.saturating_sub(last_frame.elapsed());
        if idle_left.is_zero() {
            break 'conn "idle";
        }
        // Until a frame authenticates, the connection only has the first-frame deadline.
        let idle_left = if conn.proven.is_none() {
            let first_left = limits.first_frame_timeout.saturating_sub(opened.elapsed());
            if first_left.is_zero() {
                break 'conn "no_authenticated_frame";
            }
            idle_left.min(first_left)
        } else {
            idle_left
        };
        let wait = match partial_since {
            Some(t) => limits
                .frame_timeout
                .saturating_sub(t.elapsed())
                .min(Duration::from_millis(500))
                .min(idle_left),
            None => idle_left,
        };
        let read = tokio::select! {
            () = shutdown.cancelled() => {
                // A complete frame still waiting for its quiet-period flush is taken.
                framer.flush();
                Ok(Ok(usize::MAX))
            }
            r = tokio::time::timeout(wait, rd.read(&mut buf)) => r,
        };
        let stopping = matches!(read, Ok(Ok(usize::MAX)));
        match read {
            Ok(Ok(usize::MAX)) => {}
            Ok(Ok(0)) => {
                framer.finish();
            }
            Ok(Ok(n)) => framer.push(&buf[..n.min(buf.len())]),
            Ok(Err(_)) => break 'conn "io_error",
            Err(_) => match partial_since {
                None => continue,
                Some(t) if t.elapsed() >= limits.frame_timeout => break 'conn "frame_timeout",
                Some(_) => framer.flush(),
            },
        }
        let eof = matches!(read, Ok(Ok(0)));
        while let Some(item) = framer.next_frame() {
            match item {
                Ok(frame) => {
                    garbage = 0;
                    last_frame = Instant::now();
                    let bytes = frame.as_bytes();
                    let data = frame.data();
                    // Where the data segment sits in the frame (a subslice of it).
                    let start = (data.as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize);
                    let segment = start..start + data.len();
                    let raw = bytes.to_vec();
                    let variant = frame.crc_variant();
                    let wait = bucket.take();
                    if !wait.is_zero() {
                        metrics::counter!("lantian_hj212_throttled_total").increment(1);
                        tokio::time::sleep(wait).await;
                    }
                    if conn.handle(raw, segment, variant).await.is_err() {
                        break 'conn "writer_closed";
                    }
                    // Frames read ahead are not checked once the connection is to be closed
                    // (each would wait out the throttles' delay first).
                    if conn.close.is_some() || conn.auth_failures > limits.max_auth_failures {
                        break;
                    }
                }
                Err(e) => {
                    metrics::counter!("lantian_hj212_framing_errors_total", "kind" => e.kind().name())
                        .increment(1);
                    // Junk is counted below from the framer's own tally.
                    if !matches!(e.kind(), lantian_hj212::FrameErrorKind::Junk { .. }) {
                        garbage = garbage.saturating_add(e.excerpt().len().max(1));
                    }
                    tracing::debug!(peer = %conn.peer, kind = e.kind().name(), "Refused bytes.");
                }
            }
        }
        let junk = framer.stats().junk_bytes;
        garbage = garbage.saturating_add(usize::try_from(junk - junk_seen).unwrap_or(usize::MAX));
        junk_seen = junk;
        if garbage > limits.max_garbage_bytes {
            tracing::warn!(peer = %conn.peer, "Closing a connection that sends only garbage.");
            break 'conn "garbage";
        }
        if let Some(reason) = conn.close {
            tracing::warn!(peer = %conn.peer, "Closing a connection from a banned address.");
            break 'conn reason;
        }
        if conn.auth_failures > limits.max_auth_failures {
            tracing::warn!(peer = %conn.peer, "Closing a connection after repeated authentication failures.");
            break 'conn "auth_failures";
        }
        if stopping {
            break 'conn "shutdown";
        }
        if eof {
            break 'conn "closed_by_peer";
        }
        partial_since = match (framer.buffered(), partial_since) {
            (0, _) => None,
            (_, Some(t)) => Some(t),
            (_, None) => Some(Instant::now()),
        };
    };
    // Let the answer task send what is owed (after the commits), then close.
    drop(conn);
    let _ = answer_task.await;
    reason
}

/// A 1012 (设置现场机时间) request with our clock, in Beijing time, answering `p` (a 1013).
fn set_time(p: &Packet<'_>) -> Option<Vec<u8>> {
    let now = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .datetime();
    let qn = now.strftime("%Y%m%d%H%M%S%3f").to_string();
    let mut req = encode::Request::new(&qn, p.st(), p.pw().unwrap_or(""), p.mn()?);
    req.version = p.version();
    req.set_time(p.value("PolId").map(|v| v.as_str()), now)
        .encode()
        .ok()
}

impl Conn<'_> {
    /// Checks one frame and queues its answer. `Err` when the writer is gone.
    async fn handle(
        &mut self,
        raw: Vec<u8>,
        segment: std::ops::Range<usize>,
        variant: lantian_hj212::CrcVariant,
    ) -> Result<(), ()> {
        let read_at = Instant::now();
        let now_ms = jiff::Timestamp::now().as_millisecond();
        let Some(data) = raw.get(segment) else {
            telemetry::frame(0, "malformed");
            return Ok(());
        };
        // Control characters (NUL above all) belong in no field of the standard, and neither
        // database keeps NUL in text: refuse such a frame before any of it is used.
        if data.iter().any(|&b| b < 0x20 || b == 0x7f) {
            telemetry::frame(0, "control_characters");
            return self.reject(now_ms, None, "control_characters", &raw).await;
        }
        let packet = match Packet::parse_bytes(data) {
            Ok(p) => p,
            Err(e) => {
                telemetry::frame(0, "malformed");
                self.reject(now_ms, None, e.name(), &raw)
                    .await
                    .map_err(|_| ())?;
                return Ok(());
            }
        };
        let cn = packet.cn_code();
        // Answers to answers: nothing to do (a 9011/9012 with A=1 is answered below).
        if matches!(cn, 9013 | 9014) {
            telemetry::frame(cn, "interaction");
            return Ok(());
        }
        let Some(mn) = packet.mn().filter(|m| !m.is_empty()) else {
            telemetry::frame(cn, "no_mn");
            return self.reject(now_ms, None, "no_mn", &raw).await;
        };
        let device = self.shared.registry.get(mn).filter(|d| d.device.active);
        let pw = packet.pw().unwrap_or("");
        let proven = self
            .proven
            .as_ref()
            .is_some_and(|(m, p)| m == mn && p == pw);
        // The throttles come before the password is looked at; a connection's proven MN and
        // password skip them.
        let attempt = if proven {
            None
        } else {
            match self.admit(mn).await {
                Admit::Go(by_address, by_mn) => Some((by_address, by_mn)),
                Admit::Stopping => return Ok(()),
                Admit::Banned => {
                    telemetry::frame(cn, "auth_banned");
                    self.close = Some("auth_banned");
                    self.answer_now(encode::request_answer(&packet, QnRtn::Rejected).ok())
                        .await?;
                    return self.reject(now_ms, Some(mn), "auth_banned", &raw).await;
                }
            }
        };
        let refused = match &device {
            None => Some("unknown_mn"),
            Some(d) if pw != d.device.password => Some("wrong_password"),
            Some(d) if variant != d.crc => Some("crc_variant"),
            Some(_) => None,
        };
        let device = match (refused, device) {
            (None, Some(device)) => {
                if let Some((by_address, _)) = attempt {
                    // A right password: the MN's failures are forgotten; the address only
                    // gets this attempt back (one good device must not clear a guesser's
                    // count behind the same address).
                    let recovered = match self.shared.auth.lock() {
                        Ok(mut auth) => {
                            if let (Some(ip), Some(a)) = (&self.ip, &by_address) {
                                auth.by_address.release(ip, a);
                            }
                            auth.by_mn.succeed(mn);
                            auth.alarmed.remove(mn)
                        }
                        Err(_) => false,
                    };
                    self.proven = Some((mn.to_owned(), pw.to_owned()));
                    if recovered {
                        self.send(WriterMsg::Alarm(lantian_store::AlarmUpdate::Recover {
                            mn: mn.to_owned(),
                            kind: lantian_core::AlarmKind::AuthFailures,
                            factor: None,
                            at: now_ms.div_euclid(1000),
                        }))
                        .await?;
                    }
                }
                device
            }
            (reason, _) => {
                let reason = reason.unwrap_or("unknown_mn");
                telemetry::frame(cn, reason);
                self.auth_failures += 1;
                if let Some((by_address, by_mn)) = attempt {
                    if by_address.is_some_and(|a| a.bans) {
                        metrics::counter!("lantian_hj212_addresses_banned_total").increment(1);
                        tracing::warn!(peer = %self.peer, "Banned an address after repeated authentication failures.");
                    }
                    tracing::debug!(peer = %self.peer, mn, failures = by_mn.failures, reason, "Authentication failed.");
                    if reason != "unknown_mn" {
                        self.alarm_failures(mn, by_mn.failures, now_ms).await?;
                    }
                }
                // One answer for every failure, so it tells a prober nothing (module docs);
                // never a 9014, so nothing is taken as stored.
                self.answer_now(encode::request_answer(&packet, QnRtn::Rejected).ok())
                    .await?;
                return self.reject(now_ms, Some(mn), reason, &raw).await;
            }
        };
        let answer = encode::answer(&packet).ok().flatten();
        // Notifications and heartbeats (1013, 9013, 9015, …) carry no data to store.
        let is_upload = (2000..4000).contains(&cn);
        if !is_upload {
            telemetry::frame(cn, "answered");
            self.answer_now(answer).await?;
            if cn == lantian_hj212::command::cn::TIME_CALIBRATION_REQUEST {
                // 现场机时间校准请求: answer 9013, then set its clock (1012, hj212.md §7.6).
                return self.answer_now(set_time(&packet)).await;
            }
            return Ok(());
        }
        let reading = match Reading::from_packet(&packet) {
            Ok(r) => Some(r),
            Err(lantian_core::reading::ReadingError::NotData(_)) => None,
            Err(e) => {
                telemetry::frame(cn, "no_data_time");
                tracing::debug!(peer = %self.peer, mn, error = %e, "Refused a data frame.");
                return self.reject(now_ms, Some(mn), "no_data_time", &raw).await;
            }
        };
        let data_time = match &reading {
            Some(r) => Some(r.data_time),
            None => match packet.data_time() {
                Some(Ok(t)) => Some(lantian_core::reading::beijing_to_unix(t)),
                _ => None,
            },
        };
        if let Some(t) = data_time {
            let now = now_ms.div_euclid(1000);
            if t - now > self.shared.limits.max_future_s || now - t > self.shared.limits.max_past_s
            {
                telemetry::frame(cn, "time_out_of_range");
                // Not stored, so never a 9014; without an answer a device resends the frame
                // for ever. 9011 QnRtn=2 (请求被拒绝) is the standard's refusal, after which
                // the device stops (hj212.md §7: "If QnRtn ≠ 1, stop").
                self.answer_now(encode::request_answer(&packet, QnRtn::Rejected).ok())
                    .await?;
                return self
                    .reject(now_ms, Some(mn), "time_out_of_range", &raw)
                    .await;
            }
        }
        let vals = reading
            .as_ref()
            .map(|r| lantian_core::reading::encode_values(&r.values))
            .unwrap_or_default();
        // An empty QN (`QN=;`, seen in real traffic) identifies nothing.
        let qn = packet.qn().filter(|q| !q.is_empty()).map(str::to_owned);
        // Each part of a split message (拆分包) carries the same DataTime: keep them all.
        let part = match (packet.pnum(), packet.pno()) {
            (Some(n), Some(p)) if n > 1 => i64::from(p),
            _ => 0,
        };
        // The bytes this frame holds until the writer is done with it.
        let bytes = u32::try_from(raw.len() + vals.len() + 512).unwrap_or(u32::MAX);
        let Ok(budget) = self
            .shared
            .queued_bytes
            .clone()
            .acquire_many_owned(bytes)
            .await
        else {
            return Err(());
        };
        let (tx, rx) = oneshot::channel();
        let pending = PendingFrame {
            frame: IngestFrame {
                device_id: device.id,
                received_at_ms: now_ms,
                cn,
                qn,
                data_time,
                part,
                raw,
                vals,
            },
            device,
            reading,
            reply: tx,
            budget,
        };
        self.send(WriterMsg::Frame(Box::new(pending))).await?;
        self.answers
            .send(Answer::AfterCommit {
                outcome: rx,
                answer,
                read_at,
            })
            .await
            .map_err(|_| ())
    }

    /// Raises the 认证失败 alarm of the registered `mn` once its failures reach
    /// [`ReceiverLimits::auth_alarm_after`], once per episode.
    async fn alarm_failures(&self, mn: &str, failures: u32, now_ms: i64) -> Result<(), ()> {
        if failures < self.shared.limits.auth_alarm_after.max(1) {
            return Ok(());
        }
        let first = self
            .shared
            .auth
            .lock()
            .is_ok_and(|mut auth| auth.alarmed.insert(mn.to_owned()));
        if !first {
            return Ok(());
        }
        tracing::warn!(peer = %self.peer, mn, failures, "Repeated authentication failures of a registered device.");
        let now = now_ms.div_euclid(1000);
        self.send(WriterMsg::Alarm(lantian_store::AlarmUpdate::Raise(
            lantian_core::AlarmCandidate {
                mn: mn.to_owned(),
                kind: lantian_core::AlarmKind::AuthFailures,
                factor: None,
                start: now,
                end: now,
                value: None,
                limit: None,
                detail: format!(
                    "设备认证连续失败 {failures} 次（密码或 CRC 方式错误），最近一次来自 {}",
                    self.peer
                ),
                evidence: Vec::new(),
                evidence_kind: None,
            },
        )))
        .await
    }

    /// Asks the throttles whether `mn` may be authenticated from this address now, waiting
    /// out a delay (the frame is held and the connection not read meanwhile).
    async fn admit(&self, mn: &str) -> Admit {
        let mut waited = false;
        loop {
            let now_ms = jiff::Timestamp::now().as_millisecond();
            let verdict = match self.shared.auth.lock() {
                Ok(mut auth) => {
                    let by_address = match &self.ip {
                        Some(ip) => auth.by_address.check(ip, now_ms),
                        None => Ok(()),
                    };
                    let by_mn = auth.by_mn.check(mn, now_ms);
                    match (by_address, by_mn) {
                        (Ok(()), Ok(())) => Ok((
                            self.ip.as_ref().map(|ip| auth.by_address.count(ip, now_ms)),
                            auth.by_mn.count(mn, now_ms),
                        )),
                        (Err(Refusal::Banned(ms)), _) | (_, Err(Refusal::Banned(ms))) => {
                            Err(Refusal::Banned(ms))
                        }
                        (Err(a), Err(b)) => {
                            Err(Refusal::Wait(a.retry_after_ms().max(b.retry_after_ms())))
                        }
                        (Err(r), Ok(())) | (Ok(()), Err(r)) => Err(r),
                    }
                }
                Err(_) => return Admit::Stopping,
            };
            match verdict {
                Ok((a, m)) => return Admit::Go(a, m),
                Err(Refusal::Banned(_)) => return Admit::Banned,
                Err(Refusal::Wait(ms)) => {
                    if !waited {
                        metrics::counter!("lantian_hj212_auth_delayed_total").increment(1);
                        waited = true;
                    }
                    let wait = Duration::from_millis(u64::try_from(ms.max(1)).unwrap_or(1));
                    tokio::select! {
                        () = self.shutdown.cancelled() => return Admit::Stopping,
                        () = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    async fn send(&self, msg: WriterMsg) -> Result<(), ()> {
        match self.shared.writer.try_send(msg) {
            Ok(()) => Ok(()),
            Err(flume::TrySendError::Full(msg)) => {
                // The writer is behind: wait (this stops reading from the device).
                metrics::counter!("lantian_ingest_queue_full_total").increment(1);
                self.shared.writer.send_async(msg).await.map_err(|_| ())
            }
            Err(flume::TrySendError::Disconnected(_)) => Err(()),
        }
    }

    async fn answer_now(&self, answer: Option<Vec<u8>>) -> Result<(), ()> {
        match answer {
            Some(a) => self.answers.send(Answer::Now(a)).await.map_err(|_| ()),
            None => Ok(()),
        }
    }

    async fn reject(
        &mut self,
        now_ms: i64,
        mn: Option<&str>,
        reason: &str,
        raw: &[u8],
    ) -> Result<(), ()> {
        if self.rejects_left == 0 {
            return Ok(());
        }
        let allowed = self
            .shared
            .reject_budget
            .lock()
            .map(|mut b| b.take().is_zero())
            .unwrap_or(false);
        if !allowed {
            metrics::counter!("lantian_hj212_rejects_not_recorded_total").increment(1);
            return Ok(());
        }
        self.rejects_left -= 1;
        tracing::info!(peer = %self.peer, mn, reason, "Refused a frame.");
        self.send(WriterMsg::Reject(Reject {
            received_at_ms: now_ms,
            peer: self.peer.clone(),
            mn: mn.map(str::to_owned),
            reason: reason.to_owned(),
            excerpt: raw[..raw.len().min(256)].to_vec(),
        }))
        .await
    }
}
