//! Calendar arithmetic for GPFS time strings, hand-written because it sits on the per-line hot path
//! (tests check it against `jiff`).

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |acc, &b| acc * 10 + u32::from(b - b'0')))
}

/// Parses `YYYY-MM-DD`, checking that the day exists.
pub fn parse_date(s: &[u8]) -> Option<(i64, u32, u32)> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&s[0..4])? as i64, digits(&s[5..7])?, digits(&s[8..10])?);
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

/// Parses `YYYY-MM-DD HH:MM:SS[.f…]` (UTC) into microseconds since the Unix epoch.
/// Digits past the sixth of the fraction are dropped.
pub fn parse_timestamp_micros(s: &[u8]) -> Option<i64> {
    if s.len() < 19 || s[10] != b' ' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let (y, m, d) = parse_date(&s[..10])?;
    let (hh, mm, ss) = (digits(&s[11..13])?, digits(&s[14..16])?, digits(&s[17..19])?);
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut micros = 0i64;
    if s.len() > 19 {
        let frac = &s[20..];
        if s[19] != b'.' || frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for i in 0..6 {
            micros = micros * 10 + frac.get(i).map_or(0, |&b| i64::from(b - b'0'));
        }
    }
    let secs = days_from_civil(y, m, d) * 86_400 + i64::from(hh * 3600 + mm * 60 + ss);
    Some(secs * 1_000_000 + micros)
}

/// Formats microseconds since the epoch as GPFS prints them: `YYYY-MM-DD HH:MM:SS.ffffff`.
pub fn format_timestamp_micros(micros: i64) -> String {
    let mut buf = [0u8; 26];
    match timestamp_text(micros, &mut buf) {
        Some(text) => String::from_utf8_lossy(text).into_owned(),
        None => {
            let secs = micros.div_euclid(1_000_000);
            let frac = micros.rem_euclid(1_000_000);
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let sod = secs.rem_euclid(86_400);
            format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{frac:06}", sod / 3600, sod % 3600 / 60, sod % 60)
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS.ffffff` written into `buf` without allocating, for years 0 to 9999
/// (`None` outside them: [`format_timestamp_micros`] spells those). Exports write millions.
pub fn timestamp_text(micros: i64, buf: &mut [u8; 26]) -> Option<&[u8]> {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    if !(0..=9999).contains(&y) {
        return None;
    }
    let sod = secs.rem_euclid(86_400);
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y);
    put(5, 2, i64::from(m));
    put(8, 2, i64::from(d));
    put(11, 2, sod / 3600);
    put(14, 2, sod % 3600 / 60);
    put(17, 2, sod % 60);
    put(20, 6, frac);
    for (at, sep) in [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':'), (19, b'.')] {
        buf[at] = sep;
    }
    Some(&buf[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_jiff() {
        for text in [
            "1970-01-01 00:00:00.000000",
            "2024-02-29 23:59:59.999999",
            "1969-12-31 23:59:59.500000",
            "2100-03-01 12:00:00.000001",
            "2038-01-19 03:14:08.000000",
        ] {
            let ours = parse_timestamp_micros(text.as_bytes()).unwrap();
            let theirs: jiff::civil::DateTime = text.parse().unwrap();
            let theirs = theirs.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp().as_microsecond();
            assert_eq!(ours, theirs, "{text}");
            assert_eq!(format_timestamp_micros(ours), text);
            let mut buf = [0u8; 26];
            assert_eq!(timestamp_text(ours, &mut buf), Some(text.as_bytes()));
        }
    }

    #[test]
    fn day_numbers_round_trip() {
        for z in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn rejects_impossible_times() {
        for bad in [
            "2023-02-29 00:00:00",
            "2023-13-01 00:00:00",
            "2023-01-01 24:00:00",
            "2023-01-01 00:00",
            "2023-01-01T00:00:00",
            "2023-01-01 00:00:00.",
            "2023-01-01 00:00:00.12x",
        ] {
            assert_eq!(parse_timestamp_micros(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_timestamp_micros(b"1970-01-01 00:00:01"), Some(1_000_000));
    }
}
