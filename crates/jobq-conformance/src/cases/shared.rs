//! Many handles and tasks on one store (G2, G4) and what survives a handle (G1).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jobq_core::{Backoff, ErrorCode, JobId, JobState, NewJob, Queue, QueueCounts, Settlement};
use tokio::task::JoinSet;

use crate::harness::{Backend, Fixture};
use crate::support::{
    LEASE, bounded, expect_err, fixture, id, ids_of, job, ok, queue, state, status, submit, take,
    take_after_backoff, take_job, take_req,
};

/// The number of jobs the concurrent cases run.
const JOBS: usize = 600;

/// The fixture's first handle and two more, independent ones.
async fn three_handles<Q: Clone>(f: &Fixture<Q>) -> Vec<Q> {
    vec![f.queue.clone(), f.connect().await, f.connect().await]
}

/// Leases and completes jobs through `q` until a take finds none (`until` is `None`) or
/// until `until` jobs are done in all; returns the ids it completed. Even-numbered takers
/// complete one by one, odd ones settle each batch at once.
async fn consume<Q: Queue>(
    q: Q,
    taker: usize,
    max: usize,
    wait: Duration,
    until: Option<Arc<AtomicUsize>>,
) -> Vec<JobId> {
    let mut mine = Vec::new();
    loop {
        if let Some(done) = &until
            && done.load(Ordering::SeqCst) >= JOBS
        {
            return mine;
        }
        let req = take_req("default")
            .max(max)
            .wait(wait)
            .worker(format!("taker-{taker}"));
        let batch = ok("take", q.take(req).await);
        if batch.is_empty() && until.is_none() {
            return mine;
        }
        if taker.is_multiple_of(2) {
            for leased in &batch {
                ok("complete", q.complete(&leased.id, &leased.lease).await);
            }
        } else if !batch.is_empty() {
            let settlements = batch
                .iter()
                .map(|l| Settlement::complete(l.id.clone(), l.lease.clone()))
                .collect();
            for result in ok("settle", q.settle(settlements).await) {
                ok("one settlement", result);
            }
        }
        if let Some(done) = &until {
            done.fetch_add(batch.len(), Ordering::SeqCst);
        }
        mine.extend(ids_of(&batch));
    }
}

/// Asserts that `taken` holds each of `submitted` exactly once and that the store counts
/// them all done.
async fn assert_each_done_once<Q: Queue>(q: &Q, submitted: HashSet<JobId>, taken: Vec<JobId>) {
    let distinct: HashSet<JobId> = taken.iter().cloned().collect();
    assert_eq!(distinct.len(), taken.len(), "a job was taken twice (G2)");
    assert_eq!(distinct, submitted, "every job taken");
    let done = QueueCounts {
        done: JOBS as u64,
        ..QueueCounts::default()
    };
    let stats = ok("stats", q.stats(None).await);
    assert_eq!(stats.queues, BTreeMap::from([(queue("default"), done)]));
}

/// Many tasks on three handles take (one or seven at a time) and complete 600 jobs, submitted
/// concurrently beforehand: each job is taken exactly once and done, and no call fails.
///
/// Catches: two takers leasing one job (a read-then-write claim without a lock), "database
/// is locked" or any other error under contention (G4), lost submissions.
pub async fn concurrent_takers_take_each_job_once<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let handles = three_handles(&f).await;
    let mut producers = JoinSet::new();
    for batch in 0..6 {
        let q = handles[batch % 3].clone();
        let jobs: Vec<NewJob> = (0..JOBS / 6)
            .map(|i| job(&format!("job-{batch}-{i:03}")))
            .collect();
        producers.spawn(async move { q.submit_batch(jobs).await });
    }
    let mut submitted = HashSet::new();
    while let Some(result) = bounded("submitting", producers.join_next()).await {
        submitted.extend(ok("submit_batch", result.expect("a producer panicked")));
    }
    assert_eq!(submitted.len(), JOBS);

    let mut takers = JoinSet::new();
    for taker in 0..8 {
        let q = handles[taker % 3].clone();
        let max = if taker % 4 < 2 { 1 } else { 7 };
        takers.spawn(consume(q, taker, max, Duration::ZERO, None));
    }
    let mut taken = Vec::new();
    while let Some(result) = bounded("taking", takers.join_next()).await {
        taken.extend(result.expect("a taker panicked"));
    }
    assert_each_done_once(&f.queue, submitted, taken).await;
}

/// Producers and consumers run at once on three handles, consumers waiting for work: all 600
/// jobs are done exactly once, with no error.
///
/// Catches: claims racing inserts, waiting takes that miss jobs, errors under contention.
pub async fn concurrent_producers_and_consumers<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let handles = three_handles(&f).await;
    let done = Arc::new(AtomicUsize::new(0));
    let mut consumers = JoinSet::new();
    for taker in 0..4 {
        let q = handles[taker % 3].clone();
        let wait = Duration::from_millis(200);
        consumers.spawn(consume(q, taker, 5, wait, Some(done.clone())));
    }
    let mut producers = JoinSet::new();
    for producer in 0..4 {
        let q = handles[(producer + 1) % 3].clone();
        producers.spawn(async move {
            let mut ids = Vec::new();
            for batch in 0..JOBS / 40 {
                let jobs = (0..10)
                    .map(|i| job(&format!("p{producer}-{batch:02}-{i}")))
                    .collect();
                ids.extend(ok("submit_batch", q.submit_batch(jobs).await));
            }
            ids
        });
    }
    let mut submitted = HashSet::new();
    while let Some(result) = bounded("producing", producers.join_next()).await {
        submitted.extend(result.expect("a producer panicked"));
    }
    assert_eq!(submitted.len(), JOBS);
    let mut taken = Vec::new();
    while let Some(result) = bounded("consuming", consumers.join_next()).await {
        taken.extend(result.expect("a consumer panicked"));
    }
    assert_each_done_once(&f.queue, submitted, taken).await;
}

/// A lease belongs to the store, not to the handle that took it: another handle reads the
/// job running, extends and completes it, and refuses a stale token.
///
/// Catches: leases kept in a handle's memory, handles that read stale state.
pub async fn lease_works_across_handles<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let other = f.connect().await;
    let a = submit(&f.queue, job("a")).await;
    let b = submit(&f.queue, job("b")).await;
    let leased = take(&other, take_req("default").worker("elsewhere"))
        .await
        .remove(0);
    assert_eq!(leased.id, a);
    let read = status(&f.queue, &a).await.job;
    assert_eq!(
        (read.state, read.worker.as_deref()),
        (JobState::Running, Some("elsewhere"))
    );
    ok("extend", f.queue.extend(&a, &leased.lease, LEASE).await);
    ok("complete", f.queue.complete(&a, &leased.lease).await);
    assert_eq!(state(&other, &a).await, JobState::Done);

    let first = take_job(&f.queue, "default").await;
    assert_eq!(first.id, b);
    f.clock.advance(LEASE + Duration::from_secs(1));
    let req = take_req("default");
    let second = take_after_backoff(&other, &f.clock, req, Backoff::default().ceiling(1)).await;
    assert_eq!((&second.id, second.attempt), (&b, 2));
    let stale = f.queue.complete(&b, &first.lease).await;
    expect_err(
        "a stale token from another handle",
        stale,
        ErrorCode::LeaseLost,
    );
    ok("complete", f.queue.complete(&b, &second.lease).await);
}

/// A job submitted through a handle that is then dropped reads back exactly through a new
/// handle, and so does its completion.
///
/// Catches: writes buffered in a handle and lost when it goes away (G1).
pub async fn submitted_job_survives_its_handle<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let first = f.connect().await;
    let new = NewJob::new(vec![0u8, 255, 1, 254])
        .id(id("durable"))
        .priority(3)
        .delay(Duration::from_secs(5));
    let job_id = submit(&first, new).await;
    let before = status(&first, &job_id).await;
    drop(first);
    let second = f.connect().await;
    assert_eq!(
        status(&second, &job_id).await,
        before,
        "read by a new handle"
    );
    assert_eq!(
        status(&f.queue, &job_id).await,
        before,
        "read by the first handle"
    );

    f.clock.advance(Duration::from_secs(5));
    let leased = take_job(&second, "default").await;
    ok("complete", second.complete(&job_id, &leased.lease).await);
    drop(second);
    let third = f.connect().await;
    assert_eq!(
        state(&third, &job_id).await,
        JobState::Done,
        "the completion survives"
    );
}
