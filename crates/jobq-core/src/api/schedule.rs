//! Periodic jobs: `GET /v1/schedules`, `PUT` and `DELETE /v1/schedules/{name}`.

use serde::{Deserialize, Serialize};

use super::{decode_payload, encode_payload};
use crate::error::{Error, Result};
use crate::id::{QueueName, ScheduleName};
use crate::job::NewJob;
use crate::schedule::Schedule;
use crate::time::Timestamp;

/// A schedule to add or replace: `PUT /v1/schedules/{name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleBody {
    /// When it ticks: `every DURATION` (`every 1m`, `every 1h 30m`: at each multiple of it
    /// since the Unix epoch) or `cron EXPRESSION` (5 fields, or 6 with seconds first; UTC).
    pub every: String,
    /// The queue its jobs go to (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 128)
    )]
    pub queue: Option<String>,
    /// Each job's payload as text (default empty). Or `payload_base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Each job's payload as base64 (standard alphabet, padded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_base64: Option<String>,
    /// Each job's priority (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Each job's attempts (default 3, at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_attempts: Option<u32>,
}

impl ScheduleBody {
    /// The body that sets `schedule` (its name goes in the path).
    pub fn from_schedule(schedule: &Schedule) -> Self {
        let (payload, payload_base64) = encode_payload(&schedule.payload);
        Self {
            every: schedule.every.to_string(),
            queue: Some(schedule.queue.as_str().to_owned()),
            payload,
            payload_base64,
            priority: Some(schedule.priority),
            max_attempts: Some(schedule.max_attempts),
        }
    }

    /// The schedule named `name` this body describes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming what is wrong: `every`, the queue name, the payload.
    pub fn into_schedule(self, name: ScheduleName) -> Result<Schedule> {
        let queue = self
            .queue
            .map(QueueName::new)
            .transpose()?
            .unwrap_or_default();
        Ok(Schedule::new(name, self.every.parse()?)
            .queue(queue)
            .payload(decode_payload(self.payload, self.payload_base64, false)?)
            .priority(self.priority.unwrap_or(0))
            .max_attempts(self.max_attempts.unwrap_or(NewJob::DEFAULT_MAX_ATTEMPTS)))
    }
}

/// A schedule as the store holds it, in answers and in `jobq --json schedule list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleItem {
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: ScheduleName,
    /// When it ticks (`every 1m`, `cron 0 3 * * *`).
    pub every: String,
    /// The queue its jobs go to.
    pub queue: QueueName,
    /// Each job's payload as text, when it is text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Each job's payload as base64, when it is not text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_base64: Option<String>,
    /// Each job's priority.
    pub priority: i32,
    /// Each job's attempts.
    pub max_attempts: u32,
    /// When it was set: no earlier tick is submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
}

impl From<&Schedule> for ScheduleItem {
    fn from(s: &Schedule) -> Self {
        let (payload, payload_base64) = encode_payload(&s.payload);
        Self {
            name: s.name.clone(),
            every: s.every.to_string(),
            queue: s.queue.clone(),
            payload,
            payload_base64,
            priority: s.priority,
            max_attempts: s.max_attempts,
            since: s.since,
        }
    }
}

impl TryFrom<ScheduleItem> for Schedule {
    type Error = Error;

    fn try_from(item: ScheduleItem) -> Result<Self> {
        Ok(Schedule {
            name: item.name,
            every: item.every.parse()?,
            queue: item.queue,
            payload: decode_payload(item.payload, item.payload_base64, false)?,
            priority: item.priority,
            max_attempts: item.max_attempts,
            since: item.since,
        })
    }
}

/// The answer to `GET /v1/schedules`: every schedule, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchedulesAnswer {
    /// The schedules.
    pub schedules: Vec<ScheduleItem>,
}

/// The answer to `PUT /v1/schedules/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleSetAnswer {
    /// The schedule.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: ScheduleName,
    /// Whether it replaced one of the same name.
    pub replaced: bool,
}

/// The answer to `DELETE /v1/schedules/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleRemovedAnswer {
    /// The schedule.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: ScheduleName,
    /// Whether there was one.
    pub removed: bool,
}
