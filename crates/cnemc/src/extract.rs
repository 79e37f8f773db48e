//! Hourly series of chosen stations, gathered across day files.

use jiff::civil::DateTime;
use lantian_aq::{Concentration, HourlyFrame, Pollutant};

use crate::file::{DayFile, RowType};

/// The hourly frames of a set of stations over a fixed span of hours.
#[derive(Debug, Clone)]
pub struct StationSeries {
    /// Station codes.
    pub codes: Vec<String>,
    /// One frame per code, all starting at the same hour.
    pub frames: Vec<HourlyFrame<Concentration>>,
    /// Published 24-h moving means of PM2.5 per station (for cross-checking daily means):
    /// `(hour start, value)`.
    pub published_pm25_24h: Vec<Vec<(DateTime, Concentration)>>,
}

impl StationSeries {
    /// Empty series for `codes`, covering `hours` hours from `first_hour`.
    pub fn new(codes: &[String], first_hour: DateTime, hours: usize) -> Self {
        StationSeries {
            codes: codes.to_vec(),
            frames: codes
                .iter()
                .map(|_| HourlyFrame::empty(first_hour, hours))
                .collect(),
            published_pm25_24h: codes.iter().map(|_| Vec::new()).collect(),
        }
    }

    /// Copies the stations' values out of a day file. Hours outside the span are ignored.
    pub fn add_file(&mut self, file: &DayFile) {
        for (i, code) in self.codes.iter().enumerate() {
            let Some(s) = file.station_index(code) else {
                continue;
            };
            for block in &file.hours {
                for (p, t) in RowType::HOURLY {
                    if block.has(t) {
                        self.frames[i].set(p, block.start, block.value(t, s));
                    }
                }
                if let Some(v) = block.value(RowType::Pm25_24h, s) {
                    self.published_pm25_24h[i].push((block.start, v));
                }
            }
        }
    }

    /// Merges another set gathered from other files (same codes and span).
    pub fn merge(&mut self, other: StationSeries) {
        for (i, frame) in other.frames.into_iter().enumerate() {
            for p in Pollutant::ALL {
                for (slot, v) in self.frames[i].columns[p]
                    .iter_mut()
                    .zip(frame.columns[p].iter())
                {
                    if v.is_some() {
                        *slot = *v;
                    }
                }
            }
        }
        for (i, mut v) in other.published_pm25_24h.into_iter().enumerate() {
            self.published_pm25_24h[i].append(&mut v);
        }
        for v in &mut self.published_pm25_24h {
            v.sort();
        }
    }
}
