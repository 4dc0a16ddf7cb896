//! Crews: jobq consumers that take section jobs and build them foot by foot.
//!
//! Each section of a configuration is one job on the [`SECTIONS_QUEUE`] queue, whose payload
//! is a [`SectionJob`]. A crew is a [`jobq::worker::Worker`] with one slot: it takes a
//! section, reads the last day the log has for it, and builds the rest one foot a day,
//! waiting the foot time for each and recording each in the [`WorkLog`] before it starts
//! the next. The worker keeps the job's lease alive meanwhile; a crew that dies loses its
//! lease, and the section goes back to the queue for another crew, which resumes from the
//! last recorded day.

use std::future::Future;
use std::time::Duration;

use jobq::worker::{Summary, Worker};
use jobq::{AnyQueue, JobId, LeasedJob, NewJob, QueueName};
use serde::{Deserialize, Serialize};

use crate::error::{Result, WallError};
use crate::rules::{ICE_PER_FOOT, height_after, section_days};
use crate::worklog::{Foot, Recorded, WorkLog};

/// The queue section jobs go to.
pub const SECTIONS_QUEUE: &str = "wall-sections";

/// How many attempts a section job gets. A crew only fails a section when the work log
/// cannot be written, and every lease lost by a killed crew counts as an attempt, so they
/// are many: work already recorded is never redone.
pub const SECTION_ATTEMPTS: u32 = 100;

/// The payload of a section job: which section of which configuration, and its height at
/// the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionJob {
    /// The configuration.
    pub generation: u64,
    /// The profile, from 1.
    pub profile: u32,
    /// The section within the profile, from 1.
    pub section: u32,
    /// Its height before any work, in feet.
    pub height: u8,
}

impl SectionJob {
    /// The job's id: `wall-SITE-gGENERATION-pPROFILE-sSECTION`. The same section of the
    /// same configuration always has the same id, so submitting it again is refused as a
    /// duplicate and changes nothing.
    pub fn id(&self, site: &str) -> String {
        format!(
            "wall-{site}-g{}-p{}-s{}",
            self.generation, self.profile, self.section
        )
    }

    /// The job to submit.
    ///
    /// # Errors
    ///
    /// [`WallError::Queue`] when the site makes an invalid id (it never does).
    pub fn to_job(&self, site: &str) -> Result<NewJob> {
        let payload = serde_json::to_vec(self)
            .map_err(|e| WallError::Other(format!("encoding a section job: {e}")))?;
        Ok(NewJob::new(payload)
            .id(JobId::new(self.id(site))?)
            .queue(QueueName::new(SECTIONS_QUEUE)?)
            .max_attempts(SECTION_ATTEMPTS))
    }
}

/// How a crew works.
#[derive(Debug, Clone)]
pub struct CrewOptions {
    /// The crew's name, in the log and in the jobs' history.
    pub name: String,
    /// The simulated time one foot takes.
    pub foot_time: Duration,
    /// How long a section's lease lasts unless renewed; a killed crew's section comes back
    /// after at most this long.
    pub lease: Duration,
    /// Stop when no section is queued or being built (for `wall run`).
    pub exit_when_empty: bool,
}

impl CrewOptions {
    /// A crew named `name`: 1 ms a foot, 10 s leases, running until stopped.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            foot_time: Duration::from_millis(1),
            lease: Duration::from_secs(10),
            exit_when_empty: false,
        }
    }
}

/// How a section ended for one crew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Built {
    /// Every foot is recorded; `feet` of them by this crew.
    Finished {
        /// Feet this crew recorded (the rest were there already).
        feet: u64,
    },
    /// A newer configuration replaced the section's: the crew stopped.
    Superseded,
}

/// Builds one section, resuming after the last day recorded for it.
///
/// # Errors
///
/// [`WallError::Log`] when the log cannot be read or written; the section's job then fails
/// this attempt and is retried, and what was recorded stays recorded.
pub async fn build_section(
    log: &WorkLog,
    crew: &str,
    job: SectionJob,
    foot_time: Duration,
) -> Result<Built> {
    let done = log
        .days_recorded(job.generation, job.profile, job.section)
        .await?;
    let mut feet = 0;
    for day in done + 1..=section_days(job.height) {
        if !foot_time.is_zero() {
            tokio::time::sleep(foot_time).await;
        }
        let foot = Foot {
            generation: job.generation,
            profile: job.profile,
            section: job.section,
            day,
            height: height_after(job.height, day),
            ice: ICE_PER_FOOT,
            crew: crew.to_owned(),
        };
        match log.record(foot).await? {
            Recorded::New => feet += 1,
            Recorded::Already => {}
            Recorded::Superseded => return Ok(Built::Superseded),
        }
    }
    Ok(Built::Finished { feet })
}

/// Runs one crew on `queue`, recording its work through `log` (crews of one process share
/// one log handle, and so its commits), until `shutdown` resolves (or, with
/// [`CrewOptions::exit_when_empty`], no section is left), and returns what its worker did.
///
/// # Errors
///
/// [`WallError::Queue`] for settings the worker refuses (a zero lease, a bad name).
pub async fn run_crew(
    queue: AnyQueue,
    log: &WorkLog,
    opts: CrewOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<Summary> {
    let log = log.clone();
    let name = opts.name.clone();
    let foot_time = opts.foot_time;
    let handler = move |job: LeasedJob| {
        let log = log.clone();
        let name = name.clone();
        async move {
            let section: SectionJob = serde_json::from_slice(&job.payload)
                .map_err(|e| format!("not a section job: {e}"))?;
            match build_section(&log, &name, section, foot_time).await {
                Ok(Built::Finished { feet }) => {
                    tracing::debug!("{name} finished {} ({feet} feet)", job.id);
                    Ok(())
                }
                Ok(Built::Superseded) => {
                    tracing::debug!("{name} dropped {}: a newer wall replaced it", job.id);
                    Ok(())
                }
                Err(err) => Err(err.to_string()),
            }
        }
    };
    let summary = Worker::new(queue, QueueName::new(SECTIONS_QUEUE)?)
        .name(opts.name)
        .lease(opts.lease)
        .poll(Duration::from_millis(250))
        .exit_when_empty(opts.exit_when_empty)
        .run(handler, shutdown)
        .await?;
    Ok(summary)
}
