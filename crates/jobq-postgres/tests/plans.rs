//! The plans of the backend's statements: the claim locks only what it leases and walks its
//! index without sorting, and no statement whose cost must stay flat scans the whole table,
//! even with a plan made while the table was empty.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use jobq_core::{ManualClock, NewJob, Queue, QueueName, TakeRequest, Timestamp};
use jobq_postgres::PostgresQueue;
use support::TestSchema;

/// Where every test's clock starts: 2030-01-01T00:00:00Z.
const START: Timestamp = Timestamp::from_unix_micros(1_893_456_000_000_000);

/// The claim statement as the backend runs it, for `schema`.
fn claim_sql(schema: &str) -> String {
    include_str!("../sql/claim.sql").replace("{schema}", &format!("\"{schema}\""))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_walks_its_index_and_locks_only_what_it_leases() {
    require_postgres!();
    let schema = TestSchema::new();
    let clock = ManualClock::new(START);
    let queue = PostgresQueue::connect(schema.options(clock.clone()))
        .await
        .unwrap();
    let jobs: Vec<NewJob> = (0..5000).map(|i| NewJob::new(format!("{i}"))).collect();
    queue.submit_batch(jobs).await.unwrap();
    let mut client = support::client().await;
    let name = &schema.name;
    client
        .batch_execute(&format!(
            "ANALYZE \"{name}\".jobs; CREATE EXTENSION IF NOT EXISTS pgrowlocks SCHEMA \"{name}\""
        ))
        .await
        .unwrap();
    let now = START.to_datetime();
    let until = (START + Duration::from_secs(30)).to_datetime();

    let plan: Vec<String> = client
        .query(
            &format!("EXPLAIN {}", claim_sql(name)),
            &[&"default", &now, &3i64, &until, &Some("w")],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    let plan = plan.join("\n");
    let picked = plan
        .split("CTE picked")
        .nth(1)
        .and_then(|rest| rest.split("CTE ").next())
        .unwrap_or_else(|| panic!("no CTE picked in the plan:\n{plan}"));
    let limit = picked.find("Limit").expect("a Limit");
    let lock = picked.find("LockRows").expect("row locks");
    let scan = picked.find("jobs_ready").expect("the jobs_ready index");
    assert!(
        limit < lock && lock < scan,
        "the limit must sit above the locks, above the index scan:\n{plan}"
    );
    assert!(!picked.contains("Sort"), "the claim must not sort:\n{plan}");

    // One transaction claims 3 without committing: exactly 3 rows are locked, and another
    // taker skips them instead of waiting.
    let tx = client.transaction().await.unwrap();
    let held = tx
        .query(
            &claim_sql(name),
            &[&"default", &now, &3i64, &until, &Some("w")],
        )
        .await
        .unwrap();
    assert_eq!(held.len(), 3);
    let observer = support::client().await;
    let locked: i64 = observer
        .query_one(
            &format!("SELECT count(*) FROM \"{name}\".pgrowlocks('\"{name}\".jobs')"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(locked, 3, "a claim of 3 locks 3 rows");
    let other = tokio::time::timeout(
        Duration::from_secs(10),
        queue.take(TakeRequest::new(QueueName::default()).max(2)),
    )
    .await
    .expect("another taker does not wait for the held rows")
    .unwrap();
    let taken: Vec<String> = other.iter().map(|j| j.id.to_string()).collect();
    let held_ids: HashSet<String> = held.iter().map(|r| r.get::<_, String>(0)).collect();
    assert_eq!(taken.len(), 2);
    assert!(
        taken.iter().all(|t| !held_ids.contains(t)),
        "skips held rows"
    );
    tx.rollback().await.unwrap();
}

/// Every statement whose cost must not grow with the table, with arguments for EXPLAIN.
const LOOKUPS: &[(&str, &str, &str)] = &[
    (
        "claim",
        include_str!("../sql/claim.sql"),
        "('default', now(), 1, now() + interval '30s', 'w')",
    ),
    (
        "sweep",
        include_str!("../sql/sweep.sql"),
        "(now(), 1000000, 3600000000)",
    ),
    (
        "settle",
        include_str!("../sql/settle.sql"),
        "('{j19999,j20150}', '{tok,tok}', '{f,f}', '{NULL,NULL}', now(), 1000000, 3600000000)",
    ),
    (
        "extend",
        include_str!("../sql/extend.sql"),
        "('j20150', 'tok', now(), now() + interval '1m')",
    ),
    ("status", include_str!("../sql/status.sql"), "('j20150')"),
    (
        "lock_ids",
        include_str!("../sql/lock_ids.sql"),
        "('{j5,j20150}')",
    ),
    (
        "existing_ids",
        include_str!("../sql/existing_ids.sql"),
        "('{j5,j20150}')",
    ),
    (
        "lock_finished",
        include_str!("../sql/lock_finished.sql"),
        "('failed', NULL)",
    ),
    (
        "lock_queued",
        include_str!("../sql/lock_queued.sql"),
        "(NULL)",
    ),
    (
        "purge",
        include_str!("../sql/purge.sql"),
        "('done', now() - interval '1 day', NULL, 2000)",
    ),
];

/// The plan of prepared statement `name` run with `args`.
async fn explain(client: &tokio_postgres::Client, name: &str, args: &str) -> String {
    let rows = client
        .simple_query(&format!("EXPLAIN EXECUTE {name}{args}"))
        .await
        .unwrap_or_else(|e| panic!("EXPLAIN {name}: {e}"));
    rows.iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A prepared statement keeps its generic plan until the table is analyzed again; a plan
/// made while the table was empty must not become a scan of the whole table as it grows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_made_on_an_empty_table_keep_to_their_indexes_as_it_grows() {
    require_postgres!();
    let schema = TestSchema::new();
    drop(
        PostgresQueue::connect(schema.options(ManualClock::new(START)))
            .await
            .unwrap(),
    );
    let client = support::client().await;
    let quoted = format!("\"{}\"", schema.name);
    client
        .batch_execute("SET plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    for (name, sql, args) in LOOKUPS {
        let sql = sql.replace("{schema}", &quoted);
        client
            .batch_execute(&format!("PREPARE {name} AS {sql}"))
            .await
            .unwrap_or_else(|e| panic!("PREPARE {name}: {e}"));
        explain(&client, name, args).await;
    }
    client
        .batch_execute(&format!(
            "INSERT INTO {quoted}.jobs (id, queue, state, priority, run_at, attempts, \
             max_attempts, created_at, updated_at, payload) \
             SELECT 'j' || g, 'default', CASE WHEN g <= 20000 THEN 'done' ELSE 'running' END, \
                    0, now(), 1, 3, now(), now(), ''::bytea \
             FROM generate_series(1, 20200) AS g"
        ))
        .await
        .unwrap();
    for (name, _, args) in LOOKUPS {
        let plan = explain(&client, name, args).await;
        assert!(
            !plan.contains("Seq Scan on jobs"),
            "{name} scans the whole table with a plan made when it was empty:\n{plan}"
        );
    }
}
