//! What a backend provides to be tested: a [`Backend`] that makes a [`Fixture`] (one empty
//! store) per case.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use jobq_core::{ManualClock, Queue};

/// A boxed future that can move between threads, as [`Fixture::new`]'s `connect` returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A backend under test.
///
/// Each case asks for a fresh [`Fixture`], so cases never see each other's jobs and may run
/// in parallel.
pub trait Backend: Send + Sync + 'static {
    /// The backend's queue handle.
    type Queue: Queue + Clone + Send + Sync + 'static;

    /// A new, empty store, read through a handle whose clock is `clock`.
    ///
    /// The store uses the backend's defaults: back-off base 1 s and cap 1 h with jitter
    /// between half and all of the ceiling, a 1 MiB payload limit. Every handle the
    /// fixture's `connect` opens must read the same `clock`.
    fn fixture(&self, clock: ManualClock) -> impl Future<Output = Fixture<Self::Queue>> + Send;
}

/// One empty store for one case.
///
/// Dropping the fixture drops its handle first and its guard last, so a temporary directory
/// held as the guard outlives the handle that uses it.
pub struct Fixture<Q> {
    /// The first handle to the store.
    pub queue: Q,
    /// The clock every handle of this fixture reads; cases move it instead of sleeping.
    pub clock: ManualClock,
    /// Opens another, independent handle to the same store.
    connect: Box<dyn Fn() -> BoxFuture<'static, Q> + Send + Sync>,
    /// Whatever must live as long as the store (a temporary directory, a database schema).
    _guard: Box<dyn Send + Sync>,
}

impl<Q> Fixture<Q> {
    /// A fixture reading the store through `queue`, whose handles all read `clock`.
    ///
    /// `connect` opens another handle to the same store, independent of `queue` (as another
    /// process would: its own connection, its own in-memory state). `guard` is kept alive
    /// until the fixture is dropped, after the handles.
    pub fn new(
        queue: Q,
        clock: ManualClock,
        connect: impl Fn() -> BoxFuture<'static, Q> + Send + Sync + 'static,
        guard: impl Send + Sync + 'static,
    ) -> Self {
        Self {
            queue,
            clock,
            connect: Box::new(connect),
            _guard: Box::new(guard),
        }
    }

    /// Another independent handle to the same store.
    pub async fn connect(&self) -> Q {
        (self.connect)().await
    }
}

impl<Q: fmt::Debug> fmt::Debug for Fixture<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("queue", &self.queue)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}
