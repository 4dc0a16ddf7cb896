//! What only the PostgreSQL backend has to show: exact uniqueness of 8000-byte ids, safe
//! migrations, schema isolation, the table's settings, the back-off rule in SQL,
//! notifications and their polling fallback, batches and purges larger than one statement,
//! and clear errors when the server is unreachable. (The statements' plans: `plans.rs`.)

mod support;

use std::collections::HashSet;
use std::time::Duration;

use jobq_core::{
    Backoff, Clock, Error, ErrorCode, JobId, JobState, LeasedJob, ManualClock, NewJob, PurgeQuery,
    Queue, QueueName, Select, Settlement, TakeRequest, Timestamp,
};
use jobq_postgres::{PostgresOptions, PostgresQueue};
use support::TestSchema;

/// Where every test's clock starts: 2030-01-01T00:00:00Z.
const START: Timestamp = Timestamp::from_unix_micros(1_893_456_000_000_000);

async fn open(opts: PostgresOptions) -> PostgresQueue {
    PostgresQueue::connect(opts).await.expect("open the store")
}

fn id(text: &str) -> JobId {
    JobId::new(text).expect("a valid id")
}

fn default_queue() -> TakeRequest {
    TakeRequest::new(QueueName::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_of_2000_four_byte_characters_are_unique_exactly() {
    require_postgres!();
    let schema = TestSchema::new();
    let queue = open(schema.options(ManualClock::new(START))).await;
    // Two 8000-byte ids that differ only in their last character, and one a character
    // shorter: a prefix or a truncated hash would confuse them.
    let long = id(&"𝄞".repeat(2000));
    let twin = id(&format!("{}𝄡", "𝄞".repeat(1999)));
    let shorter = id(&"𝄞".repeat(1999));
    for (job_id, payload) in [(&long, "long"), (&twin, "twin"), (&shorter, "shorter")] {
        queue
            .submit(NewJob::new(payload).id(job_id.clone()))
            .await
            .expect("a distinct long id is accepted");
    }
    let again = queue.submit(NewJob::new("again").id(long.clone())).await;
    match again {
        Err(Error::Duplicate { id: dup }) => assert_eq!(dup, long),
        other => panic!("expected Duplicate for the long id, got {other:?}"),
    }
    let batch = vec![NewJob::new("new"), NewJob::new("dup").id(twin.clone())];
    let refused = queue.submit_batch(batch).await;
    assert!(
        matches!(&refused, Err(Error::Duplicate { id: dup }) if *dup == twin),
        "{refused:?}"
    );

    let client = support::client().await;
    let sizes = client
        .query(
            &format!(
                "SELECT octet_length(id), convert_from(payload, 'UTF8') FROM \"{}\".jobs \
                 ORDER BY seq",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap();
    let sizes: Vec<(i32, String)> = sizes.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        sizes,
        [
            (8000, "long".to_owned()),
            (8000, "twin".to_owned()),
            (7996, "shorter".to_owned())
        ],
        "nothing else was stored"
    );

    let leased = queue.take_one(default_queue()).await.unwrap().unwrap();
    assert_eq!(
        (&leased.id, leased.payload.as_slice()),
        (&long, &b"long"[..])
    );
    queue.complete(&long, &leased.lease).await.unwrap();
    assert_eq!(queue.status(&long).await.unwrap().job.state, JobState::Done);
    assert_eq!(
        queue.cancel(Select::id(twin.clone())).await.unwrap(),
        1,
        "managing by a long id"
    );
    assert_eq!(
        queue.status(&shorter).await.unwrap().job.state,
        JobState::Queued
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_handles_opening_a_new_schema_at_once_migrate_once() {
    require_postgres!();
    let schema = TestSchema::new();
    let opens: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(PostgresQueue::connect(
                schema.options(ManualClock::new(START)),
            ))
        })
        .collect();
    for open in opens {
        open.await.unwrap().expect("every concurrent open succeeds");
    }
    let client = support::client().await;
    let row = client
        .query_one(
            &format!(
                "SELECT count(*), count(DISTINCT version) FROM \"{}\".migrations",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap();
    let (applied, distinct): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(
        (applied, distinct),
        (2, 2),
        "each of the two migrations applied once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_from_a_newer_jobq_is_refused() {
    require_postgres!();
    let schema = TestSchema::new();
    drop(open(schema.options(ManualClock::new(START))).await);
    let client = support::client().await;
    client
        .execute(
            &format!(
                "INSERT INTO \"{}\".migrations VALUES (999, now())",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap();
    let err = PostgresQueue::connect(schema.options(ManualClock::new(START)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Backend);
    let message = err.to_string();
    assert!(message.contains("newer than this jobq"), "{message}");
    assert!(
        message.contains(&schema.name),
        "names the schema: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_in_one_database_are_independent() {
    require_postgres!();
    let (a, b) = (TestSchema::new(), TestSchema::new());
    let url = |schema: &TestSchema| format!("{}?schema={}", support::url(), schema.name);
    let qa = open(PostgresOptions::from_url(&url(&a)).unwrap()).await;
    let qb = open(PostgresOptions::from_url(&url(&b)).unwrap()).await;
    assert_eq!(qa.options().schema_name(), a.name);
    qa.submit(NewJob::new("in a").id(id("same-id")))
        .await
        .unwrap();
    qb.submit(NewJob::new("in b").id(id("same-id")))
        .await
        .expect("the same id in another schema is another job");
    let from_b = qb.take_one(default_queue()).await.unwrap().unwrap();
    assert_eq!(from_b.payload, b"in b");
    assert!(qb.take_one(default_queue()).await.unwrap().is_none());
    let from_a = qa.take_one(default_queue()).await.unwrap().unwrap();
    assert_eq!(from_a.payload, b"in a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_table_is_set_up_for_a_queue() {
    require_postgres!();
    let schema = TestSchema::new();
    drop(open(schema.options(ManualClock::new(START))).await);
    let client = support::client().await;
    let options: Vec<String> = client
        .query_one(
            "SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = 'jobs'",
            &[&schema.name],
        )
        .await
        .unwrap()
        .get(0);
    for expected in ["fillfactor=70", "autovacuum_vacuum_scale_factor=0.01"] {
        assert!(
            options.iter().any(|o| o == expected),
            "{expected} in {options:?}"
        );
    }
    let indexes: Vec<String> = client
        .query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'jobs'",
            &[&schema.name],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for expected in [
        "jobs_ready",
        "jobs_leases",
        "jobs_finished",
        "jobs_id_unique",
    ] {
        assert!(
            indexes.iter().any(|i| i == expected),
            "{expected} in {indexes:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_back_off_in_sql_is_the_core_rule() {
    require_postgres!();
    let schema = TestSchema::new();
    drop(open(schema.options(ManualClock::new(START))).await);
    let client = support::client().await;
    let stmt = client
        .prepare(&format!(
            "SELECT (extract(epoch FROM \"{}\".backoff($1, $2, $3, $4)) * 1000000)::bigint",
            schema.name
        ))
        .await
        .unwrap();
    let rules = [
        Backoff::default(),
        Backoff {
            base: Duration::from_millis(250),
            max: Duration::from_secs(90),
        },
        Backoff::NONE,
    ];
    for rule in rules {
        let base = i64::try_from(rule.base.as_micros()).unwrap();
        let max = i64::try_from(rule.max.as_micros()).unwrap();
        for attempt in [0u32, 1, 2, 3, 7, 12, 13, 40, 63, 64, 1000, u32::MAX] {
            for unit in [0.0, 0.25, 0.5, 0.999_999] {
                let sql: i64 = client
                    .query_one(&stmt, &[&i64::from(attempt), &base, &max, &unit])
                    .await
                    .unwrap()
                    .get(0);
                let rust = i64::try_from(rule.delay_with(attempt, unit).as_micros()).unwrap();
                assert!(
                    (sql - rust).abs() <= 1,
                    "{rule:?} attempt {attempt} unit {unit}: SQL {sql}µs, core {rust}µs"
                );
            }
        }
    }
}

/// A take of the default queue that waits up to a minute, started in a task of its own.
fn waiting_take(
    taker: &PostgresQueue,
) -> tokio::task::JoinHandle<jobq_core::Result<Vec<LeasedJob>>> {
    let taker = taker.clone();
    tokio::spawn(async move {
        taker
            .take(default_queue().wait(Duration::from_secs(60)))
            .await
    })
}

/// Two handles on `schema`: a taker that rechecks only every hour, so that only a
/// notification can wake it in time, once its listener is known to receive them; and a
/// producer.
async fn taker_and_producer(schema: &TestSchema) -> (PostgresQueue, PostgresQueue) {
    let clock = ManualClock::new(START);
    let taker = open(
        schema
            .options(clock.clone())
            .recheck_interval(Duration::from_secs(3600)),
    )
    .await;
    let producer = open(schema.options(clock)).await;
    assert!(
        taker
            .check_notifications(Duration::from_secs(10))
            .await
            .unwrap(),
        "a notification sent through the pool reaches the listener"
    );
    (taker, producer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_wake_a_waiting_taker_from_another_handle() {
    require_postgres!();
    let schema = TestSchema::new();
    let (taker, producer) = taker_and_producer(&schema).await;
    let waiting = waiting_take(&taker);
    // Let the take start waiting; it must get the job whichever runs first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    producer
        .submit(NewJob::new("ping").id(id("ping")))
        .await
        .unwrap();
    let taken = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("the waiting take was woken by the notification")
        .unwrap()
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, id("ping"));
}

/// One notification stands for a whole batch, and wakes one taker per handle: each taker
/// that took a full batch passes the wake-up on, so every waiting taker gets a job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_notification_for_a_batch_wakes_every_taker_it_has_jobs_for() {
    require_postgres!();
    let schema = TestSchema::new();
    let (taker, producer) = taker_and_producer(&schema).await;
    let waiting: Vec<_> = (0..5).map(|_| waiting_take(&taker)).collect();
    // Let the takes start waiting; they must get the jobs whichever runs first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let batch = (0..5).map(|i| NewJob::new("x").id(id(&format!("b{i}"))));
    producer.submit_batch(batch.collect()).await.unwrap();
    let mut taken = Vec::new();
    for take in waiting {
        let jobs = tokio::time::timeout(Duration::from_secs(30), take)
            .await
            .expect("every waiting take was woken")
            .unwrap()
            .unwrap();
        assert_eq!(jobs.len(), 1);
        taken.push(jobs[0].id.as_str().to_owned());
    }
    taken.sort();
    assert_eq!(taken, ["b0", "b1", "b2", "b3", "b4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_notifications_waiting_takers_poll() {
    require_postgres!();
    let schema = TestSchema::new();
    let clock = ManualClock::new(START);
    let taker = open(
        schema
            .options(clock.clone())
            .listen(false)
            .recheck_interval(Duration::from_millis(50)),
    )
    .await;
    assert!(
        !taker
            .check_notifications(Duration::from_millis(100))
            .await
            .unwrap(),
        "listening is off"
    );
    let producer = open(schema.options(clock.clone()).listen(false)).await;
    let waiting = waiting_take(&taker);
    tokio::time::sleep(Duration::from_millis(200)).await;
    producer
        .submit(NewJob::new("polled").id(id("polled")))
        .await
        .unwrap();
    let taken = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("the waiting take found the job by polling")
        .unwrap()
        .unwrap();
    assert_eq!(taken[0].id, id("polled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_larger_than_one_statement_are_all_or_nothing_and_in_order() {
    require_postgres!();
    let schema = TestSchema::new();
    let queue = open(schema.options(ManualClock::new(START))).await;
    queue
        .submit(NewJob::new("x").id(id("job-2400")))
        .await
        .unwrap();
    let batch = |prefix: &str| -> Vec<NewJob> {
        (0..2500)
            .map(|i| NewJob::new("x").id(id(&format!("{prefix}-{i}"))))
            .collect()
    };
    // The duplicate is in the third statement of the batch: the first two are undone.
    let err = queue.submit_batch(batch("job")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Duplicate { id: d } if d.as_str() == "job-2400"),
        "{err}"
    );
    let stats = queue.stats(None).await.unwrap();
    assert_eq!(stats.queues[&QueueName::default()].total(), 1, "{stats:?}");

    let ids = queue.submit_batch(batch("ok")).await.unwrap();
    assert_eq!(ids.len(), 2500);
    let mut order = Vec::new();
    loop {
        let taken = queue.take(default_queue().max(1000)).await.unwrap();
        if taken.is_empty() {
            break;
        }
        let settlements = taken
            .iter()
            .map(|j| Settlement::complete(j.id.clone(), j.lease.clone()))
            .collect();
        for result in queue.settle(settlements).await.unwrap() {
            result.unwrap();
        }
        order.extend(taken.into_iter().map(|j| j.id));
    }
    let expected: Vec<JobId> = std::iter::once(id("job-2400")).chain(ids).collect();
    assert_eq!(order, expected, "first in, first out across statements");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_deletes_more_than_one_chunk_with_history() {
    require_postgres!();
    let schema = TestSchema::new();
    let clock = ManualClock::new(START);
    let queue = open(schema.options(clock.clone())).await;
    let jobs: Vec<NewJob> = (0..4500).map(|i| NewJob::new(format!("{i}"))).collect();
    queue.submit_batch(jobs).await.unwrap();
    loop {
        let taken = queue.take(default_queue().max(2000)).await.unwrap();
        if taken.is_empty() {
            break;
        }
        let settlements = taken
            .iter()
            .map(|j| Settlement::complete(j.id.clone(), j.lease.clone()))
            .collect();
        queue.settle(settlements).await.unwrap();
    }
    clock.advance(Duration::from_secs(60));
    let purged = queue
        .purge(PurgeQuery {
            state: JobState::Done,
            older_than: Duration::from_secs(30),
            queue: None,
        })
        .await
        .unwrap();
    assert_eq!(purged, 4500);
    let client = support::client().await;
    let left: i64 = client
        .query_one(
            &format!(
                "SELECT (SELECT count(*) FROM \"{0}\".jobs) + (SELECT count(*) FROM \"{0}\".events)",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "no job and no history left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_a_clear_error() {
    // Needs no server: nothing listens on port 1.
    let opts = PostgresOptions::from_url("postgres://jobq@127.0.0.1:1/nowhere?schema=absent")
        .unwrap()
        .connect_timeout(Duration::from_secs(5));
    let err = PostgresQueue::connect(opts).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Backend, "{err}");
    let message = err.to_string();
    for expected in [
        "preparing the jobq schema",
        "127.0.0.1:1/nowhere",
        "connect",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_leases_past_one_sweep_all_return() {
    require_postgres!();
    let schema = TestSchema::new();
    let clock = ManualClock::new(START);
    let queue = open(schema.options(clock.clone()).backoff(Backoff::NONE)).await;
    let jobs: Vec<NewJob> = (0..1500).map(|i| NewJob::new(format!("{i}"))).collect();
    queue.submit_batch(jobs).await.unwrap();
    let first = queue.take(default_queue().max(1500)).await.unwrap();
    assert_eq!(first.len(), 1500);
    clock.advance(TakeRequest::DEFAULT_LEASE + Duration::from_secs(1));
    let mut again = HashSet::new();
    for _ in 0..10 {
        let taken = queue.take(default_queue().max(1500)).await.unwrap();
        again.extend(taken.into_iter().map(|j| {
            assert_eq!(j.attempt, 2);
            j.id
        }));
        if again.len() == 1500 {
            break;
        }
    }
    assert_eq!(again.len(), 1500, "every expired lease came back");
    assert_eq!(
        clock.now(),
        START + TakeRequest::DEFAULT_LEASE + Duration::from_secs(1)
    );
}
