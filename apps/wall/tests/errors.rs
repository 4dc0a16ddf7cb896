//! Clear errors: 400 for a bad configuration or day, 404 for an unknown profile, 409 while
//! an answer is still being built; a refused configuration leaves the previous wall
//! answering, and a new one replaces it cleanly.

mod common;

use std::time::Duration;

use common::{SEED, get, request, wait_complete};
use serde_json::json;
use wall::WallConfig;

#[tokio::test]
async fn bad_configurations_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(dir.path(), 2, Duration::ZERO, Some(SEED)).await;
    let addr = server.addr();
    wait_complete(addr, Duration::from_secs(60)).await;

    let refused = [
        (
            "21 25 28\n31\n",
            r#"line 2: "31" is not a height from 0 to 30"#,
        ),
        ("21 x 28\n", r#"line 1: "x" is not a height from 0 to 30"#),
        ("-1\n", r#"line 1: "-1" is not a height from 0 to 30"#),
        ("", "the configuration is empty"),
        ("\n  \n", "the configuration is empty"),
        (
            "5\n\n6\n",
            "line 2: a profile needs at least one section height",
        ),
    ];
    for (body, message) in refused {
        let answer = request(addr, "POST", "/profiles/config/", body).await;
        assert_eq!(answer.status, 400, "{body:?}: {:?}", answer.body);
        assert_eq!(answer.code(), "invalid_configuration");
        assert!(
            answer.message().contains(message),
            "{body:?}: {}",
            answer.message()
        );
    }
    let garbage = request(addr, "POST", "/profiles/config/", "\u{0}\u{ff}").await;
    assert_eq!(
        (garbage.status, garbage.code()),
        (400, "invalid_configuration")
    );

    // The previous wall still answers, finished, as generation 1.
    let progress = get(addr, "/profiles/config/").await;
    assert_eq!(progress.body["generation"], json!(1));
    assert_eq!(progress.body["complete"], json!(true));
    let total = get(addr, "/profiles/overview/").await;
    assert_eq!(total.body, json!({"day": null, "cost": "32,233,500"}));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_profiles_and_bad_days() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(dir.path(), 1, Duration::ZERO, None).await;
    let addr = server.addr();

    // Before any configuration there is nothing to answer for.
    let none = get(addr, "/profiles/overview/").await;
    assert_eq!((none.status, none.code()), (404, "no_wall"));
    let none = get(addr, "/profiles/1/days/1/").await;
    assert_eq!((none.status, none.code()), (404, "no_wall"));
    let none = get(addr, "/logs/").await;
    assert_eq!((none.status, none.code()), (404, "no_wall"));

    assert_eq!(
        request(addr, "POST", "/profiles/config/", SEED)
            .await
            .status,
        201
    );
    wait_complete(addr, Duration::from_secs(60)).await;

    for profile in ["0", "4", "abc", "99999999999999999999999"] {
        for route in ["days", "overview"] {
            let answer = get(addr, &format!("/profiles/{profile}/{route}/1/")).await;
            assert_eq!(answer.status, 404, "{profile}: {:?}", answer.body);
            assert_eq!(answer.code(), "unknown_profile");
            assert!(
                answer.message().contains("profiles 1 to 3"),
                "{}",
                answer.message()
            );
        }
    }
    for day in ["0", "-1", "x", "1.5", "99999999999999999999999"] {
        for path in [
            format!("/profiles/1/days/{day}/"),
            format!("/profiles/1/overview/{day}/"),
            format!("/profiles/overview/{day}/"),
        ] {
            let answer = get(addr, &path).await;
            assert_eq!(answer.status, 400, "{path}: {:?}", answer.body);
            assert_eq!(answer.code(), "invalid_day");
        }
    }
    let below = get(addr, "/profiles/1/days/0/").await;
    assert!(below.message().contains("below 1"), "{}", below.message());

    // Days long after the end use no ice, and costs stay at their totals.
    let late = get(addr, "/profiles/1/days/1000/").await;
    assert_eq!(late.body, json!({"day": "1000", "ice_amount": "0"}));
    let late = get(addr, "/profiles/overview/1000/").await;
    assert_eq!(late.body, json!({"day": "1000", "cost": "32,233,500"}));

    for query in [
        "page=0",
        "per_page=0",
        "limit=5000",
        "page=1&offset=2",
        "sort=day",
        "page=x",
    ] {
        let answer = get(addr, &format!("/logs/?{query}")).await;
        assert_eq!(
            (answer.status, answer.code()),
            (400, "invalid_input"),
            "{query}"
        );
    }
    let lost = get(addr, "/nowhere").await;
    assert_eq!((lost.status, lost.code()), (404, "no_route"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn answers_wait_for_the_work_they_depend_on() {
    let dir = tempfile::tempdir().unwrap();
    // One crew at 20 ms a foot: section "0" takes 30 days, at least 600 ms.
    let server = common::serve(dir.path(), 1, Duration::from_millis(20), Some("0\n")).await;
    let addr = server.addr();
    let early = get(addr, "/profiles/overview/").await;
    assert_eq!(early.status, 409, "{:?}", early.body);
    assert_eq!(early.code(), "still_building");
    assert_eq!(early.header("retry-after"), Some("1"));
    let early = get(addr, "/profiles/1/days/30/").await;
    assert_eq!(early.status, 409, "{:?}", early.body);

    wait_complete(addr, Duration::from_secs(60)).await;
    let done = get(addr, "/profiles/1/days/30/").await;
    assert_eq!(done.body, json!({"day": "30", "ice_amount": "195"}));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_new_configuration_replaces_the_old_one_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    // Slow crews, so that the first wall is still being built when it is replaced.
    let server = common::serve(dir.path(), 2, Duration::from_millis(10), Some("0 0 0\n0\n")).await;
    let addr = server.addr();
    let replaced = request(addr, "POST", "/profiles/config/", SEED).await;
    assert_eq!(replaced.status, 201, "{:?}", replaced.body);
    assert_eq!(replaced.body["generation"], json!(2));

    wait_complete(addr, Duration::from_secs(60)).await;
    common::check_every_answer(addr, &WallConfig::parse(SEED).unwrap()).await;
    let entries = common::check_log_adds_up(addr, &WallConfig::parse(SEED).unwrap()).await;
    assert_eq!(
        entries.len(),
        87,
        "no foot of the old wall in the new one's log"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_restarted_server_goes_on_with_the_stored_wall() {
    let dir = tempfile::tempdir().unwrap();
    let first = common::serve(dir.path(), 1, Duration::from_millis(5), Some(SEED)).await;
    first.stop().await.unwrap();
    // No configuration given: the stored one goes on being built, by new crews.
    let second = common::serve(dir.path(), 2, Duration::ZERO, None).await;
    let addr = second.addr();
    let progress = wait_complete(addr, Duration::from_secs(60)).await;
    assert_eq!(progress["generation"], json!(1));
    common::check_every_answer(addr, &WallConfig::parse(SEED).unwrap()).await;
    common::check_log_adds_up(addr, &WallConfig::parse(SEED).unwrap()).await;
    second.stop().await.unwrap();
}
