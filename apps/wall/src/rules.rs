//! The rules of the wall, computed directly from a configuration: no queue, no crews, no
//! log. The REST routes answer from the recorded work log; these functions say what that
//! log must add up to, and the tests hold the two against each other.
//!
//! - A section under [`FINISHED_HEIGHT`] gets one foot a day until it reaches it.
//! - A foot takes [`ICE_PER_FOOT`] cubic yards of ice; a cubic yard costs
//!   [`DRAGONS_PER_CUBIC_YARD`] Gold Dragons.
//! - A section's day `k` is the `k`-th day of its own construction, as if every section had
//!   its own crew from day 1. How many crews there really are changes how fast the work is
//!   done, never these numbers.
//! - Days after a section (or a profile) is finished use no ice; its cost stays at its total.

use crate::config::WallConfig;

/// The height, in feet, at which a section is finished.
pub const FINISHED_HEIGHT: u8 = 30;

/// Cubic yards of ice in one foot of one section.
pub const ICE_PER_FOOT: u64 = 195;

/// Gold Dragons per cubic yard of ice.
pub const DRAGONS_PER_CUBIC_YARD: u64 = 1900;

/// How many days a section starting at `height` takes: one a foot up to 30.
pub fn section_days(height: u8) -> u64 {
    u64::from(FINISHED_HEIGHT.saturating_sub(height))
}

/// The height a section starting at `height` reaches at the end of its day `day`.
pub fn height_after(height: u8, day: u64) -> u8 {
    // The sum is at most 30 whenever `day` is at most the section's days.
    let grown = day.min(section_days(height));
    height + u8::try_from(grown).unwrap_or(FINISHED_HEIGHT)
}

/// Ice a section starting at `height` uses on its day `day` (days count from 1).
pub fn section_ice_on_day(height: u8, day: u64) -> u64 {
    if day >= 1 && day <= section_days(height) {
        ICE_PER_FOOT
    } else {
        0
    }
}

/// Ice a section starting at `height` uses from its day 1 through day `day`.
pub fn section_ice_through_day(height: u8, day: u64) -> u64 {
    day.min(section_days(height)) * ICE_PER_FOOT
}

/// What `ice` cubic yards cost, in Gold Dragons.
pub fn cost_of_ice(ice: u64) -> u64 {
    ice * DRAGONS_PER_CUBIC_YARD
}

/// How many days a profile takes: as many as its lowest section.
pub fn profile_days(profile: &[u8]) -> u64 {
    profile.iter().map(|&h| section_days(h)).max().unwrap_or(0)
}

/// Ice a profile uses on day `day`.
pub fn profile_ice_on_day(profile: &[u8], day: u64) -> u64 {
    profile.iter().map(|&h| section_ice_on_day(h, day)).sum()
}

/// What a profile costs from day 1 through day `day`.
pub fn profile_cost_through_day(profile: &[u8], day: u64) -> u64 {
    cost_of_ice(
        profile
            .iter()
            .map(|&h| section_ice_through_day(h, day))
            .sum(),
    )
}

/// What the whole wall costs from day 1 through day `day`.
pub fn wall_cost_through_day(wall: &WallConfig, day: u64) -> u64 {
    wall.profiles()
        .iter()
        .map(|profile| profile_cost_through_day(profile, day))
        .sum()
}

/// Ice the finished wall takes.
pub fn wall_ice(wall: &WallConfig) -> u64 {
    wall.profiles()
        .iter()
        .flatten()
        .map(|&h| section_days(h) * ICE_PER_FOOT)
        .sum()
}

/// What the finished wall costs.
pub fn wall_cost(wall: &WallConfig) -> u64 {
    cost_of_ice(wall_ice(wall))
}

/// How many days the wall takes: as many as its lowest section.
pub fn wall_days(wall: &WallConfig) -> u64 {
    wall.profiles()
        .iter()
        .map(|p| profile_days(p))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> WallConfig {
        WallConfig::parse("21 25 28\n17\n17 22 17 19 17\n").unwrap()
    }

    #[test]
    fn the_seed_numbers() {
        let wall = seed();
        let first = &wall.profiles()[0];
        assert_eq!(profile_ice_on_day(first, 1), 585);
        assert_eq!(profile_cost_through_day(first, 1), 1_111_500);
        assert_eq!(wall_cost_through_day(&wall, 1), 3_334_500);
        assert_eq!(wall_cost(&wall), 32_233_500);
        assert_eq!(wall_days(&wall), 13);
    }

    #[test]
    fn finished_profiles_use_no_ice_and_keep_their_cost() {
        let wall = seed();
        let first = &wall.profiles()[0];
        assert_eq!(profile_days(first), 9);
        assert_eq!(profile_ice_on_day(first, 3), 390);
        assert_eq!(profile_ice_on_day(first, 6), 195);
        assert_eq!(profile_ice_on_day(first, 10), 0);
        assert_eq!(profile_ice_on_day(first, u64::MAX), 0);
        let total = profile_cost_through_day(first, 9);
        assert_eq!(total, (9 + 5 + 2) * 195 * 1900);
        assert_eq!(profile_cost_through_day(first, 1000), total);
        assert_eq!(profile_cost_through_day(first, u64::MAX), total);
    }

    #[test]
    fn finished_sections_need_nothing() {
        assert_eq!(section_days(30), 0);
        assert_eq!(section_ice_on_day(30, 1), 0);
        assert_eq!(section_ice_on_day(0, 0), 0);
        assert_eq!(section_ice_on_day(0, 30), 195);
        assert_eq!(section_ice_on_day(0, 31), 0);
        assert_eq!(height_after(21, 1), 22);
        assert_eq!(height_after(21, 50), 30);
        assert_eq!(height_after(30, 5), 30);
    }
}
