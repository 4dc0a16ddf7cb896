//! Time in the demo: a [`Speed`] factor that shortens every interval, and [`Between`], a
//! random duration in a range.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Divides every interval of the demo, so that a test can run minutes of the system in
/// seconds. `Speed(1.0)` is real time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speed(f64);

impl Speed {
    /// Real time.
    pub const REAL: Speed = Speed(1.0);

    /// A factor above zero (and finite).
    ///
    /// # Errors
    ///
    /// A message naming the value when it is not a positive number.
    pub fn new(factor: f64) -> Result<Self, String> {
        if factor.is_finite() && factor > 0.0 {
            Ok(Self(factor))
        } else {
            Err(format!(
                "{factor} is not a speed; give a number above 0, such as 10"
            ))
        }
    }

    /// `d` at this speed.
    pub fn scale(self, d: Duration) -> Duration {
        d.div_f64(self.0)
    }
}

impl FromStr for Speed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let factor: f64 = s
            .parse()
            .map_err(|_| format!("{s:?} is not a number; give a speed such as 10"))?;
        Speed::new(factor)
    }
}

/// A duration picked at random, uniformly, between two bounds: written `7s..15s`, or one
/// duration for a fixed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Between {
    /// The shortest.
    pub low: Duration,
    /// The longest.
    pub high: Duration,
}

impl Between {
    /// Always `d`.
    pub const fn fixed(d: Duration) -> Self {
        Self { low: d, high: d }
    }

    /// From `low` to `high`.
    pub const fn new(low: Duration, high: Duration) -> Self {
        Self { low, high }
    }

    /// A random duration in the range, at `speed`.
    pub fn pick(&self, speed: Speed) -> Duration {
        let span = self.high.saturating_sub(self.low);
        speed.scale(self.low + span.mul_f64(rand::random::<f64>()))
    }
}

impl FromStr for Between {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parse = |part: &str| {
            humantime::parse_duration(part.trim()).map_err(|e| {
                format!("{part:?}: {e}; write a duration like 5s, or a range like 7s..15s")
            })
        };
        let (low, high) = match s.split_once("..") {
            Some((low, high)) => (parse(low)?, parse(high)?),
            None => {
                let d = parse(s)?;
                (d, d)
            }
        };
        if low > high {
            return Err(format!(
                "{s:?}: the range goes from the shorter to the longer"
            ));
        }
        Ok(Self { low, high })
    }
}

impl fmt::Display for Between {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |d| humantime::format_duration(d);
        if self.low == self.high {
            write!(f, "{}", show(self.low))
        } else {
            write!(f, "{}..{}", show(self.low), show(self.high))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_pick_within_bounds() {
        let r: Between = "7s..15s".parse().unwrap();
        assert_eq!(
            r,
            Between::new(Duration::from_secs(7), Duration::from_secs(15))
        );
        for _ in 0..100 {
            let d = r.pick(Speed::new(2.0).unwrap());
            assert!(d >= Duration::from_millis(3500) && d <= Duration::from_millis(7500));
        }
        assert_eq!(
            "5s".parse::<Between>().unwrap(),
            Between::fixed(Duration::from_secs(5))
        );
        assert!(
            "15s..7s"
                .parse::<Between>()
                .unwrap_err()
                .contains("shorter")
        );
        assert!("soon".parse::<Between>().unwrap_err().contains("\"soon\""));
    }

    #[test]
    fn speed_must_be_positive() {
        assert!("0".parse::<Speed>().is_err());
        assert!("-3".parse::<Speed>().is_err());
        assert_eq!(
            "10".parse::<Speed>().unwrap().scale(Duration::from_secs(5)),
            Duration::from_millis(500)
        );
    }
}
