//! [`Backoff`]: the pause before trying a service again, growing while it stays down.

use std::time::Duration;

/// The first pause.
pub const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause.
pub const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Pauses between tries against a service that cannot be reached: 100 ms doubling to 5 s,
/// each with jitter (a random half to whole of it), so that instances restarted together
/// do not knock on the service's door in step.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    /// From 100 ms up to 5 s.
    pub fn new() -> Self {
        Self::between(FIRST_PAUSE, MAX_PAUSE)
    }

    /// From `first` up to `max`.
    pub fn between(first: Duration, max: Duration) -> Self {
        Self {
            next: first,
            max: max.max(first),
        }
    }

    /// Starts again from the first pause (after a success).
    pub fn reset(&mut self) {
        *self = Self::between(FIRST_PAUSE.min(self.max), self.max);
    }

    /// The pause before the next try, without jitter, and doubles the one after.
    pub fn step(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(self.max);
        now
    }

    /// The pause before the next try, with jitter.
    pub fn next_pause(&mut self) -> Duration {
        self.step().mul_f64(0.5 + rand::random::<f64>() / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_cap_and_reset() {
        let mut b = Backoff::new();
        let steps: Vec<u128> = (0..8).map(|_| b.step().as_millis()).collect();
        assert_eq!(steps, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        b.reset();
        assert_eq!(b.step(), FIRST_PAUSE);
        for _ in 0..100 {
            let p = b.next_pause();
            assert!(p <= MAX_PAUSE && p >= Duration::from_millis(50), "{p:?}");
        }
    }
}
