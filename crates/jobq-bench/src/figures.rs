//! [`Figures`]: what a run measured, as a table for people and one JSON object for machines.

use serde_json::{Map, Value, json};

use crate::Settings;

/// One figure measured several times: the median is the figure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    /// Each run's value.
    pub runs: Vec<f64>,
}

impl Measured {
    /// The figure of `runs`.
    pub fn of(runs: Vec<f64>) -> Self {
        Self { runs }
    }

    /// The median of the runs (the mean of the middle two for an even count); NaN when
    /// nothing was measured.
    pub fn median(&self) -> f64 {
        let mut sorted = self.runs.clone();
        sorted.sort_by(f64::total_cmp);
        match sorted.len() {
            0 => f64::NAN,
            n if !n.is_multiple_of(2) => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        }
    }

    /// Whether anything was measured.
    pub fn is_measured(&self) -> bool {
        !self.runs.is_empty()
    }
}

/// One run's pickup latency, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pickup {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

/// One run's claim cost, in microseconds per job claimed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claim {
    /// With only the measured jobs queued.
    pub empty_us: f64,
    /// With the backlog queued too.
    pub backlog_us: f64,
}

/// One run of the raw limit, in rows (jobs) per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Raw {
    /// One job inserted per transaction.
    pub submit_single: f64,
    /// A batch inserted per transaction.
    pub submit_batched: f64,
    /// Insert, claim and complete a batch, a transaction each.
    pub cycle_batched: f64,
    /// Insert, claim and complete one job, a transaction each.
    pub cycle_single: f64,
}

/// Everything a run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The store.
    pub url: String,
    /// The sizes.
    pub settings: Settings,
    /// Submit, one job per call, one caller.
    pub submit_single_per_s: Measured,
    /// Submit, batched.
    pub submit_batched_per_s: Measured,
    /// Submit, take and complete, batched, one producer and one consumer.
    pub cycle_batched_per_s: Measured,
    /// Submit, take and complete, one job per call, from concurrent callers in one process.
    pub cycle_single_concurrent_per_s: Measured,
    /// The same across OS processes.
    pub cycle_processes_per_s: Measured,
    /// Pickup latency, milliseconds.
    pub pickup_p50_ms: Measured,
    /// Pickup latency, milliseconds.
    pub pickup_p99_ms: Measured,
    /// Pickup latency, milliseconds.
    pub pickup_max_ms: Measured,
    /// Claim cost with only the measured jobs queued, µs per job.
    pub claim_empty_us: Measured,
    /// Claim cost with the backlog queued too, µs per job.
    pub claim_backlog_us: Measured,
    /// `claim_backlog_us / claim_empty_us`, per run.
    pub claim_backlog_ratio: Measured,
    /// The raw limits, when the store is SQLite or PostgreSQL.
    pub raw_submit_single_per_s: Measured,
    /// See [`Raw`].
    pub raw_submit_batched_per_s: Measured,
    /// See [`Raw`].
    pub raw_cycle_batched_per_s: Measured,
    /// See [`Raw`].
    pub raw_cycle_single_per_s: Measured,
}

impl Figures {
    /// Nothing measured yet.
    pub fn new(url: &str, settings: &Settings) -> Self {
        Self {
            url: url.to_owned(),
            settings: settings.clone(),
            submit_single_per_s: Measured::default(),
            submit_batched_per_s: Measured::default(),
            cycle_batched_per_s: Measured::default(),
            cycle_single_concurrent_per_s: Measured::default(),
            cycle_processes_per_s: Measured::default(),
            pickup_p50_ms: Measured::default(),
            pickup_p99_ms: Measured::default(),
            pickup_max_ms: Measured::default(),
            claim_empty_us: Measured::default(),
            claim_backlog_us: Measured::default(),
            claim_backlog_ratio: Measured::default(),
            raw_submit_single_per_s: Measured::default(),
            raw_submit_batched_per_s: Measured::default(),
            raw_cycle_batched_per_s: Measured::default(),
            raw_cycle_single_per_s: Measured::default(),
        }
    }

    pub(crate) fn set_pickups(&mut self, runs: Vec<Pickup>) {
        self.pickup_p50_ms = Measured::of(runs.iter().map(|p| p.p50).collect());
        self.pickup_p99_ms = Measured::of(runs.iter().map(|p| p.p99).collect());
        self.pickup_max_ms = Measured::of(runs.iter().map(|p| p.max).collect());
    }

    pub(crate) fn set_claims(&mut self, runs: Vec<Claim>) {
        self.claim_empty_us = Measured::of(runs.iter().map(|c| c.empty_us).collect());
        self.claim_backlog_us = Measured::of(runs.iter().map(|c| c.backlog_us).collect());
        self.claim_backlog_ratio =
            Measured::of(runs.iter().map(|c| c.backlog_us / c.empty_us).collect());
    }

    pub(crate) fn set_raw(&mut self, runs: Vec<Raw>) {
        self.raw_submit_single_per_s = Measured::of(runs.iter().map(|r| r.submit_single).collect());
        self.raw_submit_batched_per_s =
            Measured::of(runs.iter().map(|r| r.submit_batched).collect());
        self.raw_cycle_batched_per_s = Measured::of(runs.iter().map(|r| r.cycle_batched).collect());
        self.raw_cycle_single_per_s = Measured::of(runs.iter().map(|r| r.cycle_single).collect());
    }

    /// Every figure by its name, with its raw limit where there is one.
    fn named(&self) -> Vec<(&'static str, &Measured, Option<&Measured>)> {
        vec![
            (
                "submit_single_per_s",
                &self.submit_single_per_s,
                Some(&self.raw_submit_single_per_s),
            ),
            (
                "submit_batched_per_s",
                &self.submit_batched_per_s,
                Some(&self.raw_submit_batched_per_s),
            ),
            (
                "cycle_batched_per_s",
                &self.cycle_batched_per_s,
                Some(&self.raw_cycle_batched_per_s),
            ),
            (
                "cycle_single_concurrent_per_s",
                &self.cycle_single_concurrent_per_s,
                Some(&self.raw_cycle_single_per_s),
            ),
            (
                "cycle_processes_per_s",
                &self.cycle_processes_per_s,
                Some(&self.raw_cycle_single_per_s),
            ),
            ("pickup_p50_ms", &self.pickup_p50_ms, None),
            ("pickup_p99_ms", &self.pickup_p99_ms, None),
            ("pickup_max_ms", &self.pickup_max_ms, None),
            ("claim_empty_us", &self.claim_empty_us, None),
            ("claim_backlog_us", &self.claim_backlog_us, None),
            ("claim_backlog_ratio", &self.claim_backlog_ratio, None),
        ]
    }

    /// One JSON object: each figure's median under its name, the raw limits as
    /// `raw_limit_…`, the fractions of them as `…_of_raw`, every run under `runs`, and the
    /// sizes under `settings`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        let mut runs = Map::new();
        out.insert("url".into(), json!(self.url));
        for (name, figure, raw) in self.named() {
            out.insert(name.into(), number(figure.median()));
            runs.insert(name.into(), json!(figure.runs));
            if let Some(raw) = raw.filter(|r| r.is_measured()) {
                out.insert(
                    format!("{name}_of_raw"),
                    number(figure.median() / raw.median()),
                );
            }
        }
        let raws = [
            (
                "raw_limit_submit_single_per_s",
                &self.raw_submit_single_per_s,
            ),
            (
                "raw_limit_submit_batched_per_s",
                &self.raw_submit_batched_per_s,
            ),
            (
                "raw_limit_cycle_batched_per_s",
                &self.raw_cycle_batched_per_s,
            ),
            ("raw_limit_cycle_single_per_s", &self.raw_cycle_single_per_s),
        ];
        for (name, figure) in raws {
            out.insert(name.into(), number(figure.median()));
            runs.insert(name.into(), json!(figure.runs));
        }
        let s = &self.settings;
        out.insert(
            "settings".into(),
            json!({
                "jobs": s.jobs, "single_jobs": s.single_jobs, "batch": s.batch,
                "callers": s.callers, "concurrent_jobs": s.concurrent_jobs,
                "processes": s.processes, "pickups": s.pickups,
                "backlog": s.backlog, "repeats": s.repeats,
            }),
        );
        out.insert("runs".into(), Value::Object(runs));
        Value::Object(out)
    }

    /// Rows for a table: what, the median, the unit, the raw limit and the fraction of it.
    pub fn rows(&self) -> Vec<[String; 5]> {
        let s = &self.settings;
        let labels = [
            ("submit, one job per call".to_owned(), "jobs/s"),
            (format!("submit, batches of {}", s.batch), "jobs/s"),
            (format!("full cycle, batches of {}", s.batch), "jobs/s"),
            (
                format!("full cycle, 1 job per call, {} callers", s.callers),
                "jobs/s",
            ),
            (
                format!(
                    "full cycle, {} processes × {} callers",
                    s.processes, s.callers
                ),
                "jobs/s",
            ),
            ("pickup latency p50".to_owned(), "ms"),
            ("pickup latency p99".to_owned(), "ms"),
            ("pickup latency max".to_owned(), "ms"),
            ("claim cost, empty queue".to_owned(), "µs/job"),
            (format!("claim cost, {} queued", s.backlog), "µs/job"),
            ("claim cost ratio, backlog / empty".to_owned(), "×"),
        ];
        self.named()
            .into_iter()
            .zip(labels)
            .map(|((_, figure, raw), (label, unit))| {
                let raw = raw.filter(|r| r.is_measured());
                [
                    label,
                    show(figure.median()),
                    unit.to_owned(),
                    raw.map_or_else(String::new, |r| show(r.median())),
                    raw.map_or_else(String::new, |r| {
                        format!("{:.0}%", 100.0 * figure.median() / r.median())
                    }),
                ]
            })
            .collect()
    }
}

/// A figure in JSON: a number, or `null` when it was not measured.
fn number(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// A figure for people: three significant digits at most, thousands separated.
fn show(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    if x >= 1000.0 {
        let whole = x.round() as u64;
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_run() {
        assert_eq!(Measured::of(vec![3.0, 1.0, 2.0]).median(), 2.0);
        assert_eq!(Measured::of(vec![4.0, 1.0, 2.0, 3.0]).median(), 2.5);
        assert!(Measured::default().median().is_nan());
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(show(123_456.7), "123,457");
        assert_eq!(show(42.4), "42");
        assert_eq!(show(1.234), "1.23");
        assert_eq!(show(f64::NAN), "-");
    }
}
