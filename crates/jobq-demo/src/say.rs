//! [`Say`]: the one line each role prints for each thing it does.

use std::fmt::Display;
use std::io::Write;

use anstyle::{AnsiColor, Style};
use jobq::Timestamp;
use serde_json::{Map, Value, json};

/// Prints what the roles do: for people, `12:00:05.123  consumer-2  done  …`, the role's
/// name coloured on a terminal; with JSON, one object a line with `at`, `role`, `event` and
/// the event's fields.
#[derive(Debug, Clone, Copy)]
pub struct Say {
    json: bool,
}

impl Say {
    /// Lines for people, or JSON when `json`.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints that `who` did `event`: `text` for people, `fields` (a JSON object) for
    /// machines.
    pub fn line(&self, who: &str, event: &str, fields: Value, text: impl Display) {
        let now = Timestamp::now();
        let mut out = anstream::stdout().lock();
        let _ = if self.json {
            let mut object = Map::new();
            object.insert("at".into(), json!(now));
            object.insert("role".into(), json!(who));
            object.insert("event".into(), json!(event));
            if let Value::Object(fields) = fields {
                object.extend(fields);
            }
            writeln!(out, "{}", Value::Object(object))
        } else {
            let style = style_of(who);
            writeln!(
                out,
                "{}  {style}{who:<11}{style:#} {text}",
                now.to_datetime().format("%H:%M:%S%.3f")
            )
        };
        let _ = out.flush();
    }
}

/// Each kind of role in its own colour.
fn style_of(who: &str) -> Style {
    let colour = if who.starts_with("producer") {
        AnsiColor::Cyan
    } else if who.starts_with("consumer") {
        AnsiColor::Green
    } else if who.starts_with("manager") {
        AnsiColor::Magenta
    } else {
        AnsiColor::Yellow
    };
    colour.on_default().bold()
}
