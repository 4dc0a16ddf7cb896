//! The OpenAPI description's frame: title, version, the token scheme and the tags. The
//! paths and schemas come from the handlers themselves (see `routes`).

use utoipa::Modify;
use utoipa::openapi::OpenApi as Doc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The frame of `/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "jobq",
        description = "A persistent job queue over HTTP: submit jobs, take them with a lease, \
                       complete or fail them, and manage and inspect the queue. Errors are \
                       {\"error\":{\"code\",\"message\"}} with the fitting status. With a token, \
                       every /v1 call needs Authorization: Bearer TOKEN.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&TokenScheme),
    tags(
        (name = "jobs", description = "Submitting and reading jobs"),
        (name = "consume", description = "Taking jobs and settling their attempts"),
        (name = "manage", description = "Resubmitting, cancelling and purging"),
        (name = "ops", description = "Dashboard, health, metrics and this description"),
    )
)]
pub(crate) struct ApiDoc;

/// Adds the bearer token scheme the `/v1` routes name.
struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, doc: &mut Doc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
