//! What the wall's tests share: a small HTTP client, servers on free ports, waiting with a
//! deadline, and the answers the rules give.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wall::crew::CrewOptions;
use wall::{ServeOptions, Server, WallConfig, rules, thousands};

/// The seed's wall.
pub const SEED: &str = "21 25 28\n17\n17 22 17 19 17\n";

/// An answer: status, headers (lower-case names) and the JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The body as sent.
    pub raw: String,
}

impl Answer {
    /// The header `name`, if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The error message of an error answer.
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
}

/// One HTTP/1.1 request on its own connection.
pub async fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> Answer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).expect("a UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")),
        "chunked answers are not expected: {head}"
    );
    let raw_body = body;
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    Answer {
        status: status.parse().unwrap(),
        headers,
        body,
        raw: raw_body.to_owned(),
    }
}

/// `GET path`.
pub async fn get(addr: SocketAddr, path: &str) -> Answer {
    request(addr, "GET", path, "").await
}

/// The queue URL of a store in `dir`.
pub fn url_in(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("wall.db").display())
}

/// Starts a server on a free port with a store in `dir`.
pub async fn serve(dir: &Path, crews: usize, foot_time: Duration, config: Option<&str>) -> Server {
    Server::start(ServeOptions {
        listen: "127.0.0.1:0".into(),
        url: url_in(dir),
        worklog: None,
        config: config.map(|text| WallConfig::parse(text).unwrap()),
        crews,
        crew: CrewOptions {
            foot_time,
            lease: Duration::from_secs(2),
            ..CrewOptions::new("crew")
        },
    })
    .await
    .expect("the server starts")
}

/// Polls `GET /profiles/config/` until the wall is complete, failing at `deadline`.
pub async fn wait_complete(addr: SocketAddr, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let answer = get(addr, "/profiles/config/").await;
        if answer.status == 200 && answer.body["complete"] == json!(true) {
            return answer.body;
        }
        assert!(
            Instant::now() < deadline,
            "the wall was not built within {within:?}: {:?}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every route's answer for `wall`, by the rules, as `(path, expected JSON)`: each profile
/// and the whole wall on every day from 1 to one past the last, and the finished wall.
pub fn expected_answers(wall: &WallConfig) -> Vec<(String, Value)> {
    let last = rules::wall_days(wall) + 1;
    let mut answers = Vec::new();
    for day in 1..=last {
        for (i, profile) in wall.profiles().iter().enumerate() {
            let p = i + 1;
            answers.push((
                format!("/profiles/{p}/days/{day}/"),
                json!({"day": day.to_string(),
                       "ice_amount": thousands(rules::profile_ice_on_day(profile, day))}),
            ));
            answers.push((
                format!("/profiles/{p}/overview/{day}/"),
                json!({"day": day.to_string(),
                       "cost": thousands(rules::profile_cost_through_day(profile, day))}),
            ));
        }
        answers.push((
            format!("/profiles/overview/{day}/"),
            json!({"day": day.to_string(),
                   "cost": thousands(rules::wall_cost_through_day(wall, day))}),
        ));
    }
    answers.push((
        "/profiles/overview/".into(),
        json!({"day": null, "cost": thousands(rules::wall_cost(wall))}),
    ));
    answers
}

/// Asks every route of [`expected_answers`] and checks each answer.
pub async fn check_every_answer(addr: SocketAddr, wall: &WallConfig) {
    for (path, expected) in expected_answers(wall) {
        let answer = get(addr, &path).await;
        assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
        assert_eq!(answer.body, expected, "{path}");
    }
}

/// Reads the whole work log of the current wall, page by page.
pub async fn whole_log(addr: SocketAddr) -> Vec<Value> {
    let mut entries = Vec::new();
    for page in 1.. {
        let answer = get(addr, &format!("/logs/?page={page}&per_page=1000")).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let got = answer.body["entries"].as_array().unwrap().clone();
        if got.is_empty() {
            break;
        }
        entries.extend(got);
    }
    entries
}

/// Checks that the log adds up to the rules: the ice of every foot, each counted once.
pub async fn check_log_adds_up(addr: SocketAddr, wall: &WallConfig) -> Vec<Value> {
    let entries = whole_log(addr).await;
    let ice: u64 = entries.iter().map(|e| e["ice"].as_u64().unwrap()).sum();
    assert_eq!(
        ice,
        rules::wall_ice(wall),
        "the log's ice against the rules"
    );
    let mut keys: Vec<_> = entries
        .iter()
        .map(|e| ["profile", "section", "day"].map(|k| e[k].as_u64().unwrap()))
        .collect();
    let all = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all, "a foot is in the log twice");
    entries
}
