//! Command codes (命令编码 CN, HJ 212-2017 Table 9, HJ/T 212-2005 changes, HJ 212-2025
//! additions (secondary source)) and the answer codes QnRtn (Table 7) and ExeRtn (Table 6).

use std::fmt;

/// Well-known CN values.
pub mod cn {
    /// 设置超时时间及重发次数 (`OverTime`, `ReCount`).
    pub const SET_TIMEOUT: u16 = 1000;
    /// 提取现场机时间 / 上传现场机时间.
    pub const GET_TIME: u16 = 1011;
    /// 设置现场机时间.
    pub const SET_TIME: u16 = 1012;
    /// 现场机时间校准请求 (notification; answer 9013 then send 1012).
    pub const TIME_CALIBRATION_REQUEST: u16 = 1013;
    /// 2025: 上位机下发新密钥 / 现场机获取新密钥 (secondary source).
    pub const KEY_EXCHANGE: u16 = 1014;
    /// 提取实时数据间隔.
    pub const GET_RTD_INTERVAL: u16 = 1061;
    /// 设置实时数据间隔.
    pub const SET_RTD_INTERVAL: u16 = 1062;
    /// 提取分钟数据间隔.
    pub const GET_MIN_INTERVAL: u16 = 1063;
    /// 设置分钟数据间隔.
    pub const SET_MIN_INTERVAL: u16 = 1064;
    /// 设置现场机密码.
    pub const SET_PASSWORD: u16 = 1072;
    /// 取 / 上传污染物实时数据.
    pub const REALTIME_DATA: u16 = 2011;
    /// 停止察看污染物实时数据.
    pub const STOP_REALTIME_DATA: u16 = 2012;
    /// 取 / 上传设备运行状态数据.
    pub const RUNNING_STATUS: u16 = 2021;
    /// 停止察看设备运行状态.
    pub const STOP_RUNNING_STATUS: u16 = 2022;
    /// 取 / 上传污染物日历史数据.
    pub const DAY_DATA: u16 = 2031;
    /// 取 / 上传设备运行时间日历史数据.
    pub const RUNNING_TIME_DAY_DATA: u16 = 2041;
    /// 取 / 上传污染物分钟数据.
    pub const MINUTE_DATA: u16 = 2051;
    /// 取 / 上传污染物小时数据.
    pub const HOUR_DATA: u16 = 2061;
    /// (2005) 上传报警事件 (notification: answer 9013).
    pub const ALARM_EVENT_2005: u16 = 2072;
    /// 上传数采仪开机时间.
    pub const LOGGER_RESTART: u16 = 2081;
    /// 提取 / 上传现场机信息.
    pub const FIELD_INFO: u16 = 3020;
    /// 请求应答 (QnRtn).
    pub const REQUEST_ANSWER: u16 = 9011;
    /// 执行结果 (ExeRtn).
    pub const EXECUTION_RESULT: u16 = 9012;
    /// 通知应答.
    pub const NOTIFICATION_ANSWER: u16 = 9013;
    /// 数据应答.
    pub const DATA_ANSWER: u16 = 9014;
    /// 2025: 心跳包 (secondary source).
    pub const HEARTBEAT: u16 = 9015;
}

/// The kind of exchange a command starts (HJ 212-2017 §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// 请求命令: platform asks, device answers 9011 (+ data) + 9012.
    Request,
    /// 上传命令: device uploads; answer 9014 when A=1.
    Upload,
    /// Both a platform request and the device's upload of the result (2011, 2051, …).
    RequestOrUpload,
    /// 通知命令: answered with 9013.
    Notification,
    /// 交互命令: 9011-9015.
    Interaction,
}

/// One entry of the command table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommandInfo {
    /// CN.
    pub code: u16,
    /// Chinese name (2017 unless marked).
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Kind.
    pub kind: CommandKind,
    /// Only in HJ/T 212-2005 (removed or changed meaning in 2017).
    pub only_2005: bool,
    /// New in HJ 212-2025 [secondary source].
    pub new_2025: bool,
}

const fn c(
    code: u16,
    name_zh: &'static str,
    name_en: &'static str,
    kind: CommandKind,
) -> CommandInfo {
    CommandInfo {
        code,
        name_zh,
        name_en,
        kind,
        only_2005: false,
        new_2025: false,
    }
}
const fn old(mut i: CommandInfo) -> CommandInfo {
    i.only_2005 = true;
    i
}
const fn new(mut i: CommandInfo) -> CommandInfo {
    i.new_2025 = true;
    i
}

use CommandKind::{
    Interaction as I, Notification as N, Request as R, RequestOrUpload as RU, Upload as U,
};

/// The command table.
pub static COMMANDS: &[CommandInfo] = &[
    c(1000, "设置超时时间及重发次数", "set timeout and retries", R),
    new(c(1002, "设置数采仪MN编码", "set logger MN", R)),
    c(1011, "提取/上传现场机时间", "get / upload device time", RU),
    c(1012, "设置现场机时间", "set device time", R),
    c(
        1013,
        "现场机时间校准请求",
        "device time-calibration request",
        N,
    ),
    new(c(
        1014,
        "上位机下发新密钥/现场机获取新密钥",
        "key exchange",
        N,
    )),
    old(c(
        1021,
        "提取污染物报警门限值",
        "get alarm thresholds (2005)",
        R,
    )),
    old(c(
        1022,
        "设置污染物报警门限值",
        "set alarm thresholds (2005)",
        R,
    )),
    c(1061, "提取实时数据间隔", "get real-time data interval", RU),
    c(1062, "设置实时数据间隔", "set real-time data interval", R),
    c(1063, "提取分钟数据间隔", "get minute data interval", RU),
    c(1064, "设置分钟数据间隔", "set minute data interval", R),
    c(1072, "设置现场机密码", "set device password", R),
    c(2011, "取/上传污染物实时数据", "real-time data", RU),
    c(2012, "停止察看污染物实时数据", "stop real-time data", N),
    new(c(2013, "取/上传原始监测数据", "raw monitoring data", RU)),
    c(
        2021,
        "取/上传设备运行状态数据",
        "equipment running status",
        RU,
    ),
    c(2022, "停止察看设备运行状态", "stop running status", N),
    c(2031, "取/上传污染物日历史数据", "daily data", RU),
    c(
        2041,
        "取/上传设备运行时间日历史数据",
        "daily running time",
        RU,
    ),
    c(2051, "取/上传污染物分钟数据", "minute data", RU),
    new(c(
        2052,
        "取/上传噪声单次测量数据",
        "noise single measurement",
        RU,
    )),
    c(2061, "取/上传污染物小时数据", "hourly data", RU),
    new(c(
        2062,
        "取/上传自动标样核查（校准）数据",
        "standard-sample check data",
        RU,
    )),
    old(c(2071, "取/上传污染物报警记录", "alarm records (2005)", RU)),
    old(c(2072, "上传报警事件", "alarm event (2005)", N)),
    c(2081, "上传数采仪开机时间", "logger restart time", U),
    new(c(
        2111,
        "上传炉膛温度5分钟均值",
        "furnace temperature 5-min mean",
        U,
    )),
    c(3011, "零点校准量程校准", "zero / span calibration", R),
    c(3012, "即时采样", "immediate sampling", R),
    c(3013, "启动清洗/反吹", "start cleaning / blowback", R),
    c(3014, "比对采样", "comparison sampling", R),
    c(3015, "超标留样", "over-limit sample retention", RU),
    c(3016, "设置采样时间周期", "set sampling period", R),
    c(3017, "提取采样时间周期", "get sampling period", RU),
    c(3018, "提取出样时间", "get sample output time", RU),
    c(3019, "提取设备唯一标识", "get equipment serial", RU),
    c(3020, "提取/上传现场机信息", "field information", RU),
    c(3021, "设置现场机参数", "set field parameters", R),
    c(9011, "请求应答", "request answer", I),
    c(9012, "执行结果", "execution result", I),
    c(9013, "通知应答", "notification answer", I),
    c(9014, "数据应答", "data answer", I),
    new(c(9015, "心跳包", "heartbeat", N)),
];

/// Look a CN up.
#[must_use]
pub fn command(code: u16) -> Option<&'static CommandInfo> {
    COMMANDS.iter().find(|c| c.code == code)
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $n:expr, $zh:expr;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A value outside the table (kept).
            Other(u16),
        }
        impl $name {
            /// From the number sent.
            #[must_use]
            pub const fn from_code(n: u16) -> Self {
                match n { $($n => $name::$v,)* n => $name::Other(n) }
            }
            /// The number to send.
            #[must_use]
            pub const fn code(self) -> u16 {
                match self { $($name::$v => $n,)* $name::Other(n) => n }
            }
            /// The standard's Chinese meaning.
            #[must_use]
            pub const fn name_zh(self) -> &'static str {
                match self { $($name::$v => $zh,)* $name::Other(_) => "未定义" }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.code())
            }
        }
    };
}

code_enum! {
    /// QnRtn (请求命令返回, HJ 212-2017 Table 7). 2005 defined only 1-3.
    QnRtn {
        /// 准备执行请求.
        Ready = 1, "准备执行请求";
        /// 请求被拒绝.
        Rejected = 2, "请求被拒绝";
        /// PW 错误.
        BadPassword = 3, "PW错误";
        /// MN 错误.
        BadMn = 4, "MN错误";
        /// ST 错误.
        BadSt = 5, "ST错误";
        /// Flag 错误.
        BadFlag = 6, "Flag错误";
        /// QN 错误.
        BadQn = 7, "QN错误";
        /// CN 错误.
        BadCn = 8, "CN错误";
        /// CRC 校验错误.
        BadCrc = 9, "CRC校验错误";
        /// 未知错误.
        Unknown = 100, "未知错误";
    }
}

code_enum! {
    /// ExeRtn (执行结果定义, HJ 212-2017 Table 6). 2005 defined 1, 2 and 100.
    ExeRtn {
        /// 执行成功.
        Success = 1, "执行成功";
        /// 执行失败，但不知道原因.
        Failed = 2, "执行失败，但不知道原因";
        /// 命令请求条件错误.
        BadCondition = 3, "命令请求条件错误";
        /// 通讯超时.
        Timeout = 4, "通讯超时";
        /// 系统繁忙不能执行.
        Busy = 5, "系统繁忙不能执行";
        /// 系统故障.
        SystemFault = 6, "系统故障";
        /// 没有数据.
        NoData = 100, "没有数据";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(
            command(2011).map(|c| c.kind),
            Some(CommandKind::RequestOrUpload)
        );
        assert!(command(9015).is_some_and(|c| c.new_2025));
        assert!(command(2072).is_some_and(|c| c.only_2005));
        assert_eq!(QnRtn::from_code(9), QnRtn::BadCrc);
        assert_eq!(QnRtn::from_code(10), QnRtn::Other(10));
        assert_eq!(ExeRtn::NoData.code(), 100);
        assert_eq!(ExeRtn::Success.name_zh(), "执行成功");
        let mut seen = std::collections::HashSet::new();
        assert!(COMMANDS.iter().all(|c| seen.insert(c.code)));
    }
}
