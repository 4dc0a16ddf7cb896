//! Helpers shared by the cases: building requests, taking and checking jobs, expecting
//! errors, and waiting with a deadline.
//!
//! Every helper panics with a message naming what was expected, so a failing case says what
//! went wrong without a debugger.

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use jobq_core::{
    Error, ErrorCode, JobId, JobState, JobStatus, LeasedJob, ManualClock, NewJob, Queue, QueueName,
    Result, TakeRequest, Timestamp,
};

use crate::harness::{Backend, Fixture};

/// Where every fixture's clock starts: 2030-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp::from_unix_micros(1_893_456_000_000_000);

/// The lease every helper takes with: the default, 30 s.
pub const LEASE: Duration = TakeRequest::DEFAULT_LEASE;

/// The longest any single step of a case may take in real time before the case fails
/// instead of hanging.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The default payload limit, 1 MiB.
pub const MAX_PAYLOAD: usize = 1024 * 1024;

/// A fresh, empty store of `backend` whose clock stands at [`START`].
pub async fn fixture<B: Backend>(backend: &B) -> Fixture<B::Queue> {
    let clock = ManualClock::new(START);
    bounded("opening the fixture", backend.fixture(clock)).await
}

/// The queue named `name`.
pub fn queue(name: &str) -> QueueName {
    QueueName::new(name).unwrap_or_else(|e| panic!("queue name {name:?}: {e}"))
}

/// The job id `text`.
pub fn id(text: &str) -> JobId {
    JobId::new(text).unwrap_or_else(|e| panic!("job id {text:?}: {e}"))
}

/// A job with id `name` in queue `default`, whose payload is its name.
pub fn job(name: &str) -> NewJob {
    NewJob::new(name).id(id(name))
}

/// A request for one job of `queue`, with the default lease and no wait.
pub fn take_req(queue_name: &str) -> TakeRequest {
    TakeRequest::new(queue(queue_name))
}

/// Runs `fut`, failing the case if it takes longer than [`DEADLINE`].
pub async fn bounded<F: Future>(what: &str, fut: F) -> F::Output {
    tokio::time::timeout(DEADLINE, fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {DEADLINE:?}"))
}

/// Unwraps `result`, failing the case with `what` and the error.
pub fn ok<T>(what: &str, result: Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: unexpected error ({:?}): {e}", e.code()))
}

/// Submits `n` jobs to `queue` in one batch, with ids `PREFIX-0000`, `PREFIX-0001` … (each
/// its own payload), and returns their ids in order.
pub async fn submit_n<Q: Queue>(q: &Q, queue_name: &str, prefix: &str, n: usize) -> Vec<JobId> {
    let jobs: Vec<NewJob> = (0..n)
        .map(|i| job(&format!("{prefix}-{i:04}")).queue(queue(queue_name)))
        .collect();
    let expected: Vec<JobId> = jobs.iter().filter_map(|j| j.id.clone()).collect();
    let ids = ok(
        "submit_batch",
        bounded("submit_batch", q.submit_batch(jobs)).await,
    );
    assert_eq!(ids, expected, "submit_batch must return the ids in order");
    ids
}

/// Submits one job, expecting success.
pub async fn submit<Q: Queue>(q: &Q, job: NewJob) -> JobId {
    ok("submit", bounded("submit", q.submit(job)).await)
}

/// Takes as `req` asks, expecting success.
pub async fn take<Q: Queue>(q: &Q, req: TakeRequest) -> Vec<LeasedJob> {
    ok("take", bounded("take", q.take(req)).await)
}

/// Takes one job of `queue`, failing the case when none is ready.
pub async fn take_job<Q: Queue>(q: &Q, queue_name: &str) -> LeasedJob {
    take(q, take_req(queue_name))
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("expected a ready job in queue {queue_name:?}, got none"))
}

/// Takes, as `req` asks, the next attempt of a job that went back to `req.queue` with a
/// back-off of at most `ceiling`: takes at once and, when nothing is ready yet, moves
/// `clock` by `ceiling` and takes again, failing the case if still nothing is ready. (After
/// an expired lease the back-off may count from the lease's end or from when the backend
/// noticed the expiry; both are accepted.)
pub async fn take_after_backoff<Q: Queue>(
    q: &Q,
    clock: &ManualClock,
    req: TakeRequest,
    ceiling: Duration,
) -> LeasedJob {
    if let Some(leased) = take(q, req.clone()).await.into_iter().next() {
        return leased;
    }
    clock.advance(ceiling);
    let queue_name = req.queue.clone();
    take(q, req)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("expected a job back in {queue_name:?} after its back-off"))
}

/// Asserts that no job of `queue` is ready, saying `why` when one is.
pub async fn take_nothing<Q: Queue>(q: &Q, queue_name: &str, why: &str) {
    let taken = take(q, take_req(queue_name).max(100)).await;
    assert!(
        taken.is_empty(),
        "{why}: expected no ready job in {queue_name:?}, took {:?}",
        ids_of(&taken)
    );
}

/// The ids of `jobs`, in order.
pub fn ids_of(jobs: &[LeasedJob]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id.clone()).collect()
}

/// The status of `id`, expecting it exists.
pub async fn status<Q: Queue>(q: &Q, id: &JobId) -> JobStatus {
    ok(
        &format!("status of {id:?}"),
        bounded("status", q.status(id)).await,
    )
}

/// The statuses of `ids`, in order, expecting they all exist.
pub async fn statuses<'a, Q: Queue>(
    q: &Q,
    ids: impl IntoIterator<Item = &'a JobId>,
) -> Vec<JobStatus> {
    let mut out = Vec::new();
    for job_id in ids {
        out.push(status(q, job_id).await);
    }
    out
}

/// The state of `id`, expecting it exists.
pub async fn state<Q: Queue>(q: &Q, id: &JobId) -> JobState {
    status(q, id).await.job.state
}

/// Expects `result` to be an error with `code`, and returns it.
pub fn expect_err<T: Debug>(what: &str, result: Result<T>, code: ErrorCode) -> Error {
    match result {
        Ok(value) => panic!("{what}: expected a {code} error, got Ok({value:?})"),
        Err(e) if e.code() == code => e,
        Err(e) => panic!("{what}: expected a {code} error, got {}: {e}", e.code()),
    }
}

/// Expects `result` to be [`Error::InvalidInput`] for `field`, and returns its message.
pub fn expect_invalid<T: Debug>(what: &str, result: Result<T>, field: &str) -> String {
    match expect_err(what, result, ErrorCode::InvalidInput) {
        Error::InvalidInput { field: f, message } if f == field => message,
        e => panic!("{what}: expected invalid input for {field:?}, got: {e}"),
    }
}

/// Expects `result` to be `InvalidState` for job `job_id` in `current`.
pub fn expect_invalid_state(what: &str, result: Result<u64>, job_id: &JobId, current: JobState) {
    match expect_err(what, result, ErrorCode::InvalidState) {
        Error::InvalidState { id, state, .. } => {
            assert_eq!(
                (&id, state),
                (job_id, current),
                "{what}: names the job and its state"
            );
        }
        e => panic!("{what}: {e}"),
    }
}

/// Expects `result` to be `NotFound` for `job_id`.
pub fn expect_not_found(what: &str, result: Result<u64>, job_id: &JobId) {
    match expect_err(what, result, ErrorCode::NotFound) {
        Error::NotFound { id } => assert_eq!(&id, job_id, "{what}: names the unknown job"),
        e => panic!("{what}: {e}"),
    }
}

/// Submits `name` to `queue`, takes it and completes it, leaving it `done`.
pub async fn make_done<Q: Queue>(q: &Q, queue_name: &str, name: &str) -> JobId {
    let job_id = submit(q, job(name).queue(queue(queue_name))).await;
    let leased = take_job(q, queue_name).await;
    assert_eq!(leased.id, job_id, "the only ready job of {queue_name:?}");
    ok("complete", q.complete(&job_id, &leased.lease).await);
    job_id
}

/// Submits `name` to `queue` with one attempt, takes it and fails it with `error`, leaving
/// it `failed`.
pub async fn make_failed<Q: Queue>(q: &Q, queue_name: &str, name: &str, error: &str) -> JobId {
    let id = submit(q, job(name).queue(queue(queue_name)).max_attempts(1)).await;
    let leased = take_job(q, queue_name).await;
    assert_eq!(leased.id, id, "the only ready job of {queue_name:?}");
    let settled = ok("fail", q.fail(&id, &leased.lease, error).await);
    assert_eq!(settled.state, JobState::Failed, "fail on the last attempt");
    id
}

/// Polls `check` until it returns `Some`, failing the case after [`DEADLINE`]. For outcomes
/// a backend may reach in the background; never a fixed sleep.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not reached within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Asserts `lo <= t <= hi`.
pub fn assert_between(what: &str, t: Timestamp, lo: Timestamp, hi: Timestamp) {
    assert!(lo <= t && t <= hi, "{what}: {t} is not within [{lo}, {hi}]");
}
