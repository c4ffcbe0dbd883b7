//! The framework's date arithmetic, in one place: the six-month conditional
//! period runs from the date of the Compliance Assessment report.

use chrono::{Months, NaiveDate};

/// "A conditional period of six months from the date of the report".
pub const CONDITIONAL_PERIOD_MONTHS: u32 = 6;

/// How documents write dates, the same in plans and letters: "February 28,
/// 2027" (the U.S. letter form, the default) or "2027-02-28" (ISO 8601).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateStyle {
    #[default]
    Long,
    Iso,
}

impl DateStyle {
    pub fn write(self, d: NaiveDate) -> String {
        match self {
            DateStyle::Long => long(d),
            DateStyle::Iso => iso(d),
        }
    }
}

/// "February 28, 2027".
pub fn long(d: NaiveDate) -> String {
    d.format("%B %-d, %Y").to_string()
}

/// "2027-02-28".
pub fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `text` with every ISO date (`2027-01-15`, not part of a longer number)
/// written in `style`.
pub fn restyle(text: &str, style: DateStyle) -> String {
    if style == DateStyle::Iso {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 10 <= b.len() {
        let shape = b[i..i + 10].iter().enumerate().all(|(k, c)| {
            if k == 4 || k == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        if shape && bounded {
            if let Ok(d) = NaiveDate::parse_from_str(&text[i..i + 10], "%Y-%m-%d") {
                out.push_str(&text[copied..i]);
                out.push_str(&style.write(d));
                i += 10;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Why a TOML value is not a plain calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotADate {
    /// `2027-01-15T09:00:00` or with an offset.
    DateAndTime,
    /// `09:00:00`.
    TimeOnly,
    /// `2027-02-30`.
    NoSuchDay,
}

impl std::fmt::Display for NotADate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotADate::DateAndTime => "a date and time",
            NotADate::TimeOnly => "a time",
            NotADate::NoSuchDay => "not a calendar day",
        })
    }
}

/// A TOML date (`2027-01-15`, unquoted) as a calendar date: the one
/// conversion used by plans, case files and letter data.
pub fn from_toml(dt: &toml_edit::Datetime) -> Result<NaiveDate, NotADate> {
    if dt.time.is_some() && dt.date.is_some() || dt.offset.is_some() {
        return Err(NotADate::DateAndTime);
    }
    let d = dt.date.ok_or(NotADate::TimeOnly)?;
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        .ok_or(NotADate::NoSuchDay)
}

/// `date` plus `months` calendar months, clamped to the last day of the
/// target month (2026-08-31 + 6 months = 2027-02-28).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    // chrono's `checked_add_months` clamps to the month's last day already;
    // it only fails beyond year 262143, where we saturate.
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The last day of the conditional period for a report dated `report_date`.
pub fn conditional_period_end(report_date: NaiveDate) -> NaiveDate {
    add_months(report_date, CONDITIONAL_PERIOD_MONTHS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn six_months_plain() {
        assert_eq!(conditional_period_end(d(2026, 10, 1)), d(2027, 4, 1));
    }

    #[test]
    fn month_end_clamped() {
        assert_eq!(conditional_period_end(d(2026, 8, 31)), d(2027, 2, 28));
        assert_eq!(conditional_period_end(d(2026, 12, 31)), d(2027, 6, 30));
    }

    #[test]
    fn leap_year() {
        assert_eq!(conditional_period_end(d(2027, 8, 31)), d(2028, 2, 29));
        assert_eq!(conditional_period_end(d(2027, 8, 29)), d(2028, 2, 29));
        assert_eq!(conditional_period_end(d(2028, 8, 30)), d(2029, 2, 28));
    }

    #[test]
    fn iso_dates_in_sentences_follow_the_style() {
        let s = "target date moved from 2027-01-15 to 2027-02-28; ref 12027-01-150, 2027-02-30";
        assert_eq!(
            restyle(s, DateStyle::Long),
            "target date moved from January 15, 2027 to February 28, 2027; ref 12027-01-150, 2027-02-30"
        );
        assert_eq!(restyle(s, DateStyle::Iso), s);
        assert_eq!(
            restyle("é 2027-01-15", DateStyle::Long),
            "é January 15, 2027"
        );
    }
}
