//! [`HttpQueue`]: the [`Queue`] implementation over the HTTP API.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::Method;
use jobq_core::api::{
    BatchBody, CancelledAnswer, ExtendBody, ExtendedAnswer, IdsAnswer, JobsAnswer, PurgeBody,
    PurgedAnswer, ResubmittedAnswer, ScheduleBody, ScheduleRemovedAnswer, ScheduleSetAnswer,
    SchedulesAnswer, SelectBody, SettleAnswer, SettleBody, SettlementBody, SubmitBody, TakeAnswer,
    TakeBody, to_millis,
};
use jobq_core::wire::JobJson;
use jobq_core::{
    Error, Job, JobId, JobStatus, LeaseToken, LeasedJob, ListQuery, NewJob, PurgeQuery, Queue,
    QueueName, Result, Schedule, ScheduleName, Select, Settled, Settlement, Stats, TakeRequest,
    Timestamp,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client::Client;
use crate::options::HttpOptions;

/// The longest one long-poll request waits; a longer `wait` is several requests in a row,
/// so that no proxy between client and server times a poll out.
const MAX_POLL: Duration = Duration::from_secs(50);

/// No body.
const NONE: Option<&()> = None;

/// A jobq server's queue, reached over HTTP. Cheap to clone; clones share one connection
/// pool.
///
/// ```no_run
/// use jobq_core::{NewJob, Queue};
/// use jobq_http::{HttpOptions, HttpQueue};
///
/// # async fn demo() -> jobq_core::Result<()> {
/// let opts = HttpOptions::from_url("http://127.0.0.1:7070")?.token_from_env();
/// let queue = HttpQueue::connect(opts).await?;
/// queue.submit(NewJob::new("hello")).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct HttpQueue {
    client: Arc<Client>,
}

/// `text` as one path segment: every byte but letters and digits percent-encoded, so that
/// ids such as `a/b`, `..` or `?` reach the server as they are.
fn segment(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// A query string of the pairs whose value is set.
fn query(pairs: &[(&str, Option<String>)]) -> String {
    let set: Vec<String> = pairs
        .iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key}={}", segment(v))))
        .collect();
    if set.is_empty() {
        String::new()
    } else {
        format!("?{}", set.join("&"))
    }
}

impl HttpQueue {
    /// Connects to the server `opts` names and checks that it answers (`GET /healthz`).
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when nothing answers there or the server's store does not;
    /// [`Error::InvalidInput`] for a token that cannot be sent in a header.
    pub async fn connect(opts: HttpOptions) -> Result<Self> {
        let queue = Self {
            client: Arc::new(Client::new(opts)?),
        };
        let _: serde_json::Value = queue
            .client
            .call(Method::GET, "/healthz", NONE, Duration::ZERO)
            .await?;
        Ok(queue)
    }

    /// The options this queue was connected with.
    pub fn options(&self) -> &HttpOptions {
        self.client.opts()
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.client
            .call(Method::GET, path, NONE, Duration::ZERO)
            .await
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T> {
        self.client
            .call(Method::POST, path, Some(body), Duration::ZERO)
            .await
    }
}

impl Queue for HttpQueue {
    async fn submit_batch(&self, jobs: Vec<NewJob>) -> Result<Vec<JobId>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let body = BatchBody {
            jobs: jobs.iter().map(SubmitBody::from_job).collect(),
        };
        let answer: IdsAnswer = self.post("/v1/submit", &body).await?;
        Ok(answer.ids)
    }

    async fn take(&self, req: TakeRequest) -> Result<Vec<LeasedJob>> {
        // The server checks too, but sees only one poll of a long wait.
        req.validate()?;
        let path = format!("/v1/queues/{}/take", segment(req.queue.as_str()));
        let deadline = Instant::now() + req.wait;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let poll = req.clone().wait(wait.min(MAX_POLL));
            let body = TakeBody::from_request(&poll);
            let answer: TakeAnswer = self
                .client
                .call(Method::POST, &path, Some(&body), poll.wait)
                .await?;
            if !answer.jobs.is_empty() || wait <= MAX_POLL {
                return answer.jobs.into_iter().map(LeasedJob::try_from).collect();
            }
        }
    }

    async fn settle(&self, settlements: Vec<Settlement>) -> Result<Vec<Result<Settled>>> {
        if settlements.is_empty() {
            return Ok(Vec::new());
        }
        let body = SettleBody {
            settlements: settlements.iter().map(SettlementBody::from).collect(),
        };
        let answer: SettleAnswer = self.post("/v1/settle", &body).await?;
        if answer.results.len() != settlements.len() {
            return Err(Error::backend(
                format!("POST {}/v1/settle", self.options()),
                format!(
                    "{} results for {} settlements",
                    answer.results.len(),
                    settlements.len()
                ),
            ));
        }
        let context = self.options().to_string();
        Ok(answer
            .results
            .into_iter()
            .map(|r| r.into_result(&context))
            .collect())
    }

    async fn extend(
        &self,
        id: &JobId,
        lease: &LeaseToken,
        lease_for: Duration,
    ) -> Result<Timestamp> {
        let body = ExtendBody {
            lease: lease.as_str().to_owned(),
            lease_ms: Some(to_millis(lease_for)),
        };
        let path = format!("/v1/jobs/{}/extend", segment(id.as_str()));
        let answer: ExtendedAnswer = self.post(&path, &body).await?;
        Ok(answer.lease_until)
    }

    async fn resubmit(&self, which: Select) -> Result<u64> {
        let answer: ResubmittedAnswer =
            self.post("/v1/resubmit", &SelectBody::from(&which)).await?;
        Ok(answer.resubmitted)
    }

    async fn cancel(&self, which: Select) -> Result<u64> {
        let answer: CancelledAnswer = self.post("/v1/cancel", &SelectBody::from(&which)).await?;
        Ok(answer.cancelled)
    }

    async fn status(&self, id: &JobId) -> Result<JobStatus> {
        let json: JobJson = self
            .get(&format!("/v1/jobs/{}", segment(id.as_str())))
            .await?;
        JobStatus::try_from(json)
    }

    async fn list(&self, q: ListQuery) -> Result<Vec<Job>> {
        let path = format!(
            "/v1/jobs{}",
            query(&[
                ("queue", q.queue.as_ref().map(|q| q.as_str().to_owned())),
                ("state", q.state.map(|s| s.as_str().to_owned())),
                ("limit", Some(q.limit.to_string())),
                ("order", q.oldest_first.then(|| "oldest".to_owned())),
            ])
        );
        let answer: JobsAnswer = self.get(&path).await?;
        answer.jobs.into_iter().map(Job::try_from).collect()
    }

    async fn stats(&self, queue: Option<&QueueName>) -> Result<Stats> {
        let path = format!(
            "/v1/stats{}",
            query(&[("queue", queue.map(|q| q.as_str().to_owned()))])
        );
        self.get(&path).await
    }

    async fn purge(&self, q: PurgeQuery) -> Result<u64> {
        let answer: PurgedAnswer = self.post("/v1/purge", &PurgeBody::from(&q)).await?;
        Ok(answer.purged)
    }

    async fn set_schedule(&self, schedule: Schedule) -> Result<bool> {
        let path = format!("/v1/schedules/{}", segment(schedule.name.as_str()));
        let answer: ScheduleSetAnswer = self
            .client
            .call(
                Method::PUT,
                &path,
                Some(&ScheduleBody::from_schedule(&schedule)),
                Duration::ZERO,
            )
            .await?;
        Ok(answer.replaced)
    }

    async fn remove_schedule(&self, name: &ScheduleName) -> Result<bool> {
        let path = format!("/v1/schedules/{}", segment(name.as_str()));
        let answer: ScheduleRemovedAnswer = self
            .client
            .call(Method::DELETE, &path, None::<&()>, Duration::ZERO)
            .await?;
        Ok(answer.removed)
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        let answer: SchedulesAnswer = self.get("/v1/schedules").await?;
        answer
            .schedules
            .into_iter()
            .map(Schedule::try_from)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_go_whole_into_one_segment() {
        assert_eq!(segment("a/b"), "a%2Fb");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("é?"), "%C3%A9%3F");
        assert_eq!(query(&[("a", None), ("b", Some("x y".into()))]), "?b=x%20y");
        assert_eq!(query(&[("a", None)]), "");
    }
}
