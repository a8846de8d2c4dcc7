//! Times: stored as seconds since the epoch, shown in the local time zone like Slurm shows them.

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};

pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// Slurm's `2026-11-22T10:04:05` (local time) as seconds since the epoch; `None` for `Unknown`,
/// `None` or anything else that is not a time.
pub fn parse_slurm(text: &str) -> Option<i64> {
    let dt: DateTime = text.parse().ok()?;
    Some(dt.to_zoned(TimeZone::system()).ok()?.timestamp().as_second())
}

/// `2026-11-22 10:04:05` in the local time zone.
pub fn show(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map(|t| t.to_zoned(TimeZone::system()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| secs.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn slurm_times_round_trip_through_local_time() {
        let t = super::parse_slurm("2026-11-22T10:04:05").unwrap();
        assert_eq!(super::show(t), "2026-11-22 10:04:05");
        assert_eq!(super::parse_slurm("Unknown"), None);
        assert_eq!(super::parse_slurm("None"), None);
    }
}
