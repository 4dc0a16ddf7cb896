//! [`Site`]: the job queue and the work log together. It turns a configuration into section
//! jobs, and answers the questions of the REST routes from what the crews recorded.

use std::collections::HashMap;
use std::path::PathBuf;

use jobq::{AnyQueue, ErrorCode, JobState, Queue, QueueName, Select};
use serde::Serialize;

use crate::config::WallConfig;
use crate::crew::{SECTIONS_QUEUE, SectionJob};
use crate::error::{Result, WallError};
use crate::rules::{self, section_days};
use crate::worklog::{Days, Entry, Generation, WorkLog};

/// How many section jobs go to the queue in one batch.
const SUBMIT_BATCH: usize = 500;

/// The work log's file for a queue that does not name one: beside the queue's SQLite file,
/// with `.worklog.db` for its extension (`wall.db` gives `wall.worklog.db`). `None` for a
/// queue that is not a file.
pub fn worklog_beside(queue: &AnyQueue) -> Option<PathBuf> {
    match queue {
        AnyQueue::Sqlite(q) => Some(q.options().path().with_extension("worklog.db")),
        _ => None,
    }
}

/// What [`Site::configure`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Configured {
    /// The configuration's number.
    pub generation: u64,
    /// Whether it replaced the wall being built (false: it was that wall already, and its
    /// missing section jobs, if any, were submitted again).
    pub replaced: bool,
    /// Its profiles.
    pub profiles: usize,
    /// Its sections.
    pub sections: usize,
}

/// How far the current wall is, as `GET /profiles/config/` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The configuration's number.
    pub generation: u64,
    /// The configuration, as text.
    pub configuration: String,
    /// Its profiles.
    pub profiles: usize,
    /// Its sections.
    pub sections: usize,
    /// Feet the finished wall takes.
    pub feet: u64,
    /// Feet recorded so far.
    pub feet_built: u64,
    /// Whether every foot is recorded.
    pub complete: bool,
}

/// A page of the work log, as `GET /logs/` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogPage {
    /// The configuration the entries belong to.
    pub generation: u64,
    /// Entries in the whole log of that configuration.
    pub total: u64,
    /// How many entries come before this page.
    pub offset: u64,
    /// The most entries a page holds.
    pub limit: u64,
    /// The entries, oldest first (newest last).
    pub entries: Vec<Entry>,
}

/// The queue and the log of one wall.
#[derive(Debug)]
pub struct Site {
    queue: AnyQueue,
    log: WorkLog,
    site: String,
    configuring: tokio::sync::Mutex<()>,
}

impl Site {
    /// Opens the queue at `url` and the work log at `worklog` (default: beside the queue's
    /// file, see [`worklog_beside`]).
    ///
    /// # Errors
    ///
    /// [`WallError::Queue`] when the queue cannot be opened, [`WallError::Log`] for the log,
    /// [`WallError::Other`] when the queue is not a file and no log file is given.
    pub async fn open(url: &str, worklog: Option<PathBuf>) -> Result<Self> {
        let queue = jobq::connect(url).await?;
        let path = match worklog.or_else(|| worklog_beside(&queue)) {
            Some(path) => path,
            None => {
                return Err(WallError::Other(format!(
                    "{url} is not a file to keep the work log beside; pass --worklog PATH"
                )));
            }
        };
        let log = WorkLog::open(path).await?;
        let site = log.site().await?;
        Ok(Self {
            queue,
            log,
            site,
            configuring: tokio::sync::Mutex::new(()),
        })
    }

    /// The job queue.
    pub fn queue(&self) -> &AnyQueue {
        &self.queue
    }

    /// The work log.
    pub fn log(&self) -> &WorkLog {
        &self.log
    }

    /// Makes `wall` the wall being built. A wall other than the current one becomes a new
    /// generation: the old generation's waiting section jobs are cancelled, its running
    /// ones stop at their next foot (the log refuses them), and one job per new section is
    /// submitted. The current wall again only submits whichever of its section jobs are
    /// missing (after a crash between recording it and submitting them, say).
    ///
    /// # Errors
    ///
    /// [`WallError::Log`] or [`WallError::Queue`]. A new generation recorded before the
    /// queue failed is completed by the next call, or by [`resume`](Site::resume).
    pub async fn configure(&self, wall: WallConfig) -> Result<Configured> {
        let _one_at_a_time = self.configuring.lock().await;
        let profiles = wall.profiles().len();
        let sections = wall.section_count();
        if let Some(current) = self.log.current().await?
            && current.wall == wall
        {
            self.submit_sections(&current).await?;
            return Ok(Configured {
                generation: current.number,
                replaced: false,
                profiles,
                sections,
            });
        }
        let number = self.log.begin_generation(&wall).await?;
        self.queue
            .cancel(Select::State {
                state: JobState::Queued,
                queue: Some(sections_queue()?),
            })
            .await?;
        self.submit_sections(&Generation { number, wall }).await?;
        Ok(Configured {
            generation: number,
            replaced: true,
            profiles,
            sections,
        })
    }

    /// Picks up where a stopped server left off: puts failed section jobs back in the
    /// queue and submits any of the current wall's section jobs that are missing. Returns
    /// the current generation, if there is one.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`] or [`WallError::Queue`].
    pub async fn resume(&self) -> Result<Option<u64>> {
        let _one_at_a_time = self.configuring.lock().await;
        self.queue
            .resubmit(Select::State {
                state: JobState::Failed,
                queue: Some(sections_queue()?),
            })
            .await?;
        let Some(current) = self.log.current().await? else {
            return Ok(None);
        };
        self.submit_sections(&current).await?;
        Ok(Some(current.number))
    }

    /// Submits one job per section of `generation`; those already submitted are left as
    /// they are (their ids exist, so the queue refuses them as duplicates).
    async fn submit_sections(&self, generation: &Generation) -> Result<()> {
        let mut jobs = Vec::with_capacity(generation.wall.section_count());
        for (p, heights) in generation.wall.profiles().iter().enumerate() {
            for (s, &height) in heights.iter().enumerate() {
                let section = SectionJob {
                    generation: generation.number,
                    profile: number(p),
                    section: number(s),
                    height,
                };
                jobs.push(section.to_job(&self.site)?);
            }
        }
        for batch in jobs.chunks(SUBMIT_BATCH) {
            // Sections submitted before (a resubmitted configuration) are skipped.
            for result in self.queue.submit_each(batch.to_vec()).await? {
                match result {
                    Ok(_) => {}
                    Err(err) if err.code() == ErrorCode::Duplicate => {}
                    Err(err) => return Err(err.into()),
                }
            }
        }
        Ok(())
    }

    /// The wall being built.
    ///
    /// # Errors
    ///
    /// [`WallError::NoWall`] before the first configuration; [`WallError::Log`].
    pub async fn current(&self) -> Result<Generation> {
        self.log.current().await?.ok_or(WallError::NoWall)
    }

    /// Ice profile `profile` uses on day `day`, once every section of it has recorded that
    /// day (or finished before it).
    ///
    /// # Errors
    ///
    /// [`WallError::UnknownProfile`], [`WallError::NoWall`], [`WallError::StillBuilding`],
    /// [`WallError::Log`].
    pub async fn ice_on_day(&self, profile: u64, day: u64) -> Result<u64> {
        let generation = self.current().await?;
        let p = profile_index(&generation.wall, profile)?;
        let what = format!("day {day} of profile {profile}");
        self.require_built(&generation, Some(p), Some(day), what)
            .await?;
        self.log
            .ice(generation.number, Some(p), Days::On(day))
            .await
    }

    /// What profile `profile` costs from day 1 through day `day`.
    ///
    /// # Errors
    ///
    /// As [`ice_on_day`](Site::ice_on_day).
    pub async fn profile_cost(&self, profile: u64, day: u64) -> Result<u64> {
        let generation = self.current().await?;
        let p = profile_index(&generation.wall, profile)?;
        let what = format!("profile {profile} through day {day}");
        self.require_built(&generation, Some(p), Some(day), what)
            .await?;
        let ice = self
            .log
            .ice(generation.number, Some(p), Days::Through(day))
            .await?;
        Ok(rules::cost_of_ice(ice))
    }

    /// What the whole wall costs through day `day`, or finished when `day` is `None`.
    ///
    /// # Errors
    ///
    /// [`WallError::NoWall`], [`WallError::StillBuilding`], [`WallError::Log`].
    pub async fn wall_cost(&self, day: Option<u64>) -> Result<u64> {
        let generation = self.current().await?;
        let (what, days) = match day {
            Some(day) => (format!("the wall through day {day}"), Days::Through(day)),
            None => ("the wall".to_owned(), Days::All),
        };
        self.require_built(&generation, None, day, what).await?;
        let ice = self.log.ice(generation.number, None, days).await?;
        Ok(rules::cost_of_ice(ice))
    }

    /// How far the wall being built is.
    ///
    /// # Errors
    ///
    /// [`WallError::NoWall`], [`WallError::Log`].
    pub async fn progress(&self) -> Result<Progress> {
        let generation = self.current().await?;
        let (feet_built, _) = self.log.entries(generation.number, 0, 0).await?;
        let wall = &generation.wall;
        let feet = rules::wall_ice(wall) / rules::ICE_PER_FOOT;
        Ok(Progress {
            generation: generation.number,
            configuration: wall.to_string(),
            profiles: wall.profiles().len(),
            sections: wall.section_count(),
            feet,
            feet_built,
            complete: feet_built >= feet,
        })
    }

    /// A page of the current wall's work log: `limit` entries after the first `offset`.
    ///
    /// # Errors
    ///
    /// [`WallError::NoWall`], [`WallError::Log`].
    pub async fn logs(&self, offset: u64, limit: u64) -> Result<LogPage> {
        let generation = self.current().await?;
        let (total, entries) = self.log.entries(generation.number, offset, limit).await?;
        Ok(LogPage {
            generation: generation.number,
            total,
            offset,
            limit,
            entries,
        })
    }

    /// Succeeds when every section in scope (one profile or all) has recorded its work
    /// through `day` (through its last day when `day` is `None`, or when it finishes
    /// sooner): then the log holds the final answer to a question about those days.
    async fn require_built(
        &self,
        generation: &Generation,
        profile: Option<u32>,
        day: Option<u64>,
        what: String,
    ) -> Result<()> {
        let built: HashMap<(u32, u32), u64> = self
            .log
            .progress(generation.number, profile)
            .await?
            .into_iter()
            .map(|(p, s, day)| ((p, s), day))
            .collect();
        let (mut waiting, mut sections) = (0, 0);
        for (p, heights) in generation.wall.profiles().iter().enumerate() {
            if profile.is_some_and(|wanted| wanted != number(p)) {
                continue;
            }
            for (s, &height) in heights.iter().enumerate() {
                sections += 1;
                let days = section_days(height);
                let needed = day.map_or(days, |day| day.min(days));
                if built.get(&(number(p), number(s))).copied().unwrap_or(0) < needed {
                    waiting += 1;
                }
            }
        }
        if waiting == 0 {
            return Ok(());
        }
        Err(WallError::StillBuilding {
            what,
            waiting,
            sections,
        })
    }
}

fn sections_queue() -> Result<QueueName> {
    Ok(QueueName::new(SECTIONS_QUEUE)?)
}

/// The 1-based number of the item at `index` (a wall has at most 100,000 sections).
fn number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Checks that `profile` is one of the wall's, and returns it as a log key.
fn profile_index(wall: &WallConfig, profile: u64) -> Result<u32> {
    let count = wall.profiles().len();
    match usize::try_from(profile) {
        Ok(p) if (1..=count).contains(&p) => Ok(number(p - 1)),
        _ => Err(WallError::UnknownProfile {
            profile: profile.to_string(),
            count,
        }),
    }
}
