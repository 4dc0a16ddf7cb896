//! What the sensors tests share: PostgreSQL (skipped loudly when unreachable, outside
//! CI), a schema of their own per test, dropped at the end, the `sensors` binary, and the
//! rows of a CSV file read independently of the app.

#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, NoTls};

/// A row as compared: the instant, the sensor, the value.
pub type Row = (DateTime<Utc>, String, f64);

/// The PostgreSQL the tests use.
pub fn postgres_url() -> String {
    std::env::var("JOBQ_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A schema of this test's own in the test database, dropped when this is dropped.
pub struct Db {
    pub url: String,
    pub schema: String,
    pub client: Client,
}

/// Connects to the test database and names a schema for test `tag`; `None` (after a loud
/// SKIPPED line) when PostgreSQL cannot be reached, except under `CI=true`, where that
/// fails the test.
pub async fn database(tag: &str) -> Option<Db> {
    let url = postgres_url();
    let connected = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_postgres::connect(&url, NoTls),
    )
    .await;
    let (client, connection) = match connected {
        Ok(Ok(pair)) => pair,
        Ok(Err(err)) => {
            let cause = std::error::Error::source(&err).map(ToString::to_string);
            let why = format!("{err}: {}", cause.unwrap_or_default());
            return unreachable(&url, &why);
        }
        Err(_) => return unreachable(&url, "no answer within 10 s"),
    };
    tokio::spawn(connection);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!("sensors_t_{tag}_{}_{nanos}", std::process::id());
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
    Some(Db {
        url,
        schema,
        client,
    })
}

fn unreachable(url: &str, why: &str) -> Option<Db> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!ci, "PostgreSQL unreachable at {url} ({why}), and CI=true");
    eprintln!("SKIPPED: PostgreSQL unreachable at {url} ({why})");
    None
}

impl Db {
    /// Every row of the schema's table, by sensor and time.
    pub async fn rows(&self) -> Vec<Row> {
        self.client
            .query(
                &format!(
                    "SELECT record_time, sensor_id, value FROM {}.records \
                     ORDER BY sensor_id, record_time",
                    self.schema
                ),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect()
    }

    /// How many rows the table has (0 when it does not exist yet).
    pub async fn count(&self) -> u64 {
        let table = format!("{}.records", self.schema);
        let exists: Option<String> = self
            .client
            .query_one("SELECT to_regclass($1)::text", &[&table])
            .await
            .unwrap()
            .get(0);
        if exists.is_none() {
            return 0;
        }
        let sql = format!("SELECT count(*) FROM {table}");
        let n: i64 = self.client.query_one(&sql, &[]).await.unwrap().get(0);
        n as u64
    }

    /// The definitions of the table's indexes, as `pg_indexes` has them.
    pub async fn indexes(&self) -> Vec<String> {
        self.client
            .query(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'records' \
                 ORDER BY indexname",
                &[&self.schema],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Waits until the table holds at least `rows` rows, failing after `within`.
    pub async fn wait_for_rows(&self, rows: u64, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let n = self.count().await;
            if n >= rows {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "only {n} of {rows} rows after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // A drop cannot await; a thread with a runtime of its own can.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok((client, connection)) = tokio_postgres::connect(&url, NoTls).await {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// The `sensors` binary, with `JOBQ_URL` and `SENSORS_POSTGRES_URL` cleared so that only
/// the arguments given count.
pub fn sensors() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sensors"));
    cmd.env_remove("JOBQ_URL")
        .env_remove("SENSORS_POSTGRES_URL");
    cmd
}

/// Runs `sensors ARGS` to the end and returns what it printed.
pub fn run(args: &[&str]) -> Output {
    sensors().args(args).output().expect("sensors runs")
}

/// Runs `sensors ARGS` and checks it succeeded; returns its standard output.
pub fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "sensors {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The queue URL of a store in `dir`.
pub fn queue_in(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("queue.db").display())
}

/// `sensors consume` arguments for `db`'s schema and the queue in `dir`.
pub fn consume_args<'a>(db: &'a Db, queue: &'a str) -> Vec<&'a str> {
    vec![
        "consume",
        "--url",
        queue,
        "--postgres",
        &db.url,
        "--schema",
        &db.schema,
    ]
}

/// The rows of a CSV file in the generator's form (a header, then plain fields), read
/// without the app, sorted as [`Db::rows`] sorts.
pub fn csv_rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows: Vec<Row> = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 3, "{line}");
            let time = DateTime::parse_from_rfc3339(f[0])
                .unwrap()
                .with_timezone(&Utc);
            (time, f[1].to_owned(), f[2].parse().unwrap())
        })
        .collect();
    rows.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    rows
}

/// Checks the table holds exactly `expected`, row by row, value by value.
pub async fn assert_rows(db: &Db, expected: &[Row]) {
    let got = db.rows().await;
    assert_eq!(got.len(), expected.len(), "row count");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert_eq!(g, e, "row {i} (by sensor and time)");
    }
}
