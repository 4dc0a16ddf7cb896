//! One row of sensor data, the CSV format it is read from, and the rules it must follow.
//!
//! A file is `record_time,sensor_id,value` lines, optionally under that header (whose
//! column names may come in any order). Fields are trimmed; quoting follows RFC 4180.
//!
//! - `record_time`: a time with its UTC offset, RFC 3339 (`2021-01-01T00:00:00+08:00`, a
//!   space for the `T`, fractions of a second up to microseconds) or PostgreSQL's own output
//!   (`2021-01-01 00:00:00.000 +0800`). A time without an offset is refused: which instant
//!   it means would depend on the time zone of whoever reads it.
//! - `sensor_id`: 1 to [`MAX_SENSOR_ID_CHARS`] characters, no control characters.
//! - `value`: a finite number (`double precision`); `NaN` and infinities are refused.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

/// The columns, in the order the generator writes them and a headerless file has them.
pub const HEADER: [&str; 3] = ["record_time", "sensor_id", "value"];

/// The longest sensor id accepted, in characters.
pub const MAX_SENSOR_ID_CHARS: usize = 200;

/// One sensor reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// When it was recorded, with the offset it was written with.
    pub record_time: DateTime<FixedOffset>,
    /// Which sensor.
    pub sensor_id: String,
    /// What it read.
    pub value: f64,
}

impl Row {
    /// The time in RFC 3339 with its own offset, as the generator writes it:
    /// `2021-01-01T00:00:00+08:00`, with a fraction of a second only when there is one.
    pub fn time_text(&self) -> String {
        format_time(&self.record_time)
    }
}

/// `time` in RFC 3339 with its offset, the fraction only when there is one.
pub fn format_time(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Which field holds which column, from the header (or the default order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    time: usize,
    sensor: usize,
    value: usize,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            time: 0,
            sensor: 1,
            value: 2,
        }
    }
}

impl Columns {
    /// The columns named by `fields` when they are exactly the three column names (in any
    /// order, any case); `None` when `fields` is not a header.
    pub fn from_header<'a>(fields: impl IntoIterator<Item = &'a [u8]>) -> Option<Self> {
        let mut at = [usize::MAX; 3];
        let mut count = 0;
        for (i, field) in fields.into_iter().enumerate() {
            let name = HEADER
                .iter()
                .position(|name| name.as_bytes().eq_ignore_ascii_case(field))?;
            if at[name] != usize::MAX {
                return None;
            }
            at[name] = i;
            count += 1;
        }
        (count == 3).then_some(Self {
            time: at[0],
            sensor: at[1],
            value: at[2],
        })
    }
}

/// Reads one CSV record as a row, or says why it is not one.
///
/// # Errors
///
/// A sentence naming the field and what is wrong with it.
pub fn parse_record(record: &csv::ByteRecord, columns: Columns) -> Result<Row, String> {
    if record.len() != 3 {
        return Err(format!(
            "expected 3 fields (record_time,sensor_id,value), found {}",
            record.len()
        ));
    }
    let field = |i: usize, name: &str| {
        std::str::from_utf8(&record[i]).map_err(|_| format!("{name} is not valid UTF-8"))
    };
    let record_time = parse_time(field(columns.time, "record_time")?)?;
    let sensor_id = parse_sensor_id(field(columns.sensor, "sensor_id")?)?;
    let value = parse_value(field(columns.value, "value")?)?;
    Ok(Row {
        record_time,
        sensor_id: sensor_id.to_owned(),
        value,
    })
}

/// Reads a `record_time`.
///
/// # Errors
///
/// A sentence saying what is wrong: not a time, no offset, more precision than PostgreSQL
/// keeps.
pub fn parse_time(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let time = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f %#z"))
        .map_err(|_| {
            let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"));
            if naive.is_ok() {
                format!(
                    "record_time {text:?} has no UTC offset; write it like 2021-01-01T00:00:00+08:00"
                )
            } else {
                format!("record_time {text:?} is not a time like 2021-01-01T00:00:00+08:00")
            }
        })?;
    if !time.timestamp_subsec_nanos().is_multiple_of(1000) {
        return Err(format!(
            "record_time {text:?} is more precise than a microsecond, which PostgreSQL cannot keep"
        ));
    }
    Ok(time)
}

/// Checks a `sensor_id`.
///
/// # Errors
///
/// A sentence saying what is wrong: empty, too long, a control character.
pub fn parse_sensor_id(text: &str) -> Result<&str, String> {
    if text.is_empty() {
        return Err("sensor_id is empty".into());
    }
    if text.chars().count() > MAX_SENSOR_ID_CHARS {
        return Err(format!(
            "sensor_id is longer than {MAX_SENSOR_ID_CHARS} characters"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("sensor_id {text:?} has a control character"));
    }
    Ok(text)
}

/// Reads a `value`.
///
/// # Errors
///
/// A sentence saying what is wrong: not a number, not finite.
pub fn parse_value(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("value {text:?} is not a number"))?;
    if !value.is_finite() {
        return Err(format!("value {text:?} is not a finite number"));
    }
    Ok(value)
}

/// The instant of a row, as PostgreSQL's `timestamptz` keeps it.
pub fn instant(time: &DateTime<FixedOffset>) -> DateTime<Utc> {
    time.with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> csv::ByteRecord {
        csv::ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn good_rows_parse() {
        let row = parse_record(
            &record(&[
                "2021-01-01T00:00:01+08:00",
                "17fc695a_4",
                "0.9470819312177097",
            ]),
            Columns::default(),
        )
        .unwrap();
        assert_eq!(row.sensor_id, "17fc695a_4");
        assert_eq!(row.value, 0.9470819312177097);
        assert_eq!(row.time_text(), "2021-01-01T00:00:01+08:00");
        assert_eq!(
            instant(&row.record_time).to_rfc3339(),
            "2020-12-31T16:00:01+00:00"
        );
    }

    #[test]
    fn other_time_forms_parse() {
        for text in [
            "2021-01-01 00:00:00+08:00",
            "2021-01-01 00:00:00.000 +0800",
            "2021-01-01T00:00:00.000000+08:00",
        ] {
            let t = parse_time(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(format_time(&t), "2021-01-01T00:00:00+08:00", "{text}");
        }
        let t = parse_time("2021-01-01T00:00:00.25Z").unwrap();
        assert_eq!(format_time(&t), "2021-01-01T00:00:00.250+00:00");
    }

    #[test]
    fn bad_fields_say_what_is_wrong() {
        let cols = Columns::default();
        let err = |fields: &[&str]| parse_record(&record(fields), cols).unwrap_err();
        assert!(err(&["a", "b"]).contains("expected 3 fields"));
        assert!(err(&["yesterday", "s", "1"]).contains("is not a time"));
        assert!(err(&["2021-01-01T00:00:00", "s", "1"]).contains("no UTC offset"));
        assert!(err(&["2021-01-01T00:00:00.0000001Z", "s", "1"]).contains("microsecond"));
        assert!(err(&["2021-01-01T00:00:00Z", "", "1"]).contains("sensor_id is empty"));
        assert!(err(&["2021-01-01T00:00:00Z", "s", "x"]).contains("not a number"));
        assert!(err(&["2021-01-01T00:00:00Z", "s", "NaN"]).contains("not a finite"));
        assert!(err(&["2021-01-01T00:00:00Z", "a\tb", "1"]).contains("control character"));
    }

    #[test]
    fn headers_name_the_columns() {
        let h = |f: &[&str]| Columns::from_header(f.iter().map(|s| s.as_bytes()));
        assert_eq!(
            h(&["record_time", "sensor_id", "value"]),
            Some(Columns::default())
        );
        assert_eq!(
            h(&["value", "RECORD_TIME", "sensor_id"]),
            Some(Columns {
                time: 1,
                sensor: 2,
                value: 0
            })
        );
        assert_eq!(h(&["record_time", "sensor_id"]), None);
        assert_eq!(h(&["record_time", "sensor_id", "sensor_id"]), None);
        assert_eq!(h(&["2021-01-01T00:00:00Z", "a", "1"]), None);
    }
}
