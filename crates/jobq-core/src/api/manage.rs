//! Managing jobs: resubmit and cancel selections, purge, and listing.

use serde::{Deserialize, Serialize};

use super::{millis, to_millis};
use crate::error::{Error, Result};
use crate::id::{JobId, QueueName};
use crate::job::JobState;
use crate::request::{PurgeQuery, Select};
use crate::wire::JobJson;

/// Which jobs `POST /v1/resubmit` or `POST /v1/cancel` act on: `ids`, or every job in
/// `state` (of `queue`, or of all queues).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelectBody {
    /// Exactly these jobs: all must exist and be in a state the operation applies to, or
    /// nothing changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// Every job in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    /// With `state`: only this queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

impl From<&Select> for SelectBody {
    fn from(select: &Select) -> Self {
        match select {
            Select::Ids(ids) => Self {
                ids: Some(ids.iter().map(|id| id.as_str().to_owned()).collect()),
                ..Self::default()
            },
            Select::State { state, queue } => Self {
                ids: None,
                state: Some(*state),
                queue: queue.as_ref().map(|q| q.as_str().to_owned()),
            },
        }
    }
}

impl SelectBody {
    /// The selection.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for both or neither of `ids` and `state`, `queue` without
    /// `state`, a bad id or queue name.
    pub fn into_select(self) -> Result<Select> {
        match (self.ids, self.state) {
            (Some(ids), None) if self.queue.is_none() => Ok(Select::Ids(
                ids.into_iter().map(JobId::new).collect::<Result<_>>()?,
            )),
            (None, Some(state)) => Ok(Select::State {
                state,
                queue: self.queue.map(QueueName::new).transpose()?,
            }),
            (Some(_), None) => Err(Error::invalid(
                "select",
                "\"queue\" goes with \"state\", not with \"ids\"",
            )),
            _ => Err(Error::invalid(
                "select",
                "give \"ids\" (a list of job ids) or \"state\" (with an optional \"queue\"), not both",
            )),
        }
    }
}

/// The answer to resubmit: how many jobs went back to `queued`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResubmittedAnswer {
    /// How many.
    pub resubmitted: u64,
}

/// The answer to cancel: how many jobs were cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelledAnswer {
    /// How many.
    pub cancelled: u64,
}

/// `POST /v1/purge`: delete finished jobs in `state` (of `queue`, or all queues) whose
/// state last changed at least `older_than_ms` ago.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurgeBody {
    /// `done`, `failed` or `cancelled`.
    pub state: JobState,
    /// Only jobs finished at least this many milliseconds ago (default 0: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub older_than_ms: Option<f64>,
    /// Only this queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

impl From<&PurgeQuery> for PurgeBody {
    fn from(q: &PurgeQuery) -> Self {
        Self {
            state: q.state,
            older_than_ms: Some(to_millis(q.older_than)),
            queue: q.queue.as_ref().map(|q| q.as_str().to_owned()),
        }
    }
}

impl PurgeBody {
    /// The query, checked ([`PurgeQuery::validate`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a state that is not finished, a bad duration or queue.
    pub fn into_query(self) -> Result<PurgeQuery> {
        let query = PurgeQuery {
            state: self.state,
            older_than: millis("older_than_ms", self.older_than_ms.unwrap_or(0.0))?,
            queue: self.queue.map(QueueName::new).transpose()?,
        };
        query.validate()?;
        Ok(query)
    }
}

/// The answer to purge: how many jobs were deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurgedAnswer {
    /// How many.
    pub purged: u64,
}

/// The answer to `GET /v1/jobs`: jobs, without their history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobsAnswer {
    /// The jobs, newest submitted first unless `order=oldest`.
    pub jobs: Vec<JobJson>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_body_needs_ids_or_state() {
        assert!(SelectBody::default().into_select().is_err());
        let both = SelectBody {
            ids: Some(vec!["a".into()]),
            state: Some(JobState::Failed),
            queue: None,
        };
        assert!(both.into_select().is_err());
        let select = Select::State {
            state: JobState::Failed,
            queue: Some(QueueName::new("q").unwrap()),
        };
        assert_eq!(SelectBody::from(&select).into_select().unwrap(), select);
    }
}
