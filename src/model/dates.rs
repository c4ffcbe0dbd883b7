//! The framework's date arithmetic, in one place: the six-month conditional
//! period runs from the date of the Compliance Assessment report.

use chrono::{Months, NaiveDate};

/// "A conditional period of six months from the date of the report".
pub const CONDITIONAL_PERIOD_MONTHS: u32 = 6;

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
}
