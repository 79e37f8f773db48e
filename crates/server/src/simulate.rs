//! `lantian simulate`: a fleet of simulated HJ 212 devices that connect to a receiver over
//! real TCP, one connection each, and send real-time data (2011, Flag=5: answer required) with
//! diurnal patterns, occasional exceedances, maintenance-flag runs and dropouts. It measures
//! what a device sees: frames sent, 9014 answers received and the answer latency.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lantian_core::{
    Averaging, Device, DeviceFactor, DeviceKind, Intervals, Limit, Owner, OwnerKind,
};
use lantian_hj212::{Framer, FramerConfig, Packet};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// One factor a simulated device sends: code, name, unit, typical value, relative noise,
/// instrument range, and the limit (if any) with its window.
struct FactorSpec {
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    base: f64,
    noise: f64,
    decimals: usize,
    range: Option<&'static str>,
    limit: Option<(&'static str, Averaging, &'static str)>,
    /// Has a converted (折算) value.
    converted: bool,
}

const fn f(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    base: f64,
    noise: f64,
    decimals: usize,
) -> FactorSpec {
    FactorSpec {
        code,
        name,
        unit,
        base,
        noise,
        decimals,
        range: None,
        limit: None,
        converted: false,
    }
}

/// The factors of each kind (codes per HJ 212-2017 Appendix B; oil fume has no standard code,
/// `CONC` is the one a real monitor used, hj212.md §10.5).
fn factors(kind: DeviceKind) -> Vec<FactorSpec> {
    match kind {
        DeviceKind::Cems => vec![
            FactorSpec {
                range: Some("500"),
                limit: Some(("35", Averaging::Hour, "排污许可证（模拟）")),
                converted: true,
                ..f("a21026", "二氧化硫", "mg/m3", 18.0, 0.15, 2)
            },
            FactorSpec {
                range: Some("500"),
                limit: Some(("50", Averaging::Hour, "排污许可证（模拟）")),
                converted: true,
                ..f("a21002", "氮氧化物", "mg/m3", 30.0, 0.15, 2)
            },
            FactorSpec {
                range: Some("100"),
                limit: Some(("10", Averaging::Hour, "排污许可证（模拟）")),
                converted: true,
                ..f("a34013", "颗粒物", "mg/m3", 4.0, 0.2, 2)
            },
            f("a19001", "氧含量", "%", 9.5, 0.05, 2),
            f("a01012", "烟气温度", "℃", 55.0, 0.05, 1),
            f("a01013", "烟气压力", "kPa", 0.3, 0.1, 3),
            f("a01011", "烟气流速", "m/s", 12.0, 0.08, 2),
            f("a01014", "烟气湿度", "%", 8.0, 0.1, 2),
        ],
        DeviceKind::Vocs => vec![
            FactorSpec {
                range: Some("200"),
                limit: Some((
                    "6",
                    Averaging::Hour,
                    "GB 37822-2019 特别排放限值（厂区内1小时均值）",
                )),
                ..f("a24088", "非甲烷总烃", "mg/m3", 1.8, 0.25, 3)
            },
            f("a24087", "总烃", "mg/m3", 3.2, 0.2, 3),
            f("a05002", "甲烷", "mg/m3", 1.4, 0.1, 3),
            f("a01001", "温度", "℃", 18.0, 0.1, 1),
            f("a01002", "湿度", "%", 65.0, 0.1, 1),
            f("a01007", "风速", "m/s", 2.5, 0.4, 1),
            f("a01008", "风向", "°", 120.0, 0.5, 0),
        ],
        DeviceKind::ConstructionDust => vec![
            FactorSpec {
                range: Some("5000"),
                limit: Some(("80", Averaging::Hour, "DB32/4437-2022（未核实，配置值）")),
                ..f("a34002", "PM10", "ug/m3", 70.0, 0.3, 0)
            },
            f("a34004", "PM2.5", "ug/m3", 38.0, 0.3, 0),
            FactorSpec {
                range: Some("10000"),
                ..f("a34001", "TSP", "ug/m3", 150.0, 0.3, 0)
            },
            f("LA", "噪声", "dB", 62.0, 0.08, 1),
            f("a01001", "温度", "℃", 18.0, 0.1, 1),
            f("a01002", "湿度", "%", 65.0, 0.1, 1),
            f("a01006", "气压", "kPa", 101.3, 0.005, 2),
            f("a01007", "风速", "m/s", 2.5, 0.4, 1),
            f("a01008", "风向", "°", 120.0, 0.5, 0),
        ],
        DeviceKind::OilFume => vec![
            FactorSpec {
                range: Some("20"),
                limit: Some(("2.0", Averaging::Minutes(10), "GB 18483-2001")),
                ..f("CONC", "油烟浓度", "mg/m3", 0.8, 0.3, 2)
            },
            f("PM", "颗粒物", "mg/m3", 1.2, 0.3, 2),
            f("NMHC", "非甲烷总烃", "mg/m3", 3.0, 0.3, 2),
            f("FANI", "风机电流", "A", 4.5, 0.05, 2),
            f("PURI", "净化器电流", "A", 1.2, 0.05, 2),
        ],
        DeviceKind::AirMicroStation | DeviceKind::Other => vec![
            f("a34004", "PM2.5", "ug/m3", 32.0, 0.25, 0),
            f("a34002", "PM10", "ug/m3", 55.0, 0.25, 0),
            f("a21026", "SO2", "ug/m3", 6.0, 0.2, 0),
            f("a21004", "NO2", "ug/m3", 25.0, 0.25, 0),
            f("a21005", "CO", "mg/m3", 0.6, 0.2, 2),
            f("a05024", "O3", "ug/m3", 80.0, 0.3, 0),
            f("a01001", "温度", "℃", 18.0, 0.1, 1),
            f("a01002", "湿度", "%", 65.0, 0.1, 1),
            f("a01006", "气压", "kPa", 101.3, 0.005, 2),
            f("a01007", "风速", "m/s", 2.5, 0.4, 1),
            f("a01008", "风向", "°", 120.0, 0.5, 0),
        ],
    }
}

/// How many devices of each kind, and how they are named.
#[derive(Debug, Clone)]
pub struct FleetSpec {
    /// (kind, count).
    pub counts: Vec<(DeviceKind, usize)>,
    /// MN prefix; the MN is the prefix, a kind letter and a 6-digit number.
    pub mn_prefix: String,
    /// Password of every simulated device.
    pub password: String,
    /// Real-time interval the devices are registered with (seconds).
    pub realtime_s: u32,
}

impl Default for FleetSpec {
    fn default() -> Self {
        FleetSpec {
            counts: vec![
                (DeviceKind::Cems, 2),
                (DeviceKind::Vocs, 2),
                (DeviceKind::ConstructionDust, 4),
                (DeviceKind::OilFume, 4),
                (DeviceKind::AirMicroStation, 4),
            ],
            mn_prefix: "SIM".to_owned(),
            password: "123456".to_owned(),
            realtime_s: 60,
        }
    }
}

const TOWNS: [&str; 6] = [
    "海门街道",
    "三厂街道",
    "滨江街道",
    "临江镇",
    "常乐镇",
    "悦来镇",
];

/// The registry records of the fleet (register them before simulating).
#[must_use]
pub fn fleet(spec: &FleetSpec) -> Vec<Device> {
    let mut out = Vec::new();
    for (kind, n) in &spec.counts {
        let letter = match kind {
            DeviceKind::Cems => 'C',
            DeviceKind::Vocs => 'V',
            DeviceKind::ConstructionDust => 'D',
            DeviceKind::OilFume => 'F',
            DeviceKind::AirMicroStation => 'A',
            DeviceKind::Other => 'O',
        };
        let (owner_kind, owner, st) = match kind {
            DeviceKind::Cems => (OwnerKind::Enterprise, "模拟企业", "31"),
            DeviceKind::Vocs => (OwnerKind::Enterprise, "模拟化工企业", "27"),
            DeviceKind::ConstructionDust => (OwnerKind::ConstructionSite, "模拟工地", "39"),
            DeviceKind::OilFume => (OwnerKind::Restaurant, "模拟餐饮单位", "99"),
            DeviceKind::AirMicroStation | DeviceKind::Other => {
                (OwnerKind::Government, "空气微站", "22")
            }
        };
        for i in 0..*n {
            let mn = format!("{}{letter}{:06}", spec.mn_prefix, i + 1);
            let specs = factors(*kind);
            // A running index over the whole fleet, so kinds do not share spots.
            let i_f = out.len() as f64 + 0.5;
            out.push(Device {
                mn: mn.clone(),
                password: spec.password.clone(),
                name: format!("{owner}{}号 {}", i + 1, kind.zh()),
                kind: *kind,
                generation: "2017".to_owned(),
                crc: "standard".to_owned(),
                st: st.to_owned(),
                owner: Owner {
                    kind: owner_kind,
                    name: format!("{owner}{}号", i + 1),
                    address: format!("海门区模拟路{}号", i + 1),
                    town: TOWNS[i % TOWNS.len()].to_owned(),
                    // Spread around Haimen (121.17 E, 31.89 N).
                    lon: Some(121.05 + (i_f * 0.618).fract() * 0.4),
                    lat: Some(31.78 + (i_f * 0.382).fract() * 0.25),
                },
                factors: specs
                    .iter()
                    .map(|s| DeviceFactor {
                        code: s.code.to_owned(),
                        name: s.name.to_owned(),
                        unit: s.unit.to_owned(),
                        range_max: s.range.and_then(lantian_core::device::parse_micros),
                    })
                    .collect(),
                intervals: Intervals {
                    realtime_s: Some(spec.realtime_s.max(1)),
                    minute_s: None,
                    hourly: false,
                    offline_after: 5,
                },
                limits: specs
                    .iter()
                    .filter_map(|s| {
                        let (max, averaging, basis) = s.limit?;
                        Some(Limit {
                            factor: s.code.to_owned(),
                            averaging,
                            max: lantian_core::device::parse_micros(max)?,
                            converted: s.converted,
                            allowed_per_day: 0,
                            basis: basis.to_owned(),
                        })
                    })
                    .collect(),
                active: true,
            });
        }
    }
    out
}

/// How the fleet behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Receiver addresses: device `i` starts at `addrs[i % n]` and, when it cannot connect,
    /// tries the next one (several nodes without a balancer in front).
    pub addrs: Vec<SocketAddr>,
    /// The devices (from [`fleet`]).
    pub devices: Vec<Device>,
    /// Time between a device's frames (it also waits for each answer).
    pub interval: Duration,
    /// How long to run.
    pub duration: Duration,
    /// Probability per frame that an exceedance episode starts.
    pub exceed_prob: f64,
    /// Probability per frame that a maintenance-flag (M) run starts.
    pub maintenance_prob: f64,
    /// Probability per frame that the device drops its connection for a while.
    pub dropout_prob: f64,
    /// Seed.
    pub seed: u64,
    /// Spread connection set-up over this long.
    pub ramp: Duration,
    /// `DataTime` advance between a device's frames; `None`: the interval (at least 1 s).
    /// Larger steps replay time faster than the clock (e.g. so that 10-minute windows close
    /// within seconds in a demo or a test).
    pub time_step: Option<Duration>,
    /// `DataTime` of the first frames (Unix seconds); `None`: now.
    pub start: Option<i64>,
    /// Stop a device once its next `DataTime` would reach this (Unix seconds).
    pub until: Option<i64>,
}

/// What the fleet saw.
#[derive(Debug, Clone, Default)]
pub struct SimReport {
    /// Devices simulated.
    pub devices: usize,
    /// Devices that connected at least once.
    pub connected: usize,
    /// Connection attempts that failed.
    pub connect_failures: u64,
    /// Frames sent.
    pub sent: u64,
    /// 9014 answers received.
    pub acked: u64,
    /// Frames sent but not answered within 10 s (or the connection broke first).
    pub unanswered: u64,
    /// Frames sent after the ramp (steady state) and their time span, for throughput.
    pub steady_acked: u64,
    /// Length of the steady-state period.
    pub steady: Duration,
    /// Answer latencies (microseconds), sorted.
    pub latencies_us: Vec<u32>,
}

impl SimReport {
    /// A latency percentile (0–100) in milliseconds.
    #[must_use]
    pub fn latency_ms(&self, pct: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((pct / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        f64::from(self.latencies_us[i.min(self.latencies_us.len() - 1)]) / 1000.0
    }

    /// Answered frames per second in the steady state.
    #[must_use]
    pub fn throughput(&self) -> f64 {
        let s = self.steady.as_secs_f64();
        if s > 0.0 {
            self.steady_acked as f64 / s
        } else {
            0.0
        }
    }
}

/// Beijing `YYYYMMDDhhmmss` of a Unix second.
fn beijing(ts: i64) -> String {
    let t = jiff::Timestamp::from_second(ts + 8 * 3600).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    t.strftime("%Y%m%d%H%M%S").to_string()
}

struct DeviceSim {
    rng: SmallRng,
    exceed_left: u32,
    maintenance_left: u32,
    specs: Vec<FactorSpec>,
    cp: String,
}

impl DeviceSim {
    fn frame(
        &mut self,
        dev: &Device,
        qn_seq: u64,
        data_time: i64,
        step_s: i64,
        cfg: &SimConfig,
    ) -> Vec<u8> {
        if self.exceed_left == 0 && self.rng.random_bool(cfg.exceed_prob.clamp(0.0, 1.0)) {
            // An episode lasts 10 to 40 minutes of data time, so averaging windows see it.
            let minutes: i64 = self.rng.random_range(10..40);
            self.exceed_left = u32::try_from((minutes * 60 / step_s.max(1)).max(3)).unwrap_or(3);
        }
        if self.maintenance_left == 0 && self.rng.random_bool(cfg.maintenance_prob.clamp(0.0, 1.0))
        {
            self.maintenance_left = self.rng.random_range(5..30);
        }
        let hour = ((data_time + 8 * 3600).rem_euclid(86_400) / 3600) as f64;
        // Diurnal: a morning and an evening peak.
        let diurnal = 1.0
            + 0.25 * ((hour - 8.0) / 24.0 * std::f64::consts::TAU).cos()
            + 0.15 * ((hour - 19.0) / 12.0 * std::f64::consts::TAU).cos();
        let flag = if self.maintenance_left > 0 { "M" } else { "N" };
        let time = beijing(data_time);
        let cp = &mut self.cp;
        cp.clear();
        let _ = write!(cp, "DataTime={time}");
        for (i, s) in self.specs.iter().enumerate() {
            let noise = 1.0 + s.noise * (self.rng.random::<f64>() * 2.0 - 1.0);
            let mut v = (s.base * diurnal * noise).max(0.0);
            if i == 0 && self.exceed_left > 0 {
                v *= 3.0;
            }
            let prec = s.decimals;
            let _ = write!(cp, ";{}-Rtd={v:.prec$}", s.code);
            if s.converted {
                let _ = write!(cp, ",{}-ZsRtd={v:.prec$}", s.code);
            }
            let _ = write!(cp, ",{}-Flag={flag}", s.code);
        }
        self.exceed_left = self.exceed_left.saturating_sub(1);
        self.maintenance_left = self.maintenance_left.saturating_sub(1);
        let seg = format!(
            "QN={time}{:03};ST={};CN=2011;PW={};MN={};Flag=5;CP=&&{cp}&&",
            qn_seq % 1000,
            if dev.st.is_empty() { "22" } else { &dev.st },
            dev.password,
            dev.mn
        );
        lantian_hj212::encode::encode_frame(seg.as_bytes()).unwrap_or_default()
    }
}

#[derive(Default)]
struct Tally {
    connected: bool,
    connect_failures: u64,
    sent: u64,
    acked: u64,
    unanswered: u64,
    steady_acked: u64,
    latencies_us: Vec<u32>,
}

async fn run_device(
    index: usize,
    dev: Device,
    cfg: std::sync::Arc<SimConfig>,
    steady_from: Instant,
    end: Instant,
    shutdown: CancellationToken,
) -> Tally {
    let mut t = Tally::default();
    let mut sim = DeviceSim {
        rng: SmallRng::seed_from_u64(cfg.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        exceed_left: 0,
        maintenance_left: 0,
        specs: factors(dev.kind),
        cp: String::with_capacity(1024),
    };
    // Spread connections over the ramp.
    let n = cfg.devices.len().max(1) as f64;
    tokio::time::sleep(cfg.ramp.mul_f64(index as f64 / n)).await;
    let step = cfg.time_step.unwrap_or(cfg.interval).as_secs().max(1) as i64;
    let mut data_time = cfg
        .start
        .unwrap_or_else(|| jiff::Timestamp::now().as_second())
        / step
        * step;
    let mut seq: u64 = 0;
    let mut buf = vec![0u8; 4096];
    let mut at = index;
    'outer: while Instant::now() < end && !shutdown.is_cancelled() {
        let Some(addr) = cfg.addrs.get(at % cfg.addrs.len().max(1)).copied() else {
            break;
        };
        let mut stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                t.connect_failures += 1;
                at = at.wrapping_add(1);
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        t.connected = true;
        let mut framer = Framer::new(FramerConfig::default());
        let mut next = Instant::now();
        loop {
            if Instant::now() >= end
                || shutdown.is_cancelled()
                || cfg.until.is_some_and(|u| data_time >= u)
            {
                break 'outer;
            }
            let frame = sim.frame(&dev, seq, data_time, step, &cfg);
            seq += 1;
            data_time += step;
            let sent_at = Instant::now();
            if stream.write_all(&frame).await.is_err() {
                t.unanswered += 1;
                continue 'outer;
            }
            t.sent += 1;
            // Wait for the 9014 that echoes this frame.
            let answered = tokio::time::timeout(Duration::from_secs(10), async {
                loop {
                    while let Some(item) = framer.next_frame() {
                        if let Ok(fr) = item {
                            if let Ok(p) = Packet::parse_bytes(fr.data()) {
                                if p.cn_code() == 9014 {
                                    return true;
                                }
                            }
                        }
                    }
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return false,
                        Ok(n) => framer.push(&buf[..n]),
                    }
                }
            })
            .await;
            if answered == Ok(true) {
                t.acked += 1;
                if sent_at >= steady_from {
                    t.steady_acked += 1;
                }
                t.latencies_us
                    .push(sent_at.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            } else {
                t.unanswered += 1;
                continue 'outer;
            }
            if sim.rng.random_bool(cfg.dropout_prob.clamp(0.0, 1.0)) {
                drop(stream);
                tokio::time::sleep(cfg.interval * sim.rng.random_range(2..10)).await;
                continue 'outer;
            }
            next += cfg.interval;
            tokio::time::sleep_until(next.into()).await;
        }
    }
    t
}

/// Runs the fleet until `duration` has passed (or `shutdown`).
pub async fn run(cfg: SimConfig, shutdown: CancellationToken) -> SimReport {
    let start = Instant::now();
    let steady_from = start + cfg.ramp;
    let end = start + cfg.ramp + cfg.duration;
    let cfg = std::sync::Arc::new(cfg);
    let mut set = tokio::task::JoinSet::new();
    for (i, dev) in cfg.devices.iter().cloned().enumerate() {
        set.spawn(run_device(
            i,
            dev,
            cfg.clone(),
            steady_from,
            end,
            shutdown.clone(),
        ));
    }
    let mut r = SimReport {
        devices: cfg.devices.len(),
        ..SimReport::default()
    };
    while let Some(res) = set.join_next().await {
        if let Ok(t) = res {
            r.connected += usize::from(t.connected);
            r.connect_failures += t.connect_failures;
            r.sent += t.sent;
            r.acked += t.acked;
            r.unanswered += t.unanswered;
            r.steady_acked += t.steady_acked;
            r.latencies_us.extend(t.latencies_us);
        }
    }
    r.steady = end
        .saturating_duration_since(steady_from)
        .min(Instant::now().saturating_duration_since(steady_from));
    r.latencies_us.sort_unstable();
    r
}
