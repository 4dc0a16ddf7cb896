//! What a message on `incoming_transactions` says, and how it is recognised when it comes
//! again.
//!
//! A message is `{"id": PROVIDER_ID, "value": AMOUNT}`: the provider an integer, the amount
//! a JSON number, kept exactly as written (`600`, `-12.50`, `1e3`) and summed by PostgreSQL
//! as `numeric`, so no amount is ever rounded through a float. Other fields are ignored.
//! Anything else is refused with a reason that names what was wrong; the consumer sends
//! such a message to the dead-letter queue with that reason.

use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The longest amount accepted, in characters as written.
pub const MAX_VALUE_CHARS: usize = 64;

/// A transaction, as a message carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// The provider: an `id` of `initial_data`.
    pub provider_id: i32,
    /// The amount, exactly as written in the message (a JSON number).
    pub value: String,
}

impl Transaction {
    /// A transaction of `value` (a JSON number, as text) for provider `provider_id`.
    ///
    /// # Errors
    ///
    /// A message naming `value` when it is not a JSON number of at most
    /// [`MAX_VALUE_CHARS`] characters.
    pub fn new(provider_id: i32, value: &str) -> Result<Self, String> {
        let value = value.trim();
        let body = format!("{{\"id\":{provider_id},\"value\":{value}}}");
        match parse(body.as_bytes()) {
            Ok(t) if t.value == value => Ok(t),
            _ => Err(format!(
                "VALUE {value:?} is not a number; write it like 600, -12.50 or 1e3 \
                 (at most {MAX_VALUE_CHARS} characters)"
            )),
        }
    }

    /// The message body for this transaction: `{"id":1,"value":600}`.
    pub fn to_json(&self) -> String {
        format!("{{\"id\":{},\"value\":{}}}", self.provider_id, self.value)
    }
}

/// The fields the ledger reads.
#[derive(Deserialize)]
struct Wire<'a> {
    id: i32,
    #[serde(borrow)]
    value: &'a RawValue,
}

/// Reads a message body.
///
/// # Errors
///
/// The reason the body is not a transaction: not JSON, not an object, a missing or
/// duplicated field, an `id` that is not a 32-bit integer, a `value` that is not a number.
pub fn parse(body: &[u8]) -> Result<Transaction, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("not JSON: not UTF-8 ({e})"))?;
    let wire: Wire<'_> = match serde_json::from_str(text) {
        Ok(wire) => wire,
        Err(e) if e.is_data() => return Err(format!("not a transaction: {e}")),
        Err(e) => return Err(format!("not JSON: {e}")),
    };
    // serde reads a struct from an array too (`[1, 600]`): only an object is a message.
    if !text.trim_start().starts_with('{') {
        return Err("not a transaction: the message is not a JSON object".to_owned());
    }
    let value = wire.value.get();
    if !value.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return Err(format!(
            "not a transaction: value must be a number, got {}",
            shorten(value)
        ));
    }
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(format!(
            "not a transaction: value {} has {} characters; at most {MAX_VALUE_CHARS}",
            shorten(value),
            value.chars().count()
        ));
    }
    Ok(Transaction {
        provider_id: wire.id,
        value: value.to_owned(),
    })
}

/// `text`, cut to 80 characters for a message.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 80 {
        text.to_owned()
    } else {
        let head: String = text.chars().take(77).collect();
        format!("{head}...")
    }
}

/// How a message is recognised when it comes again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageKey {
    /// The AMQP `message_id` property, when the publisher set one (and it is not empty).
    pub message_id: Option<String>,
    /// The SHA-256 of the body, in hex.
    pub body_sha256: String,
}

impl MessageKey {
    /// The key of a message with this `message_id` property and this body.
    pub fn of(message_id: Option<&str>, body: &[u8]) -> Self {
        let digest = Sha256::digest(body);
        let mut hex = String::with_capacity(64);
        for byte in digest.iter() {
            hex.push_str(&format!("{byte:02x}"));
        }
        Self {
            message_id: message_id.filter(|id| !id.is_empty()).map(str::to_owned),
            body_sha256: hex,
        }
    }
}

impl std::fmt::Display for MessageKey {
    /// `message id ID`, or `message without id (sha256 ABCDEF012345…)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message_id {
            Some(id) => write!(f, "message {id:?}"),
            None => write!(
                f,
                "message without id (body sha256 {}…)",
                &self.body_sha256[..12]
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Transaction {
        parse(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    fn refused(body: &[u8]) -> String {
        parse(body).expect_err("refused")
    }

    #[test]
    fn the_seeds_message_and_exact_amounts() {
        assert_eq!(
            ok(r#"{"id":1,"value":600}"#),
            Transaction {
                provider_id: 1,
                value: "600".into()
            }
        );
        assert_eq!(ok(r#" { "value": -12.50, "id": 2 } "#).value, "-12.50");
        assert_eq!(ok(r#"{"id":2,"value":1e3,"note":"x"}"#).value, "1e3");
        assert_eq!(
            ok(r#"{"id":7,"value":0.1000000000000000000001}"#).value,
            "0.1000000000000000000001"
        );
        let t = ok(r#"{"id":1,"value":600}"#);
        assert_eq!(t.to_json(), r#"{"id":1,"value":600}"#);
    }

    #[test]
    fn malformed_messages_say_what_is_wrong() {
        let cases: [(&[u8], &str); 11] = [
            (b"hello", "not JSON"),
            (b"", "not JSON"),
            (b"{\"id\":1,\"value\":", "not JSON"),
            (&[0xff, 0xfe], "not UTF-8"),
            (b"{\"value\":600}", "missing field `id`"),
            (b"{\"id\":1}", "missing field `value`"),
            (b"{\"id\":\"1\",\"value\":600}", "expected i32"),
            (b"{\"id\":1.5,\"value\":600}", "expected i32"),
            (b"{\"id\":1,\"value\":\"600\"}", "value must be a number"),
            (b"[1,600]", "not a JSON object"),
            (b"{\"id\":1,\"id\":2,\"value\":3}", "duplicate field `id`"),
        ];
        for (body, expected) in cases {
            let reason = refused(body);
            assert!(
                reason.contains(expected),
                "{:?}: {reason}",
                String::from_utf8_lossy(body)
            );
        }
        let long = format!("{{\"id\":1,\"value\":1{}}}", "0".repeat(100));
        assert!(refused(long.as_bytes()).contains("at most 64"));
    }

    #[test]
    fn values_from_the_command_line_must_be_numbers() {
        assert_eq!(
            Transaction::new(1, " 600 ").unwrap().to_json(),
            r#"{"id":1,"value":600}"#
        );
        assert_eq!(Transaction::new(2, "-12.50").unwrap().value, "-12.50");
        for bad in ["abc", "", "600,\"id\":2", "\"600\"", "600}", "null"] {
            let err = Transaction::new(1, bad).unwrap_err();
            assert!(err.starts_with("VALUE"), "{bad}: {err}");
        }
    }

    #[test]
    fn keys_use_the_message_id_and_hash_the_body() {
        let a = MessageKey::of(Some("m-1"), b"{}");
        assert_eq!(a.message_id.as_deref(), Some("m-1"));
        assert_eq!(
            a.body_sha256,
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(MessageKey::of(Some(""), b"{}").message_id, None);
        assert_eq!(a.to_string(), "message \"m-1\"");
        assert!(
            MessageKey::of(None, b"{}")
                .to_string()
                .contains("sha256 44136fa355b3")
        );
    }
}
