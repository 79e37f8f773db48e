//! The AQI of the real-time report (实时报, hourly) and of the daily report (日报), for both
//! generations of HJ 633 (standards.md §1.2–§1.5).
//!
//! | product | HJ 633-2012 | HJ 633-2026 |
//! |---|---|---|
//! | hourly | SO2/NO2/CO/O3 1-h, O3 8-h sliding, PM10/PM2.5 24-h sliding (Table 4) — or, as CNEMC publishes, the six 1-h values ([`RealTimeMethod2012`]) | the six 1-h values; PM on the daily breakpoints |
//! | daily | SO2/NO2/PM10/PM2.5/CO 24-h, O3 max 1-h, O3 MDA8 | the five 24-h means and O3 MDA8 |
//!
//! Special rules: SO2 1-h > 800 µg/m³ → IAQI from the SO2 24-h value (2012) or 200 (2026 and
//! CNEMC practice); O3 8-h > 800 µg/m³ → the O3 1-h IAQI (2012) or 300 (2026).

use std::fmt;

use crate::conc::{Concentration, Exact, MICROS_PER_UNIT};
use crate::iaqi::{Averaging, Indicator, Lookup, lookup_exact, lookup_micros};
use crate::level::AqiLevel;
use crate::pollutant::{Pollutant, PollutantMap, PollutantSet};
use crate::rules::{AqiStandard, Config, MissingPolicy, RealTimeMethod2012, RuleSet};

/// A concentration entering the AQI: measured (a 1-h value as reported) or derived (a mean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value {
    /// A measured value, exact to the millionth.
    Measured(Concentration),
    /// A derived statistic, exact.
    Derived(Exact),
}

impl Value {
    /// The exact value.
    pub fn exact(&self) -> Exact {
        match self {
            Value::Measured(c) => c.exact(),
            Value::Derived(e) => *e,
        }
    }
}

/// A concentration the AQI rules can work on: measured ([`Concentration`]) or derived
/// ([`Exact`]). The rules are written once, generic over this trait, so the bulk path on
/// measured values stays in integers.
trait AqiInput: Copy + fmt::Display + Into<Value> {
    fn lookup(&self, standard: AqiStandard, indicator: Indicator) -> Lookup;
    fn exceeds_units(&self, units: i64) -> bool;
    fn exceeds(&self, limit: Concentration) -> bool;
    /// GB/T 8170 rounding to the pollutant's reporting precision (HJ 633-2026 §4.2.2).
    fn rounded(&self, pollutant: Pollutant) -> Self;
}

impl AqiInput for Concentration {
    fn lookup(&self, standard: AqiStandard, indicator: Indicator) -> Lookup {
        lookup_micros(standard, indicator.column(), self.micros())
    }
    fn exceeds_units(&self, units: i64) -> bool {
        self.micros() > units * MICROS_PER_UNIT
    }
    fn exceeds(&self, limit: Concentration) -> bool {
        *self > limit
    }
    fn rounded(&self, pollutant: Pollutant) -> Self {
        let step = MICROS_PER_UNIT / 10i64.pow(pollutant.reporting_decimals());
        let (q, r) = (self.micros() / step, self.micros() % step);
        let q = match (2 * r).cmp(&step) {
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Equal if q % 2 == 1 => q + 1,
            _ => q,
        };
        // Rounding a valid concentration keeps it non-negative and in range.
        Concentration::from_micros(q * step).unwrap_or(*self)
    }
}

impl AqiInput for Exact {
    fn lookup(&self, standard: AqiStandard, indicator: Indicator) -> Lookup {
        lookup_exact(standard, indicator.column(), self)
    }
    fn exceeds_units(&self, units: i64) -> bool {
        *self > Exact::from_integer(units)
    }
    fn exceeds(&self, limit: Concentration) -> bool {
        *self > limit.exact()
    }
    fn rounded(&self, pollutant: Pollutant) -> Self {
        Exact::rounded(self, pollutant.reporting_decimals())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Measured(c) => c.fmt(f),
            Value::Derived(e) => e.fmt(f),
        }
    }
}

impl From<Concentration> for Value {
    fn from(c: Concentration) -> Self {
        Value::Measured(c)
    }
}

impl From<Exact> for Value {
    fn from(e: Exact) -> Self {
        Value::Derived(e)
    }
}

/// Why an AQI could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AqiError {
    /// A concentration is beyond any plausible ambient value ([`Config::implausible_above`]):
    /// probably a unit or decimal-point error upstream.
    #[error("implausible {indicator} concentration {value} (above {limit})")]
    Implausible {
        /// The indicator.
        indicator: Indicator,
        /// The value, as given.
        value: String,
        /// The configured plausibility limit.
        limit: Concentration,
    },
}

/// A note on how an IAQI was obtained, when a special rule applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IaqiNote {
    /// The concentration was above the table's last breakpoint; IAQI capped at 500 ("爆表").
    BeyondTable,
    /// SO2 1-h > 800 µg/m³: IAQI taken as 200 (HJ 633-2026 note b; CNEMC practice in 2019).
    So2Over800As200,
    /// SO2 1-h > 800 µg/m³: IAQI taken from the SO2 24-h value (HJ 633-2012 note 2).
    So2Over800From24h,
    /// O3 8-h > 800 µg/m³: IAQI taken as 300 (HJ 633-2026 note c).
    O3Over800As300,
    /// O3 8-h > 800 µg/m³: IAQI taken from the O3 1-h value (HJ 633-2012 note 3).
    O3Over800From1h,
}

/// One pollutant's part of an AQI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IaqiEntry {
    /// The indicator.
    pub indicator: Indicator,
    /// The concentration used (after input rounding where the rules require it).
    pub value: Value,
    /// The IAQI, rounded up.
    pub iaqi: u16,
    /// A special rule that applied.
    pub note: Option<IaqiNote>,
}

/// The most indicators one product has (HJ 633-2012 daily report: 7).
const MAX_ENTRIES: usize = 8;

/// Real-time (hourly) or daily report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// 实时报.
    RealTime,
    /// 日报.
    Daily,
}

/// An AQI with its parts: the single-pollutant IAQIs, the AQI (or `NA`), level and category,
/// primary pollutants, and (2012 only) non-attainment pollutants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AqiReport {
    /// Which report.
    pub product: Product,
    /// Which HJ 633.
    pub standard: AqiStandard,
    entries: [Option<IaqiEntry>; MAX_ENTRIES],
    /// The AQI; `None` is `NA` (no pollutant, or HJ 633-2026 §5.3.1).
    pub aqi: Option<u16>,
    /// The largest IAQI, published or not.
    pub max_iaqi: Option<u16>,
    /// Pollutants missing (neither given nor declared not monitored).
    pub missing: PollutantSet,
}

impl AqiReport {
    /// The single-pollutant parts.
    pub fn entries(&self) -> impl Iterator<Item = &IaqiEntry> {
        self.entries.iter().flatten()
    }

    /// The IAQI of an indicator, if it was computed.
    pub fn iaqi(&self, indicator: Indicator) -> Option<u16> {
        self.entries()
            .find(|e| e.indicator == indicator)
            .map(|e| e.iaqi)
    }

    /// The level, unless the AQI is `NA`.
    pub fn level(&self) -> Option<AqiLevel> {
        self.aqi.map(AqiLevel::from_aqi)
    }

    /// 首要污染物: the indicators with the largest IAQI, only when the AQI is > 50; several when
    /// tied (并列).
    pub fn primary(&self) -> Vec<Indicator> {
        match self.aqi {
            Some(aqi) if aqi > 50 => self
                .entries()
                .filter(|e| e.iaqi == aqi)
                .map(|e| e.indicator)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// 超标污染物 (HJ 633-2012 only): indicators with IAQI > 100. Empty under HJ 633-2026,
    /// which removed the concept.
    pub fn non_attainment(&self) -> Vec<Indicator> {
        match self.standard {
            AqiStandard::Hj633_2012 => self
                .entries()
                .filter(|e| e.iaqi > 100)
                .map(|e| e.indicator)
                .collect(),
            AqiStandard::Hj633_2026 => Vec::new(),
        }
    }
}

/// Concentrations for one hour's real-time AQI of one station or area.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HourlyInputs {
    /// The 1-h means of the six pollutants.
    pub hour: PollutantMap<Option<Concentration>>,
    /// 24-h sliding means ending this hour (SO2, PM10, PM2.5 are used: HJ 633-2012 Table 4 only).
    pub sliding_24h: PollutantMap<Option<Exact>>,
    /// O3 8-h sliding mean ending this hour (HJ 633-2012 Table 4 only).
    pub o3_8h: Option<Exact>,
    /// Pollutants not in the station's monitoring plan (HJ 633-2026 §5.3.2): not "missing".
    pub not_monitored: PollutantSet,
}

/// Concentrations for one day's daily AQI of one station or area.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DailyInputs {
    /// Daily (24-h) means; the O3 entry is not used.
    pub mean_24h: PollutantMap<Option<Exact>>,
    /// O3 daily maximum 8-h mean (MDA8).
    pub o3_mda8: Option<Exact>,
    /// O3 daily maximum 1-h value (used by HJ 633-2012 only).
    pub o3_max_1h: Option<Exact>,
    /// Pollutants not in the station's monitoring plan.
    pub not_monitored: PollutantSet,
}

/// Where computed IAQIs go: a full report, or only the maximum (the fast path).
trait Sink {
    fn push<V: AqiInput>(
        &mut self,
        indicator: Indicator,
        value: V,
        iaqi: u16,
        note: Option<IaqiNote>,
    );
    fn max(&self) -> Option<u16>;
}

/// Keeps every entry, for a full [`AqiReport`].
struct Entries {
    items: [Option<IaqiEntry>; MAX_ENTRIES],
    len: usize,
}

impl Sink for Entries {
    fn push<V: AqiInput>(
        &mut self,
        indicator: Indicator,
        value: V,
        iaqi: u16,
        note: Option<IaqiNote>,
    ) {
        if self.len < MAX_ENTRIES {
            self.items[self.len] = Some(IaqiEntry {
                indicator,
                value: value.into(),
                iaqi,
                note,
            });
            self.len += 1;
        }
    }
    fn max(&self) -> Option<u16> {
        self.items.iter().flatten().map(|e| e.iaqi).max()
    }
}

/// Keeps only the largest IAQI.
struct MaxOnly(Option<u16>);

impl Sink for MaxOnly {
    fn push<V: AqiInput>(&mut self, _: Indicator, _: V, iaqi: u16, _: Option<IaqiNote>) {
        self.0 = Some(self.0.map_or(iaqi, |m| m.max(iaqi)));
    }
    fn max(&self) -> Option<u16> {
        self.0
    }
}

struct Builder<'c, S> {
    standard: AqiStandard,
    config: &'c Config,
    round_inputs: bool,
    sink: S,
    present: PollutantSet,
}

impl<'c, S: Sink> Builder<'c, S> {
    fn new(standard: AqiStandard, config: &'c Config, sink: S) -> Self {
        Builder {
            standard,
            config,
            round_inputs: config.rounds_inputs(standard),
            sink,
            present: PollutantSet::EMPTY,
        }
    }

    fn check<V: AqiInput>(&self, indicator: Indicator, value: &V) -> Result<(), AqiError> {
        let limit = self.config.implausible_above[indicator.pollutant];
        if value.exceeds(limit) {
            return Err(AqiError::Implausible {
                indicator,
                value: value.to_string(),
                limit,
            });
        }
        Ok(())
    }

    fn prepare<V: AqiInput>(&self, indicator: Indicator, value: V) -> Result<V, AqiError> {
        self.check(indicator, &value)?;
        Ok(if self.round_inputs {
            value.rounded(indicator.pollutant)
        } else {
            value
        })
    }

    /// The plain table IAQI with the beyond-table cap.
    fn table_iaqi<V: AqiInput>(
        &self,
        indicator: Indicator,
        value: &V,
    ) -> Option<(u16, Option<IaqiNote>)> {
        match value.lookup(self.standard, indicator) {
            Lookup::Iaqi(v) => Some((v, None)),
            Lookup::AboveTable if self.config.cap_beyond_table_at_500 => {
                Some((500, Some(IaqiNote::BeyondTable)))
            }
            Lookup::AboveTable => None,
        }
    }

    fn push<V: AqiInput>(
        &mut self,
        indicator: Indicator,
        value: V,
        iaqi: u16,
        note: Option<IaqiNote>,
    ) {
        self.sink.push(indicator, value, iaqi, note);
        self.present.insert(indicator.pollutant);
    }

    /// Adds an indicator looked up in its own column.
    fn plain<V: AqiInput>(
        &mut self,
        indicator: Indicator,
        value: Option<V>,
    ) -> Result<(), AqiError> {
        if let Some(v) = value {
            let v = self.prepare(indicator, v)?;
            self.push_table(indicator, v);
        }
        Ok(())
    }

    /// Pushes a prepared value's table IAQI (if it has one).
    fn push_table<V: AqiInput>(&mut self, indicator: Indicator, v: V) {
        if let Some((iaqi, note)) = self.table_iaqi(indicator, &v) {
            self.push(indicator, v, iaqi, note);
        }
    }

    /// SO2 1-h with its > 800 rule; `fallback_24h` is the 24-h value for the HJ 633-2012 rule,
    /// `None` for "take 200".
    fn so2_1h<V: AqiInput, W: AqiInput>(
        &mut self,
        value: Option<V>,
        fallback_24h: Option<Option<W>>,
    ) -> Result<(), AqiError> {
        let ind = Indicator::new(Pollutant::So2, Averaging::Hour1);
        let Some(v) = value else { return Ok(()) };
        let v = self.prepare(ind, v)?;
        if !v.exceeds_units(800) {
            self.push_table(ind, v);
            return Ok(());
        }
        match fallback_24h {
            None => self.push(ind, v, 200, Some(IaqiNote::So2Over800As200)),
            Some(Some(v24)) => {
                let ind24 = Indicator::new(Pollutant::So2, Averaging::Hour24);
                let v24 = self.prepare(ind24, v24)?;
                if let Some((iaqi, _)) = self.table_iaqi(ind24, &v24) {
                    self.push(ind, v, iaqi, Some(IaqiNote::So2Over800From24h));
                }
            }
            // No 24-h value to fall back on: the SO2 IAQI cannot be given.
            Some(None) => {}
        }
        Ok(())
    }

    /// O3 8-h with its > 800 rule.
    fn o3_8h<V: AqiInput, W: AqiInput>(
        &mut self,
        value: Option<V>,
        o3_1h: Option<W>,
    ) -> Result<(), AqiError> {
        let ind = Indicator::new(Pollutant::O3, Averaging::Hour8);
        let Some(v) = value else { return Ok(()) };
        let v = self.prepare(ind, v)?;
        if !v.exceeds_units(800) {
            self.push_table(ind, v);
            return Ok(());
        }
        match self.standard {
            AqiStandard::Hj633_2026 => self.push(ind, v, 300, Some(IaqiNote::O3Over800As300)),
            AqiStandard::Hj633_2012 => {
                if let Some(v1) = o3_1h {
                    let ind1 = Indicator::new(Pollutant::O3, Averaging::Hour1);
                    let v1 = self.prepare(ind1, v1)?;
                    if let Some((iaqi, _)) = self.table_iaqi(ind1, &v1) {
                        self.push(ind, v, iaqi, Some(IaqiNote::O3Over800From1h));
                    }
                }
            }
        }
        Ok(())
    }

    /// The AQI (or `NA`), the largest IAQI and the missing pollutants.
    fn outcome(&self, not_monitored: PollutantSet) -> (Option<u16>, Option<u16>, PollutantSet) {
        let max_iaqi = self.sink.max();
        let missing: PollutantSet = Pollutant::ALL
            .into_iter()
            .filter(|p| !self.present.contains(*p) && !not_monitored.contains(*p))
            .collect();
        let aqi = match self.config.missing_policy(self.standard) {
            MissingPolicy::ComputeFromAvailable => max_iaqi,
            MissingPolicy::Hj633_2026 if missing.is_empty() => max_iaqi,
            MissingPolicy::Hj633_2026 => max_iaqi.filter(|v| *v > 100),
        };
        (aqi, max_iaqi, missing)
    }
}

impl Builder<'_, Entries> {
    fn finish(self, product: Product, not_monitored: PollutantSet) -> AqiReport {
        let (aqi, max_iaqi, missing) = self.outcome(not_monitored);
        AqiReport {
            product,
            standard: self.standard,
            entries: self.sink.items,
            aqi,
            max_iaqi,
            missing,
        }
    }
}

/// The real-time (hourly) AQI under the rules of `rules` (see the module docs for the method).
pub fn hourly_aqi(
    inputs: &HourlyInputs,
    rules: RuleSet,
    config: &Config,
) -> Result<AqiReport, AqiError> {
    let sink = Entries {
        items: [None; MAX_ENTRIES],
        len: 0,
    };
    let b = hourly_into(inputs, rules, config, sink)?;
    Ok(b.finish(Product::RealTime, inputs.not_monitored))
}

/// Only the real-time AQI value (`None` is `NA`): the same rules as [`hourly_aqi`] without
/// building the report, for bulk recomputation.
pub fn hourly_aqi_value(
    inputs: &HourlyInputs,
    rules: RuleSet,
    config: &Config,
) -> Result<Option<u16>, AqiError> {
    let b = hourly_into(inputs, rules, config, MaxOnly(None))?;
    Ok(b.outcome(inputs.not_monitored).0)
}

fn hourly_into<'c, S: Sink>(
    inputs: &HourlyInputs,
    rules: RuleSet,
    config: &'c Config,
    sink: S,
) -> Result<Builder<'c, S>, AqiError> {
    use Averaging::*;
    use Pollutant::*;
    let standard = rules.aqi_standard();
    let mut b = Builder::new(standard, config, sink);
    let h = |p: Pollutant| inputs.hour[p];
    let letter_2012 = standard == AqiStandard::Hj633_2012
        && config.real_time_method_2012 == RealTimeMethod2012::Hj633Table4;
    if letter_2012 {
        let s24 = |p: Pollutant| inputs.sliding_24h[p];
        b.so2_1h(h(So2), Some(s24(So2)))?;
        b.plain(Indicator::new(No2, Hour1), h(No2))?;
        b.plain(Indicator::new(Co, Hour1), h(Co))?;
        b.plain(Indicator::new(O3, Hour1), h(O3))?;
        b.o3_8h(inputs.o3_8h, h(O3))?;
        b.plain(Indicator::new(Pm10, Hour24), s24(Pm10))?;
        b.plain(Indicator::new(Pm25, Hour24), s24(Pm25))?;
    } else {
        // HJ 633-2026 §4.2.3, and CNEMC's practice under HJ 633-2012: the six 1-h values,
        // particulates on the 24-h breakpoints, SO2 > 800 taken as 200.
        b.so2_1h(h(So2), None::<Option<Exact>>)?;
        b.plain(Indicator::new(No2, Hour1), h(No2))?;
        b.plain(Indicator::new(Pm10, Hour1), h(Pm10))?;
        b.plain(Indicator::new(Co, Hour1), h(Co))?;
        b.plain(Indicator::new(O3, Hour1), h(O3))?;
        b.plain(Indicator::new(Pm25, Hour1), h(Pm25))?;
    }
    Ok(b)
}

/// The daily AQI (日报) under the rules of `rules`.
pub fn daily_aqi(
    inputs: &DailyInputs,
    rules: RuleSet,
    config: &Config,
) -> Result<AqiReport, AqiError> {
    use Averaging::*;
    use Pollutant::*;
    let standard = rules.aqi_standard();
    let sink = Entries {
        items: [None; MAX_ENTRIES],
        len: 0,
    };
    let mut b = Builder::new(standard, config, sink);
    let d = |p: Pollutant| inputs.mean_24h[p];
    for p in [So2, No2, Pm10, Co] {
        b.plain(Indicator::new(p, Hour24), d(p))?;
    }
    let o3_1h = inputs.o3_max_1h;
    if standard == AqiStandard::Hj633_2012 {
        b.plain(Indicator::new(O3, Hour1), o3_1h)?;
    }
    b.o3_8h(inputs.o3_mda8, o3_1h)?;
    b.plain(Indicator::new(Pm25, Hour24), d(Pm25))?;
    Ok(b.finish(Product::Daily, inputs.not_monitored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iaqi::Averaging::*;
    use Pollutant::*;

    fn c(s: &str) -> Concentration {
        Concentration::parse(s).unwrap()
    }
    fn e(s: &str) -> Exact {
        c(s).exact()
    }

    fn daily_example() -> DailyInputs {
        // standards.md §1.7 (d).
        let mut d = DailyInputs::default();
        d.mean_24h[So2] = Some(e("12"));
        d.mean_24h[No2] = Some(e("45"));
        d.mean_24h[Pm10] = Some(e("98"));
        d.mean_24h[Pm25] = Some(e("68"));
        d.mean_24h[Co] = Some(e("0.9"));
        d.o3_mda8 = Some(e("172"));
        d.o3_max_1h = Some(e("210"));
        d
    }

    #[test]
    fn daily_example_2012() {
        let r = daily_aqi(&daily_example(), RuleSet::Gb2012, &Config::default()).unwrap();
        let got: Vec<(String, u16)> = r
            .entries()
            .map(|e| (e.indicator.to_string(), e.iaqi))
            .collect();
        let want = [
            ("SO2_24h", 12),
            ("NO2_24h", 57),
            ("PM10_24h", 74),
            ("CO_24h", 23),
            ("O3_1h", 105),
            ("O3_8h", 111),
            ("PM2.5_24h", 92),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(a, b)| (a.to_string(), *b))
                .collect::<Vec<_>>()
        );
        assert_eq!(r.aqi, Some(111));
        assert_eq!(r.primary(), [Indicator::new(O3, Hour8)]);
        assert_eq!(r.level(), Some(AqiLevel::LightlyPolluted));
        assert_eq!(
            r.non_attainment(),
            [Indicator::new(O3, Hour1), Indicator::new(O3, Hour8)]
        );
    }

    #[test]
    fn daily_example_2026() {
        let r = daily_aqi(
            &daily_example(),
            RuleSet::Gb2026Transitional,
            &Config::default(),
        )
        .unwrap();
        assert_eq!(r.iaqi(Indicator::new(Pm10, Hour24)), Some(85));
        assert_eq!(r.iaqi(Indicator::new(Pm25, Hour24)), Some(108));
        assert_eq!(
            r.iaqi(Indicator::new(O3, Hour1)),
            None,
            "O3 1-h no longer counts"
        );
        assert_eq!(r.aqi, Some(111));
        assert_eq!(r.primary(), [Indicator::new(O3, Hour8)]);
        assert!(r.non_attainment().is_empty(), "no 超标污染物 in 2026");
    }

    #[test]
    fn real_time_example_2026_and_2012() {
        // standards.md §1.7 (e).
        let mut h = HourlyInputs::default();
        for (p, v) in [
            (So2, "8"),
            (No2, "95"),
            (Pm10, "130"),
            (Pm25, "88"),
            (Co, "1.1"),
            (O3, "150"),
        ] {
            h.hour[p] = Some(c(v));
        }
        let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
        let got: Vec<u16> = r.entries().map(|e| e.iaqi).collect();
        assert_eq!(got, [3, 48, 104, 11, 47, 126]);
        assert_eq!(r.aqi, Some(126));
        assert_eq!(r.primary(), [Indicator::new(Pm25, Hour1)]);

        // The letter of HJ 633-2012: PM from 24-h sliding means, plus O3 8-h.
        h.sliding_24h[Pm10] = Some(e("105"));
        h.sliding_24h[Pm25] = Some(e("71"));
        h.o3_8h = Some(e("120"));
        let cfg = Config {
            real_time_method_2012: RealTimeMethod2012::Hj633Table4,
            ..Config::default()
        };
        let r = hourly_aqi(&h, RuleSet::Gb2012, &cfg).unwrap();
        assert_eq!(r.aqi, Some(95));
        assert_eq!(r.level(), Some(AqiLevel::Good));
    }

    #[test]
    fn special_rules() {
        // standards.md §1.7 (f).
        let mut h = HourlyInputs::default();
        h.hour[So2] = Some(c("900"));
        h.sliding_24h[So2] = Some(e("523"));
        let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
        // Five pollutants missing, but the AQI is above 100: published (§5.3.1).
        assert_eq!(r.aqi, Some(200));
        assert_eq!(r.missing.iter().count(), 5);
        // With all others present the AQI is published.
        for p in [No2, Pm10, Pm25, Co, O3] {
            h.hour[p] = Some(c("1"));
        }
        let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
        assert_eq!(r.aqi, Some(200));
        assert_eq!(
            r.entries().next().unwrap().note,
            Some(IaqiNote::So2Over800As200)
        );
        // CNEMC practice under 2012: also 200.
        let r = hourly_aqi(&h, RuleSet::Gb2012, &Config::default()).unwrap();
        assert_eq!(r.aqi, Some(200));
        // The letter of 2012: the 24-h value's IAQI.
        let cfg = Config {
            real_time_method_2012: RealTimeMethod2012::Hj633Table4,
            ..Config::default()
        };
        let r = hourly_aqi(&h, RuleSet::Gb2012, &cfg).unwrap();
        assert_eq!(r.iaqi(Indicator::new(So2, Hour1)), Some(158));

        // O3 8-h = 850.
        let d = DailyInputs {
            o3_mda8: Some(e("850")),
            o3_max_1h: Some(e("900")),
            ..DailyInputs::default()
        };
        let r = daily_aqi(&d, RuleSet::Gb2026Final, &Config::default()).unwrap();
        assert_eq!(r.iaqi(Indicator::new(O3, Hour8)), Some(300));
        assert_eq!(
            r.aqi,
            Some(300),
            "above 100: published despite missing pollutants"
        );
        let r = daily_aqi(&d, RuleSet::Gb2012, &Config::default()).unwrap();
        // O3 1-h 900 → (1000-800 segment) 300 + 100·100/200 = 350.
        assert_eq!(r.iaqi(Indicator::new(O3, Hour8)), Some(350));
        assert_eq!(r.iaqi(Indicator::new(O3, Hour1)), Some(350));
        assert_eq!(
            r.primary().len(),
            2,
            "tied primary pollutants are both listed"
        );
    }

    #[test]
    fn missing_pollutants_2026_na_rule() {
        let mut h = HourlyInputs::default();
        h.hour[Pm25] = Some(c("50"));
        h.hour[Pm10] = Some(c("60"));
        // 2026: PM2.5 50 → 80, PM10 60 → 58; four pollutants missing and AQI ≤ 100: NA.
        let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
        assert_eq!(r.aqi, None);
        assert_eq!(r.max_iaqi, Some(80));
        assert_eq!(r.missing.iter().count(), 4);
        assert!(r.level().is_none() && r.primary().is_empty());
        // Declared not monitored: not missing.
        h.not_monitored = [So2, No2, Co, O3].into_iter().collect();
        let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
        assert_eq!(r.aqi, Some(80));
        // Under 2012 (CNEMC practice) the AQI is computed from what there is: PM2.5 50 → 69.
        h.not_monitored = PollutantSet::EMPTY;
        let r = hourly_aqi(&h, RuleSet::Gb2012, &Config::default()).unwrap();
        assert_eq!(r.aqi, Some(69));
        // Nothing at all: NA.
        let r = hourly_aqi(
            &HourlyInputs::default(),
            RuleSet::Gb2012,
            &Config::default(),
        )
        .unwrap();
        assert_eq!(r.aqi, None);
    }

    #[test]
    fn value_only_path_agrees_with_the_report() {
        let mut h = HourlyInputs::default();
        for (i, p) in Pollutant::ALL.into_iter().enumerate() {
            h.hour[p] = Some(Concentration::from_units(37 * (i as u32 + 1)));
        }
        h.hour[So2] = Some(c("900"));
        for rules in [RuleSet::Gb2012, RuleSet::Gb2026Transitional] {
            let full = hourly_aqi(&h, rules, &Config::default()).unwrap();
            let value = hourly_aqi_value(&h, rules, &Config::default()).unwrap();
            assert_eq!(full.aqi, value);
        }
    }

    #[test]
    fn primary_only_above_50() {
        let mut h = HourlyInputs::default();
        h.hour[Pm25] = Some(c("35"));
        h.hour[Pm10] = Some(c("50"));
        let r = hourly_aqi(&h, RuleSet::Gb2012, &Config::default()).unwrap();
        assert_eq!(r.aqi, Some(50));
        assert!(r.primary().is_empty());
    }

    #[test]
    fn input_rounding_2026() {
        // 60.4 rounds to 60 (IAQI 100, 良); 60.5 rounds to 60 (even); 60.51 to 61 (101).
        let mut h = HourlyInputs::default();
        for p in Pollutant::ALL {
            h.hour[p] = Some(c("1"));
        }
        for (v, want) in [("60.4", 100), ("60.5", 100), ("60.51", 101), ("61.5", 102)] {
            h.hour[Pm25] = Some(c(v));
            let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
            assert_eq!(r.aqi, Some(want), "PM2.5 {v}");
        }
        // Under 2012 by default: unrounded (60.4 → 81.75 → 82; 60 would give 81.25 → 82, and
        // 60.9 gives 82.375 → 83).
        h.hour[Pm25] = Some(c("60.9"));
        let r = hourly_aqi(&h, RuleSet::Gb2012, &Config::default()).unwrap();
        assert_eq!(r.aqi, Some(83));
        let cfg = Config {
            round_inputs_2012: true,
            ..Config::default()
        };
        let r = hourly_aqi(&h, RuleSet::Gb2012, &cfg).unwrap();
        assert_eq!(r.aqi, Some(83), "61 → 82.5 → 83");
        // CO rounds to one decimal: 5.05 → 5.0 (IAQI 50), 5.06 → 5.1 (51).
        h.hour[Pm25] = Some(c("1"));
        h.hour[Co] = Some(c("5.05"));
        let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
        assert_eq!(r.iaqi(Indicator::new(Co, Hour1)), Some(50));
        h.hour[Co] = Some(c("5.06"));
        let r = hourly_aqi(&h, RuleSet::Gb2026Transitional, &Config::default()).unwrap();
        assert_eq!(r.iaqi(Indicator::new(Co, Hour1)), Some(51));
    }

    #[test]
    fn beyond_table_and_implausible() {
        let mut h = HourlyInputs::default();
        h.hour[Pm25] = Some(c("600"));
        let r = hourly_aqi(&h, RuleSet::Gb2012, &Config::default()).unwrap();
        assert_eq!(r.aqi, Some(500));
        assert_eq!(
            r.entries().next().unwrap().note,
            Some(IaqiNote::BeyondTable)
        );
        let cfg = Config {
            cap_beyond_table_at_500: false,
            ..Config::default()
        };
        let r = hourly_aqi(&h, RuleSet::Gb2012, &cfg).unwrap();
        assert_eq!(r.aqi, None);
        assert!(r.missing.contains(Pm25));

        h.hour[Pm25] = Some(c("25000"));
        let err = hourly_aqi(&h, RuleSet::Gb2012, &Config::default()).unwrap_err();
        assert!(matches!(err, AqiError::Implausible { .. }), "{err}");
        assert!(err.to_string().contains("PM2.5_1h"), "{err}");
    }
}
