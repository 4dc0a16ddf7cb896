//! The seed's end-to-end case: 10 sensors × 5 records end up as exactly those 50 rows,
//! value by value, in a table with the seed's three indexes; running produce and consume
//! again, on the same queue or a new one, adds no row; and a file that overlaps adds only
//! its new rows.

mod common;

use common::{assert_rows, consume_args, csv_rows, queue_in, run_ok};

#[tokio::test]
async fn ten_sensors_by_five_records_land_exactly_and_again_add_nothing() {
    let Some(db) = common::database("seed").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("records.csv");
    let csv_arg = csv.to_str().unwrap();
    let out = run_ok(&[
        "generate",
        "--sensors",
        "10",
        "--records",
        "5",
        "--seed",
        "3",
        "--out",
        csv_arg,
    ]);
    assert!(out.contains("wrote 50 rows"), "{out}");
    let expected = csv_rows(&csv);
    assert_eq!(expected.len(), 50);

    let queue = queue_in(dir.path());
    let out = run_ok(&["produce", csv_arg, "--chunk", "7", "--url", &queue]);
    assert!(
        out.contains("read 50 rows") && out.contains("(0 bad) into 8 chunks: 8 submitted"),
        "{out}"
    );
    let mut consume = consume_args(&db, &queue);
    consume.push("--exit-when-empty");
    let out = run_ok(&consume);
    assert!(
        out.contains("wrote 8 chunks (50 rows: 50 new, 0 there already)"),
        "{out}"
    );

    assert_rows(&db, &expected).await;
    let indexes = db.indexes().await;
    let has = |text: &str| indexes.iter().any(|def| def.contains(text));
    assert!(
        has("CREATE UNIQUE INDEX records_pkey") && has("USING btree (sensor_id, record_time)"),
        "{indexes:?}"
    );
    assert!(has("USING brin (record_time)"), "{indexes:?}");
    assert!(has("USING hash (sensor_id)"), "{indexes:?}");
    assert_eq!(indexes.len(), 3, "{indexes:?}");

    // Again on the same queue: every chunk was submitted before, none runs again.
    let out = run_ok(&["produce", csv_arg, "--chunk", "7", "--url", &queue]);
    assert!(out.contains("0 submitted, 8 submitted before"), "{out}");
    let out = run_ok(&consume);
    assert!(out.contains("wrote 0 chunks"), "{out}");
    assert_rows(&db, &expected).await;

    // Again through a new queue (the chunks are new to it): the writes add nothing.
    let other = tempfile::tempdir().unwrap();
    let queue = queue_in(other.path());
    run_ok(&["produce", csv_arg, "--url", &queue]);
    let mut consume = consume_args(&db, &queue);
    consume.push("--exit-when-empty");
    let out = run_ok(&consume);
    assert!(
        out.contains("wrote 1 chunks (50 rows: 0 new, 50 there already)"),
        "{out}"
    );
    assert_rows(&db, &expected).await;

    // A file that overlaps: the same seed with 10 records starts with the 50 rows above.
    // Its chunk is merged, adding only the 50 rows that are missing.
    let longer = dir.path().join("longer.csv");
    let longer_arg = longer.to_str().unwrap();
    run_ok(&[
        "generate",
        "--sensors",
        "10",
        "--records",
        "10",
        "--seed",
        "3",
        "--out",
        longer_arg,
    ]);
    run_ok(&["produce", longer_arg, "--url", &queue]);
    let out = run_ok(&consume);
    assert!(
        out.contains("(100 rows: 50 new, 50 there already)"),
        "{out}"
    );
    assert_rows(&db, &csv_rows(&longer)).await;
}
