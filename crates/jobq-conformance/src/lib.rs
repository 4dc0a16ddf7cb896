//! The conformance suite of jobq: one set of cases, written once against the
//! [`jobq_core::Queue`] trait, that every backend (the SQLite file, PostgreSQL, the HTTP
//! client) runs, so that all of them keep the same model and the same guarantees
//! (SPEC sections 2 and 3).
//!
//! Each case is an `async fn case_name<B: Backend>(backend: &B)` that opens a fresh, empty
//! store through [`Backend::fixture`], drives it through the public trait only, and panics
//! with a message naming what was expected when the backend does something else. Every case
//! is written to catch a specific bug: a lost update, a stale lease accepted, a job taken
//! twice, a timestamp truncated, an error that changed something.
//!
//! Time is a [`jobq_core::ManualClock`] that starts at [`support::START`] and moves only when
//! a case moves it, so leases, delays and back-off are tested exactly and without sleeping.
//! Where a case must wait for something real (a `take` that waits, concurrent tasks), it
//! polls with a deadline ([`support::DEADLINE`]) and never relies on a fixed sleep.
//!
//! # Running it against a backend
//!
//! Implement [`Backend`] (a new empty store per call, with its temporary directory or schema
//! as the [`Fixture`]'s guard), and from an integration test of the backend's crate (with
//! `tokio` and `jobq-conformance` as dev-dependencies) write:
//!
//! ```ignore
//! struct MyBackend;
//!
//! impl jobq_conformance::Backend for MyBackend {
//!     type Queue = MyQueue;
//!     async fn fixture(&self, clock: jobq_core::ManualClock) -> jobq_conformance::Fixture<MyQueue> {
//!         let dir = tempfile::tempdir().unwrap();
//!         let path = dir.path().join("jobq.db");
//!         let queue = MyQueue::open(&path, clock.clone()).await.unwrap();
//!         let connect = {
//!             let clock = clock.clone();
//!             move || -> jobq_conformance::BoxFuture<'static, MyQueue> {
//!                 let (path, clock) = (path.clone(), clock.clone());
//!                 Box::pin(async move { MyQueue::open(&path, clock).await.unwrap() })
//!             }
//!         };
//!         jobq_conformance::Fixture::new(queue, clock, connect, dir)
//!     }
//! }
//!
//! jobq_conformance::conformance_tests!(MyBackend);
//! ```
//!
//! [`conformance_tests!`] expands to one `#[tokio::test]` per case, named after the case, so
//! `cargo test` names each failure. A change to the `Queue` trait ships with new cases here;
//! a new case is a function in one of the [`cases`] modules plus one line in
//! [`for_each_case!`], the one list of cases.
//!
//! # Layout
//!
//! - [`harness`]: [`Backend`], [`Fixture`] — what a backend provides.
//! - [`support`]: the helpers every case uses (requests, expectations, polling).
//! - [`services`]: finding PostgreSQL, Redis and RabbitMQ for the tests that need them, with
//!   a loud skip when they are unreachable (a failure under `CI=true`).
//! - [`cases`]: the cases, one module per topic.

pub mod cases;
pub mod harness;
pub mod services;
pub mod support;

pub use harness::{Backend, BoxFuture, Fixture};

/// Calls the macro `callback` with `args` followed by the path of every case relative to
/// [`cases`], as `module::case` separated by commas. This is the one list of cases.
///
/// ```ignore
/// jobq_conformance::for_each_case!([my_macro] (my, args));
/// // expands to: my_macro! { (my, args) submit::submit_reads_back_exactly, … }
/// ```
#[macro_export]
macro_rules! for_each_case {
    ([$($callback:tt)*] $args:tt) => {
        $($callback)*! { $args
            submit::submit_reads_back_exactly,
            submit::generated_ids_are_distinct,
            submit::longest_id_round_trips,
            submit::duplicate_id_is_refused,
            submit::duplicate_in_batch_stores_nothing,
            submit::submit_each_stores_what_it_can,
            submit::oversized_payload_is_refused,
            submit::zero_max_attempts_is_refused,
            submit::bad_take_requests_are_refused,
            take::take_from_empty_queue_returns_nothing,
            take::take_leases_the_job,
            take::waiting_take_gets_job_from_another_task,
            take::waiting_take_gets_job_from_another_handle,
            take::short_wait_on_empty_queue_returns_nothing,
            take::take_order_is_priority_then_run_at_then_submission,
            take::equal_priorities_are_fifo,
            take::take_max_returns_up_to_n_in_order,
            take::queues_are_isolated,
            take::delayed_job_waits_for_its_run_at,
            lease::complete_marks_done_once,
            lease::holder_is_cleared_when_the_lease_ends,
            lease::stale_lease_is_refused,
            lease::made_up_lease_and_unknown_id_are_refused,
            lease::lease_holds_until_it_ends,
            lease::expired_lease_returns_the_job,
            lease::expired_lease_on_last_attempt_fails,
            lease::extend_renews_the_lease,
            lease::extend_after_expiry_is_lease_lost,
            retry::fail_retries_after_backoff,
            retry::backoff_doubles_and_is_capped,
            retry::backoff_has_jitter,
            retry::last_error_keeps_its_end,
            retry::settle_batch_reports_each_item,
            retry::settle_same_job_twice_in_a_batch,
            manage::resubmit_failed_job_runs_again,
            manage::resubmit_cancelled_job,
            manage::resubmit_refuses_other_states,
            manage::resubmit_ids_is_all_or_nothing,
            manage::resubmit_by_state,
            manage::cancel_queued_jobs,
            manage::cancel_refuses_other_states,
            manage::cancel_by_state,
            inspect::history_records_every_transition,
            inspect::stats_count_by_queue_and_state,
            inspect::list_orders_filters_and_limits,
            inspect::purge_deletes_old_finished_jobs,
            inspect::purge_by_queue,
            schedule::schedules_read_back_exactly,
            schedule::setting_a_schedule_again_replaces_it,
            schedule::removing_a_schedule_says_whether_there_was_one,
            schedule::malformed_schedules_are_refused,
            schedule::schedules_are_shared_by_every_handle,
            shared::concurrent_takers_take_each_job_once,
            shared::concurrent_producers_and_consumers,
            shared::lease_works_across_handles,
            shared::submitted_job_survives_its_handle,
        }
    };
}

/// Generates one `#[tokio::test(flavor = "multi_thread", worker_threads = 4)]` per case,
/// named after the case, running it against the backend `$backend` (an expression of a type
/// that implements [`Backend`]). The calling crate needs `tokio` (with the `macros` and
/// `rt-multi-thread` features) among its dev-dependencies.
///
/// ```ignore
/// jobq_conformance::conformance_tests!(SqliteBackend);
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($backend:expr $(,)?) => {
        $crate::for_each_case!([$crate::__conformance_test]($backend));
    };
}

/// The callback of [`conformance_tests!`]: one test function per case.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_test {
    (($backend:expr) $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let backend = $backend;
                $crate::cases::$module::$case(&backend).await;
            }
        )*
    };
}

/// The callback that lists the cases' names for [`CASES`].
#[doc(hidden)]
#[macro_export]
macro_rules! __case_names {
    (() $($module:ident :: $case:ident),* $(,)?) => {
        &[$(concat!(stringify!($module), "::", stringify!($case))),*]
    };
}

/// Every case, as `module::case`, in the order [`for_each_case!`] lists them.
pub const CASES: &[&str] = for_each_case!([__case_names]());
