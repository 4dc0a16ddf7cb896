//! `wall run`: build a whole wall with N crews and report what it took, from the log.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use jobq::Timestamp;
use tokio::task::JoinSet;

use crate::config::WallConfig;
use crate::crew::{CrewOptions, run_crew};
use crate::error::{Result, WallError};
use crate::format::thousands;
use crate::rules;
use crate::site::Site;
use crate::worklog::Days;

/// What `wall run` is told.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The wall.
    pub wall: WallConfig,
    /// How many crews (at least 1).
    pub crews: usize,
    /// The queue's URL (default: a new store in a temporary directory, removed after).
    pub url: Option<String>,
    /// The work log's file (default: beside the queue's).
    pub worklog: Option<PathBuf>,
    /// How the crews work.
    pub crew: CrewOptions,
}

/// One profile of the overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileReport {
    /// The profile, from 1.
    pub profile: usize,
    /// Its sections.
    pub sections: usize,
    /// Days of work recorded (its lowest section's).
    pub days: u64,
    /// Cubic yards of ice recorded.
    pub ice: u64,
    /// What that ice cost.
    pub cost: u64,
}

/// What `wall run` prints: the overview of the finished wall, and the time it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// Each profile.
    pub profiles: Vec<ProfileReport>,
    /// How many crews built it.
    pub crews: usize,
    /// The simulated time of a foot.
    pub foot_time: Duration,
    /// Wall-clock time from the configuration taken to the last foot recorded.
    pub elapsed: Duration,
    /// Wall-clock time from the configuration taken to the last crew stopped (crews wait
    /// a little to be sure no section comes back before they stop).
    pub stopped: Duration,
}

impl BuildReport {
    /// Ice of the whole wall.
    pub fn ice(&self) -> u64 {
        self.profiles.iter().map(|p| p.ice).sum()
    }

    /// Cost of the whole wall.
    pub fn cost(&self) -> u64 {
        self.profiles.iter().map(|p| p.cost).sum()
    }

    /// Days the whole wall took.
    pub fn days(&self) -> u64 {
        self.profiles.iter().map(|p| p.days).max().unwrap_or(0)
    }
}

/// The overview as a table, then the time it took.
impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header([
            "profile",
            "sections",
            "days",
            "ice (cubic yards)",
            "cost (Gold Dragons)",
        ]);
        for p in &self.profiles {
            table.add_row([
                p.profile.to_string(),
                p.sections.to_string(),
                p.days.to_string(),
                thousands(p.ice),
                thousands(p.cost),
            ]);
        }
        let sections: usize = self.profiles.iter().map(|p| p.sections).sum();
        table.add_row([
            "total".to_owned(),
            sections.to_string(),
            self.days().to_string(),
            thousands(self.ice()),
            thousands(self.cost()),
        ]);
        for column in 1..5 {
            if let Some(column) = table.column_mut(column) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(f, "{table}")?;
        write!(
            f,
            "built by {} crew{} in {:.3} s (wall clock, {} a foot); crews stopped after {:.3} s",
            self.crews,
            if self.crews == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64(),
            humantime::format_duration(self.foot_time),
            self.stopped.as_secs_f64(),
        )
    }
}

/// Builds `opts.wall` with `opts.crews` crews until no section is left, and reports the
/// overview from the work log.
///
/// # Errors
///
/// What opening the site, configuring it or a crew returns.
pub async fn build(opts: BuildOptions) -> Result<BuildReport> {
    let temp;
    let url = match opts.url {
        Some(url) => url,
        None => {
            temp = tempfile::tempdir()
                .map_err(|e| WallError::Other(format!("making a temporary store: {e}")))?;
            format!("sqlite:{}", temp.path().join("wall.db").display())
        }
    };
    let site = Site::open(&url, opts.worklog).await?;
    let crews = opts.crews.max(1);
    let started = Instant::now();
    let started_at = Timestamp::now();
    let configured = site.configure(opts.wall).await?;
    let mut tasks = JoinSet::new();
    for n in 1..=crews {
        let crew = CrewOptions {
            name: format!("crew-{n}"),
            exit_when_empty: true,
            ..opts.crew.clone()
        };
        let (queue, log) = (site.queue().clone(), site.log().clone());
        tasks.spawn(async move { run_crew(queue, &log, crew, std::future::pending()).await });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| WallError::Other(format!("a crew task failed: {e}")))??;
    }
    let stopped = started.elapsed();
    let elapsed = site
        .log()
        .last_recorded(configured.generation)
        .await?
        .map_or(Duration::ZERO, |last| last.duration_since(started_at));
    let generation = site.current().await?;
    let mut profiles = Vec::new();
    for (i, heights) in generation.wall.profiles().iter().enumerate() {
        let p = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let log = site.log();
        let days = log
            .progress(configured.generation, Some(p))
            .await?
            .into_iter()
            .map(|(_, _, day)| day)
            .max()
            .unwrap_or(0);
        let ice = log.ice(configured.generation, Some(p), Days::All).await?;
        profiles.push(ProfileReport {
            profile: i + 1,
            sections: heights.len(),
            days,
            ice,
            cost: rules::cost_of_ice(ice),
        });
    }
    Ok(BuildReport {
        profiles,
        crews,
        foot_time: opts.crew.foot_time,
        elapsed,
        stopped,
    })
}
