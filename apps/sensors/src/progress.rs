//! Progress while a command runs, and the numbers of its summary.
//!
//! The library counts into a [`Meter`] (atomics, so any task or thread may add to it); the
//! binary shows it with [`Display::spawn`]: a live line with the rate on a terminal
//! (indicatif), else a plain line every few seconds, so logs show progress too.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Rows counted so far, and when counting started.
#[derive(Debug)]
pub struct Meter {
    rows: AtomicU64,
    started: Instant,
}

impl Default for Meter {
    fn default() -> Self {
        Self::new()
    }
}

impl Meter {
    /// A meter at zero, started now.
    pub fn new() -> Self {
        Self {
            rows: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Counts `n` more rows.
    pub fn add(&self, n: u64) {
        self.rows.fetch_add(n, Ordering::Relaxed);
    }

    /// Rows counted so far.
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// Time since the meter started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// `rows` over `elapsed`, in rows per second (0 for no time).
pub fn rate(rows: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { rows as f64 / secs } else { 0.0 }
}

/// `n` with thousands separators: `1,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size in bytes for people: `812 bytes`, `2.8 KB`, `11.4 MB`, `1.2 GB`.
pub fn size(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} KB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.1} GB", b / 1e9),
    }
}

/// Shows a [`Meter`] while a command runs.
#[derive(Debug)]
pub struct Display {
    bar: ProgressBar,
    task: tokio::task::JoinHandle<()>,
}

impl Display {
    /// Starts showing `meter` on standard error as `verb` (`"read"`, `"written"`): a live
    /// bar (towards `total`, when known) on a terminal, else a line every `every`; nothing
    /// when `every` is `None` and standard error is not a terminal.
    pub fn spawn(
        meter: Arc<Meter>,
        verb: &'static str,
        total: Option<u64>,
        every: Option<Duration>,
    ) -> Self {
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = if total.is_some() {
            "{elapsed_precise} [{bar:30}] {human_pos}/{human_len} rows {msg}"
        } else {
            "{elapsed_precise} {spinner} {human_pos} rows {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        let on_terminal = !bar.is_hidden();
        let shown = bar.clone();
        let task = tokio::spawn(async move {
            let tick = if on_terminal {
                Duration::from_millis(200)
            } else {
                match every {
                    Some(every) => every,
                    None => return,
                }
            };
            let mut interval = tokio::time::interval(tick);
            interval.tick().await;
            loop {
                interval.tick().await;
                let rows = meter.rows();
                let per_second = rate(rows, meter.elapsed());
                if on_terminal {
                    shown.set_position(rows);
                    shown.set_message(format!("{verb}, {} rows/s", thousands(per_second as u64)));
                } else {
                    eprintln!(
                        "{:>7.1}s  {} rows {verb}, {} rows/s",
                        meter.elapsed().as_secs_f64(),
                        thousands(rows),
                        thousands(per_second as u64)
                    );
                }
            }
        });
        Self { bar, task }
    }

    /// Stops showing progress and clears the live line.
    pub fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(rate(10, Duration::from_secs(2)), 5.0);
        assert_eq!(rate(10, Duration::ZERO), 0.0);
        assert_eq!(size(812), "812 bytes");
        assert_eq!(size(2_817), "2.8 KB");
        assert_eq!(size(11_400_000), "11.4 MB");
    }
}
