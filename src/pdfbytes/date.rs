//! PDF date strings (ISO 32000-1 7.9.4), written by the renderer (`pdf`) and the
//! signer and read by the verifier: one format, one parser.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone as _};

/// `D:YYYYMMDDHHmmSS+HH'mm'`.
pub fn format(t: DateTime<FixedOffset>) -> String {
    let off = t.offset().local_minus_utc();
    let sign = if off < 0 { '-' } else { '+' };
    let off = off.abs();
    format!(
        "D:{}{sign}{:02}'{:02}'",
        t.format("%Y%m%d%H%M%S"),
        off / 3600,
        off % 3600 / 60
    )
}

/// Parses `D:YYYYMMDDHHmmSSOHH'mm'` (later parts optional).
pub fn parse(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = |from: usize, len: usize, default: u32| -> Option<u32> {
        match s.get(from..from + len) {
            Some(d) if d.bytes().all(|b| b.is_ascii_digit()) => d.parse().ok(),
            Some(_) => None,
            // Absent is allowed; cut short ("D:2026x") is not.
            None if s.len() <= from => Some(default),
            None => None,
        }
    };
    let year = i32::try_from(digits(0, 4, 0)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(4, 2, 1)?, digits(6, 2, 1)?)?;
    let naive = date.and_hms_opt(digits(8, 2, 0)?, digits(10, 2, 0)?, digits(12, 2, 0)?)?;
    let tz = s.get(14..).unwrap_or("");
    let offset = match tz.chars().next() {
        None | Some('Z') => 0,
        Some(sign @ ('+' | '-')) => {
            let rest: String = tz[1..].chars().filter(char::is_ascii_digit).collect();
            let h: i32 = rest.get(0..2).and_then(|v| v.parse().ok()).unwrap_or(0);
            let m: i32 = rest.get(2..4).and_then(|v| v.parse().ok()).unwrap_or(0);
            let secs = h * 3600 + m * 60;
            if sign == '-' { -secs } else { secs }
        }
        Some(_) => return None,
    };
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&naive)
        .single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_offsets() {
        for s in [
            "2026-12-02T09:30:05-05:00",
            "2027-01-15T00:00:00+05:30",
            "2026-06-30T23:59:59Z",
        ] {
            let t = DateTime::parse_from_rfc3339(s).unwrap();
            assert_eq!(parse(&format(t)), Some(t), "{}", format(t));
        }
        assert_eq!(
            format(DateTime::parse_from_rfc3339("2026-12-02T09:30:05-05:00").unwrap()),
            "D:20261202093005-05'00'"
        );
    }

    #[test]
    fn later_parts_are_optional_and_garbage_is_refused() {
        let t = parse("D:2026").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(parse("D:20261302"), None);
        assert_eq!(parse("D:2026x"), None);
        assert_eq!(parse("D:20261202093005Q"), None);
    }
}
