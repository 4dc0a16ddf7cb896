//! The wall's configuration: one profile a line, each a list of section heights.
//!
//! ```text
//! 21 25 28
//! 17
//! 17 22 17 19 17
//! ```
//!
//! Heights are whole numbers of feet from 0 to [`FINISHED_HEIGHT`], separated by spaces or
//! tabs. Blank lines at the end are ignored (a file usually ends with a newline); a blank
//! line between profiles is refused, because profiles are numbered by their line and a
//! silently skipped line would shift every number after it.

use std::fmt;

use crate::error::{Result, WallError};
use crate::rules::FINISHED_HEIGHT;

/// The most sections a wall may have, so that one request cannot flood the queue.
pub const MAX_SECTIONS: usize = 100_000;

/// A parsed, valid wall: at least one profile, each with at least one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallConfig {
    profiles: Vec<Vec<u8>>,
}

impl WallConfig {
    /// Reads a configuration.
    ///
    /// ```
    /// let wall = wall::WallConfig::parse("21 25 28\n17\n17 22 17 19 17\n")?;
    /// assert_eq!(wall.profiles().len(), 3);
    /// let err = wall::WallConfig::parse("1\n31\n").unwrap_err();
    /// assert_eq!(err.to_string(), r#"line 2: "31" is not a height from 0 to 30"#);
    /// # Ok::<(), wall::WallError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`WallError::InvalidConfig`] naming the line and the value: a height that is not a
    /// whole number from 0 to 30, a blank line between profiles, an empty configuration, or
    /// more than [`MAX_SECTIONS`] sections.
    pub fn parse(text: &str) -> Result<Self> {
        let lines: Vec<&str> = text.lines().collect();
        let used = lines
            .iter()
            .rposition(|line| !line.trim().is_empty())
            .map_or(0, |last| last + 1);
        if used == 0 {
            return Err(WallError::InvalidConfig(
                "the configuration is empty; write one profile a line, \
                 as section heights from 0 to 30 separated by spaces"
                    .into(),
            ));
        }
        let mut profiles = Vec::with_capacity(used);
        let mut sections = 0usize;
        for (index, line) in lines[..used].iter().enumerate() {
            let number = index + 1;
            let heights = line
                .split_whitespace()
                .map(|word| parse_height(word).map_err(|e| e.at(number)))
                .collect::<Result<Vec<u8>>>()?;
            if heights.is_empty() {
                return Err(WallError::InvalidConfig(format!(
                    "line {number}: a profile needs at least one section height"
                )));
            }
            sections += heights.len();
            if sections > MAX_SECTIONS {
                return Err(WallError::InvalidConfig(format!(
                    "line {number}: the wall has more than {MAX_SECTIONS} sections"
                )));
            }
            profiles.push(heights);
        }
        Ok(Self { profiles })
    }

    /// A wall from heights already known to be valid.
    ///
    /// # Errors
    ///
    /// [`WallError::InvalidConfig`] as [`parse`](Self::parse) would give for the same wall.
    pub fn from_profiles(profiles: Vec<Vec<u8>>) -> Result<Self> {
        Self::parse(&Self { profiles }.to_string())
    }

    /// The profiles, in order; profile `p` of the REST routes is `profiles()[p - 1]`.
    pub fn profiles(&self) -> &[Vec<u8>] {
        &self.profiles
    }

    /// How many sections the wall has.
    pub fn section_count(&self) -> usize {
        self.profiles.iter().map(Vec::len).sum()
    }
}

/// Written back as the text it was read from (normalised: single spaces, a final newline).
impl fmt::Display for WallConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for profile in &self.profiles {
            let words: Vec<String> = profile.iter().map(u8::to_string).collect();
            writeln!(f, "{}", words.join(" "))?;
        }
        Ok(())
    }
}

/// A height that did not parse, before its line is known.
struct BadHeight(String);

impl BadHeight {
    fn at(self, line: usize) -> WallError {
        WallError::InvalidConfig(format!(
            "line {line}: {:?} is not a height from 0 to {FINISHED_HEIGHT}",
            self.0
        ))
    }
}

fn parse_height(word: &str) -> std::result::Result<u8, BadHeight> {
    // Only plain digits: no sign, no decimal point, no leading "+".
    if word.is_empty() || word.len() > 3 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadHeight(word.to_owned()));
    }
    match word.parse::<u8>() {
        Ok(height) if height <= FINISHED_HEIGHT => Ok(height),
        _ => Err(BadHeight(word.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        WallConfig::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn the_seed_example() {
        let wall = WallConfig::parse("21 25 28\n17\n17 22 17 19 17").unwrap();
        assert_eq!(
            wall.profiles(),
            &[vec![21, 25, 28], vec![17], vec![17, 22, 17, 19, 17]]
        );
        assert_eq!(wall.section_count(), 9);
        assert_eq!(wall.to_string(), "21 25 28\n17\n17 22 17 19 17\n");
    }

    #[test]
    fn whitespace_and_line_endings() {
        let wall = WallConfig::parse("  0\t30  \r\n5\r\n\n  \n").unwrap();
        assert_eq!(wall.profiles(), &[vec![0, 30], vec![5]]);
    }

    #[test]
    fn errors_name_the_line_and_the_value() {
        assert_eq!(
            err("1 2\n31\n"),
            r#"line 2: "31" is not a height from 0 to 30"#
        );
        assert_eq!(err("abc"), r#"line 1: "abc" is not a height from 0 to 30"#);
        assert_eq!(err("5 -1"), r#"line 1: "-1" is not a height from 0 to 30"#);
        assert_eq!(err("5 +1"), r#"line 1: "+1" is not a height from 0 to 30"#);
        assert_eq!(err("2.5"), r#"line 1: "2.5" is not a height from 0 to 30"#);
        assert_eq!(
            err("1\n\n2"),
            "line 2: a profile needs at least one section height"
        );
        let huge = err("99999999999999999999999");
        assert!(huge.starts_with(r#"line 1: "9999"#), "{huge}");
    }

    #[test]
    fn an_empty_configuration_is_refused() {
        for text in ["", "\n", "  \n\t\n"] {
            assert!(err(text).contains("the configuration is empty"), "{text:?}");
        }
    }

    #[test]
    fn too_many_sections() {
        let text = "0 ".repeat(MAX_SECTIONS + 1);
        assert!(err(&text).contains("more than 100000 sections"));
    }
}
