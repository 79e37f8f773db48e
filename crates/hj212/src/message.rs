//! Typed views of the main commands ([`Packet::message`]). Unknown commands stay generic: the
//! [`Packet`] itself has everything.

use crate::command::{ExeRtn, QnRtn, cn};
use crate::packet::{Factors, Packet};
use crate::time::{TimeError, WireTime, parse_data_time};
use crate::value::Value;

/// What kind of measurement upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// 2011 实时数据 (`-Rtd`; DataTime = sampling instant).
    RealTime,
    /// 2051 分钟数据 (`-Min/-Avg/-Max/-Cou`; DataTime = interval start).
    Minute,
    /// 2061 小时数据.
    Hour,
    /// 2031 日历史数据.
    Day,
    /// 2021 设备运行状态 (`SBx-RS`).
    RunningStatus,
    /// 2041 设备运行时间日历史数据 (`SBx-RT`).
    RunningTimeDay,
    /// 3020 现场机信息 (`ixxxxx-Info`).
    FieldInfo,
    /// 2013 原始监测数据 (2025) (secondary source).
    Raw,
    /// 2052 噪声单次测量数据 (2025) (secondary source).
    NoiseSingle,
    /// 2062 自动标样核查数据 (2025) (secondary source).
    StandardCheck,
    /// 2111 炉膛温度 5 分钟均值 (2025) (secondary source).
    FurnaceTemperature,
}

impl DataKind {
    fn of(cn: u16) -> Option<DataKind> {
        Some(match cn {
            2011 => DataKind::RealTime,
            2051 => DataKind::Minute,
            2061 => DataKind::Hour,
            2031 => DataKind::Day,
            2021 => DataKind::RunningStatus,
            2041 => DataKind::RunningTimeDay,
            3020 => DataKind::FieldInfo,
            2013 => DataKind::Raw,
            2052 => DataKind::NoiseSingle,
            2062 => DataKind::StandardCheck,
            2111 => DataKind::FurnaceTemperature,
            _ => return None,
        })
    }
}

/// A measurement upload: `DataTime` and the factors.
#[derive(Debug, Clone, Copy)]
pub struct DataUpload<'a> {
    /// Which upload.
    pub kind: DataKind,
    /// `DataTime` as sent.
    pub data_time: Option<Value<'a>>,
    packet: Packet<'a>,
}

impl<'a> DataUpload<'a> {
    /// `DataTime` parsed.
    #[must_use]
    pub fn time(&self) -> Option<Result<WireTime, TimeError>> {
        self.data_time.map(|v| parse_data_time(v.as_str()))
    }
    /// The factors.
    #[must_use]
    pub fn factors(&self) -> Factors<'a> {
        self.packet.factors()
    }
}

/// A typed reading of a packet, by CN (and content where one CN serves two directions).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Message<'a> {
    /// Measurement uploads (2011, 2051, 2061, 2031, 2021, 2041, 3020, 2025's 2013/2052/2062/2111).
    Data(DataUpload<'a>),
    /// A history request (2031/2041/2051/2061 with `BeginTime`/`EndTime`).
    HistoryRequest {
        /// CN.
        cn: u16,
        /// `BeginTime`.
        begin: Option<Value<'a>>,
        /// `EndTime`.
        end: Option<Value<'a>>,
    },
    /// 2081 数采仪开机时间.
    LoggerRestart {
        /// `DataTime`.
        data_time: Option<Value<'a>>,
        /// `RestartTime`.
        restart_time: Option<Value<'a>>,
    },
    /// 1011 with `SystemTime`: the device's clock; without: a request for it.
    DeviceTime {
        /// `PolId` (an instrument; absent for the logger).
        pol_id: Option<Value<'a>>,
        /// `SystemTime` (absent in a request).
        system_time: Option<Value<'a>>,
    },
    /// 1012 设置现场机时间.
    SetTime {
        /// `PolId`.
        pol_id: Option<Value<'a>>,
        /// `SystemTime`.
        system_time: Option<Value<'a>>,
    },
    /// 1013 现场机时间校准请求: answer 9013, then send 1012.
    TimeCalibrationRequest {
        /// `PolId`.
        pol_id: Option<Value<'a>>,
    },
    /// 9011 请求应答.
    RequestAnswer {
        /// The QN answered (header, or CP in 2005 style).
        qn: Option<&'a str>,
        /// `QnRtn`.
        rtn: Option<QnRtn>,
    },
    /// 9012 执行结果.
    ExecutionResult {
        /// The QN answered.
        qn: Option<&'a str>,
        /// `ExeRtn`.
        rtn: Option<ExeRtn>,
    },
    /// 9013 通知应答.
    NotificationAnswer {
        /// The QN answered.
        qn: Option<&'a str>,
    },
    /// 9014 数据应答.
    DataAnswer {
        /// The QN answered.
        qn: Option<&'a str>,
        /// 2005 style: the CN answered (inside CP).
        cn: Option<&'a str>,
    },
    /// 9015 心跳包 (2025) (secondary source).
    Heartbeat,
    /// 1014 key exchange (2025) (secondary source): see [`crate::v2025::KeyExchange`].
    KeyExchange(crate::v2025::KeyExchange<'a>),
    /// Any other command.
    Other,
}

fn code_of(v: Option<Value<'_>>) -> Option<u16> {
    v.and_then(|v| v.as_str().parse().ok())
}

impl<'a> Packet<'a> {
    /// The typed reading of this packet.
    ///
    /// ```
    /// use lantian_hj212::{Packet, Message, QnRtn};
    /// let p = Packet::parse("QN=20231008125115215;ST=22;CN=9011;PW=123456;MN=X;Flag=4;CP=&&QnRtn=1&&").unwrap();
    /// assert!(matches!(p.message(), Message::RequestAnswer { rtn: Some(QnRtn::Ready), .. }));
    /// ```
    #[must_use]
    pub fn message(&self) -> Message<'a> {
        let p = *self;
        let answered_qn = || p.qn().or_else(|| p.value("QN").map(|v| v.as_str()));
        match p.cn_code() {
            c @ (2031 | 2041 | 2051 | 2061)
                if p.value("BeginTime").is_some() && p.value("DataTime").is_none() =>
            {
                Message::HistoryRequest {
                    cn: c,
                    begin: p.value("BeginTime"),
                    end: p.value("EndTime"),
                }
            }
            cn::LOGGER_RESTART => Message::LoggerRestart {
                data_time: p.value("DataTime"),
                restart_time: p.value("RestartTime"),
            },
            cn::GET_TIME => Message::DeviceTime {
                pol_id: p.value("PolId"),
                system_time: p.value("SystemTime"),
            },
            cn::SET_TIME => Message::SetTime {
                pol_id: p.value("PolId"),
                system_time: p.value("SystemTime"),
            },
            cn::TIME_CALIBRATION_REQUEST => Message::TimeCalibrationRequest {
                pol_id: p.value("PolId"),
            },
            cn::REQUEST_ANSWER => Message::RequestAnswer {
                qn: answered_qn(),
                rtn: code_of(p.value("QnRtn")).map(QnRtn::from_code),
            },
            cn::EXECUTION_RESULT => Message::ExecutionResult {
                qn: answered_qn(),
                rtn: code_of(p.value("ExeRtn")).map(ExeRtn::from_code),
            },
            cn::NOTIFICATION_ANSWER => Message::NotificationAnswer { qn: answered_qn() },
            cn::DATA_ANSWER => Message::DataAnswer {
                qn: answered_qn(),
                cn: p.value("CN").map(|v| v.as_str()),
            },
            cn::HEARTBEAT => Message::Heartbeat,
            cn::KEY_EXCHANGE => Message::KeyExchange(crate::v2025::KeyExchange::from_packet(&p)),
            c => match DataKind::of(c) {
                Some(kind) => Message::Data(DataUpload {
                    kind,
                    data_time: p.value("DataTime"),
                    packet: p,
                }),
                None => Message::Other,
            },
        }
    }
}
