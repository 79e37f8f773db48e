//! Deadlines as the plan writes them (完成时限): `持续推进` (ongoing), a year (`2025年`: by its
//! end), a year's end (`2024年底`), a month (`2024年9月底`, `2024年9月`: by its last day) or a day
//! (`2024年9月15日`). The original text is always kept beside the parsed value.

use jiff::civil::Date;

/// A task's or target's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// 持续推进 / 长期坚持: no end; reported on every period.
    Ongoing,
    /// Due by the end of this day.
    By(Date),
}

impl Deadline {
    /// Parses the plan's text.
    ///
    /// # Errors
    ///
    /// A message saying which forms are understood.
    pub fn parse(text: &str) -> Result<Deadline, String> {
        let t = text.trim().trim_end_matches(['。', '.']);
        if matches!(t, "持续推进" | "长期坚持" | "长期" | "持续") {
            return Ok(Deadline::Ongoing);
        }
        let bad = || {
            format!(
                "deadline {text:?}: use 持续推进, a year (2025年, 2024年底), a month (2024年9月底) or a day (2024年9月15日)"
            )
        };
        let (year, rest) = t.split_once('年').ok_or_else(bad)?;
        let year: i16 = year.trim().parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let rest = rest
            .trim()
            .trim_end_matches("以前")
            .trim_end_matches('前')
            .trim_end_matches('底')
            .trim_end_matches('末');
        let end_of_year = || Date::new(year, 12, 31).map_err(|_| bad());
        if rest.is_empty() {
            return end_of_year().map(Deadline::By);
        }
        let (month, rest) = rest.split_once('月').ok_or_else(bad)?;
        let month: i8 = month.trim().parse().map_err(|_| bad())?;
        let first = Date::new(year, month, 1).map_err(|_| bad())?;
        let rest = rest.trim().trim_end_matches('底').trim_end_matches('末');
        if rest.is_empty() {
            return Ok(Deadline::By(first.last_of_month()));
        }
        let day: i8 = rest
            .strip_suffix('日')
            .or_else(|| rest.strip_suffix('号'))
            .ok_or_else(bad)?
            .trim()
            .parse()
            .map_err(|_| bad())?;
        Date::new(year, month, day)
            .map(Deadline::By)
            .map_err(|_| bad())
    }

    /// The last day, for a dated deadline.
    pub fn due(&self) -> Option<Date> {
        match self {
            Deadline::Ongoing => None,
            Deadline::By(d) => Some(*d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_forms_of_the_plan() {
        for (text, want) in [
            ("持续推进", Deadline::Ongoing),
            ("2025年", Deadline::By(date(2025, 12, 31))),
            ("2024年", Deadline::By(date(2024, 12, 31))),
            ("2024年底", Deadline::By(date(2024, 12, 31))),
            ("2024年9月底", Deadline::By(date(2024, 9, 30))),
            ("2024年2月", Deadline::By(date(2024, 2, 29))),
            ("2025年6月底前", Deadline::By(date(2025, 6, 30))),
            ("2024年9月15日", Deadline::By(date(2024, 9, 15))),
            (" 2025年。", Deadline::By(date(2025, 12, 31))),
        ] {
            assert_eq!(Deadline::parse(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn other_text_is_refused_with_the_forms() {
        for text in [
            "",
            "尽快",
            "2025",
            "1999年",
            "2024年13月",
            "2024年2月30日",
            "二〇二五年",
            "2024年9月十日",
        ] {
            let e = Deadline::parse(text).unwrap_err();
            assert!(e.contains("持续推进"), "{text}: {e}");
        }
    }
}
