//! For random walls, every route's answer equals a direct computation from the rules, for
//! every profile and day, whether 1, 3 or 8 crews build it.

mod common;

use std::time::Duration;

use common::{request, wait_complete};
use proptest::prelude::*;
use wall::WallConfig;

/// Walls of 1 to 4 profiles of 1 to 5 sections, heights 0 to 30 (30s included: finished
/// sections need no work).
fn walls() -> impl Strategy<Value = WallConfig> {
    prop::collection::vec(prop::collection::vec(0u8..=30, 1..=5), 1..=4)
        .prop_map(|profiles| WallConfig::from_profiles(profiles).unwrap())
}

/// Builds `wall` with `crews` crews on a server of its own and checks every answer.
async fn check(wall: &WallConfig, crews: usize) {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(dir.path(), crews, Duration::ZERO, None).await;
    let addr = server.addr();
    let posted = request(addr, "POST", "/profiles/config/", &wall.to_string()).await;
    assert_eq!(posted.status, 201, "{:?}", posted.body);
    wait_complete(addr, Duration::from_secs(60)).await;
    common::check_every_answer(addr, wall).await;
    common::check_log_adds_up(addr, wall).await;
    server.stop().await.unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn every_answer_follows_the_rules_whatever_the_crews(wall in walls()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        for crews in [1, 3, 8] {
            runtime.block_on(check(&wall, crews));
        }
    }
}
