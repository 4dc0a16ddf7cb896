//! [`JobId`], [`QueueName`] and [`ScheduleName`]: the validated names of the model.
//!
//! Each is checked once, when it is made, so every value of these types in the program is
//! valid and no backend validates them again.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::limits::{MAX_ID_CHARS, MAX_QUEUE_CHARS};

/// A job's id: 1 to 2000 characters (Unicode scalar values, not bytes), no control
/// characters. Unique in the whole store.
///
/// Producers may choose ids to make submission idempotent (submitting an existing id is
/// refused with [`Error::Duplicate`] and changes nothing); [`JobId::generate`] makes a
/// time-ordered UUIDv7 for producers that don't.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(String);

impl JobId {
    /// Validates `id`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the rule broken: empty, longer than 2000 characters,
    /// or holding a control character (with its position).
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if id.is_empty() {
            return Err(Error::invalid("id", "must not be empty"));
        }
        let chars = id.chars().count();
        if chars > MAX_ID_CHARS {
            return Err(Error::invalid(
                "id",
                format!("{chars} characters, the limit is {MAX_ID_CHARS}"),
            ));
        }
        if let Some((at, c)) = id.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(Error::invalid(
                "id",
                format!("control character {c:?} at position {at}; ids are printable text"),
            ));
        }
        Ok(Self(id))
    }

    /// A new time-ordered id (UUIDv7): ids made later sort later.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A queue's name: 1 to 128 characters of `A-Z a-z 0-9 . _ -`. [`QueueName::default`] is
/// `default`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueName(String);

impl QueueName {
    /// Validates `name`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the rule broken: empty, longer than 128 characters, or
    /// holding a character outside `A-Z a-z 0-9 . _ -` (with the character).
    pub fn new(name: impl Into<String>) -> Result<Self> {
        check_simple_name("queue name", name.into(), MAX_QUEUE_CHARS).map(Self)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A periodic job's name: 1 to 128 characters of `A-Z a-z 0-9 . _ -`. Its jobs' ids are
/// `NAME@TICK-TIME`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScheduleName(String);

impl ScheduleName {
    /// Validates `name`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the rule broken, as for queue names.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        check_simple_name("schedule name", name.into(), MAX_QUEUE_CHARS).map(Self)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a name made of 1 to `max` characters of `A-Z a-z 0-9 . _ -` (queue and schedule
/// names), naming `field` in the error.
pub(crate) fn check_simple_name(field: &'static str, name: String, max: usize) -> Result<String> {
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let chars = name.chars().count();
    if chars > max {
        return Err(Error::invalid(
            field,
            format!("{chars} characters, the limit is {max}"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(Error::invalid(
            field,
            format!("{name:?} holds {c:?}; use only A-Z a-z 0-9 . _ -"),
        ));
    }
    Ok(name)
}

impl Default for QueueName {
    fn default() -> Self {
        Self("default".to_owned())
    }
}

macro_rules! string_newtype_impls {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl FromStr for $ty {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = Error;

            fn try_from(s: String) -> Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = Error;

            fn try_from(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_newtype_impls!(JobId);
string_newtype_impls!(QueueName);
string_newtype_impls!(ScheduleName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_limit_counts_characters_not_bytes() {
        let four_byte = "𝄞".repeat(2000);
        assert_eq!(four_byte.len(), 8000);
        assert!(JobId::new(four_byte.clone()).is_ok());
        let err = JobId::new(four_byte + "𝄞").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid id: 2001 characters, the limit is 2000"
        );
    }

    #[test]
    fn id_refuses_empty_and_control_characters() {
        assert!(JobId::new("").is_err());
        let err = JobId::new("a\nb").unwrap_err().to_string();
        assert!(
            err.contains("control character '\\n' at position 1"),
            "{err}"
        );
        assert!(JobId::new("spaces and ünïcode are fine").is_ok());
    }

    #[test]
    fn generated_ids_are_time_ordered() {
        let a = JobId::generate();
        let b = JobId::generate();
        assert!(a < b, "{a} then {b}");
    }

    #[test]
    fn queue_names() {
        assert_eq!(QueueName::default().as_str(), "default");
        assert!(QueueName::new("emails.high_prio-2").is_ok());
        assert!(QueueName::new("x".repeat(128)).is_ok());
        let long = QueueName::new("x".repeat(129)).unwrap_err().to_string();
        assert_eq!(long, "invalid queue name: 129 characters, the limit is 128");
        let bad = QueueName::new("a b").unwrap_err().to_string();
        assert!(bad.contains("' '"), "{bad}");
        assert!(QueueName::new("").is_err());
    }

    #[test]
    fn deserializing_validates() {
        let ok: QueueName = serde_json::from_str(r#""q1""#).unwrap();
        assert_eq!(ok.as_str(), "q1");
        let err = serde_json::from_str::<QueueName>(r#""q 1""#).unwrap_err();
        assert!(err.to_string().contains("queue name"), "{err}");
    }
}
