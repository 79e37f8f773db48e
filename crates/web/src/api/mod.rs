//! The handlers, one module per resource, and what they share: paging, output formats and
//! times in UTC and Beijing time.

pub mod air;
pub mod emergency;
pub mod enforcement;
pub mod fire;
pub mod inventory;
pub mod monitoring;
pub mod plan;
pub mod session;
pub mod towns;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use lantian_report::Tabular;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiError;

/// Output format of a list: JSON (default), CSV (UTF-8 with BOM) or an xlsx workbook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON.
    #[default]
    Json,
    /// CSV, UTF-8 with a byte-order mark.
    Csv,
    /// Excel workbook.
    Xlsx,
}

/// Paging of a list.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
pub struct Paging {
    /// Rows per page (default 100).
    pub limit: Option<usize>,
    /// Rows to skip (default 0).
    pub offset: Option<usize>,
}

impl Paging {
    /// `(limit, offset)`, checked against `max`.
    pub fn resolve(self, max: usize) -> Result<(usize, usize), ApiError> {
        let limit = self.limit.unwrap_or(100);
        if limit == 0 || limit > max {
            return Err(ApiError::field("limit", format!("must be 1 to {max}")));
        }
        Ok((limit, self.offset.unwrap_or(0)))
    }
}

/// Counts of a list answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    /// Rows that match, before paging.
    pub found: usize,
    /// Page size.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// Counts.
    pub meta: Meta,
    /// The rows.
    pub results: Vec<T>,
}

impl<T> Page<T> {
    /// The page of `all` that `limit` and `offset` select.
    pub fn of(all: Vec<T>, (limit, offset): (usize, usize)) -> Page<T> {
        Page {
            meta: Meta {
                found: all.len(),
                limit,
                offset,
            },
            results: all.into_iter().skip(offset).take(limit).collect(),
        }
    }
}

/// A moment in UTC and in Beijing time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Moment {
    /// RFC 3339, UTC.
    pub utc: String,
    /// RFC 3339, Beijing time (+08:00).
    pub local: String,
}

/// Beijing time (UTC+8, no daylight saving).
pub fn beijing() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

/// A Unix-seconds moment in both zones.
pub fn moment(unix_s: i64) -> Moment {
    match jiff::Timestamp::from_second(unix_s) {
        Ok(t) => Moment {
            utc: t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            local: t
                .to_zoned(beijing())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string(),
        },
        Err(_) => Moment {
            utc: String::new(),
            local: String::new(),
        },
    }
}

/// A Unix-milliseconds moment in both zones.
pub fn moment_ms(unix_ms: i64) -> Moment {
    moment(unix_ms.div_euclid(1000))
}

/// A required date parameter (`YYYY-MM-DD`, Beijing).
pub fn date_param(field: &str, v: Option<&str>) -> Result<Date, ApiError> {
    let v = v.ok_or_else(|| ApiError::field(field, "required (YYYY-MM-DD)"))?;
    v.parse::<Date>()
        .map_err(|_| ApiError::field(field, format!("{v:?} is not a date (YYYY-MM-DD)")))
}

/// `from`..=`to` as dates, checked: in order, and at most `max_days` long.
pub fn date_range(
    from: Option<&str>,
    to: Option<&str>,
    max_days: i32,
) -> Result<(Date, Date), ApiError> {
    let from = date_param("from", from)?;
    let to = date_param("to", to)?;
    if to < from {
        return Err(ApiError::field("to", format!("{to} is before from {from}")));
    }
    let days = to.since(from).map(|s| s.get_days()).unwrap_or(i32::MAX);
    if days >= max_days {
        return Err(ApiError::field(
            "to",
            format!("at most {max_days} days per request"),
        ));
    }
    Ok((from, to))
}

/// A list in the requested format: JSON as given, or the table as CSV or xlsx named `name`.
/// The table is built and encoded on the blocking pool ([`cpu`]), never on the async workers
/// that also answer the HJ 212 devices.
pub async fn respond<T: Serialize>(
    format: Format,
    json: T,
    table: impl FnOnce() -> Tabular + Send + 'static,
    name: &str,
) -> Result<Response, ApiError> {
    Ok(match format {
        Format::Json => axum::Json(json).into_response(),
        Format::Csv => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition(name, "csv")),
            ],
            cpu(move || table().to_csv()).await?,
        )
            .into_response(),
        Format::Xlsx => {
            let sheet = name.to_owned();
            let bytes = cpu(move || table().to_xlsx(&sheet))
                .await?
                .map_err(ApiError::internal)?;
            attachment(bytes, name)
        }
    })
}

/// Runs CPU-heavy work (parsing an upload, encoding an export, building a document) on tokio's
/// blocking pool, so that the async workers, which also answer the HJ 212 devices, stay free.
/// Work that needs the store goes through `AppState::blocking` instead, which also takes the
/// store gate.
///
/// # Errors
///
/// If the work panicked.
pub async fn cpu<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)
}

/// An xlsx workbook as a download.
pub fn attachment(xlsx: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition(name, "xlsx")),
        ],
        xlsx,
    )
        .into_response()
}

fn disposition(name: &str, ext: &str) -> String {
    // ASCII file name; the Chinese sheet names are inside the file.
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{safe}.{ext}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_in_both_zones() {
        let m = moment(1_546_300_800); // 2019-01-01T00:00:00Z
        assert_eq!(m.utc, "2019-01-01T00:00:00Z");
        assert_eq!(m.local, "2019-01-01T08:00:00+08:00");
    }

    #[test]
    fn ranges_are_checked() {
        assert!(date_range(Some("2019-01-02"), Some("2019-01-01"), 10).is_err());
        assert!(date_range(Some("2019-01-01"), Some("2019-01-11"), 10).is_err());
        assert!(date_range(Some("2019-01-01"), Some("2019-01-10"), 10).is_ok());
        let e = date_range(Some("2019-13-01"), Some("2019-01-10"), 10).err();
        assert_eq!(e.map(|e| e.status().as_u16()), Some(400));
    }
}
