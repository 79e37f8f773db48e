//! Exact numbers: measured concentrations ([`Concentration`]) and derived statistics
//! ([`Exact`]), and GB/T 8170 rounding (数值修约规则).
//!
//! No binary floating point enters a decision. A measured value is a decimal with at most six
//! fractional digits, held as an integer count of millionths of its unit. A derived statistic
//! (a mean of 7 values, an interpolated percentile) is an exact fraction. Rounding for
//! publication happens once, at the end, on the exact value ([`Exact::round_gbt8170`]).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use num_rational::Ratio;
use rust_decimal::Decimal;

/// Millionths per unit: the resolution of a [`Concentration`].
pub const MICROS_PER_UNIT: i64 = 1_000_000;

/// Why a value is not a usable concentration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConcentrationError {
    /// The text is empty (a missing value must be `None`, not an empty concentration).
    #[error("empty value")]
    Empty,
    /// The text is not a plain decimal number (`12`, `0.8`, `35.50`).
    #[error("not a decimal number: {0:?}")]
    NotANumber(String),
    /// The value has more than six fractional digits that are not zero.
    #[error("more than 6 significant decimal places: {0:?}")]
    TooPrecise(String),
    /// NaN or an infinity.
    #[error("not a finite number")]
    NotFinite,
    /// Concentrations cannot be negative.
    #[error("negative concentration: {0:?}")]
    Negative(String),
    /// Larger than any physically meaningful ambient concentration of any pollutant.
    #[error("value out of range: {0}")]
    OutOfRange(String),
}

/// A measured concentration: a non-negative decimal with at most six fractional digits, in the
/// pollutant's unit (µg/m³, CO in mg/m³). Exact: `0.35` is 350 000 millionths, not a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Concentration(i64);

/// Upper bound on a stored value (10⁹ units): far beyond any ambient or stack value, and small
/// enough that no arithmetic in this crate can overflow.
const MAX_MICROS: i64 = 1_000_000_000 * MICROS_PER_UNIT;

impl Concentration {
    /// Zero.
    pub const ZERO: Concentration = Concentration(0);

    /// From a count of millionths of the unit.
    pub fn from_micros(micros: i64) -> Result<Self, ConcentrationError> {
        if micros < 0 {
            return Err(ConcentrationError::Negative(format_micros(micros)));
        }
        if micros > MAX_MICROS {
            return Err(ConcentrationError::OutOfRange(format_micros(micros)));
        }
        Ok(Concentration(micros))
    }

    /// From a whole number of units, e.g. `Concentration::from_units(35)` = 35 µg/m³.
    pub fn from_units(units: u32) -> Self {
        Concentration(i64::from(units) * MICROS_PER_UNIT)
    }

    /// From a float. Rejects NaN, infinities and negative values. The float is rounded to the
    /// nearest millionth; prefer [`Concentration::parse`] on the original text where there is one.
    pub fn from_f64(value: f64) -> Result<Self, ConcentrationError> {
        if !value.is_finite() {
            return Err(ConcentrationError::NotFinite);
        }
        if value < 0.0 {
            return Err(ConcentrationError::Negative(value.to_string()));
        }
        let micros = (value * MICROS_PER_UNIT as f64).round();
        if micros > MAX_MICROS as f64 {
            return Err(ConcentrationError::OutOfRange(value.to_string()));
        }
        // In range and finite, so the cast is exact.
        Ok(Concentration(micros as i64))
    }

    /// Parses a plain decimal (`12`, `0.8`, `+3.50`, `.5`, `7.`): the way values appear in CNEMC
    /// files and HJ 212 packets. Trailing zeros beyond six decimals are accepted; other digits
    /// beyond six decimals are an error, never silently rounded.
    pub fn parse(text: &str) -> Result<Self, ConcentrationError> {
        parse_decimal_micros(text.trim().as_bytes())
            .map_err(|e| e.with_text(text))
            .and_then(Concentration::from_micros)
    }

    /// Parses the ASCII bytes of a plain decimal; the fast path used by file readers.
    pub fn parse_ascii(bytes: &[u8]) -> Result<Self, ConcentrationError> {
        parse_decimal_micros(bytes)
            .map_err(|e| e.with_text(&String::from_utf8_lossy(bytes)))
            .and_then(Concentration::from_micros)
    }

    /// The value in millionths of the unit.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// The exact value as a fraction.
    pub fn exact(self) -> Exact {
        Exact::from_micros(self.0)
    }

    /// The nearest float (for plotting and display only).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_UNIT as f64
    }
}

impl fmt::Display for Concentration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_micros(self.0))
    }
}

impl FromStr for Concentration {
    type Err = ConcentrationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Concentration::parse(s)
    }
}

/// Renders millionths as the shortest exact decimal (`35`, `0.8`, `-1.25`).
fn format_micros(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let int = m / MICROS_PER_UNIT as u64;
    let frac = m % MICROS_PER_UNIT as u64;
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        let digits = format!("{frac:06}");
        format!("{sign}{int}.{}", digits.trim_end_matches('0'))
    }
}

#[derive(Debug)]
enum RawParseError {
    Empty,
    NotANumber,
    TooPrecise,
    Negative,
    OutOfRange,
}

impl RawParseError {
    fn with_text(self, text: &str) -> ConcentrationError {
        match self {
            RawParseError::Empty => ConcentrationError::Empty,
            RawParseError::NotANumber => ConcentrationError::NotANumber(text.to_owned()),
            RawParseError::TooPrecise => ConcentrationError::TooPrecise(text.to_owned()),
            RawParseError::Negative => ConcentrationError::Negative(text.to_owned()),
            RawParseError::OutOfRange => ConcentrationError::OutOfRange(text.to_owned()),
        }
    }
}

/// Parses `[+-]digits[.digits]` into millionths, exactly.
fn parse_decimal_micros(bytes: &[u8]) -> Result<i64, RawParseError> {
    let (negative, rest) = match bytes.first() {
        None => return Err(RawParseError::Empty),
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        Some(_) => (false, bytes),
    };
    let mut int: i64 = 0;
    let mut frac: i64 = 0;
    let mut frac_digits = 0u32;
    let mut seen_point = false;
    let mut digits = 0usize;
    for &b in rest {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                let d = i64::from(b - b'0');
                if seen_point {
                    if frac_digits < 6 {
                        frac = frac * 10 + d;
                        frac_digits += 1;
                    } else if d != 0 {
                        return Err(RawParseError::TooPrecise);
                    }
                } else {
                    int = int
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(d))
                        .filter(|v| *v <= MAX_MICROS / MICROS_PER_UNIT)
                        .ok_or(RawParseError::OutOfRange)?;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => return Err(RawParseError::NotANumber),
        }
    }
    if digits == 0 {
        return Err(RawParseError::NotANumber);
    }
    let micros = int * MICROS_PER_UNIT + frac * 10i64.pow(6 - frac_digits);
    if negative && micros != 0 {
        return Err(RawParseError::Negative);
    }
    Ok(micros)
}

/// An exact rational number: a derived statistic (mean, percentile, index) before rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Exact(Ratio<i128>);

impl Exact {
    /// A denominator that every mean of up to 24 measured values divides: lcm(1, …, 24) × 10⁶.
    /// Sums and comparisons of such means run in integers over it.
    pub const COMMON_DENOM: i128 = 5_354_228_880 * 1_000_000;

    /// The value as a multiple of 1/[`Exact::COMMON_DENOM`], when its denominator divides it.
    pub fn over_common_denom(&self) -> Option<i128> {
        let d = *self.0.denom();
        (Exact::COMMON_DENOM % d == 0)
            .then(|| self.0.numer().checked_mul(Exact::COMMON_DENOM / d))
            .flatten()
    }

    /// Zero.
    pub fn zero() -> Self {
        Exact(Ratio::from_integer(0))
    }

    /// A whole number.
    pub fn from_integer(n: i64) -> Self {
        Exact(Ratio::from_integer(i128::from(n)))
    }

    /// `numer / denom`. `denom` must not be zero.
    pub fn new(numer: i64, denom: i64) -> Option<Self> {
        (denom != 0).then(|| Exact(Ratio::new(i128::from(numer), i128::from(denom))))
    }

    /// From millionths of a unit.
    pub fn from_micros(micros: i64) -> Self {
        Exact(Ratio::new(i128::from(micros), i128::from(MICROS_PER_UNIT)))
    }

    /// From a decimal (exact).
    pub fn from_decimal(d: Decimal) -> Self {
        Exact(Ratio::new(d.mantissa(), 10i128.pow(d.scale())))
    }

    /// Numerator of the reduced fraction.
    pub fn numer(&self) -> i128 {
        *self.0.numer()
    }

    /// Denominator of the reduced fraction (always positive).
    pub fn denom(&self) -> i128 {
        *self.0.denom()
    }

    pub(crate) fn ratio(&self) -> Ratio<i128> {
        self.0
    }

    pub(crate) fn from_ratio(r: Ratio<i128>) -> Self {
        Exact(r)
    }

    /// The arithmetic mean of `values`; `None` for an empty slice.
    pub fn mean(values: &[Exact]) -> Option<Exact> {
        if values.is_empty() {
            return None;
        }
        let sum = values
            .iter()
            .fold(Ratio::from_integer(0), |acc, v| acc + v.0);
        Some(Exact(sum / Ratio::from_integer(values.len() as i128)))
    }

    /// The arithmetic mean of measured concentrations; `None` for an empty iterator.
    pub fn mean_of_concentrations(
        values: impl IntoIterator<Item = Concentration>,
    ) -> Option<Exact> {
        let (sum, n) = values.into_iter().fold((0i128, 0i128), |(s, n), c| {
            (s + i128::from(c.micros()), n + 1)
        });
        (n > 0).then(|| Exact(Ratio::new(sum, n * i128::from(MICROS_PER_UNIT))))
    }

    /// `self / other`; `None` when `other` is zero.
    pub fn checked_div(&self, other: &Exact) -> Option<Exact> {
        (*other.0.numer() != 0).then(|| Exact(self.0 / other.0))
    }

    /// Sum.
    pub fn add(&self, other: &Exact) -> Exact {
        Exact(self.0 + other.0)
    }

    /// Difference.
    pub fn sub(&self, other: &Exact) -> Exact {
        Exact(self.0 - other.0)
    }

    /// Product.
    pub fn mul(&self, other: &Exact) -> Exact {
        Exact(self.0 * other.0)
    }

    /// Whether the value is negative.
    pub fn is_negative(&self) -> bool {
        *self.0.numer() < 0
    }

    /// The smallest integer ≥ self.
    pub fn ceil_integer(&self) -> i128 {
        self.0.ceil().to_integer()
    }

    /// The largest integer ≤ self, saturated to the `i64` range.
    pub fn floor_integer(&self) -> i64 {
        let f = self.0.floor().to_integer();
        i64::try_from(f).unwrap_or(if f < 0 { i64::MIN } else { i64::MAX })
    }

    /// `numer / denom` for small constants; zero when `denom` is zero.
    pub fn from_ratio_parts(numer: i64, denom: i64) -> Self {
        Exact::new(numer, denom).unwrap_or_else(Exact::zero)
    }

    /// The nearest float (for display and plotting only).
    pub fn to_f64(&self) -> f64 {
        *self.0.numer() as f64 / *self.0.denom() as f64
    }

    /// Rounds to `decimals` places by GB/T 8170-2008 (数值修约规则): below half down, above half
    /// up, exactly half to even; negative values are rounded by magnitude. Applied once, on the
    /// exact value, so no double-rounding can occur.
    pub fn round_gbt8170(&self, decimals: u32) -> Decimal {
        let scale = 10i128.pow(decimals);
        let numer = *self.0.numer();
        let denom = *self.0.denom();
        let negative = numer < 0;
        let scaled = numer.unsigned_abs() * scale as u128;
        let den = denom as u128;
        let mut q = scaled / den;
        let r = scaled % den;
        match (2 * r).cmp(&den) {
            Ordering::Greater => q += 1,
            Ordering::Equal if q % 2 == 1 => q += 1,
            _ => {}
        }
        let q = q as i128;
        Decimal::from_i128_with_scale(if negative { -q } else { q }, decimals)
    }

    /// Rounds by GB/T 8170 and returns the rounded value as an exact number.
    pub fn rounded(&self, decimals: u32) -> Exact {
        Exact::from_decimal(self.round_gbt8170(decimals))
    }

    /// Rounds to millionths (GB/T 8170) and returns a concentration; `None` if negative or
    /// out of range.
    pub fn to_concentration(&self) -> Option<Concentration> {
        let d = self.round_gbt8170(6);
        let micros = i64::try_from(d.mantissa()).ok()?;
        Concentration::from_micros(micros).ok()
    }
}

impl From<Concentration> for Exact {
    fn from(c: Concentration) -> Self {
        c.exact()
    }
}

impl fmt::Display for Exact {
    /// Shows up to six decimals (rounded by GB/T 8170), trailing zeros removed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.round_gbt8170(6).normalize();
        write!(f, "{d}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Concentration {
        Concentration::parse(s).unwrap()
    }

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(c("35").micros(), 35_000_000);
        assert_eq!(c("0.8").micros(), 800_000);
        assert_eq!(c(".5").micros(), 500_000);
        assert_eq!(c("7.").micros(), 7_000_000);
        assert_eq!(c("+2.69700").micros(), 2_697_000);
        assert_eq!(c("1.0000000").micros(), 1_000_000);
        assert_eq!(c("-0").micros(), 0);
        assert_eq!(c(" 12 ").micros(), 12_000_000);
        assert_eq!(c("0.35").to_string(), "0.35");
        assert_eq!(c("35.50").to_string(), "35.5");
    }

    #[test]
    fn rejects_bad_text() {
        use ConcentrationError as E;
        assert_eq!(Concentration::parse(""), Err(E::Empty));
        assert!(matches!(Concentration::parse("abc"), Err(E::NotANumber(_))));
        assert!(matches!(
            Concentration::parse("1.2.3"),
            Err(E::NotANumber(_))
        ));
        assert!(matches!(Concentration::parse("."), Err(E::NotANumber(_))));
        assert!(matches!(Concentration::parse("1e5"), Err(E::NotANumber(_))));
        assert!(matches!(Concentration::parse("NaN"), Err(E::NotANumber(_))));
        assert!(matches!(Concentration::parse("-1"), Err(E::Negative(_))));
        assert!(matches!(
            Concentration::parse("0.0000001"),
            Err(E::TooPrecise(_))
        ));
        assert!(matches!(
            Concentration::parse("99999999999999999999"),
            Err(E::OutOfRange(_))
        ));
    }

    #[test]
    fn floats_are_checked() {
        use ConcentrationError as E;
        assert_eq!(Concentration::from_f64(f64::NAN), Err(E::NotFinite));
        assert_eq!(Concentration::from_f64(f64::INFINITY), Err(E::NotFinite));
        assert!(matches!(Concentration::from_f64(-0.5), Err(E::Negative(_))));
        assert!(matches!(
            Concentration::from_f64(1e300),
            Err(E::OutOfRange(_))
        ));
        assert_eq!(Concentration::from_f64(0.35).unwrap(), c("0.35"));
    }

    #[test]
    fn gbt8170_examples() {
        // GB/T 8170 examples from standards.md §2.8.
        let r =
            |num: i64, den: i64, d: u32| Exact::new(num, den).unwrap().round_gbt8170(d).to_string();
        assert_eq!(r(121_498, 10_000, 0), "12"); // 12.1498 → 12
        assert_eq!(r(105_002, 10_000, 0), "11"); // 10.5002 → 11
        assert_eq!(r(1_050, 1_000, 1), "1.0"); // 1.050 → 1.0
        assert_eq!(r(35, 100, 1), "0.4"); // 0.35 → 0.4
        assert_eq!(r(25, 10, 0), "2"); // 2.5 → 2
        assert_eq!(r(35, 10, 0), "4"); // 3.5 → 4
        assert_eq!(r(-35, 10, 0), "-4"); // by magnitude
        assert_eq!(r(-25, 10, 0), "-2");
        assert_eq!(r(354, 10, 0), "35"); // PM2.5 annual 35.4 → 35
        assert_eq!(r(1736, 10, 0), "174"); // 173.6 → 174
        assert_eq!(r(2405, 1000, 1), "2.4"); // 2.405 → 2.4
        // A third can never be a tie.
        assert_eq!(r(1, 3, 2), "0.33");
        assert_eq!(r(2, 3, 2), "0.67");
    }

    #[test]
    fn common_denominator() {
        // lcm(1..=24) = 5354228880.
        let lcm = (1..=24i128).fold(1i128, |a, b| a / gcd(a, b) * b);
        assert_eq!(lcm * 1_000_000, Exact::COMMON_DENOM);
        let third = Exact::new(1, 3).unwrap();
        assert_eq!(third.over_common_denom(), Some(Exact::COMMON_DENOM / 3));
        assert_eq!(Exact::new(1, 29).unwrap().over_common_denom(), None);
    }

    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    #[test]
    fn mean_is_exact() {
        let vals = [c("1"), c("2"), c("2")];
        let m = Exact::mean_of_concentrations(vals).unwrap();
        assert_eq!(m, Exact::new(5, 3).unwrap());
        assert_eq!(m.to_string(), "1.666667");
        assert_eq!(Exact::mean_of_concentrations([]), None);
        assert_eq!(Exact::mean(&[]), None);
    }
}
