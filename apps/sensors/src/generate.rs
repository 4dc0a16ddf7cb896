//! `sensors generate`: sensor CSV with the seed's knobs, the same file for the same seed.
//!
//! Rows go out time by time: every sensor's reading at the start, then every sensor's at
//! the start plus one interval, and so on, as sensors report. Each row is written as it is
//! made, so ten million rows take no more memory than ten.
//!
//! - Sensor ids have the seed's style, `17fc695a_4`: eight hex digits, an underscore and
//!   the sensor's number from 0. The hex digits are a hash of the seed and the number, so
//!   no list of ids is kept.
//! - Values are uniform in [0, 1), from a ChaCha8 generator seeded with the seed: the same
//!   seed gives the same file, byte for byte, on every machine.
//! - Times are written in RFC 3339 with the chosen offset (`2021-01-01T00:00:01+08:00`).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Result, SensorsError};
use crate::progress::Meter;
use crate::row::{HEADER, format_time};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// How many sensors.
    pub sensors: u64,
    /// How many readings per sensor.
    pub records: u64,
    /// The time of the first readings, in the offset every time is written with.
    pub start: DateTime<FixedOffset>,
    /// The time between one sensor's readings (a whole number of microseconds).
    pub interval: Duration,
    /// The random seed.
    pub seed: u64,
}

impl GenerateOptions {
    /// The seed's end-to-end settings with `sensors` × `records`: from
    /// 2021-01-01T00:00:00+08:00, one second apart.
    pub fn new(sensors: u64, records: u64, seed: u64) -> Self {
        let tz =
            FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap());
        let start = NaiveDateTime::parse_from_str("2021-01-01 00:00:00", "%Y-%m-%d %H:%M:%S")
            .map(|t| t.and_local_timezone(tz).single())
            .ok()
            .flatten()
            .unwrap_or_default();
        Self {
            sensors,
            records,
            start,
            interval: Duration::from_secs(1),
            seed,
        }
    }

    /// How many rows: sensors × records.
    ///
    /// # Errors
    ///
    /// [`SensorsError::InvalidInput`] when it does not fit in 64 bits.
    pub fn rows(&self) -> Result<u64> {
        self.sensors.checked_mul(self.records).ok_or_else(|| {
            SensorsError::InvalidInput(format!(
                "{} sensors × {} records is too many rows",
                self.sensors, self.records
            ))
        })
    }

    /// Checks the options: at least one sensor and one record, an interval above zero in
    /// whole microseconds, and a last time that a date can hold.
    ///
    /// # Errors
    ///
    /// [`SensorsError::InvalidInput`] naming the option.
    pub fn validate(&self) -> Result<()> {
        let invalid = |m: String| Err(SensorsError::InvalidInput(m));
        if self.sensors == 0 {
            return invalid("--sensors must be at least 1".into());
        }
        if self.records == 0 {
            return invalid("--records must be at least 1".into());
        }
        self.rows()?;
        if self.interval.is_zero() || !self.interval.subsec_nanos().is_multiple_of(1000) {
            return invalid(format!(
                "--interval {:?} must be above zero and a whole number of microseconds",
                self.interval
            ));
        }
        if self.time_of(self.records - 1).is_none() {
            return invalid(format!(
                "{} records {:?} apart from {} go past the year 9999",
                self.records,
                self.interval,
                format_time(&self.start)
            ));
        }
        Ok(())
    }

    /// The time of the `n`-th readings (from 0), unless it overflows.
    fn time_of(&self, n: u64) -> Option<DateTime<FixedOffset>> {
        let step = TimeDelta::from_std(self.interval).ok()?;
        let offset = step.checked_mul(i32::try_from(n).ok()?).or_else(|| {
            let micros = i64::try_from(self.interval.as_micros()).ok()?;
            Some(TimeDelta::microseconds(
                micros.checked_mul(i64::try_from(n).ok()?)?,
            ))
        })?;
        let t = self.start.checked_add_signed(offset)?;
        (t.format("%Y").to_string().len() == 4).then_some(t)
    }
}

/// Reads `--timezone`: `±HH:MM`, `±HHMM`, `Z` or `UTC`.
///
/// # Errors
///
/// [`SensorsError::InvalidInput`] saying what a time zone looks like.
pub fn parse_timezone(text: &str) -> Result<FixedOffset> {
    let bad = || {
        SensorsError::InvalidInput(format!(
            "--timezone {text:?} is not an offset like +08:00, -05:30 or Z"
        ))
    };
    if text == "Z" || text.eq_ignore_ascii_case("utc") {
        return FixedOffset::east_opt(0).ok_or_else(bad);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    let colon_ok = rest.len() == 4 || (rest.len() == 5 && rest.as_bytes()[2] == b':');
    if digits.len() != 4 || !colon_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let hours: i32 = digits[..2].parse().map_err(|_| bad())?;
    let minutes: i32 = digits[2..].parse().map_err(|_| bad())?;
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(bad)
}

/// Reads `--start` in `timezone`: `2021-01-01`, `2021-01-01T00:00:00` (or with a space,
/// and fractions of a second) in that zone, or a time with its own offset, which is then
/// shown in `timezone`.
///
/// # Errors
///
/// [`SensorsError::InvalidInput`] saying what a start looks like.
pub fn parse_start(text: &str, timezone: FixedOffset) -> Result<DateTime<FixedOffset>> {
    if let Ok(t) = crate::row::parse_time(text) {
        return Ok(t.with_timezone(&timezone));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .map_err(|_| {
            SensorsError::InvalidInput(format!(
                "--start {text:?} is not a time like 2021-01-01, 2021-01-01T00:00:00 \
                 or 2021-01-01T00:00:00+08:00"
            ))
        })?;
    naive
        .and_local_timezone(timezone)
        .single()
        .ok_or_else(|| SensorsError::InvalidInput(format!("--start {text:?} is out of range")))
}

/// The id of sensor `n` for `seed`: `17fc695a_4`.
pub fn sensor_id(seed: u64, n: u64) -> String {
    format!("{:08x}_{n}", sensor_hash(seed, n))
}

/// Eight hex digits' worth of hash of the seed and the sensor's number (splitmix64).
fn sensor_hash(seed: u64, n: u64) -> u32 {
    let mut z = seed ^ n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 32) as u32
}

/// Writes the CSV (header and rows) to `out`, counting rows into `meter`. Returns how many
/// rows it wrote.
///
/// # Errors
///
/// [`SensorsError::InvalidInput`] for options that [`GenerateOptions::validate`] refuses;
/// the write's error otherwise.
pub fn write_csv(opts: &GenerateOptions, out: impl Write, meter: &Meter) -> Result<u64> {
    opts.validate()?;
    let io = |e| SensorsError::io("writing the CSV", e);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    writeln!(out, "{}", HEADER.join(",")).map_err(io)?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut written = 0u64;
    let mut uncounted = 0u64;
    for n in 0..opts.records {
        let time = opts.time_of(n).map(|t| format_time(&t)).unwrap_or_default();
        for sensor in 0..opts.sensors {
            let value: f64 = rng.random();
            writeln!(
                out,
                "{time},{:08x}_{sensor},{value}",
                sensor_hash(opts.seed, sensor)
            )
            .map_err(io)?;
            uncounted += 1;
            if uncounted == 8192 {
                meter.add(uncounted);
                written += uncounted;
                uncounted = 0;
            }
        }
    }
    out.flush().map_err(io)?;
    meter.add(uncounted);
    Ok(written + uncounted)
}

/// What [`generate`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generated {
    /// Rows written.
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// Writes the CSV to the file `path`: to a new file beside it first, renamed over `path`
/// once complete, so `path` never holds half a file.
///
/// # Errors
///
/// [`SensorsError::InvalidInput`] for bad options; [`SensorsError::Io`] naming the file.
pub fn generate(opts: &GenerateOptions, path: &Path, meter: &Meter) -> Result<Generated> {
    let started = Instant::now();
    opts.validate()?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let named = |what: &str| format!("{what} {}", path.display());
    let file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| SensorsError::io(named("creating a file beside"), e))?;
    let rows = write_csv(opts, file.as_file(), meter)?;
    file.as_file()
        .sync_all()
        .map_err(|e| SensorsError::io(named("writing"), e))?;
    let file = file
        .persist(path)
        .map_err(|e| SensorsError::io(named("writing"), e.error))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok(Generated {
        rows,
        bytes,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(opts: &GenerateOptions) -> String {
        let mut out = Vec::new();
        write_csv(opts, &mut out, &Meter::new()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_seed_writes_the_same_file() {
        let a = csv(&GenerateOptions::new(10, 5, 7));
        assert_eq!(a, csv(&GenerateOptions::new(10, 5, 7)));
        assert_ne!(a, csv(&GenerateOptions::new(10, 5, 8)));
        let lines: Vec<&str> = a.lines().collect();
        assert_eq!(lines.len(), 51);
        assert_eq!(lines[0], "record_time,sensor_id,value");
        let first: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(first[0], "2021-01-01T00:00:00+08:00");
        assert!(
            first[1].ends_with("_0") && first[1].len() == 10,
            "{}",
            first[1]
        );
        assert!(lines[50].starts_with("2021-01-01T00:00:04+08:00,"));
    }

    #[test]
    fn knobs_are_read_and_checked() {
        let tz = parse_timezone("-05:30").unwrap();
        assert_eq!(tz.local_minus_utc(), -(5 * 3600 + 1800));
        assert_eq!(parse_timezone("+0800").unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(parse_timezone("Z").unwrap().local_minus_utc(), 0);
        for bad in ["8", "+8:00", "+24:00", "+08:60", "UTC+1", "+08:00:00"] {
            assert!(parse_timezone(bad).is_err(), "{bad}");
        }
        let start = parse_start("2022-03-04", tz).unwrap();
        assert_eq!(format_time(&start), "2022-03-04T00:00:00-05:30");
        let start = parse_start("2022-03-04T10:00:00Z", tz).unwrap();
        assert_eq!(format_time(&start), "2022-03-04T04:30:00-05:30");
        assert!(parse_start("tomorrow", tz).is_err());

        let mut opts = GenerateOptions::new(2, 3, 1);
        opts.start = start;
        opts.interval = Duration::from_millis(250);
        let text = csv(&opts);
        assert!(
            text.lines()
                .nth(3)
                .unwrap()
                .starts_with("2022-03-04T04:30:00.250-05:30,")
        );
        opts.interval = Duration::from_nanos(1);
        assert!(
            opts.validate()
                .unwrap_err()
                .to_string()
                .contains("microseconds")
        );
        opts.interval = Duration::from_secs(3600 * 24 * 365);
        opts.records = 10_000;
        assert!(opts.validate().unwrap_err().to_string().contains("9999"));
        opts.sensors = 0;
        assert!(opts.validate().is_err());
    }

    #[test]
    fn sensor_ids_have_the_seeds_style() {
        let id = sensor_id(42, 4);
        let (hex, n) = id.split_once('_').unwrap();
        assert_eq!(n, "4");
        assert_eq!(hex.len(), 8);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(sensor_id(42, 4), sensor_id(43, 4));
    }
}
