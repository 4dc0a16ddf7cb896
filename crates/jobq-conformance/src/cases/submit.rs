//! Submission: what goes in reads back exactly; ids are unique; bad input is refused and
//! changes nothing (G1, G5).

use std::collections::HashSet;
use std::time::Duration;

use jobq_core::{
    Clock, Error, ErrorCode, Event, EventKind, Job, JobId, JobState, NewJob, Queue, Stats,
    TakeRequest,
};

use crate::harness::Backend;
use crate::support::{
    MAX_PAYLOAD, START, bounded, expect_err, expect_invalid, fixture, id, job, ok, queue, state,
    status, submit, take, take_job, take_req,
};

/// Every field of a submitted job reads back exactly, from this handle and from another:
/// text and non-UTF-8 payloads, extreme priorities, `run_at` in each form, microsecond
/// times, and a history of one `submitted` event.
///
/// Catches: truncated or re-encoded payloads, timestamps stored in milliseconds, a `delay`
/// measured from the wrong clock, a priority stored in a narrower type, fields mixed up.
pub async fn submit_reads_back_exactly<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    // A time with microseconds, so that a store keeping milliseconds is caught.
    f.clock.advance(Duration::from_micros(1_234_567));
    let now = f.clock.now();
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    assert!(std::str::from_utf8(&binary).is_err());
    let at = now + Duration::from_micros(3_600_000_001);
    let cases = [
        (
            NewJob::new("héllo wörld 𝄞")
                .id(id("text"))
                .queue(queue("reads.back_1"))
                .priority(7)
                .run_at(at)
                .max_attempts(5),
            at,
        ),
        (
            NewJob::new(binary.clone())
                .id(id("binary"))
                .priority(i32::MIN)
                .delay(Duration::from_micros(90_000_001))
                .max_attempts(1),
            now + Duration::from_micros(90_000_001),
        ),
        (
            NewJob::new(Vec::new()).id(id("empty")).priority(i32::MAX),
            now,
        ),
        (
            job("past")
                .priority(-3)
                .run_at(START - Duration::from_secs(86_400)),
            START - Duration::from_secs(86_400),
        ),
    ];
    let other = f.connect().await;
    for (new, run_at) in cases {
        let job_id = submit(&f.queue, new.clone()).await;
        assert_eq!(Some(&job_id), new.id.as_ref());
        let expected = Job {
            id: job_id.clone(),
            queue: new.queue.clone(),
            state: JobState::Queued,
            payload: new.payload.clone(),
            priority: new.priority,
            run_at,
            attempts: 0,
            max_attempts: new.max_attempts,
            created_at: now,
            updated_at: now,
            last_error: None,
            worker: None,
            lease_until: None,
        };
        let history = vec![Event {
            at: now,
            kind: EventKind::Submitted,
            state: JobState::Queued,
            attempt: 0,
            worker: None,
            error: None,
        }];
        for (handle, q) in [("first handle", &f.queue), ("second handle", &other)] {
            let read = status(q, &job_id).await;
            assert_eq!(read.job, expected, "{job_id:?} read through the {handle}");
            assert_eq!(read.history, history, "{job_id:?} history ({handle})");
        }
    }
}

/// Jobs submitted without an id get distinct ids, returned in submission order.
///
/// Catches: ids generated from the clock alone (the manual clock never moves here), ids
/// returned out of order in a batch.
pub async fn generated_ids_are_distinct<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let batch: Vec<NewJob> = (0..50).map(|i| NewJob::new(format!("batch {i}"))).collect();
    let mut ids = ok("submit_batch", f.queue.submit_batch(batch).await);
    assert_eq!(ids.len(), 50, "one id per job");
    for i in 0..50 {
        ids.push(submit(&f.queue, NewJob::new(format!("single {i}"))).await);
    }
    let distinct: HashSet<&JobId> = ids.iter().collect();
    assert_eq!(distinct.len(), 100, "generated ids must be distinct");
    for (i, job_id) in ids.iter().enumerate() {
        let expected = if i < 50 {
            format!("batch {i}")
        } else {
            format!("single {}", i - 50)
        };
        let read = status(&f.queue, job_id).await;
        assert_eq!(
            read.job.payload,
            expected.as_bytes(),
            "payload of {job_id:?}"
        );
    }
}

/// An id of 2000 four-byte characters (8000 bytes) works through submit, take, complete and
/// status, and is not confused with an id differing only in its last character; 2001
/// characters are refused naming the limit.
///
/// Catches: a column or index limited in bytes, ids truncated or compared by prefix.
pub async fn longest_id_round_trips<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let long = id(&"𝄞".repeat(2000));
    let twin = id(&format!("{}x", "𝄞".repeat(1999)));
    submit(&f.queue, NewJob::new("long").id(long.clone())).await;
    submit(&f.queue, NewJob::new("twin").id(twin.clone())).await;
    let leased = take_job(&f.queue, "default").await;
    assert_eq!(leased.id, long, "the first submitted");
    assert_eq!(leased.payload, b"long");
    ok("complete", f.queue.complete(&long, &leased.lease).await);
    let read = status(&f.queue, &long).await;
    assert_eq!(read.job.id, long);
    assert_eq!(read.job.state, JobState::Done);
    let twin_read = status(&f.queue, &twin).await;
    assert_eq!(
        (twin_read.job.state, twin_read.job.payload),
        (JobState::Queued, b"twin".to_vec())
    );
    let message = expect_invalid("a 2001-character id", JobId::new("𝄞".repeat(2001)), "id");
    assert!(message.contains("2000"), "names the limit: {message}");
}

/// Submitting an id that exists is refused with `Duplicate`, whatever the existing job's
/// state or queue, and the existing job is unchanged.
///
/// Catches: an upsert that overwrites the payload, uniqueness checked per queue or only
/// among active jobs, a refusal that still appended a history event.
pub async fn duplicate_id_is_refused<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let dup = submit(&f.queue, job("dup").priority(1)).await;
    let before = status(&f.queue, &dup).await;
    let again = NewJob::new("second")
        .id(dup.clone())
        .queue(queue("elsewhere"))
        .priority(9);
    let err = expect_err(
        "resubmitting an id",
        f.queue.submit(again.clone()).await,
        ErrorCode::Duplicate,
    );
    assert!(
        matches!(&err, Error::Duplicate { id } if *id == dup),
        "{err}"
    );
    assert_eq!(status(&f.queue, &dup).await, before, "the existing job");

    let leased = take_job(&f.queue, "default").await;
    ok("complete", f.queue.complete(&dup, &leased.lease).await);
    let done = status(&f.queue, &dup).await;
    expect_err(
        "resubmitting the id of a done job",
        f.queue.submit(again).await,
        ErrorCode::Duplicate,
    );
    assert_eq!(status(&f.queue, &dup).await, done, "the done job");
    let stats = ok("stats", f.queue.stats(None).await);
    assert_eq!(
        stats.queues.len(),
        1,
        "nothing stored in another queue: {stats:?}"
    );
}

/// A batch holding one existing id, or the same id twice, stores none of its jobs.
///
/// Catches: batches inserted row by row without a transaction, duplicates inside a batch
/// checked only against the store.
pub async fn duplicate_in_batch_stores_nothing<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    submit(&f.queue, job("existing")).await;
    let err = expect_err(
        "a batch with an existing id",
        f.queue
            .submit_batch(vec![job("new-1"), job("existing"), job("new-2")])
            .await,
        ErrorCode::Duplicate,
    );
    assert!(
        matches!(&err, Error::Duplicate { id: d } if d.as_str() == "existing"),
        "{err}"
    );
    expect_err(
        "a batch with one id twice",
        f.queue
            .submit_batch(vec![job("twice"), job("other"), job("twice")])
            .await,
        ErrorCode::Duplicate,
    );
    for name in ["new-1", "new-2", "twice", "other"] {
        expect_err(
            &format!("status of {name:?}"),
            f.queue.status(&id(name)).await,
            ErrorCode::NotFound,
        );
    }
    let stats = ok("stats", f.queue.stats(None).await);
    assert_eq!(stats.queues[&queue("default")].total(), 1, "{stats:?}");
}

/// A payload over 1 MiB is refused naming the payload and the limit, alone or in a batch,
/// and nothing is stored; exactly 1 MiB is accepted and reads back whole.
///
/// Catches: no size check, an off-by-one at the limit, a batch that stored its valid jobs.
pub async fn oversized_payload_is_refused<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let big = NewJob::new(vec![7u8; MAX_PAYLOAD + 1]).id(id("big"));
    let message = expect_invalid(
        "a 1 MiB + 1 payload",
        f.queue.submit(big.clone()).await,
        "payload",
    );
    assert!(
        message.contains(&MAX_PAYLOAD.to_string()),
        "names the limit: {message}"
    );
    let batch = f.queue.submit_batch(vec![job("small"), big]).await;
    expect_invalid("a batch with an oversized payload", batch, "payload");
    assert_eq!(
        ok("stats", f.queue.stats(None).await),
        Stats::default(),
        "nothing stored"
    );

    let exact: Vec<u8> = (0..MAX_PAYLOAD).map(|i| (i % 251) as u8).collect();
    let job_id = submit(&f.queue, NewJob::new(exact.clone()).id(id("exact"))).await;
    assert!(
        status(&f.queue, &job_id).await.job.payload == exact,
        "1 MiB reads back"
    );
}

/// Zero attempts is refused, alone or in a batch, and nothing is stored.
///
/// Catches: a job stored that could never run, or would run forever.
pub async fn zero_max_attempts_is_refused<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let zero = job("zero").max_attempts(0);
    expect_invalid(
        "max_attempts 0",
        f.queue.submit(zero.clone()).await,
        "max_attempts",
    );
    let batch = f.queue.submit_batch(vec![job("fine"), zero]).await;
    expect_invalid("a batch with max_attempts 0", batch, "max_attempts");
    assert_eq!(
        ok("stats", f.queue.stats(None).await),
        Stats::default(),
        "nothing stored"
    );
}

/// Take requests that break a limit are refused naming the argument, and lease nothing.
///
/// Catches: a backend that skips `TakeRequest::validate` (a zero lease would hand out jobs
/// that are expired at once; `max` 0 or huge would misbehave).
pub async fn bad_take_requests_are_refused<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("waiting")).await;
    let bad: [(TakeRequest, &str); 7] = [
        (take_req("default").max(0), "max"),
        (take_req("default").max(10_001), "max"),
        (take_req("default").lease(Duration::ZERO), "lease"),
        (
            take_req("default").lease(Duration::from_secs(8 * 86_400)),
            "lease",
        ),
        (
            take_req("default").wait(Duration::from_secs(25 * 3600)),
            "wait",
        ),
        (take_req("default").worker(""), "worker"),
        (take_req("default").worker("w".repeat(201)), "worker"),
    ];
    for (req, field) in bad {
        let what = format!("take {req:?}");
        expect_invalid(&what, bounded("take", f.queue.take(req)).await, field);
    }
    let read = status(&f.queue, &job_id).await;
    assert_eq!((read.job.state, read.job.attempts), (JobState::Queued, 0));
    let leased = take(&f.queue, take_req("default").worker("w".repeat(200))).await;
    assert_eq!(leased.len(), 1, "a 200-character worker name is fine");
}

/// `submit_each` stores every job it can and says why it refused the others: an id that
/// exists, one repeated within the call, an oversized payload.
pub async fn submit_each_stores_what_it_can<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    submit(&f.queue, job("old")).await;
    let results = ok(
        "submit_each",
        bounded(
            "submit_each",
            f.queue.submit_each(vec![
                job("old"),
                job("new"),
                job("new"),
                NewJob::new(vec![b'x'; MAX_PAYLOAD + 1]).id(id("big")),
                job("last"),
                NewJob::new("anonymous"),
            ]),
        )
        .await,
    );
    assert_eq!(results.len(), 6, "one result per job");
    let mut results = results.into_iter();
    let mut next = || results.next().unwrap();
    expect_err("an existing id", next(), ErrorCode::Duplicate);
    assert_eq!(ok("a new id", next()), id("new"));
    expect_err("the same id again", next(), ErrorCode::Duplicate);
    expect_invalid("an oversized payload", next(), "payload");
    assert_eq!(ok("after refusals", next()), id("last"));
    let generated = ok("a generated id", next());
    for stored in [id("new"), id("last"), generated] {
        assert_eq!(
            state(&f.queue, &stored).await,
            JobState::Queued,
            "{stored:?} stored"
        );
    }
    expect_err(
        "the big one",
        f.queue.status(&id("big")).await,
        ErrorCode::NotFound,
    );
    let stats = ok("stats", f.queue.stats(None).await);
    assert_eq!(
        stats.queues[&queue("default")].queued,
        4,
        "old, new, last, generated"
    );
}
