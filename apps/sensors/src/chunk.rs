//! Chunks: the jobs `sensors produce` submits and `sensors consume` writes.
//!
//! A chunk's payload is its rows as CSV without a header, each written back in the
//! normal form of [`row`](crate::row) (times in RFC 3339 with their offset, values in the
//! shortest text that reads back to the same number), so `jobq status ID` shows it as text.
//!
//! A chunk's job id is [`chunk_id`]: `sensors-` and the first 128 bits of the SHA-256 of
//! its payload, in hex. It depends on nothing but the rows, so producing the same file
//! again makes the same ids and the queue refuses them as duplicates: nothing is submitted
//! twice, whatever the file's name, place or modification time. A chunk made of the same
//! rows as one submitted before (from another file) is rightly seen as done already, since
//! writing it again could not add a row.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::{Result, SensorsError};
use crate::row::{Columns, Row, format_time, instant, parse_record};

/// The largest payload a chunk gets, in bytes: under jobq's default limit of 1 MiB, so a
/// chunk ends early when its rows are long.
pub const MAX_PAYLOAD_BYTES: usize = 1_000_000;

/// The default number of rows in a chunk.
pub const DEFAULT_CHUNK_ROWS: usize = 5_000;

/// The job id of a chunk with this payload.
pub fn chunk_id(payload: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"sensors chunk v1\n");
    hash.update(payload);
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("sensors-{hex}")
}

/// A chunk being filled with rows, up to a number of rows or [`MAX_PAYLOAD_BYTES`].
#[derive(Debug)]
pub struct ChunkBuilder {
    max_rows: usize,
    rows: usize,
    first_line: u64,
    last_line: u64,
    payload: Vec<u8>,
    line: Vec<u8>,
}

/// A full chunk, ready to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The line of the file its first row came from (from 1).
    pub first_line: u64,
    /// The line of the file its last row came from.
    pub last_line: u64,
    /// How many rows it holds.
    pub rows: usize,
    /// The rows as CSV.
    pub payload: Vec<u8>,
}

impl Chunk {
    /// Its job id (see [`chunk_id`]).
    pub fn id(&self) -> String {
        chunk_id(&self.payload)
    }
}

impl ChunkBuilder {
    /// An empty chunk that holds at most `max_rows` rows (at least 1).
    pub fn new(max_rows: usize) -> Self {
        Self {
            max_rows: max_rows.max(1),
            rows: 0,
            first_line: 0,
            last_line: 0,
            payload: Vec::new(),
            line: Vec::new(),
        }
    }

    /// Adds `row`, read from `line` of the file. Returns the chunk it completes: this one
    /// when it is now full, or the one before when the row did not fit in its bytes (the
    /// row then starts the next).
    pub fn push(&mut self, row: &Row, line: u64) -> Option<Chunk> {
        self.line.clear();
        encode_row(row, &mut self.line);
        let mut done = None;
        if self.rows > 0 && self.payload.len() + self.line.len() > MAX_PAYLOAD_BYTES {
            done = self.take();
        }
        if self.rows == 0 {
            self.first_line = line;
        }
        self.last_line = line;
        self.payload.extend_from_slice(&self.line);
        self.rows += 1;
        if done.is_none() && self.rows >= self.max_rows {
            done = self.take();
        }
        done
    }

    /// The rows gathered so far as a chunk, leaving this one empty; `None` when it is.
    pub fn take(&mut self) -> Option<Chunk> {
        if self.rows == 0 {
            return None;
        }
        let chunk = Chunk {
            first_line: self.first_line,
            last_line: self.last_line,
            rows: self.rows,
            payload: std::mem::take(&mut self.payload),
        };
        self.rows = 0;
        Some(chunk)
    }
}

/// Appends `row` as one CSV line, quoting the sensor id when it needs it.
fn encode_row(row: &Row, out: &mut Vec<u8>) {
    out.extend_from_slice(format_time(&row.record_time).as_bytes());
    out.push(b',');
    let id = row.sensor_id.as_bytes();
    if id
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r' | b' '))
    {
        out.push(b'"');
        for &b in id {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(id);
    }
    out.push(b',');
    out.extend_from_slice(format!("{:?}", row.value).as_bytes());
    out.push(b'\n');
}

/// The rows of a chunk, column by column, as they are written to PostgreSQL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChunkColumns {
    /// `record_time` of each row.
    pub times: Vec<DateTime<Utc>>,
    /// `sensor_id` of each row.
    pub sensors: Vec<String>,
    /// `value` of each row.
    pub values: Vec<f64>,
}

impl ChunkColumns {
    /// How many rows.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }
}

/// Reads a chunk's payload back, checking every row again.
///
/// # Errors
///
/// [`SensorsError::BadChunk`] naming the row that is not one, for a payload that
/// `sensors produce` did not write.
pub fn decode(id: &str, payload: &[u8]) -> Result<ChunkColumns> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(payload);
    let mut columns = ChunkColumns::default();
    let mut record = csv::ByteRecord::new();
    let bad = |message: String| SensorsError::BadChunk {
        id: id.to_owned(),
        message,
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let row = parse_record(&record, Columns::default())
                    .map_err(|e| bad(format!("row {}: {e}", columns.len() + 1)))?;
                columns.times.push(instant(&row.record_time));
                columns.sensors.push(row.sensor_id);
                columns.values.push(row.value);
            }
            Err(err) => return Err(bad(format!("not CSV: {err}"))),
        }
    }
    if columns.is_empty() {
        return Err(bad("no rows".into()));
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::parse_time;

    fn row(id: &str, value: f64) -> Row {
        Row {
            record_time: parse_time("2021-01-01T00:00:00.5+08:00").unwrap(),
            sensor_id: id.into(),
            value,
        }
    }

    #[test]
    fn chunks_fill_to_their_rows_and_read_back() {
        let mut b = ChunkBuilder::new(2);
        assert_eq!(b.push(&row("a_1", 0.1), 2), None);
        let chunk = b.push(&row("b, \"c\"", 1e300), 3).unwrap();
        assert_eq!((chunk.first_line, chunk.last_line, chunk.rows), (2, 3, 2));
        assert_eq!(b.take(), None);
        let cols = decode("x", &chunk.payload).unwrap();
        assert_eq!(cols.sensors, ["a_1", "b, \"c\""]);
        assert_eq!(cols.values, [0.1, 1e300]);
        assert_eq!(cols.times[0].to_rfc3339(), "2020-12-31T16:00:00.500+00:00");
    }

    #[test]
    fn chunks_end_before_the_byte_limit() {
        let mut b = ChunkBuilder::new(usize::MAX);
        let long = "s".repeat(190);
        let mut chunks = Vec::new();
        for line in 1..=20_000 {
            chunks.extend(b.push(&row(&long, 0.5), line));
        }
        chunks.extend(b.take());
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.payload.len() <= MAX_PAYLOAD_BYTES));
        assert_eq!(chunks.iter().map(|c| c.rows).sum::<usize>(), 20_000);
        assert_eq!(chunks[1].first_line, chunks[0].last_line + 1);
    }

    #[test]
    fn ids_depend_on_the_rows_only() {
        let a = chunk_id(b"x");
        assert_eq!(a, chunk_id(b"x"));
        assert_ne!(a, chunk_id(b"y"));
        assert_eq!(a.len(), "sensors-".len() + 32);
    }

    #[test]
    fn foreign_payloads_are_refused_by_row() {
        let err = decode("j", b"2021-01-01T00:00:00Z,a,1\nnope\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "chunk j: row 2: expected 3 fields (record_time,sensor_id,value), found 1"
        );
        assert!(
            decode("j", b"")
                .unwrap_err()
                .to_string()
                .contains("no rows")
        );
    }
}
