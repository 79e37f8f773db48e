//! Times and durations in words, for the alarms' Chinese text.

use super::*;

/// A Unix time as Beijing civil time, `2024-01-01 08:00:00`.
pub(super) fn beijing(t: i64) -> String {
    let s = i128::from(t) + i128::from(BEIJING_OFFSET_S);
    let days = s.div_euclid(86_400);
    let secs = s.rem_euclid(86_400);
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A duration in Chinese: `4小时`, `1小时30分钟`, `45秒`.
pub(super) fn duration_zh(s: i64) -> String {
    let s = s.max(0);
    let (d, h, m, sec) = (s / DAY_S, s % DAY_S / 3600, s % 3600 / 60, s % 60);
    let mut out = String::new();
    if d > 0 {
        out.push_str(&format!("{d}天"));
    }
    if h > 0 {
        out.push_str(&format!("{h}小时"));
    }
    if m > 0 {
        out.push_str(&format!("{m}分钟"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}秒"));
    }
    out
}
