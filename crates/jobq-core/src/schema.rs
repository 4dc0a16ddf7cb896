//! OpenAPI schemas of the validated strings ([`JobId`], [`QueueName`], [`LeaseToken`],
//! [`Timestamp`]), written by hand because their JSON is a plain string whose rules the
//! derive cannot see. Built only with the `openapi` feature.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::id::{JobId, QueueName};
use crate::job::LeaseToken;
use crate::limits::{MAX_ID_CHARS, MAX_QUEUE_CHARS};
use crate::time::Timestamp;

/// No control characters (Unicode category Cc), as [`JobId::new`] checks.
pub(crate) const ID_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$";

/// `A-Z a-z 0-9 . _ -`, as [`QueueName::new`] checks.
pub(crate) const QUEUE_PATTERN: &str = "^[A-Za-z0-9._-]+$";

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

impl PartialSchema for JobId {
    fn schema() -> RefOr<Schema> {
        string("A job's id: 1 to 2000 characters, no control characters; unique in the store.")
            .min_length(Some(1))
            .max_length(Some(MAX_ID_CHARS))
            .pattern(Some(ID_PATTERN))
            .into()
    }
}

impl ToSchema for JobId {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("JobId")
    }
}

impl PartialSchema for QueueName {
    fn schema() -> RefOr<Schema> {
        string("A queue's name: 1 to 128 characters of A-Z a-z 0-9 . _ -")
            .min_length(Some(1))
            .max_length(Some(MAX_QUEUE_CHARS))
            .pattern(Some(QUEUE_PATTERN))
            .into()
    }
}

impl ToSchema for QueueName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("QueueName")
    }
}

impl PartialSchema for LeaseToken {
    fn schema() -> RefOr<Schema> {
        string("An opaque lease token, as take handed it out; new for every attempt.")
            .min_length(Some(1))
            .max_length(Some(200))
            .into()
    }
}

impl ToSchema for LeaseToken {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("LeaseToken")
    }
}

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        string("An instant in RFC 3339, UTC, to the microsecond.")
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}
