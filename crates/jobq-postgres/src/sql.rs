//! Every statement, read from `sql/` at compile time, with the schema filled in once when a
//! store is opened.
//!
//! The SQL files write `{schema}` where the schema goes. The name is checked before it gets
//! here (see [`PostgresOptions::schema`](crate::PostgresOptions::schema)) and is quoted, so
//! it can never change a statement's meaning.

/// Declares [`Sql`]: one field per statement file.
macro_rules! statements {
    ($($(#[$doc:meta])* $name:ident => $file:literal,)*) => {
        /// The statements, for one schema.
        pub(crate) struct Sql {
            $($(#[$doc])* pub(crate) $name: String,)*
        }

        impl Sql {
            /// Every statement, for `schema`.
            pub(crate) fn new(schema: &str) -> Self {
                Self {
                    $($name: render(include_str!(concat!("../sql/", $file)), schema),)*
                }
            }
        }
    };
}

statements! {
    /// Stores a batch of jobs with their events.
    submit => "submit.sql",
    /// Which of some ids exist.
    existing_ids => "existing_ids.sql",
    /// Leases ready jobs; says whether a lease has expired.
    claim => "claim.sql",
    /// Returns expired leases.
    sweep => "sweep.sql",
    /// Settles a batch of attempts.
    settle => "settle.sql",
    /// Renews a lease.
    extend => "extend.sql",
    /// Locks jobs by id.
    lock_ids => "lock_ids.sql",
    /// Locks failed or cancelled jobs by state.
    lock_finished => "lock_finished.sql",
    /// Locks queued jobs.
    lock_queued => "lock_queued.sql",
    /// Puts locked jobs back to `queued`.
    resubmit => "resubmit.sql",
    /// Cancels locked jobs.
    cancel => "cancel.sql",
    /// Deletes a chunk of finished jobs.
    purge => "purge.sql",
    /// One job with its history.
    status => "status.sql",
    /// Jobs, newest first.
    list_newest => "list_newest.sql",
    /// Jobs, oldest first.
    list_oldest => "list_oldest.sql",
    /// Counts by queue and state.
    stats => "stats.sql",
    /// Sends notifications, after a change committed.
    notify => "notify.sql",
    /// Adds or replaces a schedule.
    set_schedule => "set_schedule.sql",
    /// Removes a schedule.
    remove_schedule => "remove_schedule.sql",
    /// Every schedule.
    schedules => "schedules.sql",
    /// Whether the migration table exists.
    migrations_exists => "migrations_exists.sql",
    /// The schema version applied.
    migrations_version => "migrations_version.sql",
    /// Serialises migrations of one schema.
    migrations_lock => "migrations_lock.sql",
    /// Whether the schema exists.
    migrations_schema_exists => "migrations_schema_exists.sql",
    /// Creates the schema.
    migrations_create_schema => "migrations_create_schema.sql",
    /// Creates the migration table.
    migrations_create => "migrations_create.sql",
    /// Records an applied migration.
    migrations_record => "migrations_record.sql",
}

/// `sql` with `{schema}` replaced by the quoted schema name.
pub(crate) fn render(sql: &str, schema: &str) -> String {
    sql.replace("{schema}", &quote(schema))
}

/// `name` as a quoted identifier.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_names_the_schema_it_was_given() {
        let sql = Sql::new("work");
        assert!(sql.claim.contains("\"work\".jobs"));
        assert!(!sql.claim.contains("{schema}"));
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
