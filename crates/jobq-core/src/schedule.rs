//! Periodic jobs: a [`Schedule`] submits a job at each tick of its [`Every`], with the id
//! `NAME@TICK-TIME` and `run_at` at the tick.
//!
//! Because ids are unique in the store, any number of schedulers (every `jobq work` process
//! runs one) may submit the same tick: exactly one submission succeeds. This module only
//! computes ticks; the scheduler that submits them is in `jobq-worker`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::id::{JobId, QueueName, ScheduleName};
use crate::job::NewJob;
use crate::time::Timestamp;

/// The shortest interval between ticks.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The longest interval between ticks: a year.
pub const MAX_INTERVAL: Duration = Duration::from_secs(366 * 24 * 3600);

/// When a schedule ticks.
#[derive(Clone)]
pub enum Every {
    /// At every multiple of the interval since the Unix epoch: `every 1m` ticks at each
    /// `hh:mm:00` UTC, `every 1h` at each full hour.
    Interval(Duration),
    /// At the times a cron expression matches, in UTC: five fields (minute, hour, day of
    /// month, month, day of week), or six with seconds first.
    Cron(Box<croner::Cron>),
}

impl Every {
    /// Every `interval`, aligned to the epoch.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an interval under 1 s, over a year, or not a whole
    /// number of milliseconds.
    pub fn interval(interval: Duration) -> Result<Self> {
        if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&interval)
            || !interval.subsec_micros().is_multiple_of(1000)
        {
            return Err(Error::invalid(
                "every",
                format!(
                    "{}; an interval is 1s to 366 days, in whole milliseconds",
                    humantime_like(interval)
                ),
            ));
        }
        Ok(Every::Interval(interval))
    }

    /// At the times `expression` matches (UTC).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the expression and what is wrong with it.
    pub fn cron(expression: &str) -> Result<Self> {
        let parsed = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Optional)
            .build()
            .parse(expression.trim())
            .map_err(|e| Error::invalid("cron", format!("{expression:?}: {e}")))?;
        Ok(Every::Cron(Box::new(parsed)))
    }

    /// The first tick strictly after `t`.
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        match self {
            Every::Interval(d) => {
                let period = period_micros(*d);
                let base = t.as_unix_micros().div_euclid(period) * period;
                Some(Timestamp::from_unix_micros(base.checked_add(period)?))
            }
            Every::Cron(cron) => cron
                .find_next_occurrence(&whole_second(t).to_datetime(), false)
                .ok()
                .map(Timestamp::from),
        }
    }

    /// The last tick at or before `t`.
    pub fn last_at_or_before(&self, t: Timestamp) -> Option<Timestamp> {
        match self {
            Every::Interval(d) => {
                let period = period_micros(*d);
                Some(Timestamp::from_unix_micros(
                    t.as_unix_micros().div_euclid(period) * period,
                ))
            }
            Every::Cron(cron) => {
                let at: DateTime<Utc> = whole_second(t).to_datetime();
                cron.find_previous_occurrence(&at, true)
                    .ok()
                    .map(Timestamp::from)
            }
        }
    }
}

/// `t` without its fraction of a second: cron ticks fall on whole seconds.
fn whole_second(t: Timestamp) -> Timestamp {
    Timestamp::from_unix_micros(t.as_unix_micros().div_euclid(1_000_000) * 1_000_000)
}

fn period_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX).max(1)
}

impl fmt::Display for Every {
    /// `every 1m 30s` or `cron 0 * * * *`: the form [`Every::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Every::Interval(d) => write!(f, "every {}", humantime_like(*d)),
            Every::Cron(cron) => write!(f, "cron {}", cron.pattern),
        }
    }
}

impl fmt::Debug for Every {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl PartialEq for Every {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Every {}

impl FromStr for Every {
    type Err = Error;

    /// Reads `every DURATION` (`every 30s`, `every 1m 30s`, `every 1500ms`) or
    /// `cron EXPRESSION`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if let Some(interval) = s.strip_prefix("every ") {
            Every::interval(parse_duration(interval.trim())?)
        } else if let Some(expression) = s.strip_prefix("cron ") {
            Every::cron(expression)
        } else {
            Err(Error::invalid(
                "schedule",
                format!("{s:?}; write `every DURATION` or `cron EXPRESSION`"),
            ))
        }
    }
}

/// A duration written as whole units, largest first: `1h 30m`, `2s 500ms`.
fn humantime_like(d: Duration) -> String {
    let mut ms = d.as_millis();
    let mut parts = Vec::new();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if ms >= size {
            parts.push(format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    if ms > 0 || parts.is_empty() {
        parts.push(format!("{ms}ms"));
    }
    parts.join(" ")
}

/// Reads `1h 30m`, `45s`, `1500ms` and the like.
fn parse_duration(text: &str) -> Result<Duration> {
    let bad = || {
        Error::invalid(
            "every",
            format!("{text:?}; write a duration like 30s, 5m, 1h or 1m 30s"),
        )
    };
    let mut total = Duration::ZERO;
    let mut any = false;
    for part in text.split_whitespace() {
        let split = part.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = part.split_at(split);
        let n: u64 = number.parse().map_err(|_| bad())?;
        let one = match unit {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            _ => return Err(bad()),
        };
        total = total
            .checked_add(
                one.checked_mul(u32::try_from(n).map_err(|_| bad())?)
                    .ok_or_else(bad)?,
            )
            .ok_or_else(bad)?;
        any = true;
    }
    if any { Ok(total) } else { Err(bad()) }
}

/// A periodic job: at each tick of `every`, a job for `queue` carrying `payload`.
///
/// ```
/// use std::time::Duration;
/// use jobq_core::{Every, QueueName, Schedule, ScheduleName};
///
/// let tick = Schedule::new(ScheduleName::new("balances")?, Every::interval(Duration::from_secs(60))?)
///     .queue(QueueName::new("ledger")?)
///     .payload("recompute");
/// let nightly = Schedule::new(ScheduleName::new("report")?, Every::cron("0 3 * * *")?);
/// # Ok::<(), jobq_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Its name, unique in the store.
    pub name: ScheduleName,
    /// When it ticks.
    pub every: Every,
    /// The queue its jobs go to (default `default`).
    pub queue: QueueName,
    /// The payload of each job.
    pub payload: Vec<u8>,
    /// The priority of each job.
    pub priority: i32,
    /// The attempts each job gets.
    pub max_attempts: u32,
    /// When it was set: no tick before it is submitted. Filled in by the store; ignored
    /// when setting.
    pub since: Option<Timestamp>,
}

impl Schedule {
    /// A schedule named `name`, ticking `every`, submitting empty jobs to queue `default`
    /// with the default priority and attempts.
    pub fn new(name: ScheduleName, every: Every) -> Self {
        Self {
            name,
            every,
            queue: QueueName::default(),
            payload: Vec::new(),
            priority: 0,
            max_attempts: NewJob::DEFAULT_MAX_ATTEMPTS,
            since: None,
        }
    }

    /// Sets the queue.
    pub fn queue(mut self, queue: QueueName) -> Self {
        self.queue = queue;
        self
    }

    /// Sets the payload.
    pub fn payload(mut self, payload: impl Into<Vec<u8>>) -> Self {
        self.payload = payload.into();
        self
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Sets the attempts.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Checks what the builder cannot: the payload against `limits`, and at least one
    /// attempt. Backends call this before they store anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the payload size and the limit, or the attempts.
    pub fn validate(&self, limits: &crate::Limits) -> Result<()> {
        self.job(Timestamp::EPOCH).validate(limits)
    }

    /// The id of the job for `tick`: `NAME@TICK-TIME` (RFC 3339).
    pub fn job_id(&self, tick: Timestamp) -> JobId {
        // At most 128 + 1 + 27 characters, printable: always a valid id.
        JobId::new(format!("{}@{tick}", self.name)).unwrap_or_else(|_| JobId::generate())
    }

    /// The job for `tick`, to run at the tick.
    pub fn job(&self, tick: Timestamp) -> NewJob {
        NewJob::new(self.payload.clone())
            .id(self.job_id(tick))
            .queue(self.queue.clone())
            .priority(self.priority)
            .max_attempts(self.max_attempts)
            .run_at(tick)
    }

    /// The ticks to submit at `now`: the last tick at or before `now` when it is no older
    /// than `catch_up` (a scheduler that was down submits the tick it missed, once), and
    /// the next tick when it is at most `lookahead` away (submitted early, so that it runs
    /// right on time). Never a tick before [`since`](Self::since).
    pub fn due(&self, now: Timestamp, lookahead: Duration, catch_up: Duration) -> Vec<Timestamp> {
        let since = self.since.unwrap_or(Timestamp::EPOCH);
        let mut ticks = Vec::with_capacity(2);
        if let Some(last) = self.every.last_at_or_before(now)
            && last >= since
            && now.duration_since(last) <= catch_up
        {
            ticks.push(last);
        }
        if let Some(next) = self.every.next_after(now)
            && next.duration_since(now) <= lookahead
            && next >= since
        {
            ticks.push(next);
        }
        ticks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn intervals_tick_on_multiples_of_themselves() {
        let minute = Every::interval(Duration::from_secs(60)).unwrap();
        let t = at("2026-11-22T14:05:09.5Z");
        assert_eq!(
            minute.last_at_or_before(t),
            Some(at("2026-11-22T14:05:00Z"))
        );
        assert_eq!(minute.next_after(t), Some(at("2026-11-22T14:06:00Z")));
        let on_tick = at("2026-11-22T14:06:00Z");
        assert_eq!(minute.last_at_or_before(on_tick), Some(on_tick));
        assert_eq!(minute.next_after(on_tick), Some(at("2026-11-22T14:07:00Z")));
    }

    #[test]
    fn cron_ticks_in_utc_with_optional_seconds() {
        let nightly = Every::cron("0 3 * * *").unwrap();
        let t = at("2026-11-22T14:05:09.25Z");
        assert_eq!(nightly.next_after(t), Some(at("2026-11-23T03:00:00Z")));
        assert_eq!(
            nightly.last_at_or_before(t),
            Some(at("2026-11-22T03:00:00Z"))
        );
        let every_ten_seconds = Every::cron("*/10 * * * * *").unwrap();
        assert_eq!(
            every_ten_seconds.next_after(t),
            Some(at("2026-11-22T14:05:10Z"))
        );
    }

    #[test]
    fn forms_read_back_and_bad_ones_say_why() {
        for text in [
            "every 1m",
            "every 1h 30m",
            "every 2s 500ms",
            "cron 0 3 * * *",
        ] {
            assert_eq!(text.parse::<Every>().unwrap().to_string(), text);
        }
        let zero = "every 0s".parse::<Every>().unwrap_err().to_string();
        assert!(zero.contains("1s to 366 days"), "{zero}");
        let cron = Every::cron("61 * * * *").unwrap_err().to_string();
        assert!(cron.starts_with("invalid cron: \"61 * * * *\""), "{cron}");
        let neither = "hourly".parse::<Every>().unwrap_err().to_string();
        assert!(neither.contains("every DURATION"), "{neither}");
        assert!("every soon".parse::<Every>().is_err());
    }

    #[test]
    fn due_ticks_catch_up_once_and_look_ahead() {
        let name = ScheduleName::new("tick").unwrap();
        let mut s = Schedule::new(name, Every::interval(Duration::from_secs(60)).unwrap());
        s.since = Some(at("2026-11-22T14:00:30Z"));
        let (ahead, catch_up) = (Duration::from_secs(5), Duration::from_secs(60));
        // Just after a tick: that tick (missed by 9 s), not the next (51 s away).
        assert_eq!(
            s.due(at("2026-11-22T14:05:09Z"), ahead, catch_up),
            [at("2026-11-22T14:05:00Z")]
        );
        // Just before a tick: the last one and the next one.
        assert_eq!(
            s.due(at("2026-11-22T14:05:57Z"), ahead, catch_up),
            [at("2026-11-22T14:05:00Z"), at("2026-11-22T14:06:00Z")]
        );
        // Never a tick from before the schedule was set.
        assert!(
            s.due(at("2026-11-22T14:00:40Z"), ahead, catch_up)
                .is_empty()
        );
        let job = s.job(at("2026-11-22T14:06:00Z"));
        assert_eq!(job.id.unwrap().as_str(), "tick@2026-11-22T14:06:00Z");
    }
}
