//! Printing: one JSON object per line with `--json`, else text for people (aligned tables,
//! plain sentences, colour only on a terminal and never with `NO_COLOR`).

use std::fmt::Display;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};
use jobq::JobState;
use serde::Serialize;

/// Where results go, and in which form.
pub(crate) struct Out {
    json: bool,
}

/// Styles used in human output.
pub(crate) mod style {
    use super::{AnsiColor, Style};

    /// Names and headings.
    pub(crate) const BOLD: Style = Style::new().bold();
    /// Good news.
    pub(crate) const GOOD: Style = AnsiColor::Green.on_default();
    /// Bad news.
    pub(crate) const BAD: Style = AnsiColor::Red.on_default().bold();
    /// Something to notice.
    pub(crate) const WARN: Style = AnsiColor::Yellow.on_default();
}

impl Out {
    /// JSON output when `json`.
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether output is JSON.
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// Prints `value` as one JSON line with `--json`, else what `human` writes.
    pub(crate) fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut stdout = anstream::stdout().lock();
        if self.json {
            serde_json::to_writer(&mut stdout, value).map_err(io::Error::other)?;
            writeln!(stdout)
        } else {
            human(&mut stdout)
        }
    }

    /// Prints one line of JSON, whatever the mode (for commands whose output is a stream).
    pub(crate) fn json_line<T: Serialize>(&self, value: &T) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        serde_json::to_writer(&mut stdout, value).map_err(io::Error::other)?;
        writeln!(stdout)?;
        stdout.flush()
    }

    /// Prints a line for people.
    pub(crate) fn line(&self, text: impl Display) -> io::Result<()> {
        let mut stdout = anstream::stdout().lock();
        writeln!(stdout, "{text}")?;
        stdout.flush()
    }
}

/// `text` in `style` (the escape codes are dropped when output is not a terminal).
pub(crate) fn styled(style: Style, text: impl Display) -> String {
    format!("{style}{text}{style:#}")
}

/// A table with a bold header row and no borders, columns aligned (two spaces apart);
/// numeric columns (by index) aligned right. Styled only on a terminal, never with
/// `NO_COLOR`.
pub(crate) fn table(header: &[&str], numeric: &[usize]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(
            header
                .iter()
                .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
        );
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        table.force_no_tty();
    }
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, 2));
        if numeric.contains(&i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// A table cell showing a job state, coloured by what it means.
pub(crate) fn state_cell(state: JobState) -> Cell {
    let cell = Cell::new(state);
    match state {
        JobState::Done => cell.fg(Color::Green),
        JobState::Failed => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        JobState::Running => cell.fg(Color::Yellow),
        JobState::Queued | JobState::Cancelled => cell,
    }
}

/// Writes a table with its lines' trailing spaces trimmed.
pub(crate) fn write_table(w: &mut dyn Write, table: &Table) -> io::Result<()> {
    for line in table.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A payload shown to people: text as it is, cut to `max` characters; bytes as their size.
pub(crate) fn preview(payload: &[u8], max: usize) -> String {
    match std::str::from_utf8(payload) {
        Ok(text) => {
            let one_line = text.replace(['\n', '\r', '\t'], " ");
            if one_line.chars().count() > max {
                let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                one_line
            }
        }
        Err(_) => format!("<{} bytes>", payload.len()),
    }
}
