//! Crews are separate `wall crew` processes on one store; some are SIGKILLed mid-run and
//! others started. The answers are still the rules' answers, and no foot is counted twice.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{get, wait_complete};
use serde_json::Value;
use wall::WallConfig;

/// A crew process, killed with SIGKILL when dropped.
struct Crew {
    name: String,
    child: Child,
}

impl Crew {
    fn start(url: &str, name: &str, exit_when_empty: bool) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wall"));
        cmd.args(["crew", "--url", url, "--name", name])
            .args(["--foot-time", "5ms", "--lease", "1s"])
            .stdout(Stdio::null());
        if exit_when_empty {
            cmd.arg("--exit-when-empty");
        }
        Self {
            name: name.to_owned(),
            child: cmd.spawn().expect("wall crew starts"),
        }
    }

    /// SIGKILL: no chance to finish the section, settle the job or say goodbye.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until at least `feet` feet are recorded.
async fn wait_for_feet(addr: SocketAddr, feet: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let progress = get(addr, "/profiles/config/").await.body;
        if progress["feet_built"].as_u64().unwrap() >= feet {
            return;
        }
        assert!(Instant::now() < deadline, "stuck at {progress}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn killed_crews_change_no_answer() {
    // 24 sections of 12 to 30 feet: 5 ms a foot keeps each crew on a section for
    // 60 to 150 ms, so a kill almost always lands mid-section.
    let text = "0 3 6 9 12 15\n18 0 2 4 6 8\n10 12 14 16 18 1\n5 7 0 0 11 13\n";
    let wall = WallConfig::parse(text).unwrap();
    let feet = wall::rules::wall_ice(&wall) / wall::rules::ICE_PER_FOOT;
    let dir = tempfile::tempdir().unwrap();
    let url = common::url_in(dir.path());
    // The server answers; every crew is a process of its own.
    let server = common::serve(dir.path(), 0, Duration::ZERO, Some(text)).await;
    let addr = server.addr();

    let mut crews: Vec<Crew> = (1..=3)
        .map(|n| Crew::start(&url, &format!("first-{n}"), false))
        .collect();
    wait_for_feet(addr, feet / 5).await;
    let mut killed = Vec::new();
    for crew in crews.drain(..2) {
        killed.push(crew.name.clone());
        crew.kill();
    }
    crews.push(Crew::start(&url, "second-1", false));
    wait_for_feet(addr, feet / 2).await;
    for crew in crews.drain(..) {
        killed.push(crew.name.clone());
        crew.kill();
    }
    let finishers: Vec<Crew> = (1..=2)
        .map(|n| Crew::start(&url, &format!("last-{n}"), true))
        .collect();

    wait_complete(addr, Duration::from_secs(120)).await;
    common::check_every_answer(addr, &wall).await;
    let entries = common::check_log_adds_up(addr, &wall).await;

    // The killed crews did work, and some section was finished by another crew than
    // the one that started it: resumed from its last recorded day, not redone.
    let crew_of = |e: &Value| e["crew"].as_str().unwrap().to_owned();
    assert!(entries.iter().any(|e| killed.contains(&crew_of(e))));
    let resumed = entries.iter().any(|a| {
        entries.iter().any(|b| {
            a["profile"] == b["profile"] && a["section"] == b["section"] && crew_of(a) != crew_of(b)
        })
    });
    assert!(resumed, "no section changed hands: {entries:?}");

    drop(finishers);
    server.stop().await.unwrap();
}
