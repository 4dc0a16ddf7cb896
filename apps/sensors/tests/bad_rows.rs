//! Bad rows are reported with their line numbers and why, the exit status says some were
//! bad, and every good row around them is still ingested.

mod common;

use chrono::{DateTime, Utc};
use common::{Row, assert_rows, consume_args, queue_in, run, run_ok};

const CSV: &str = "\
sensor_id,value,record_time
a_1,0.5,2021-01-01T00:00:00+08:00
a_1,0.25,2021-01-01T00:00:01+08:00
a_1,0.125
b_2,not-a-number,2021-01-01T00:00:00+08:00
b_2,0.75,2021-01-01 00:00:00
b_2,0.875,2021-01-01 00:00:01.000 +0800
,0.1,2021-01-01T00:00:00+08:00
\"c, \"\"quoted\"\"\",1e-3,2021-01-01T00:00:00Z
c_3,NaN,2021-01-01T00:00:00Z
c_3,1,yesterday

d_4,  2.5 ,  2021-01-01T00:00:00.000001Z
";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn bad_rows_are_named_by_line_and_the_good_ones_still_land() {
    let Some(db) = common::database("bad").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("mixed.csv");
    std::fs::write(&csv, CSV).unwrap();
    let csv_arg = csv.to_str().unwrap();
    let queue = queue_in(dir.path());

    let out = run(&["produce", csv_arg, "--chunk", "2", "--url", &queue]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for (line, why) in [
        (
            4,
            "expected 3 fields (record_time,sensor_id,value), found 2",
        ),
        (5, "value \"not-a-number\" is not a number"),
        (6, "record_time \"2021-01-01 00:00:00\" has no UTC offset"),
        (8, "sensor_id is empty"),
        (10, "value \"NaN\" is not a finite number"),
        (11, "record_time \"yesterday\" is not a time"),
    ] {
        let expected = format!("{csv_arg}:{line}: bad row: {why}");
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert_eq!(stderr.matches("bad row:").count(), 6, "{stderr}");
    assert!(
        stderr.contains("6 bad rows were skipped (listed above); the 5 good rows were submitted"),
        "{stderr}"
    );
    assert!(
        stdout.contains("read 11 rows from") && stdout.contains("(6 bad)"),
        "{stdout}"
    );

    let mut consume = consume_args(&db, &queue);
    consume.push("--exit-when-empty");
    run_ok(&consume);
    let mut expected: Vec<Row> = vec![
        (at("2021-01-01T00:00:00+08:00"), "a_1".into(), 0.5),
        (at("2021-01-01T00:00:01+08:00"), "a_1".into(), 0.25),
        (at("2021-01-01T00:00:01+08:00"), "b_2".into(), 0.875),
        (at("2021-01-01T00:00:00Z"), "c, \"quoted\"".into(), 0.001),
        (at("2021-01-01T00:00:00.000001Z"), "d_4".into(), 2.5),
    ];
    expected.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    assert_rows(&db, &expected).await;
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let queue = queue_in(dir.path());
    let out = run(&["produce", "/no/such/file.csv", "--url", &queue]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("opening /no/such/file.csv"), "{stderr}");
}
