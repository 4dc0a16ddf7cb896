//! The dashboard in a real headless Chromium, driven through chromedriver (WebDriver): it
//! shows the queues' counts and follows them as jobs are submitted and completed, lists
//! failed jobs with their error, resubmits one with its button, and shows a job's history.
//! Screenshots go to the test's output directory (`target/tmp/dashboard*.png`).
//!
//! Needs Debian's `chromium` and `chromium-driver`: without them the test prints a loud
//! SKIPPED line and passes, except under `CI=true`, where it fails.

use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use jobq::{HttpOptions, HttpQueue, JobId, JobState, NewJob, Queue, QueueName, TakeRequest};
use serde_json::json;

const DEADLINE: Duration = Duration::from_secs(30);

/// chromedriver on a free port, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The browser and its driver, or `None` (after a loud SKIPPED line) when missing.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = which::which("chromium").ok();
    let driver = which::which("chromedriver").ok();
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            let message = "SKIPPED: the dashboard browser test needs chromium and chromedriver \
                           (apt-get install chromium chromium-driver)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            println!("{message}");
            eprintln!("{message}");
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and connects a headless Chromium session to it.
async fn browser(chromium: &Path, chromedriver: &Path, profile: &Path) -> (Driver, Client) {
    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let deadline = Instant::now() + DEADLINE;
    loop {
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        match builder.capabilities(caps.clone()).connect(&url).await {
            Ok(client) => return (driver, client),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot start a Chromium session through chromedriver: {e}"),
        }
    }
}

/// Polls `check` until it returns `Some`, failing with `what` after the deadline.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not seen within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the first element `css` matches, if any.
async fn text(client: &Client, css: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

/// Waits until the count of `state` in the row of `queue` reads `n`.
async fn wait_count(client: &Client, queue: &str, state: &str, n: u64) {
    let css = format!("#queues tr[data-queue='{queue}'] td[data-state='{state}']");
    eventually(&format!("{queue}: {n} {state}"), || async {
        (text(client, &css).await.as_deref() == Some(n.to_string().as_str())).then_some(())
    })
    .await;
}

fn q(name: &str) -> QueueName {
    QueueName::new(name).unwrap()
}

/// Takes one job of `queue` and completes or fails it.
async fn work_one(queue: &HttpQueue, name: &str, error: Option<&str>) -> JobId {
    let job = queue
        .take_one(TakeRequest::new(q(name)).worker("crew-7"))
        .await
        .unwrap()
        .expect("a ready job");
    match error {
        None => queue.complete(&job.id, &job.lease).await.unwrap(),
        Some(error) => drop(queue.fail(&job.id, &job.lease, error).await.unwrap()),
    }
    job.id
}

async fn shot(client: &Client, name: &str) -> PathBuf {
    let png = client.screenshot().await.expect("a screenshot");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, png).unwrap();
    println!("screenshot: {}", path.display());
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_follows_the_queue_and_resubmits_a_failed_job() {
    let Some((chromium, chromedriver)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = jobq::connect(dir.path().join("q.db").to_str().unwrap())
        .await
        .unwrap();
    let server = jobq_server::start("127.0.0.1:0", store, jobq_server::ServerConfig::new())
        .await
        .unwrap();
    let queue = HttpQueue::connect(HttpOptions::from_url(&server.url()).unwrap())
        .await
        .unwrap();
    let (_driver, client) = browser(&chromium, &chromedriver, &dir.path().join("profile")).await;

    let batch = (0..6).map(|i| NewJob::new(format!("send invoice {i}")).queue(q("emails")));
    queue.submit_batch(batch.collect()).await.unwrap();
    client.goto(&server.url()).await.unwrap();
    assert_eq!(client.title().await.unwrap(), "jobq");
    wait_count(&client, "emails", "queued", 6).await;

    // Counts follow submissions and completions without reloading the page.
    let more = (0..4).map(|i| NewJob::new(format!("thumbnail {i}.jpg")).queue(q("images")));
    queue.submit_batch(more.collect()).await.unwrap();
    wait_count(&client, "images", "queued", 4).await;
    for _ in 0..3 {
        work_one(&queue, "emails", None).await;
    }
    wait_count(&client, "emails", "done", 3).await;
    wait_count(&client, "emails", "queued", 3).await;
    queue
        .take(TakeRequest::new(q("images")).max(2).worker("resizer-1"))
        .await
        .unwrap();
    wait_count(&client, "images", "running", 2).await;

    // A failed job appears with its last error and a button that resubmits it.
    let report = NewJob::new("quarterly report")
        .id(JobId::new("report-2026-q3").unwrap())
        .queue(q("reports"))
        .max_attempts(1);
    queue.submit(report).await.unwrap();
    let failed = work_one(&queue, "reports", Some("disk full: /var/reports")).await;
    let row = format!("#failed tr[data-id='{failed}']");
    let error = eventually("the failed job's row", || async {
        text(&client, &format!("{row} .err")).await
    })
    .await;
    assert_eq!(error, "disk full: /var/reports");
    wait_count(&client, "reports", "failed", 1).await;
    let summary = shot(&client, "dashboard.png").await;
    assert!(std::fs::metadata(&summary).unwrap().len() > 10_000);

    client
        .find(Locator::Css(&format!("{row} button.resubmit")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_count(&client, "reports", "queued", 1).await;
    wait_count(&client, "reports", "failed", 0).await;
    let status = queue.status(&failed).await.unwrap();
    assert_eq!(status.job.state, JobState::Queued);
    assert_eq!(status.job.attempts, 0, "attempts reset");
    eventually("the failed list to empty", || async {
        client.find(Locator::Css(&row)).await.is_err().then_some(())
    })
    .await;

    // A click on a job shows its history.
    client
        .find(Locator::Css(&format!("#recent tr[data-id='{failed}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let kinds = eventually("the job's history", || async {
        let items = client.find_all(Locator::Css("#history li")).await.ok()?;
        let mut kinds = Vec::new();
        for item in items {
            kinds.push(item.attr("data-kind").await.ok()??);
        }
        (kinds.len() == 4).then_some(kinds)
    })
    .await;
    assert_eq!(kinds, ["submitted", "taken", "failed", "resubmitted"]);
    assert_eq!(
        text(&client, "#job-id").await.as_deref(),
        Some(failed.as_str())
    );
    shot(&client, "dashboard-job.png").await;

    client.close().await.unwrap();
    server.stop().await.unwrap();
}
