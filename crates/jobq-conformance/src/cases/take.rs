//! Taking: what a lease hands out, waiting for work, order, queues and delays.

use std::time::Duration;

use jobq_core::{Clock, JobId, JobState, NewJob, Queue};

use crate::harness::Backend;
use crate::support::{
    LEASE, START, bounded, fixture, id, ids_of, job, ok, queue, status, submit, submit_n, take,
    take_job, take_nothing, take_req,
};

/// Taking from an empty store, or an empty queue, returns nothing at once.
///
/// Catches: an error instead of an empty answer, a take that blocks without a `wait`.
pub async fn take_from_empty_queue_returns_nothing<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    take_nothing(&f.queue, "default", "an empty store").await;
    submit(&f.queue, job("elsewhere").queue(queue("other"))).await;
    take_nothing(&f.queue, "default", "only another queue has jobs").await;
}

/// A take leases the job: it hands out every field and a lease ending `lease` from now, and
/// the job reads back `running` with its worker, attempt and lease; it is not taken twice.
///
/// Catches: a lease measured from the wrong time, `attempt` counted from 0, a running job
/// handed out again.
pub async fn take_leases_the_job<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let payload = vec![0u8, 159, 146, 150, 255];
    let new = NewJob::new(payload.clone())
        .id(id("a"))
        .priority(4)
        .max_attempts(2);
    let job_id = submit(&f.queue, new).await;
    f.clock.advance(Duration::from_secs(5));
    let now = f.clock.now();
    let lease = Duration::from_secs(45);
    let leased = take(&f.queue, take_req("default").lease(lease).worker("w-1")).await;
    let [leased] = leased.as_slice() else {
        panic!("expected one job, took {:?}", ids_of(&leased));
    };
    assert_eq!(
        (&leased.id, &leased.queue, &leased.payload),
        (&job_id, &queue("default"), &payload)
    );
    assert_eq!(
        (leased.priority, leased.attempt, leased.max_attempts),
        (4, 1, 2)
    );
    assert_eq!(
        leased.lease_until,
        now + lease,
        "the lease ends `lease` from now"
    );
    let read = status(&f.queue, &job_id).await.job;
    assert_eq!(read.state, JobState::Running);
    assert_eq!(read.attempts, 1);
    assert_eq!(read.worker.as_deref(), Some("w-1"));
    assert_eq!(read.lease_until, Some(now + lease));
    assert_eq!(
        (read.created_at, read.run_at, read.updated_at),
        (START, START, now)
    );
    take_nothing(&f.queue, "default", "the only job is running").await;
}

/// Submits `name` through `producer` while `taker` waits up to 10 s for a job, and asserts
/// the waiting take returns it.
async fn take_while_submitting<Q: Queue + Clone + 'static>(taker: &Q, producer: &Q, name: &str) {
    let q = taker.clone();
    let waiting = tokio::spawn(async move {
        q.take(take_req("default").wait(Duration::from_secs(10)))
            .await
    });
    // Lets the take start waiting first; the assertion holds whichever runs first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    submit(producer, job(name)).await;
    let taken = ok(
        "the waiting take",
        bounded("the waiting take", waiting).await.unwrap(),
    );
    assert_eq!(
        ids_of(&taken),
        [id(name)],
        "a take waiting 10 s must return the job submitted meanwhile"
    );
}

/// A take with a `wait` returns a job that another task of the same handle submits while it
/// waits.
///
/// Catches: a wait that only looks once, a wake-up lost between the look and the wait.
pub async fn waiting_take_gets_job_from_another_task<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    take_while_submitting(&f.queue, &f.queue, "meanwhile").await;
}

/// A take with a `wait` returns a job that another, independent handle (another process)
/// submits while it waits.
///
/// Catches: a wait woken only by submissions through the same handle.
pub async fn waiting_take_gets_job_from_another_handle<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let producer = f.connect().await;
    take_while_submitting(&f.queue, &producer, "from-afar").await;
}

/// A take waiting 100 ms on an empty queue returns nothing, even while another queue gets
/// jobs; the wait is real time, not the store's clock.
///
/// Catches: a wait measured on the (manual) clock that never ends, a waiting take woken by
/// another queue's job and returning it.
pub async fn short_wait_on_empty_queue_returns_nothing<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    submit(&f.queue, job("other-queue").queue(queue("other"))).await;
    let req = take_req("default").wait(Duration::from_millis(100));
    let taken = ok(
        "take",
        bounded("a take waiting 100ms", f.queue.take(req)).await,
    );
    assert!(taken.is_empty(), "took {:?}", ids_of(&taken));
}

/// Ready jobs come out by priority (higher first), then `run_at` (earlier first), then
/// submission order; a delayed job waits whatever its priority. The ids are chosen so that
/// alphabetical order differs.
///
/// Catches: ordering by id or by insertion alone, priority ascending, delayed jobs leaking.
pub async fn take_order_is_priority_then_run_at_then_submission<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    f.clock.advance(Duration::from_secs(100));
    let now = f.clock.now();
    let ago = |s: u64| now - Duration::from_secs(s);
    let jobs = [
        job("m").priority(0),
        job("k").priority(5),
        job("q").priority(0).run_at(ago(50)),
        job("c").priority(5),
        job("x").priority(-1).run_at(ago(90)),
        job("b").priority(0),
        job("t").priority(5).run_at(ago(10)),
        job("z").priority(9).delay(Duration::from_secs(60)),
    ];
    for new in jobs {
        submit(&f.queue, new).await;
    }
    let mut order = Vec::new();
    for _ in 0..7 {
        order.push(take_job(&f.queue, "default").await.id);
    }
    let expected: Vec<JobId> = ["t", "k", "c", "q", "m", "b", "x"].map(id).to_vec();
    assert_eq!(
        order, expected,
        "priority, then run_at, then submission order"
    );
    take_nothing(&f.queue, "default", "only the delayed job is left").await;
}

/// Jobs of equal priority come out first in, first out, whether submitted one by one or in
/// a batch, all at the same instant and with ids out of alphabetical order.
///
/// Catches: ties broken by id or at random, a batch inserted in another order.
pub async fn equal_priorities_are_fifo<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let names: Vec<String> = (0..30)
        .map(|i| format!("{:05}", (i * 7919) % 10_007))
        .collect();
    for name in &names[..15] {
        submit(&f.queue, job(name)).await;
    }
    let batch = names[15..].iter().map(|n| job(n)).collect();
    ok("submit_batch", f.queue.submit_batch(batch).await);
    let mut order = Vec::new();
    for _ in 0..30 {
        order.push(take_job(&f.queue, "default").await.id);
    }
    let expected: Vec<JobId> = names.iter().map(|n| id(n)).collect();
    assert_eq!(order, expected, "first in, first out");
}

/// `take` with `max` n leases up to n jobs, in order, and fewer when fewer are ready.
///
/// Catches: `max` ignored, a batch out of order, a job in two batches.
pub async fn take_max_returns_up_to_n_in_order<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let ids = submit_n(&f.queue, "default", "job", 10).await;
    let now = f.clock.now();
    let mut taken = Vec::new();
    for expected in [4, 4, 2, 0] {
        let batch = take(&f.queue, take_req("default").max(4)).await;
        assert_eq!(batch.len(), expected, "took {:?}", ids_of(&batch));
        for leased in &batch {
            assert_eq!((leased.attempt, leased.lease_until), (1, now + LEASE));
        }
        taken.extend(ids_of(&batch));
    }
    assert_eq!(taken, ids, "every job once, in submission order");
}

/// Each queue is taken from separately.
///
/// Catches: a take that ignores its queue, or orders across queues.
pub async fn queues_are_isolated<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let alpha = submit_n(&f.queue, "alpha", "a", 2).await;
    let beta = submit(&f.queue, job("b").queue(queue("beta")).priority(100)).await;
    let gamma = submit(&f.queue, job("g").queue(queue("gamma")).priority(100)).await;
    take_nothing(&f.queue, "alph", "no queue is named alph").await;
    let from_alpha = take(&f.queue, take_req("alpha").max(10)).await;
    assert_eq!(ids_of(&from_alpha), alpha, "alpha's jobs only");
    let from_gamma = take(&f.queue, take_req("gamma").max(10)).await;
    assert_eq!(ids_of(&from_gamma), [gamma]);
    let from_beta = take(&f.queue, take_req("beta").max(10)).await;
    assert_eq!(ids_of(&from_beta), [beta]);
    assert_eq!(from_beta[0].queue, queue("beta"));
}

/// A job delayed 10 s is not taken until the clock reaches its `run_at` (to the
/// microsecond), and is taken then.
///
/// Catches: a delay ignored, measured in the wrong unit, or compared with `<` instead of
/// `<=` (a job is ready at its `run_at`, as a job submitted "now" is ready now).
pub async fn delayed_job_waits_for_its_run_at<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("later").delay(Duration::from_secs(10))).await;
    assert_eq!(
        status(&f.queue, &job_id).await.job.run_at,
        START + Duration::from_secs(10)
    );
    take_nothing(&f.queue, "default", "the delay has not started to pass").await;
    f.clock
        .advance(Duration::from_secs(10) - Duration::from_micros(1));
    take_nothing(&f.queue, "default", "1µs before run_at").await;
    f.clock.advance(Duration::from_micros(1));
    let leased = take_job(&f.queue, "default").await;
    assert_eq!((leased.id, leased.attempt), (job_id, 1));
}
