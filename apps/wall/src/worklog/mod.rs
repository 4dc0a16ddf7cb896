//! [`WorkLog`]: the durable record of every foot the crews built, in a SQLite file.
//!
//! The log is what the REST routes answer from, and what makes a crew's work safe to
//! repeat: each foot is one row keyed by (generation, profile, section, day), written with
//! `INSERT OR IGNORE` and committed (WAL, `synchronous=FULL`) before the crew goes on.
//! A crew killed mid-section loses at most the foot it was building; whoever takes the
//! section next reads the last recorded day and goes on from there, and a foot recorded
//! twice (two crews racing after a lost lease) is kept once.
//!
//! Reads run on tokio's blocking pool, on the handle's read connection. Feet are recorded
//! by one writer thread per opened log, with group commit (see `writer`), so crews of one
//! process should share one handle (clones do). Other processes' locks are waited out with
//! short pauses, up to about 30 s.
//!
//! # Layout
//!
//! - `conn`: opening a connection, the schema (`sql/schema.sql`), waiting for locks.
//! - `writer`: the writer thread and its group commit.

mod conn;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use jobq::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use tokio::sync::oneshot;

use self::conn::{Context, connect, sql_int, unsigned};
use crate::config::WallConfig;
use crate::error::{Result, WallError};

/// The accepted configuration currently being built, with its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Its number: 1 for the first configuration, one more for each replacement.
    pub number: u64,
    /// The wall.
    pub wall: WallConfig,
}

/// One foot built, as a crew reports it to [`WorkLog::record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foot {
    /// The configuration it belongs to.
    pub generation: u64,
    /// The profile, from 1.
    pub profile: u32,
    /// The section within the profile, from 1.
    pub section: u32,
    /// The section's day of construction, from 1.
    pub day: u64,
    /// The height reached at the end of the day.
    pub height: u8,
    /// Cubic yards of ice used.
    pub ice: u64,
    /// Who built it.
    pub crew: String,
}

/// What [`WorkLog::record`] did with a foot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// It is in the log now.
    New,
    /// It was there already (another attempt at the section recorded it): kept once.
    Already,
    /// A newer configuration replaced this foot's: nothing was recorded, stop building.
    Superseded,
}

/// One row of the log, as `GET /logs/` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its place in the log: later entries have higher numbers.
    pub seq: u64,
    /// Who built the foot.
    pub crew: String,
    /// The profile, from 1.
    pub profile: u32,
    /// The section within the profile, from 1.
    pub section: u32,
    /// The section's day of construction.
    pub day: u64,
    /// The height reached that day.
    pub height: u8,
    /// Cubic yards of ice used.
    pub ice: u64,
    /// When it was recorded.
    pub at: Timestamp,
}

/// Which days [`WorkLog::ice`] adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// Only this day.
    On(u64),
    /// Day 1 through this day.
    Through(u64),
    /// Every day.
    All,
}

/// A handle on the work log file. Cheap to clone: clones share the read connection and
/// the writer thread, so feet recorded through any of them share commits.
#[derive(Debug, Clone)]
pub struct WorkLog {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
    writer: Sender<writer::Request>,
}

impl WorkLog {
    /// Opens (creating if missing) the log at `path`.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`] when the file cannot be opened or its schema made.
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let opened = path.clone();
        let (conn, writes) = tokio::task::spawn_blocking(move || {
            Ok::<_, WallError>((connect(&opened)?, connect(&opened)?))
        })
        .await
        .map_err(|e| WallError::Other(format!("opening the work log: {e}")))??;
        Ok(Self {
            path,
            conn: Arc::new(Mutex::new(conn)),
            writer: writer::start(writes)?,
        })
    }

    /// The same file on connections and a writer of its own (as another process would
    /// have).
    ///
    /// # Errors
    ///
    /// As [`open`](WorkLog::open).
    pub async fn reopen(&self) -> Result<Self> {
        Self::open(self.path.clone()).await
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on this handle's connection, on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| WallError::Other(format!("work log task: {e}")))?
    }

    /// The random name of this log, made when the file was: the prefix of its section
    /// jobs' ids.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn site(&self) -> Result<String> {
        self.with(|conn| {
            conn.query_row("SELECT value FROM meta WHERE key = 'site'", [], |r| {
                r.get(0)
            })
            .ctx("reading the site name")
        })
        .await
    }

    /// The configuration being built: the latest accepted. `None` before the first.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`], or [`WallError::InvalidConfig`] for a stored configuration that
    /// no longer parses (a log written by a different version).
    pub async fn current(&self) -> Result<Option<Generation>> {
        let row = self
            .with(|conn| {
                conn.query_row(
                    "SELECT generation, config FROM generations ORDER BY generation DESC LIMIT 1",
                    [],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()
                .ctx("reading the current configuration")
            })
            .await?;
        row.map(|(number, text)| {
            Ok(Generation {
                number: u64::try_from(number).unwrap_or(0),
                wall: WallConfig::parse(&text)?,
            })
        })
        .transpose()
    }

    /// Records `wall` as the configuration to build from now on, and returns its number.
    /// Feet of older configurations are refused from this moment ([`Recorded::Superseded`]).
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn begin_generation(&self, wall: &WallConfig) -> Result<u64> {
        let text = wall.to_string();
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO generations (config, created_us) VALUES (?1, ?2)",
                params![text, Timestamp::now().as_unix_micros()],
            )
            .ctx("recording a new configuration")?;
            Ok(u64::try_from(conn.last_insert_rowid()).unwrap_or(0))
        })
        .await
    }

    /// The last day recorded for a section (0 when none): where building resumes.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn days_recorded(&self, generation: u64, profile: u32, section: u32) -> Result<u64> {
        self.with(move |conn| {
            let day: i64 = conn
                .query_row(
                    "SELECT COALESCE(MAX(day), 0) FROM work
                     WHERE generation = ?1 AND profile = ?2 AND section = ?3",
                    params![sql_int(generation), profile, section],
                    |r| r.get(0),
                )
                .ctx("reading where a section stands")?;
            Ok(u64::try_from(day).unwrap_or(0))
        })
        .await
    }

    /// Records one foot, once: committed before this returns, kept once however often it
    /// is recorded, refused when its configuration is no longer the current one.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn record(&self, foot: Foot) -> Result<Recorded> {
        let (reply, answer) = oneshot::channel();
        let gone = || WallError::Other("the work log's writer stopped".into());
        self.writer.send((foot, reply)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// The last day recorded for each section of a generation that has recorded any, as
    /// `(profile, section, day)`; only one profile's sections when `profile` is given.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn progress(
        &self,
        generation: u64,
        profile: Option<u32>,
    ) -> Result<Vec<(u32, u32, u64)>> {
        self.with(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT profile, section, MAX(day) FROM work
                     WHERE generation = ?1 AND (?2 IS NULL OR profile = ?2)
                     GROUP BY profile, section",
                )
                .ctx("reading progress")?;
            let rows = stmt
                .query_map(params![sql_int(generation), profile], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?))
                })
                .ctx("reading progress")?;
            rows.map(|row| {
                let (p, s, day) = row.ctx("reading progress")?;
                Ok((p, s, u64::try_from(day).unwrap_or(0)))
            })
            .collect()
        })
        .await
    }

    /// Cubic yards of ice recorded for a generation on `days`, for one profile or the
    /// whole wall.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn ice(&self, generation: u64, profile: Option<u32>, days: Days) -> Result<u64> {
        let (from, to) = match days {
            Days::On(day) => (sql_int(day), sql_int(day)),
            Days::Through(day) => (1, sql_int(day)),
            Days::All => (1, i64::MAX),
        };
        self.with(move |conn| {
            let ice: i64 = conn
                .prepare_cached(
                    "SELECT COALESCE(SUM(ice), 0) FROM work
                     WHERE generation = ?1 AND (?2 IS NULL OR profile = ?2)
                       AND day BETWEEN ?3 AND ?4",
                )
                .and_then(|mut stmt| {
                    stmt.query_row(params![sql_int(generation), profile, from, to], |r| {
                        r.get(0)
                    })
                })
                .ctx("adding up ice")?;
            Ok(u64::try_from(ice).unwrap_or(0))
        })
        .await
    }

    /// When the last foot of a generation was recorded; `None` before the first.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn last_recorded(&self, generation: u64) -> Result<Option<Timestamp>> {
        self.with(move |conn| {
            let at: Option<i64> = conn
                .query_row(
                    "SELECT MAX(at_us) FROM work WHERE generation = ?1",
                    [sql_int(generation)],
                    |r| r.get(0),
                )
                .ctx("reading the log")?;
            Ok(at.map(Timestamp::from_unix_micros))
        })
        .await
    }

    /// A page of a generation's log, oldest first (newest last), and how many entries it
    /// has in all.
    ///
    /// # Errors
    ///
    /// [`WallError::Log`].
    pub async fn entries(
        &self,
        generation: u64,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<Entry>)> {
        self.with(move |conn| {
            let generation = sql_int(generation);
            let total: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM work WHERE generation = ?1",
                    [generation],
                    |r| r.get(0),
                )
                .ctx("counting the log")?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT seq, crew, profile, section, day, height, ice, at_us FROM work
                     WHERE generation = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3",
                )
                .ctx("reading the log")?;
            let rows = stmt
                .query_map(params![generation, sql_int(limit), sql_int(offset)], |r| {
                    Ok(Entry {
                        seq: unsigned(r, 0)?,
                        crew: r.get(1)?,
                        profile: r.get(2)?,
                        section: r.get(3)?,
                        day: unsigned(r, 4)?,
                        height: r.get(5)?,
                        ice: unsigned(r, 6)?,
                        at: Timestamp::from_unix_micros(r.get(7)?),
                    })
                })
                .ctx("reading the log")?;
            let entries = rows
                .collect::<rusqlite::Result<Vec<_>>>()
                .ctx("reading the log")?;
            Ok((u64::try_from(total).unwrap_or(0), entries))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foot(generation: u64, day: u64) -> Foot {
        Foot {
            generation,
            profile: 1,
            section: 1,
            day,
            height: 20 + day as u8,
            ice: 195,
            crew: "crew-1".into(),
        }
    }

    #[tokio::test]
    async fn a_foot_is_kept_once_and_old_generations_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = WorkLog::open(dir.path().join("log.db")).await.unwrap();
        assert_eq!(log.current().await.unwrap(), None);
        let wall = WallConfig::parse("20\n").unwrap();
        let first = log.begin_generation(&wall).await.unwrap();
        assert_eq!(log.record(foot(first, 1)).await.unwrap(), Recorded::New);
        assert_eq!(log.record(foot(first, 1)).await.unwrap(), Recorded::Already);
        assert_eq!(log.record(foot(first, 2)).await.unwrap(), Recorded::New);
        assert_eq!(log.days_recorded(first, 1, 1).await.unwrap(), 2);
        assert_eq!(log.ice(first, Some(1), Days::All).await.unwrap(), 390);
        assert_eq!(log.ice(first, None, Days::On(2)).await.unwrap(), 195);

        let second = log.begin_generation(&wall).await.unwrap();
        assert_eq!(second, first + 1);
        let again = log.reopen().await.unwrap();
        assert_eq!(
            again.record(foot(first, 3)).await.unwrap(),
            Recorded::Superseded
        );
        assert_eq!(again.current().await.unwrap().unwrap().number, second);
        let (total, entries) = log.entries(first, 0, 10).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(entries[1].day, 2);
        assert!(entries[0].seq < entries[1].seq);
        assert_eq!(log.progress(first, None).await.unwrap(), vec![(1, 1, 2)]);
        assert_eq!(log.site().await.unwrap(), again.site().await.unwrap());
    }
}
