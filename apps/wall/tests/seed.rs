//! The seed's numbers from a running server: `585`, `1,111,500`, `3,334,500`, `32,233,500`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{SEED, get, request, wait_complete};
use serde_json::json;
use wall::WallConfig;

/// The four answers of the seed, exactly as it writes them.
async fn check_seed_answers(addr: SocketAddr) {
    let cases = [
        (
            "/profiles/1/days/1/",
            json!({"day": "1", "ice_amount": "585"}),
        ),
        (
            "/profiles/1/overview/1/",
            json!({"day": "1", "cost": "1,111,500"}),
        ),
        (
            "/profiles/overview/1/",
            json!({"day": "1", "cost": "3,334,500"}),
        ),
        (
            "/profiles/overview/",
            json!({"day": null, "cost": "32,233,500"}),
        ),
    ];
    for (path, expected) in cases {
        let answer = get(addr, path).await;
        assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
        assert_eq!(answer.body, expected, "{path}");
        // The same without the final slash.
        let bare = get(addr, path.trim_end_matches('/')).await;
        assert_eq!(bare.body, expected, "{path} without its slash");
    }
    // The fields come in the seed's order.
    let first = get(addr, "/profiles/1/days/1/").await;
    assert_eq!(first.raw, r#"{"day":"1","ice_amount":"585"}"#);
    let total = get(addr, "/profiles/overview/").await;
    assert_eq!(total.raw, r#"{"day":null,"cost":"32,233,500"}"#);
}

#[tokio::test]
async fn the_seed_numbers_from_a_configuration_posted_to_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(dir.path(), 3, Duration::from_millis(1), None).await;
    let addr = server.addr();

    let posted = request(addr, "POST", "/profiles/config/", SEED).await;
    assert_eq!(posted.status, 201, "{:?}", posted.body);
    assert_eq!(
        posted.body,
        json!({"generation": 1, "replaced": true, "profiles": 3, "sections": 9})
    );
    let progress = wait_complete(addr, Duration::from_secs(60)).await;
    assert_eq!(progress["feet"], json!(87));
    assert_eq!(progress["feet_built"], json!(87));
    assert_eq!(progress["configuration"], json!(SEED));
    check_seed_answers(addr).await;

    // The log tells who built what, newest last, and adds up to the rules.
    let wall = WallConfig::parse(SEED).unwrap();
    let entries = common::check_log_adds_up(addr, &wall).await;
    assert_eq!(entries.len(), 87);
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "newest last");
    let first = &entries[0];
    for field in ["crew", "profile", "section", "day", "height", "ice", "at"] {
        assert!(first.get(field).is_some(), "{field} missing from {first}");
    }
    assert!(first["crew"].as_str().unwrap().starts_with("crew-"));
    let page = get(addr, "/logs/?offset=80&limit=5").await;
    assert_eq!(page.body["total"], json!(87));
    assert_eq!(page.body["entries"].as_array().unwrap().len(), 5);
    assert_eq!(page.body["entries"][0], entries[80]);

    // Posting the same wall again builds nothing new.
    let again = request(addr, "POST", "/profiles/config", SEED).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["replaced"], json!(false));
    assert_eq!(again.body["generation"], json!(1));
    check_seed_answers(addr).await;
    server.stop().await.unwrap();
}

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_seed_numbers_from_the_wall_binary() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wall.txt");
    std::fs::write(&config, SEED).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wall"))
        .args(["serve", "--listen", "127.0.0.1:0", "--crews", "2", "--url"])
        .arg(common::url_in(dir.path()))
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .parse()
        .unwrap();
    wait_complete(addr, Duration::from_secs(60)).await;
    check_seed_answers(addr).await;
    drop(server);
}
