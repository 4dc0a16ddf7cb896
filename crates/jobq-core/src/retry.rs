//! Back-off between attempts.

use std::time::Duration;

/// Exponential back-off with jitter: after failed attempt `n` the job waits about
/// `base × 2^(n-1)`, capped at `max`, and then a random part of it is taken off (down to
/// half), so that jobs failing together do not all come back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failed attempt, before jitter (default 1 s).
    pub base: Duration,
    /// The longest wait (default 1 h).
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// No wait at all between attempts.
    pub const NONE: Backoff = Backoff {
        base: Duration::ZERO,
        max: Duration::ZERO,
    };

    /// The wait after failed attempt `attempt` (from 1), before jitter.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(62);
        self.base
            .checked_mul(1u32 << doublings.min(31))
            .and_then(|d| d.checked_mul(1u32 << doublings.saturating_sub(31).min(31)))
            .unwrap_or(Duration::MAX)
            .min(self.max)
    }

    /// The wait after failed attempt `attempt`, with jitter `unit` in `[0, 1)`: between
    /// half the [ceiling](Self::ceiling) and all of it.
    pub fn delay_with(&self, attempt: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(attempt);
        ceiling.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }

    /// The wait after failed attempt `attempt`, with random jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_then_caps() {
        let b = Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
        };
        assert_eq!(b.ceiling(1), Duration::from_secs(1));
        assert_eq!(b.ceiling(2), Duration::from_secs(2));
        assert_eq!(b.ceiling(4), Duration::from_secs(8));
        assert_eq!(b.ceiling(5), Duration::from_secs(10));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_between_half_and_all() {
        let b = Backoff::default();
        assert_eq!(b.delay_with(3, 0.0), Duration::from_secs(2));
        assert_eq!(b.delay_with(3, 1.0), Duration::from_secs(4));
        for _ in 0..1000 {
            let d = b.delay(3);
            assert!(
                d >= Duration::from_secs(2) && d <= Duration::from_secs(4),
                "{d:?}"
            );
        }
    }
}
