//! Settling attempts: complete, fail, extend, and many settlements at once.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::JobId;
use crate::job::{JobState, LeaseToken};
use crate::request::{Outcome, Settled, Settlement};
use crate::time::Timestamp;
use crate::wire::ErrorBody;

/// `POST /v1/jobs/{id}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteBody {
    /// The lease token the take handed out.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
}

/// `POST /v1/jobs/{id}/fail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailBody {
    /// The lease token the take handed out.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
    /// What went wrong, kept as the job's `last_error` (its last 8 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /v1/jobs/{id}/extend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtendBody {
    /// The lease token the take handed out.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
    /// The lease then ends this many milliseconds from now (default 30,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub lease_ms: Option<f64>,
}

/// Where a settled job went: the answer to complete and fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettledAnswer {
    /// The job.
    pub id: JobId,
    /// Its new state: `done`, `queued` (to be retried) or `failed`.
    pub state: JobState,
    /// When it runs again, when it went back to `queued`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
}

/// The answer to extend: when the lease now ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtendedAnswer {
    /// The job.
    pub id: JobId,
    /// When the lease ends unless extended again.
    pub lease_until: Timestamp,
}

/// How an attempt ended, in a [`SettlementBody`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OutcomeName {
    /// The job is done.
    Complete,
    /// The attempt failed.
    Fail,
}

/// One settlement of `POST /v1/settle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettlementBody {
    /// The job.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 2000,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
        )
    )]
    pub id: String,
    /// Its current lease token.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub lease: String,
    /// `complete` or `fail`.
    pub outcome: OutcomeName,
    /// With `fail`: what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&Settlement> for SettlementBody {
    fn from(s: &Settlement) -> Self {
        let (outcome, error) = match &s.outcome {
            Outcome::Complete => (OutcomeName::Complete, None),
            Outcome::Fail { error } => (OutcomeName::Fail, Some(error.clone())),
        };
        Self {
            id: s.id.as_str().to_owned(),
            lease: s.lease.as_str().to_owned(),
            outcome,
            error,
        }
    }
}

impl SettlementBody {
    /// The settlement.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a bad id or lease token, or an `error` with `complete`.
    pub fn into_settlement(self) -> Result<Settlement> {
        let id = JobId::new(self.id)?;
        let lease = LeaseToken::new(self.lease)?;
        match (self.outcome, self.error) {
            (OutcomeName::Complete, None) => Ok(Settlement::complete(id, lease)),
            (OutcomeName::Complete, Some(_)) => Err(Error::invalid(
                "error",
                "only a failed attempt has an error; drop it or use outcome \"fail\"",
            )),
            (OutcomeName::Fail, error) => Ok(Settlement::fail(
                id,
                lease,
                error.unwrap_or_else(|| "failed".to_owned()),
            )),
        }
    }
}

/// `POST /v1/settle`: how many leased attempts ended, each settled by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleBody {
    /// The settlements, 1 to 10,000.
    pub settlements: Vec<SettlementBody>,
}

/// One result of `POST /v1/settle`: where the job went, or why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleResult {
    /// Where the job went, when it was settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    /// When it runs again, when it went back to `queued`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
    /// Why it was refused (`not_found`, `lease_lost`), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl From<&Result<Settled>> for SettleResult {
    fn from(result: &Result<Settled>) -> Self {
        match result {
            Ok(settled) => Self {
                state: Some(settled.state),
                retry_at: settled.retry_at,
                error: None,
            },
            Err(e) => Self {
                state: None,
                retry_at: None,
                error: Some(ErrorBody::from(e)),
            },
        }
    }
}

impl SettleResult {
    /// The result as the [`Queue`](crate::Queue) trait gives it; `context` names the server.
    pub fn into_result(self, context: &str) -> Result<Settled> {
        match (self.error, self.state) {
            (Some(error), _) => Err(error.into_error(context)),
            (None, Some(state)) => Ok(Settled {
                state,
                retry_at: self.retry_at,
            }),
            (None, None) => Err(Error::backend(
                context.to_owned(),
                "a settle result with neither a state nor an error",
            )),
        }
    }
}

/// The answer to `POST /v1/settle`: one result per settlement, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleAnswer {
    /// The results, in the order of the settlements.
    pub results: Vec<SettleResult>,
}
