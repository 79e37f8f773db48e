//! Field values: the original text plus an exact decimal reading.
//!
//! HJ 212 numbers (`N14.2`-style: "带小数点，带符号，最大长度为 18") are decimal strings. Exceedance
//! decisions must be reproducible, so the canonical reading is an exact [`Decimal`], never a
//! float; [`Decimal::to_f64`] is there for display and statistics.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Why a value is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ValueError {
    /// The value is empty (`a21026-Rtd=`): store it as null.
    #[error("empty value")]
    Empty,
    /// The value is not a plain decimal number (letters, two points, exponent, …).
    #[error("not a decimal number")]
    NotANumber,
    /// More than 18 significant digits or 18 decimals: beyond the standard's widest type.
    #[error("too many digits for an exact decimal")]
    TooManyDigits,
}

/// An exact decimal number: `mantissa × 10^-scale`, up to 18 significant digits and 18
/// decimals. Comparison and equality are by value (`1.0 == 1.00`); [`Display`](fmt::Display)
/// keeps the scale it was read with.
///
/// ```
/// use lantian_hj212::Decimal;
/// let d: Decimal = "-12.50".parse().unwrap();
/// assert_eq!((d.mantissa(), d.scale()), (-1250, 2));
/// assert_eq!(d.to_string(), "-12.50");
/// assert!(d < "0".parse().unwrap());
/// assert_eq!(d, "-12.5".parse().unwrap());
/// ```
#[derive(Clone, Copy)]
pub struct Decimal {
    mantissa: i64,
    scale: u8,
}

/// Largest supported scale (decimals).
const MAX_SCALE: u8 = 18;
const MAX_DIGITS: u32 = 18;

impl Decimal {
    /// `mantissa × 10^-scale`. `None` if `scale` > 18.
    #[must_use]
    pub const fn new(mantissa: i64, scale: u8) -> Option<Decimal> {
        if scale > MAX_SCALE {
            None
        } else {
            Some(Decimal { mantissa, scale })
        }
    }

    /// The integer mantissa.
    #[must_use]
    pub const fn mantissa(self) -> i64 {
        self.mantissa
    }

    /// Decimals (the power of ten dividing the mantissa).
    #[must_use]
    pub const fn scale(self) -> u8 {
        self.scale
    }

    /// Nearest `f64` (for display and statistics, not for decisions).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(i32::from(self.scale))
    }

    /// Parse the bytes of a decimal number: optional sign, digits, optional point and digits.
    ///
    /// # Errors
    ///
    /// [`ValueError`] saying why it is not one.
    pub fn parse_bytes(s: &[u8]) -> Result<Decimal, ValueError> {
        if s.is_empty() {
            return Err(ValueError::Empty);
        }
        let (neg, digits) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let mut m: i64 = 0;
        let mut sig: u32 = 0;
        let mut scale: u32 = 0;
        let mut seen_point = false;
        let mut seen_digit = false;
        for &c in digits {
            match c {
                b'0'..=b'9' => {
                    seen_digit = true;
                    if seen_point {
                        scale += 1;
                        if scale > u32::from(MAX_SCALE) {
                            return Err(ValueError::TooManyDigits);
                        }
                    }
                    if m != 0 || c != b'0' {
                        sig += 1;
                        if sig > MAX_DIGITS {
                            return Err(ValueError::TooManyDigits);
                        }
                    }
                    m = m * 10 + i64::from(c - b'0');
                }
                b'.' if !seen_point => seen_point = true,
                _ => return Err(ValueError::NotANumber),
            }
        }
        if !seen_digit {
            return Err(ValueError::NotANumber);
        }
        Ok(Decimal {
            mantissa: if neg { -m } else { m },
            scale: scale as u8,
        })
    }

    fn widened(self, scale: u8) -> i128 {
        i128::from(self.mantissa) * 10i128.pow(u32::from(scale - self.scale))
    }

    /// The same value with trailing zero decimals removed.
    #[must_use]
    pub fn normalized(self) -> Decimal {
        let mut d = self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }
}

impl FromStr for Decimal {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse_bytes(s.as_bytes())
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Decimal {}
impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let s = self.scale.max(other.scale);
        self.widened(s).cmp(&other.widened(s))
    }
}
impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.mantissa < 0;
        let abs = self.mantissa.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{}{abs}", if neg { "-" } else { "" });
        }
        let p = 10u64.pow(u32::from(self.scale));
        write!(
            f,
            "{}{}.{:0width$}",
            if neg { "-" } else { "" },
            abs / p,
            abs % p,
            width = usize::from(self.scale)
        )
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A field value exactly as sent (trimmed of spaces), with readings on demand.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Value<'a>(&'a str);

impl<'a> Value<'a> {
    /// Wrap a value text.
    #[must_use]
    pub const fn new(raw: &'a str) -> Self {
        Value(raw)
    }

    /// The text as sent.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.0
    }

    /// Empty value (`a21026-Rtd=`): null.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The exact decimal reading.
    ///
    /// # Errors
    ///
    /// [`ValueError::Empty`] for null, else why it is not a number.
    pub fn decimal(&self) -> Result<Decimal, ValueError> {
        Decimal::parse_bytes(self.0.as_bytes())
    }

    /// The decimal reading as `f64`, `None` when not a number.
    #[must_use]
    pub fn to_f64(&self) -> Option<f64> {
        self.decimal().ok().map(Decimal::to_f64)
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Result<Decimal, ValueError> {
        s.parse()
    }

    #[test]
    fn parses() {
        assert_eq!(d("0").unwrap().to_string(), "0");
        assert_eq!(
            d("235.292750833832").unwrap().mantissa(),
            235_292_750_833_832
        );
        assert_eq!(d("-0.5").unwrap().to_string(), "-0.5");
        assert_eq!(d("+3").unwrap().to_string(), "3");
        assert_eq!(d("5.").unwrap().to_string(), "5");
        assert_eq!(d(".5").unwrap().to_string(), "0.5");
        assert_eq!(d("000012.3400").unwrap().to_string(), "12.3400");
        assert_eq!(
            d("999999999999999999").unwrap().mantissa(),
            999_999_999_999_999_999
        );
    }

    #[test]
    fn rejects() {
        assert_eq!(d(""), Err(ValueError::Empty));
        assert_eq!(d("-"), Err(ValueError::NotANumber));
        assert_eq!(d("."), Err(ValueError::NotANumber));
        assert_eq!(d("1.2.3"), Err(ValueError::NotANumber));
        assert_eq!(d("1e5"), Err(ValueError::NotANumber));
        assert_eq!(d("N"), Err(ValueError::NotANumber));
        assert_eq!(d("1234567890123456789"), Err(ValueError::TooManyDigits));
        assert_eq!(d("0.0000000000000000001"), Err(ValueError::TooManyDigits));
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(d("1.0"), d("1.00"));
        assert!(d("-999999999999999999").unwrap() < d("0.000000000000000001").unwrap());
        assert!(d("50.01").unwrap() > d("50").unwrap());
    }
}
